#include "revocation/ocsp_signer.h"

#include <algorithm>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "crypto/random.h"
#include "pki/certificate_record.h"
#include "pki/issuing_rules.h"
#include "x509/certificate_builder.h"
#include "x509/extensions.h"

namespace nimbus::revocation {

namespace {

constexpr const char* kOcspSigningOid = "1.3.6.1.5.5.7.3.9";
constexpr std::string_view kResponderSuffix = " OCSP Responder";
// ub-common-name (RFC 5280 Appendix A), in characters.
constexpr std::size_t kMaxCommonNameCharacters = 64;

// The first `count` UTF-8 characters of `text`.
std::string utf8_prefix(std::string_view text, std::size_t count) {
  std::size_t characters = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    bool starts_character = (static_cast<unsigned char>(text[i]) & 0xC0) != 0x80;
    if (starts_character && characters++ == count) return std::string(text.substr(0, i));
  }
  return std::string(text);
}

std::size_t utf8_length(std::string_view text) {
  return static_cast<std::size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

// The CA's subject with its most specific CN replaced by "<CN> OCSP Responder" (or such a CN added),
// so operators recognise the responder in a chain dump and its O/OU/C stay those of the CA.
Result<x509::DistinguishedName> responder_subject(const x509::DistinguishedName& ca_subject) {
  std::string ca_name = ca_subject.common_name();
  std::size_t room = kMaxCommonNameCharacters - utf8_length(kResponderSuffix);
  if (utf8_length(ca_name) > room) ca_name = utf8_prefix(ca_name, room);
  std::string common_name = ca_name.empty() ? std::string("OCSP Responder") : ca_name + std::string(kResponderSuffix);

  return ca_subject.with_common_name(common_name);
}

crypto::KeySpec default_key_spec(const x509::Certificate& ca_certificate) {
  crypto::KeySpec spec;
  if (ca_certificate.public_key().is_ec()) {
    spec.algorithm = crypto::KeyAlgorithm::kEc;
    spec.curve = "p256";
  } else {
    spec.algorithm = crypto::KeyAlgorithm::kRsa;
    spec.rsa_bits = 2048;
  }
  return spec;
}

}  // namespace

bool ocsp_signer_due_for_renewal(const x509::Certificate& signer, Timestamp ca_not_after, Timestamp now) {
  if (now >= signer.not_after()) return true;
  Duration lifetime = signer.not_after() - signer.not_before();
  Duration remaining = signer.not_after() - now;
  if (remaining * 3 >= lifetime) return false;
  return signer.not_after() < ca_not_after;
}

OcspSigners::OcspSigners(store::Store& store, crypto::KeyStore& keys, Clock clock, OcspSignerOptions options)
    : store_(store), keys_(keys), clock_(std::move(clock)), options_(std::move(options)) {}

OcspSigners::Slot& OcspSigners::slot(const std::string& authority_id) {
  std::lock_guard lock(slots_mutex_);
  std::unique_ptr<Slot>& entry = slots_[authority_id];
  if (!entry) entry = std::make_unique<Slot>();
  return *entry;
}

namespace {

bool valid_at(const std::optional<OcspSigner>& signer, Timestamp now) {
  return signer && now < signer->certificate.not_after();
}

}  // namespace

Result<OcspSigner> OcspSigners::signer_for(const std::string& authority_id) {
  Slot& authority_slot = slot(authority_id);
  std::unique_lock lock(authority_slot.mutex);
  Timestamp now = clock_();
  // Expired while its successor is being made: wait for it rather than issue a second one.
  if (authority_slot.renewing && !valid_at(authority_slot.signer, now)) {
    authority_slot.renewed.wait(lock, [&] { return !authority_slot.renewing; });
  }
  if (authority_slot.signer &&
      !ocsp_signer_due_for_renewal(authority_slot.signer->certificate, authority_slot.ca_not_after, now)) {
    return *authority_slot.signer;
  }
  // Due: a signer that is still valid serves while its successor is made in the background or
  // while a failed attempt waits to be retried.
  bool valid = valid_at(authority_slot.signer, now);
  bool waiting_to_retry = authority_slot.failure && now < authority_slot.retry_at;
  if (valid && (authority_slot.renewing || waiting_to_retry)) return *authority_slot.signer;
  if (waiting_to_retry) return *authority_slot.failure;

  auto loaded = load_or_issue(authority_id, now);
  if (!loaded.ok()) {
    note_failure(authority_slot, authority_id, std::move(loaded).error(), now);
    if (valid) return *authority_slot.signer;
    return *authority_slot.failure;
  }
  authority_slot.failure.reset();
  authority_slot.signer = std::move(loaded->signer);
  authority_slot.ca_not_after = loaded->ca_not_after;
  return *authority_slot.signer;
}

void OcspSigners::note_failure(Slot& authority_slot, const std::string& authority_id, Error error, Timestamp now) {
  if (!authority_slot.failure) authority_slot.failed_since = now;
  authority_slot.failure = std::move(error).with_context(fmt::format("OCSP signer of '{}'", authority_id));
  authority_slot.retry_at = now + options_.retry_after_failure;
  auto retry_seconds = std::chrono::duration_cast<std::chrono::seconds>(options_.retry_after_failure).count();
  if (valid_at(authority_slot.signer, now)) {
    spdlog::warn("{}; the current signer serves until {}, the next attempt is in {} s",
                 authority_slot.failure->message(), format_timestamp(authority_slot.signer->certificate.not_after()),
                 retry_seconds);
  } else {
    spdlog::error("{}; OCSP answers for '{}' fail until it can be made (next attempt in {} s)",
                  authority_slot.failure->message(), authority_id, retry_seconds);
  }
}

std::vector<std::string> OcspSigners::renew_due() {
  std::vector<std::pair<std::string, Slot*>> loaded;
  {
    std::lock_guard lock(slots_mutex_);
    for (const auto& [id, entry] : slots_) loaded.emplace_back(id, entry.get());
  }
  std::vector<std::string> renewed;
  for (const auto& [authority_id, authority_slot] : loaded) {
    Timestamp now = clock_();
    {
      std::lock_guard lock(authority_slot->mutex);
      if (!valid_at(authority_slot->signer, now) || authority_slot->renewing) continue;
      if (authority_slot->failure && now < authority_slot->retry_at) continue;
      if (!ocsp_signer_due_for_renewal(authority_slot->signer->certificate, authority_slot->ca_not_after, now)) {
        continue;
      }
      authority_slot->renewing = true;
    }
    auto successor = load_or_issue(authority_id, now);
    {
      std::lock_guard lock(authority_slot->mutex);
      authority_slot->renewing = false;
      if (successor.ok()) {
        authority_slot->failure.reset();
        authority_slot->signer = std::move(successor->signer);
        authority_slot->ca_not_after = successor->ca_not_after;
        renewed.push_back(authority_id);
      } else {
        note_failure(*authority_slot, authority_id, std::move(successor).error(), now);
      }
    }
    authority_slot->renewed.notify_all();
  }
  return renewed;
}

std::vector<OcspSignerFailure> OcspSigners::failures() const {
  Timestamp now = clock_();
  std::vector<OcspSignerFailure> failing;
  std::lock_guard slots_lock(slots_mutex_);
  for (const auto& [authority_id, entry] : slots_) {
    std::lock_guard lock(entry->mutex);
    if (entry->failure && !valid_at(entry->signer, now)) {
      failing.push_back({authority_id, entry->failure->message(), entry->failed_since});
    }
  }
  return failing;
}

Result<crypto::PrivateKey> OcspSigners::load_key(const std::string& reference) {
  std::lock_guard lock(keys_mutex_);
  return keys_.load(reference);
}

Result<crypto::GeneratedKey> OcspSigners::generate_key(const crypto::KeySpec& spec, const std::string& label) {
  std::lock_guard lock(keys_mutex_);
  return keys_.generate(spec, label);
}

Result<OcspSigners::LoadedSigner> OcspSigners::load_or_issue(const std::string& authority_id, Timestamp now) {
  NIMBUS_ASSIGN_OR_RETURN(auto authority, store_.find_authority(authority_id));
  if (!authority) return Error(ErrorCode::kNotFound, fmt::format("no authority '{}'", authority_id));
  if (authority->status == store::AuthorityStatus::kPending || !authority->certificate_der) {
    return Error(ErrorCode::kFailedPrecondition,
                 fmt::format("authority '{}' has no certificate yet; it answers OCSP once it has one", authority_id));
  }
  NIMBUS_ASSIGN_OR_RETURN(x509::Certificate ca_certificate, x509::Certificate::from_der(*authority->certificate_der));

  NIMBUS_ASSIGN_OR_RETURN(auto stored, store_.current_ocsp_signer(authority_id));
  if (stored) {
    NIMBUS_ASSIGN_OR_RETURN(x509::Certificate certificate, x509::Certificate::from_der(stored->certificate_der));
    // A signer the CA's current key did not certify would only make clients reject our answers.
    bool certified = certificate.is_signed_by(ca_certificate.public_key());
    if (certified && !ocsp_signer_due_for_renewal(certificate, ca_certificate.not_after(), now)) {
      NIMBUS_ASSIGN_OR_RETURN(crypto::PrivateKey key, load_key(stored->key_reference));
      if (!(key.public_key() == certificate.public_key())) {
        return Error(ErrorCode::kFailedPrecondition,
                     fmt::format("the key stored for OCSP signer {} does not match its certificate", stored->serial));
      }
      return LoadedSigner{OcspSigner{authority_id, certificate, key}, ca_certificate.not_after()};
    }
    if (!certified) {
      spdlog::warn("OCSP signer {} of '{}' was not certified by its current key; issuing a new one", stored->serial,
                   authority_id);
    }
  }
  NIMBUS_ASSIGN_OR_RETURN(OcspSigner issued, issue(*authority, ca_certificate, now));
  return LoadedSigner{std::move(issued), ca_certificate.not_after()};
}

Result<OcspSigner> OcspSigners::issue(const store::AuthorityRecord& authority, const x509::Certificate& ca_certificate,
                                      Timestamp now) {
  if (now >= ca_certificate.not_after()) {
    return Error(ErrorCode::kFailedPrecondition,
                 fmt::format("the certificate of '{}' expired at {}; no signer can be certified under it", authority.id,
                             format_timestamp(ca_certificate.not_after())));
  }
  NIMBUS_ASSIGN_OR_RETURN(crypto::PrivateKey ca_key, load_key(authority.key_reference));
  if (!(ca_key.public_key() == ca_certificate.public_key())) {
    return Error(ErrorCode::kFailedPrecondition,
                 fmt::format("the key stored for '{}' does not match its certificate", authority.id));
  }
  NIMBUS_ASSIGN_OR_RETURN(x509::DistinguishedName subject, responder_subject(ca_certificate.subject()));
  Bytes serial;
  for (int attempt = 0; attempt < 8 && serial.empty(); ++attempt) {
    NIMBUS_ASSIGN_OR_RETURN(Bytes candidate, crypto::random_serial());
    NIMBUS_ASSIGN_OR_RETURN(bool taken, store_.serial_exists(to_hex(candidate)));
    if (!taken) serial = std::move(candidate);
  }
  if (serial.empty()) return Error(ErrorCode::kInternal, "could not draw an unused serial number");

  Timestamp not_before = std::max(now - pki::kClockSkewAllowance, ca_certificate.not_before());
  Timestamp not_after = std::min(now + options_.validity, ca_certificate.not_after());
  crypto::KeySpec spec = options_.key.value_or(default_key_spec(ca_certificate));

  NIMBUS_ASSIGN_OR_RETURN(crypto::GeneratedKey generated, generate_key(spec, authority.id + "-ocsp"));
  auto discard = [&] {
    std::lock_guard lock(keys_mutex_);
    Status discarded = keys_.discard(generated.reference);
    if (!discarded.ok()) spdlog::warn("could not discard an unused OCSP signer key: {}", discarded.error().message());
  };

  Bytes ca_key_id = ca_certificate.subject_key_id();
  crypto::PublicKey signer_key = generated.key.public_key();
  x509::CertificateBuilder builder;
  builder.set_subject(subject)
      .set_issuer(ca_certificate.subject())
      .set_serial(serial)
      .set_validity(not_before, not_after)
      .set_public_key(signer_key)
      .add_extension(x509::basic_constraints_extension(false, std::nullopt))
      .add_extension(x509::key_usage_extension({x509::KeyUsage::kDigitalSignature}))
      .add_extension(x509::extended_key_usage_extension({kOcspSigningOid}))
      .add_extension(x509::ocsp_no_check_extension())
      .add_extension(x509::subject_key_id_extension(x509::key_identifier(signer_key)))
      .add_extension(x509::authority_key_id_extension(
          ca_key_id.empty() ? x509::key_identifier(ca_certificate.public_key()) : ca_key_id));
  auto signed_certificate = builder.sign(ca_key, ca_key.preferred_digest());
  if (!signed_certificate.ok()) {
    discard();
    return std::move(signed_certificate).error();
  }
  const x509::Certificate& certificate = *signed_certificate;

  store::CertificateRecord record = pki::certificate_record(certificate, authority.id, std::nullopt, now);
  record.subject_alt_names = "[]";
  store::OcspSignerRecord signer_record{authority.id, record.serial, generated.reference, certificate.der(),
                                        certificate.not_before(), certificate.not_after()};
  std::string detail = fmt::format("subject=\"{}\" serial={} not_after={} key={}", record.subject, record.serial,
                                   format_timestamp(record.not_after), spec.to_string());
  Status committed = store_.write([&](store::StoreWriter& tx) -> Status {
    NIMBUS_TRY(tx.insert_certificate(record));
    NIMBUS_TRY(tx.insert_ocsp_signer(signer_record));
    return tx.append_audit({now, options_.actor, "ocsp_signer.issue", authority.id, detail});
  });
  if (!committed.ok()) {
    discard();
    return std::move(committed).error();
  }
  spdlog::info("issued OCSP signer for '{}': {}", authority.id, detail);
  return OcspSigner{authority.id, certificate, generated.key};
}

}  // namespace nimbus::revocation
