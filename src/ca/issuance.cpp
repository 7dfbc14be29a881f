#include "ca/issuance.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "core/log_text.h"
#include "crypto/random.h"
#include "lint/certificate_lint.h"
#include "pki/certificate_record.h"
#include "profile/csr_policy.h"
#include "profile/names.h"
#include "x509/certificate_builder.h"
#include "x509/extensions.h"

namespace nimbus::ca {

namespace {

x509::AltNameType alt_name_type(profile::SanType type) {
  switch (type) {
    case profile::SanType::kUpn: return x509::AltNameType::kUpn;
    case profile::SanType::kDns: return x509::AltNameType::kDns;
    case profile::SanType::kEmail: return x509::AltNameType::kEmail;
    case profile::SanType::kUri: return x509::AltNameType::kUri;
  }
  return x509::AltNameType::kDns;
}

Result<profile::Variables> enrollment_variables(const store::EnrollmentRecord& record) {
  nlohmann::json parsed = nlohmann::json::parse(record.variables, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_object()) {
    return Error(ErrorCode::kMalformed, fmt::format("enrollment '{}' has corrupt variables", record.id));
  }
  profile::Variables variables;
  for (const auto& [name, value] : parsed.items()) {
    if (!value.is_string()) {
      return Error(ErrorCode::kMalformed, fmt::format("enrollment '{}' has corrupt variables", record.id));
    }
    variables[name] = value.get<std::string>();
  }
  return variables;
}

std::string alt_names_json(const std::vector<profile::SubjectAltName>& names) {
  nlohmann::json list = nlohmann::json::array();
  for (const profile::SubjectAltName& name : names) {
    list.push_back({{"type", std::string(profile::san_type_name(name.type))}, {"value", name.value}});
  }
  return list.dump();
}

crypto::SignatureDigest signing_digest(const profile::Profile& profile, const crypto::PrivateKey& ca_key) {
  // The CA's own preference when the profile allows it, else the first the profile lists.
  crypto::SignatureDigest preferred = ca_key.preferred_digest();
  for (crypto::SignatureDigest allowed : profile.hashes) {
    if (allowed == preferred) return preferred;
  }
  return profile.hashes.empty() ? preferred : profile.hashes.front();
}

// CRLReason superseded (RFC 5280 5.3.1).
constexpr int kSupersededReason = 4;

}  // namespace

Issuer::Issuer(store::Store& store, crypto::KeyStore& keys, PublicationUrls urls, std::string actor,
               IssuanceOptions options, Clock clock)
    : store_(store), keys_(keys), urls_(std::move(urls)), actor_(std::move(actor)), options_(options),
      clock_(std::move(clock)) {}

Result<profile::Profile> Issuer::parsed_profile(const store::ProfileRecord& record) {
  std::lock_guard lock(mutex_);
  auto cached = profiles_.find(record.id);
  if (cached != profiles_.end() && cached->second.first == record.version) return cached->second.second;
  auto parsed = profile::parse_profile(record.document);
  if (!parsed.ok()) {
    return std::move(parsed).error().with_context(fmt::format("stored profile '{}' v{}", record.id, record.version));
  }
  profiles_[record.id] = {record.version, *parsed};
  return parsed;
}

Result<Issuer::Enrollment> Issuer::pending_enrollment(const std::string& enrollment_id) {
  NIMBUS_ASSIGN_OR_RETURN(auto record, store_.find_enrollment(enrollment_id));
  if (!record) {
    return Error(ErrorCode::kNotFound, fmt::format("no enrollment '{}' (see 'nimbus enrollment list')", enrollment_id));
  }
  if (record->status != store::EnrollmentStatus::kPending) {
    return Error(ErrorCode::kFailedPrecondition,
                 fmt::format("enrollment '{}' was already used (certificate {}); each enrollment yields one "
                             "certificate: create a new one",
                             enrollment_id, record->certificate_serial.value_or("?")));
  }
  NIMBUS_ASSIGN_OR_RETURN(profile::Profile profile, current_profile(record->profile_id, enrollment_id));
  return Enrollment{std::move(*record), std::move(profile), std::nullopt, false};
}

Result<profile::Profile> Issuer::current_profile(const std::string& profile_id, const std::string& enrollment_id) {
  NIMBUS_ASSIGN_OR_RETURN(auto profile_record, store_.find_profile(profile_id));
  if (!profile_record) {
    return Error(ErrorCode::kFailedPrecondition,
                 fmt::format("the profile '{}' of enrollment '{}' has been deleted", profile_id, enrollment_id));
  }
  return parsed_profile(*profile_record);
}

Result<Issuer::Enrollment> Issuer::renewable_enrollment(const x509::Certificate& current) {
  std::string serial = current.serial_hex();
  NIMBUS_ASSIGN_OR_RETURN(std::optional<store::CertificateRecord> record, store_.find_certificate(serial));
  if (!record || record->der != current.der()) {
    return Error(ErrorCode::kNotFound, fmt::format("certificate {} was not issued by this deployment", serial));
  }
  if (!record->enrollment_id || !record->profile_id) {
    return Error(ErrorCode::kFailedPrecondition,
                 fmt::format("certificate {} was not issued for an enrollment; only those are renewed", serial));
  }
  Timestamp now = clock_();
  if (record->status == store::CertificateStatus::kRevoked) {
    return Error(ErrorCode::kFailedPrecondition, fmt::format("certificate {} is revoked; a revoked certificate is "
                                                             "not renewed: enroll again with a new challenge",
                                                             serial));
  }
  if (now < record->not_before || now >= record->not_after) {
    return Error(ErrorCode::kFailedPrecondition,
                 fmt::format("certificate {} is not valid now (valid {} to {}); enroll again with a new challenge",
                             serial, format_timestamp(record->not_before), format_timestamp(record->not_after)));
  }
  NIMBUS_ASSIGN_OR_RETURN(auto enrollment, store_.find_enrollment(*record->enrollment_id));
  if (!enrollment) {
    return Error(ErrorCode::kFailedPrecondition,
                 fmt::format("the enrollment '{}' of certificate {} is gone", *record->enrollment_id, serial));
  }
  NIMBUS_ASSIGN_OR_RETURN(profile::Profile profile, current_profile(*record->profile_id, enrollment->id));
  // Renewal opens once no more than the threshold's share of the validity remains.
  auto lifetime = std::chrono::duration_cast<std::chrono::seconds>(record->not_after - record->not_before);
  Timestamp opens = record->not_after - lifetime * profile.renewal_threshold_percent / 100;
  if (now < opens) {
    return Error(ErrorCode::kFailedPrecondition,
                 fmt::format("certificate {} is not due for renewal until {} (profile '{}' renews in the last {}% of "
                             "the validity)",
                             serial, format_timestamp(opens), profile.id, profile.renewal_threshold_percent));
  }
  return Enrollment{std::move(*enrollment), std::move(profile), std::move(*record), false};
}

Result<std::shared_ptr<const Issuer::SigningAuthority>> Issuer::signing_authority(const std::string& authority_id) {
  NIMBUS_ASSIGN_OR_RETURN(auto authority, store_.find_authority(authority_id));
  if (!authority) {
    return Error(ErrorCode::kFailedPrecondition, fmt::format("the issuing CA '{}' does not exist", authority_id));
  }
  if (authority->status != store::AuthorityStatus::kActive) {
    return Error(ErrorCode::kFailedPrecondition,
                 fmt::format("the issuing CA '{}' is {}; it issues no certificates until it is active{}", authority_id,
                             store::authority_status_name(authority->status),
                             authority->status == store::AuthorityStatus::kPaused
                                 ? fmt::format(" ('nimbus ca resume {}')", authority_id)
                                 : ""));
  }
  std::lock_guard lock(mutex_);
  auto cached = authorities_.find(authority_id);
  if (cached != authorities_.end()) return cached->second;
  if (!authority->certificate_der) {
    return Error(ErrorCode::kFailedPrecondition, fmt::format("the issuing CA '{}' has no certificate", authority_id));
  }
  NIMBUS_ASSIGN_OR_RETURN(x509::Certificate certificate, x509::Certificate::from_der(*authority->certificate_der));
  NIMBUS_ASSIGN_OR_RETURN(crypto::PrivateKey key, keys_.load(authority->key_reference));
  auto loaded = std::make_shared<const SigningAuthority>(SigningAuthority{authority_id, certificate, key});
  authorities_[authority_id] = loaded;
  return loaded;
}

Result<x509::Certificate> Issuer::issue(const std::string& enrollment_id, const x509::CertificateRequest& request,
                                        const RecordAlso& also) {
  NIMBUS_ASSIGN_OR_RETURN(Enrollment enrollment, pending_enrollment(enrollment_id));
  return issue_for_request(enrollment, request, also);
}

Result<x509::Certificate> Issuer::issue_for_new_enrollment(const store::EnrollmentRecord& record,
                                                           const x509::CertificateRequest& request,
                                                           const RecordAlso& also) {
  NIMBUS_ASSIGN_OR_RETURN(profile::Profile profile, current_profile(record.profile_id, record.id));
  return issue_for_request(Enrollment{record, std::move(profile), std::nullopt, true}, request, also);
}

Result<x509::Certificate> Issuer::issue_for_request(const Enrollment& enrollment,
                                                    const x509::CertificateRequest& request, const RecordAlso& also) {
  auto acceptable = profile::check_request(enrollment.profile, request);
  if (!acceptable.ok()) {
    spdlog::info("enrollment '{}': request refused: {}", loggable(enrollment.record.id),
                 loggable(acceptable.error().message()));
    return std::move(acceptable).error().with_context("the certificate request was refused");
  }
  return issue_for_key(enrollment, request.public_key(), request.subject(), also);
}

Result<x509::Certificate> Issuer::renew(const x509::Certificate& current, const x509::CertificateRequest& request,
                                        const RecordAlso& also) {
  NIMBUS_ASSIGN_OR_RETURN(Enrollment enrollment, renewable_enrollment(current));
  auto acceptable = profile::check_request(enrollment.profile, request);
  if (!acceptable.ok()) {
    spdlog::info("renewal of certificate {}: request refused: {}", current.serial_hex(),
                 loggable(acceptable.error().message()));
    return std::move(acceptable).error().with_context("the renewal request was refused");
  }
  return issue_for_key(enrollment, request.public_key(), request.subject(), also);
}

Result<GeneratedIdentity> Issuer::issue_with_generated_key(const std::string& enrollment_id,
                                                           const crypto::KeySpec& key_spec) {
  NIMBUS_ASSIGN_OR_RETURN(Enrollment enrollment, pending_enrollment(enrollment_id));
  NIMBUS_ASSIGN_OR_RETURN(crypto::PrivateKey key, crypto::PrivateKey::generate(key_spec));
  NIMBUS_TRY(profile::check_key(enrollment.profile, key.public_key()));
  NIMBUS_ASSIGN_OR_RETURN(x509::Certificate certificate, issue_for_key(enrollment, key.public_key(), std::nullopt));
  return GeneratedIdentity{std::move(certificate), std::move(key)};
}

Result<x509::Certificate> Issuer::issue_for_key(const Enrollment& enrollment, const crypto::PublicKey& subject_key,
                                                const std::optional<x509::DistinguishedName>& requested_subject,
                                                const RecordAlso& also) {
  const profile::Profile& profile = enrollment.profile;
  NIMBUS_ASSIGN_OR_RETURN(profile::Variables variables, enrollment_variables(enrollment.record));
  NIMBUS_ASSIGN_OR_RETURN(profile::RenderedNames names, profile::render_names(profile, variables));
  NIMBUS_ASSIGN_OR_RETURN(std::shared_ptr<const SigningAuthority> ca, signing_authority(profile.issuing_ca));
  if (requested_subject && !requested_subject->empty() && !(*requested_subject == names.subject)) {
    spdlog::info("enrollment '{}': the request asked for subject \"{}\"; the profile gives \"{}\"",
                 enrollment.record.id, loggable(requested_subject->to_string()), loggable(names.subject.to_string()));
  }

  Timestamp now = clock_();
  Timestamp not_before = std::max(now - options_.backdate, ca->certificate.not_before());
  Timestamp not_after = now + profile.validity;
  if (not_after > ca->certificate.not_after()) {
    return Error(ErrorCode::kPolicyViolation,
                 fmt::format("the profile's validity of {} would outlast the issuing CA '{}' (expires {}); renew the "
                             "CA or shorten the profile's validity",
                             describe_duration(profile.validity), ca->id, format_timestamp(ca->certificate.not_after())));
  }
  NIMBUS_ASSIGN_OR_RETURN(Bytes serial, crypto::random_serial());

  std::vector<x509::AltName> alt_names;
  for (const profile::SubjectAltName& name : names.subject_alt_names) {
    alt_names.push_back({alt_name_type(name.type), name.value});
  }
  Bytes ca_key_id = ca->certificate.subject_key_id();
  x509::CertificateBuilder builder;
  builder.set_subject(names.subject)
      .set_issuer(ca->certificate.subject())
      .set_serial(serial)
      .set_validity(not_before, not_after)
      .set_public_key(subject_key)
      .add_extension(x509::key_usage_extension(profile::key_usages_for(profile, subject_key)))
      .add_extension(x509::extended_key_usage_extension(profile.extended_key_usage))
      .add_extension(x509::subject_key_id_extension(x509::key_identifier(subject_key)))
      .add_extension(x509::authority_key_id_extension(ca_key_id.empty() ? x509::key_identifier(ca->certificate.public_key())
                                                                        : ca_key_id))
      .add_extension(x509::authority_info_access_extension({urls_.aia(ca->id)}, {urls_.ocsp(ca->id)}))
      .add_extension(x509::crl_distribution_points_extension({urls_.cdp(ca->id)}));
  if (!alt_names.empty()) builder.add_extension(x509::subject_alt_name_extension(alt_names, names.subject.empty()));
  if (!names.security_identifier.empty()) builder.add_extension(x509::sid_security_extension(names.security_identifier));

  crypto::SignatureDigest digest = signing_digest(profile, ca->key);
  NIMBUS_ASSIGN_OR_RETURN(x509::Certificate to_be_signed, builder.assemble());
  auto linted = lint::check_end_entity(to_be_signed, {ca->certificate, digest});
  if (!linted.ok()) {
    spdlog::error("enrollment '{}' under profile '{}': {}", enrollment.record.id, profile.id,
                  loggable(linted.error().message()));
    return linted.error();
  }
  NIMBUS_ASSIGN_OR_RETURN(x509::Certificate certificate, x509::CertificateBuilder::sign_assembled(to_be_signed, ca->key, digest));

  store::CertificateRecord record = pki::certificate_record(certificate, ca->id, std::nullopt, now);
  record.profile_id = profile.id;
  record.enrollment_id = enrollment.record.id;
  record.subject_alt_names = alt_names_json(names.subject_alt_names);
  const std::optional<store::CertificateRecord>& renews = enrollment.renews;
  NIMBUS_TRY(store_.write([&](store::StoreWriter& tx) -> Status {
    if (enrollment.unstored) NIMBUS_TRY(tx.insert_enrollment(enrollment.record));
    NIMBUS_TRY(tx.insert_certificate(record));
    std::string detail = fmt::format("profile={} enrollment={} subject=\"{}\" not_after={}", profile.id,
                                     enrollment.record.id, record.subject, format_timestamp(record.not_after));
    if (renews) {
      // Read again inside the write: a revocation since the checks must stop the renewal.
      NIMBUS_ASSIGN_OR_RETURN(std::optional<store::CertificateRecord> old, tx.find_certificate(renews->serial));
      if (!old || old->status != store::CertificateStatus::kValid) {
        return Error(ErrorCode::kFailedPrecondition,
                     fmt::format("certificate {} was revoked meanwhile; it is not renewed", renews->serial));
      }
      if (profile.revoke_on_renewal) NIMBUS_TRY(tx.revoke_certificate(renews->serial, now, kSupersededReason));
      detail += fmt::format(" renews={}{}", renews->serial, profile.revoke_on_renewal ? " (revoked, superseded)" : "");
    } else {
      NIMBUS_TRY(tx.mark_enrollment_used(enrollment.record.id, record.serial, now));
    }
    if (also) NIMBUS_TRY(also(tx, record));
    return tx.append_audit({now, actor_, renews ? "certificate.renew" : "certificate.issue", record.serial, detail});
  }));
  if (renews) {
    spdlog::info("renewed certificate {} as {} for \"{}\" under profile '{}' (enrollment '{}'){}", renews->serial,
                 record.serial, loggable(record.subject), profile.id, enrollment.record.id,
                 profile.revoke_on_renewal ? "; the old one is revoked as superseded" : "");
  } else {
    spdlog::info("issued certificate {} to \"{}\" under profile '{}' (enrollment '{}')", record.serial,
                 loggable(record.subject), profile.id, enrollment.record.id);
  }
  return certificate;
}

Result<std::vector<x509::Certificate>> Issuer::chain_of(const x509::Certificate& issued) {
  NIMBUS_ASSIGN_OR_RETURN(auto record, store_.find_certificate(issued.serial_hex()));
  if (!record) return Error(ErrorCode::kNotFound, fmt::format("certificate {} is not in the store", issued.serial_hex()));
  std::lock_guard lock(mutex_);
  Authorities authorities(store_, keys_, urls_, actor_, clock_);
  return authorities.chain(record->issuer_id);
}

}  // namespace nimbus::ca
