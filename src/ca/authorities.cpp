#include "ca/authorities.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "ca/ca_certificates.h"
#include "core/log_text.h"
#include "crypto/random.h"
#include "pki/authority_id.h"
#include "pki/certificate_record.h"
#include "pki/issuing_rules.h"
#include "revocation/crl_publisher.h"
#include "x509/chain_check.h"

namespace nimbus::ca {

using store::AuthorityKind;
using store::AuthorityRecord;
using store::AuthorityStatus;

namespace {

Status check_root_key(const crypto::KeySpec& key) {
  bool strong = (key.algorithm == crypto::KeyAlgorithm::kRsa && key.rsa_bits >= 3072) ||
                (key.algorithm == crypto::KeyAlgorithm::kEc && key.curve == "p384");
  if (!strong) {
    return Error(ErrorCode::kPolicyViolation,
                 fmt::format("a root key of {} is refused: a root outlives its issuing CAs; use rsa:4096, "
                             "rsa:3072 or ec:p384",
                             key.to_string()));
  }
  return ok_status();
}

std::string describe(const x509::Certificate& cert) {
  return fmt::format("subject=\"{}\" serial={} not_after={} key={}", cert.subject().to_string(), cert.serial_hex(),
                     format_timestamp(cert.not_after()), cert.public_key().spec_string());
}

}  // namespace

Authorities::Authorities(store::Store& store, crypto::KeyStore& keys, PublicationUrls urls, std::string actor,
                         Clock clock)
    : store_(store), keys_(keys), urls_(std::move(urls)), actor_(std::move(actor)), clock_(std::move(clock)) {}

store::AuditEvent Authorities::audit(std::string action, std::string target, std::string detail) const {
  return {clock_(), actor_, std::move(action), std::move(target), std::move(detail)};
}

Result<AuthorityRecord> Authorities::get(const std::string& id) {
  NIMBUS_ASSIGN_OR_RETURN(auto found, store_.find_authority(id));
  if (!found) {
    return Error(ErrorCode::kNotFound, fmt::format("no authority '{}' (see 'nimbus ca list')", id));
  }
  return std::move(*found);
}

Result<x509::Certificate> Authorities::certificate_of(const AuthorityRecord& authority) {
  if (!authority.certificate_der) {
    return Error(ErrorCode::kFailedPrecondition,
                 fmt::format("authority '{}' has no certificate yet; import it with 'nimbus ca import-cert {}'",
                             authority.id, authority.id));
  }
  auto cert = x509::Certificate::from_der(*authority.certificate_der);
  if (!cert.ok()) return std::move(cert).error().with_context(fmt::format("stored certificate of '{}'", authority.id));
  return cert;
}

Result<std::string> Authorities::choose_id(const std::string& requested, const x509::DistinguishedName& subject) {
  std::string id = requested.empty() ? pki::authority_id_from_name(subject.common_name()) : requested;
  if (id.empty()) {
    return Error(ErrorCode::kInvalidArgument, "cannot derive an id from the subject's CN; pass --id");
  }
  NIMBUS_TRY(pki::check_authority_id(id));
  NIMBUS_ASSIGN_OR_RETURN(auto existing, store_.find_authority(id));
  if (existing) {
    return Error(ErrorCode::kAlreadyExists,
                 fmt::format("an authority with id '{}' already exists; choose another with --id", id));
  }
  return id;
}

Result<Bytes> Authorities::unique_serial() {
  // 127 random bits collide with negligible probability; the check makes uniqueness a fact, and
  // the store's unique constraint backs it up.
  for (int attempt = 0; attempt < 8; ++attempt) {
    NIMBUS_ASSIGN_OR_RETURN(Bytes serial, crypto::random_serial());
    NIMBUS_ASSIGN_OR_RETURN(bool taken, store_.serial_exists(to_hex(serial)));
    if (!taken) return serial;
  }
  return Error(ErrorCode::kInternal, "could not draw an unused serial number; the random source is suspect");
}

Status Authorities::commit_or_discard(const std::string& key_reference,
                                      const std::function<Status(store::StoreWriter&)>& work) {
  Status committed = store_.write(work);
  if (!committed.ok()) {
    Status discarded = keys_.discard(key_reference);
    if (!discarded.ok()) spdlog::warn("could not discard an unused key: {}", discarded.error().message());
  }
  return committed;
}

Result<AuthorityRecord> Authorities::create_root(const NewRoot& request) {
  NIMBUS_TRY(check_root_key(request.key));
  NIMBUS_ASSIGN_OR_RETURN(std::string id, choose_id(request.id, request.subject));
  NIMBUS_TRY(keys_.check_unlock());
  NIMBUS_ASSIGN_OR_RETURN(Bytes serial, unique_serial());
  Timestamp now = clock_();
  CaCertificateFields fields{request.subject, serial, now - pki::kClockSkewAllowance, now + request.validity};

  NIMBUS_ASSIGN_OR_RETURN(crypto::GeneratedKey key, keys_.generate(request.key, id));
  return install({id, AuthorityKind::kRoot, std::nullopt, request.key}, key, sign_root_certificate(fields, id, key.key, urls_),
                 now);
}

Result<AuthorityRecord> Authorities::create_issuing(const NewIssuing& request) {
  NIMBUS_ASSIGN_OR_RETURN(AuthorityRecord parent, get(request.parent_id));
  if (parent.kind != AuthorityKind::kRoot) {
    return Error(ErrorCode::kPolicyViolation,
                 fmt::format("'{}' is an issuing CA (pathlen:0) and cannot sign CA certificates; choose a root "
                             "as --parent",
                             parent.id));
  }
  if (parent.status != AuthorityStatus::kActive) {
    return Error(ErrorCode::kFailedPrecondition,
                 fmt::format("parent '{}' is {}; it must be active to sign a new CA ('nimbus ca resume {}')",
                             parent.id, authority_status_name(parent.status), parent.id));
  }
  NIMBUS_ASSIGN_OR_RETURN(x509::Certificate parent_certificate, certificate_of(parent));
  NIMBUS_ASSIGN_OR_RETURN(std::string id, choose_id(request.id, request.subject));

  Timestamp now = clock_();
  Timestamp not_before = std::max(now - pki::kClockSkewAllowance, parent_certificate.not_before());
  Timestamp not_after = now + request.validity;
  if (not_after > parent_certificate.not_after()) {
    auto days_left = std::chrono::duration_cast<std::chrono::hours>(parent_certificate.not_after() - now).count() / 24;
    return Error(ErrorCode::kPolicyViolation,
                 fmt::format("a validity of {} would end after the parent '{}' expires ({}); choose at most {}d",
                             describe_duration(request.validity), parent.id,
                             format_timestamp(parent_certificate.not_after()), days_left));
  }

  NIMBUS_ASSIGN_OR_RETURN(crypto::PrivateKey parent_key, keys_.load(parent.key_reference));
  if (!(parent_key.public_key() == parent_certificate.public_key())) {
    return Error(ErrorCode::kFailedPrecondition,
                 fmt::format("the key stored for '{}' does not match its certificate", parent.id));
  }
  NIMBUS_ASSIGN_OR_RETURN(Bytes serial, unique_serial());
  CaCertificateFields fields{request.subject, serial, not_before, not_after};

  NIMBUS_ASSIGN_OR_RETURN(crypto::GeneratedKey key, keys_.generate(request.key, id));
  return install({id, AuthorityKind::kIssuing, parent.id, request.key}, key,
                 sign_issuing_certificate(fields, key.key.public_key(), {parent.id, parent_certificate, parent_key}, urls_),
                 now);
}

Result<AuthorityRecord> Authorities::install(const NewAuthority& authority, const crypto::GeneratedKey& key,
                                             Result<x509::Certificate> signed_certificate, Timestamp now) {
  if (!signed_certificate.ok()) {
    (void)keys_.discard(key.reference);
    return std::move(signed_certificate).error();
  }
  const x509::Certificate& certificate = *signed_certificate;
  AuthorityRecord record;
  record.id = authority.id;
  record.kind = authority.kind;
  record.parent_id = authority.parent_id;
  record.subject = certificate.subject().to_string();
  record.key_spec = authority.key.to_string();
  record.key_reference = key.reference;
  record.status = AuthorityStatus::kActive;
  record.certificate_der = certificate.der();
  record.created_at = now;
  // A root's certificate is its own; an issuing CA's is recorded as issued by its parent, whose CRL
  // and OCSP answers cover it.
  const std::string& issuer_id = authority.parent_id.value_or(authority.id);
  std::string detail = authority.parent_id ? fmt::format("issuing under '{}' {}", issuer_id, describe(certificate))
                                           : "root " + describe(certificate);

  NIMBUS_TRY(commit_or_discard(key.reference, [&](store::StoreWriter& tx) -> Status {
    NIMBUS_TRY(tx.insert_authority(record));
    NIMBUS_TRY(tx.insert_certificate(pki::certificate_record(certificate, issuer_id, authority.id, now)));
    NIMBUS_TRY(revocation::publish_crl(tx, {authority.id, certificate, key.key}, now));
    return tx.append_audit(audit("authority.create", authority.id, detail));
  }));
  spdlog::info("created CA '{}': {}", authority.id, detail);
  return get(authority.id);
}

Result<PendingAuthority> Authorities::create_issuing_for_external_parent(const NewExternalIssuing& request) {
  NIMBUS_ASSIGN_OR_RETURN(std::string id, choose_id(request.id, request.subject));
  NIMBUS_TRY(keys_.check_unlock());
  Timestamp now = clock_();
  NIMBUS_ASSIGN_OR_RETURN(crypto::GeneratedKey key, keys_.generate(request.key, id));
  auto csr = x509::CertificateRequest::create_for_ca(request.subject, key.key);
  if (!csr.ok()) {
    (void)keys_.discard(key.reference);
    return std::move(csr).error();
  }

  AuthorityRecord record;
  record.id = id;
  record.kind = AuthorityKind::kIssuing;
  record.subject = request.subject.to_string();
  record.key_spec = request.key.to_string();
  record.key_reference = key.reference;
  record.status = AuthorityStatus::kPending;
  record.created_at = now;

  NIMBUS_TRY(commit_or_discard(key.reference, [&](store::StoreWriter& tx) -> Status {
    NIMBUS_TRY(tx.insert_authority(record));
    return tx.append_audit(audit("authority.request", id,
                                 fmt::format("issuing CA for an external parent, subject=\"{}\" key={}",
                                             record.subject, record.key_spec)));
  }));
  spdlog::info("created pending issuing CA '{}' awaiting a certificate from an external parent", id);
  NIMBUS_ASSIGN_OR_RETURN(AuthorityRecord stored, get(id));
  return PendingAuthority{std::move(stored), std::move(csr).value()};
}

Result<AuthorityRecord> Authorities::import_certificate(const std::string& id, const x509::Certificate& certificate,
                                                        const std::vector<x509::Certificate>& chain) {
  NIMBUS_ASSIGN_OR_RETURN(AuthorityRecord authority, get(id));
  if (authority.status != AuthorityStatus::kPending) {
    return Error(ErrorCode::kFailedPrecondition,
                 fmt::format("authority '{}' is {}, not waiting for a certificate; only CAs created with "
                             "--external-parent accept one",
                             id, authority_status_name(authority.status)));
  }
  NIMBUS_ASSIGN_OR_RETURN(crypto::PrivateKey key, keys_.load(authority.key_reference));
  if (!(certificate.public_key() == key.public_key())) {
    return Error(ErrorCode::kPolicyViolation,
                 fmt::format("the certificate's public key is not the key of '{}': it was issued for another "
                             "request",
                             id));
  }
  NIMBUS_TRY(check_imported_ca_certificate(certificate));
  Timestamp now = clock_();
  if (certificate.not_after() <= now) {
    return Error(ErrorCode::kPolicyViolation,
                 fmt::format("the certificate expired at {}", format_timestamp(certificate.not_after())));
  }
  NIMBUS_TRY(x509::verify_chain_to_root(certificate, chain, now));
  for (const x509::Certificate& link : chain) {
    if (!link.is_self_issued() && link.crl_distribution_urls().empty()) {
      spdlog::warn("chain certificate \"{}\" has no CDP: relying parties that check the whole chain (NPS) "
                   "will deny clients under it with reason code 258",
                   loggable(link.subject().to_string()));
    }
  }
  if (!(certificate.subject().to_string() == authority.subject)) {
    spdlog::info("the external CA changed the subject of '{}' from \"{}\" to \"{}\"", id, loggable(authority.subject),
                 loggable(certificate.subject().to_string()));
  }

  std::string chain_pem;
  for (const x509::Certificate& link : chain) chain_pem += link.pem();

  NIMBUS_TRY(store_.write([&](store::StoreWriter& tx) -> Status {
    NIMBUS_TRY(tx.set_authority_certificate(id, certificate.der(), chain_pem));
    NIMBUS_TRY(revocation::publish_crl(tx, {id, certificate, key}, now));
    return tx.append_audit(audit("authority.import", id,
                                 fmt::format("issuer=\"{}\" {}", certificate.issuer().to_string(), describe(certificate))));
  }));
  spdlog::info("imported the certificate of '{}' from \"{}\"", id, loggable(certificate.issuer().to_string()));
  return get(id);
}

Status Authorities::set_status(const std::string& id, AuthorityStatus from, AuthorityStatus to,
                               std::string_view action) {
  NIMBUS_ASSIGN_OR_RETURN(AuthorityRecord authority, get(id));
  if (authority.status != from) {
    return Error(ErrorCode::kFailedPrecondition,
                 fmt::format("authority '{}' is {}; only an authority that is {} can become {}", id,
                             authority_status_name(authority.status), authority_status_name(from),
                             authority_status_name(to)));
  }
  NIMBUS_TRY(store_.write([&](store::StoreWriter& tx) -> Status {
    NIMBUS_TRY(tx.set_authority_status(id, to));
    return tx.append_audit(audit(std::string(action), id, ""));
  }));
  spdlog::info("authority '{}' is now {}", id, authority_status_name(to));
  return ok_status();
}

Status Authorities::pause(const std::string& id) {
  return set_status(id, AuthorityStatus::kActive, AuthorityStatus::kPaused, "authority.pause");
}

Status Authorities::resume(const std::string& id) {
  return set_status(id, AuthorityStatus::kPaused, AuthorityStatus::kActive, "authority.resume");
}

Status Authorities::revoke(const std::string& id, x509::RevocationReason reason) {
  NIMBUS_ASSIGN_OR_RETURN(AuthorityRecord authority, get(id));
  if (authority.kind == AuthorityKind::kRoot) {
    return Error(ErrorCode::kPolicyViolation,
                 fmt::format("'{}' is a root: nothing above it can revoke it; remove it from the trust stores "
                             "instead",
                             id));
  }
  if (!authority.parent_id) {
    return Error(ErrorCode::kFailedPrecondition,
                 fmt::format("'{}' was certified by an external CA; ask that CA to revoke its certificate", id));
  }
  if (authority.status == AuthorityStatus::kRevoked) {
    return Error(ErrorCode::kFailedPrecondition, fmt::format("authority '{}' is already revoked", id));
  }
  NIMBUS_ASSIGN_OR_RETURN(x509::Certificate certificate, certificate_of(authority));
  NIMBUS_ASSIGN_OR_RETURN(AuthorityRecord parent, get(*authority.parent_id));
  NIMBUS_ASSIGN_OR_RETURN(x509::Certificate parent_certificate, certificate_of(parent));
  NIMBUS_ASSIGN_OR_RETURN(crypto::PrivateKey parent_key, keys_.load(parent.key_reference));

  Timestamp now = clock_();
  NIMBUS_TRY(store_.write([&](store::StoreWriter& tx) -> Status {
    NIMBUS_TRY(tx.revoke_certificate(certificate.serial_hex(), now, static_cast<int>(reason)));
    NIMBUS_TRY(tx.set_authority_status(id, AuthorityStatus::kRevoked));
    NIMBUS_ASSIGN_OR_RETURN(store::CrlRecord crl, revocation::publish_crl(tx, {parent.id, parent_certificate, parent_key}, now));
    return tx.append_audit(audit("authority.revoke", id,
                                 fmt::format("reason={} serial={} parent_crl_number={}",
                                             x509::revocation_reason_name(reason), certificate.serial_hex(),
                                             crl.number)));
  }));
  spdlog::info("revoked issuing CA '{}' ({}); published CRL of '{}'", id, x509::revocation_reason_name(reason),
               parent.id);
  return ok_status();
}

Result<std::vector<x509::Certificate>> Authorities::chain(const std::string& id) {
  std::vector<x509::Certificate> certificates;
  std::string current = id;
  for (int depth = 0; depth < 8; ++depth) {
    NIMBUS_ASSIGN_OR_RETURN(AuthorityRecord authority, get(current));
    NIMBUS_ASSIGN_OR_RETURN(x509::Certificate certificate, certificate_of(authority));
    certificates.push_back(std::move(certificate));
    if (authority.external_chain_pem) {
      NIMBUS_ASSIGN_OR_RETURN(auto external, x509::Certificate::parse_all(as_bytes(*authority.external_chain_pem)));
      certificates.insert(certificates.end(), external.begin(), external.end());
      return certificates;
    }
    if (!authority.parent_id) return certificates;
    current = *authority.parent_id;
  }
  return Error(ErrorCode::kMalformed, fmt::format("the chain of '{}' is deeper than 8; the store is corrupt", id));
}

}  // namespace nimbus::ca
