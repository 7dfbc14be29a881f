#include "ca/service_certificates.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/log_text.h"
#include "crypto/random.h"
#include "lint/certificate_lint.h"
#include "pki/certificate_record.h"
#include "x509/certificate_builder.h"
#include "x509/extensions.h"
#include "x509/key_purposes.h"

namespace nimbus::ca {

namespace {

bool is_ip_literal(const std::string& name) {
  unsigned char address[16];
  return inet_pton(AF_INET, name.c_str(), address) == 1 || inet_pton(AF_INET6, name.c_str(), address) == 1;
}

constexpr std::string_view kCertificateRequestAgentOid = "1.3.6.1.4.1.311.20.2.1";
constexpr std::string_view kEmailProtectionOid = "1.3.6.1.5.5.7.3.4";


}  // namespace

Result<store::AuthorityRecord> service_signing_authority(store::Store& store) {
  NIMBUS_ASSIGN_OR_RETURN(std::vector<store::AuthorityRecord> authorities, store.list_authorities());
  for (store::AuthorityKind kind : {store::AuthorityKind::kIssuing, store::AuthorityKind::kRoot}) {
    for (const store::AuthorityRecord& authority : authorities) {
      if (authority.kind == kind && authority.status == store::AuthorityStatus::kActive && authority.certificate_der) {
        return authority;
      }
    }
  }
  return Error(ErrorCode::kNotFound, "this deployment has no active authority to issue a service certificate");
}

Result<x509::Certificate> issue_service_certificate(store::Store& store, crypto::KeyStore& keys,
                                                    const PublicationUrls& urls,
                                                    const ServiceCertificateRequest& request) {
  NIMBUS_ASSIGN_OR_RETURN(std::optional<store::AuthorityRecord> authority, store.find_authority(request.authority_id));
  if (!authority || authority->status != store::AuthorityStatus::kActive || !authority->certificate_der) {
    return Error(ErrorCode::kNotFound, fmt::format("authority '{}' is not an active authority", request.authority_id));
  }
  NIMBUS_ASSIGN_OR_RETURN(x509::Certificate issuer, x509::Certificate::from_der(*authority->certificate_der));
  NIMBUS_ASSIGN_OR_RETURN(crypto::PrivateKey issuer_key, keys.load(authority->key_reference));

  Timestamp now = now_utc();
  Timestamp not_after = std::min(now + request.validity, issuer.not_after());
  NIMBUS_ASSIGN_OR_RETURN(Bytes serial, crypto::random_serial());
  std::vector<x509::KeyUsage> usages = {x509::KeyUsage::kDigitalSignature};
  if (request.key.is_rsa()) usages.push_back(x509::KeyUsage::kKeyEncipherment);
  bool registration_authority = request.role == ServiceRole::kScepRegistrationAuthority;
  if (registration_authority && !request.key.is_rsa()) {
    return Error(ErrorCode::kInvalidArgument, "a SCEP RA needs an RSA key: clients encrypt their requests to it");
  }
  std::vector<x509::AltName> names;
  for (const std::string& name : request.dns_names) {
    // A host given as an address is matched by clients against iPAddress entries only (RFC 6125 3.1.3.2).
    bool address = is_ip_literal(name);
    names.push_back({address ? x509::AltNameType::kIp : x509::AltNameType::kDns, name});
  }
  Bytes issuer_key_id = issuer.subject_key_id();

  x509::CertificateBuilder builder;
  builder.set_subject(request.subject)
      .set_issuer(issuer.subject())
      .set_serial(serial)
      .set_validity(std::max(now - std::chrono::minutes(5), issuer.not_before()), not_after)
      .set_public_key(request.key)
      .add_extension(x509::key_usage_extension(usages))
      .add_extension(x509::subject_key_id_extension(x509::key_identifier(request.key)))
      .add_extension(x509::authority_key_id_extension(issuer_key_id.empty() ? x509::key_identifier(issuer.public_key())
                                                                            : issuer_key_id))
      .add_extension(x509::authority_info_access_extension({urls.aia(authority->id)}, {urls.ocsp(authority->id)}))
      .add_extension(x509::crl_distribution_points_extension({urls.cdp(authority->id)}));
  std::vector<std::string> purposes = {std::string(x509::kServerAuthOid)};
  if (registration_authority) purposes = {std::string(kEmailProtectionOid), std::string(kCertificateRequestAgentOid)};
  builder.add_extension(x509::extended_key_usage_extension(purposes));
  if (!names.empty()) builder.add_extension(x509::subject_alt_name_extension(names, request.subject.empty()));
  crypto::SignatureDigest digest = crypto::SignatureDigest::kSha256;
  NIMBUS_ASSIGN_OR_RETURN(x509::Certificate to_be_signed, builder.assemble());
  NIMBUS_TRY(lint::check_end_entity(to_be_signed, {issuer, digest}));
  NIMBUS_ASSIGN_OR_RETURN(x509::Certificate certificate,
                          x509::CertificateBuilder::sign_assembled(to_be_signed, issuer_key, digest));

  store::CertificateRecord record = pki::certificate_record(certificate, authority->id, std::nullopt, now);
  NIMBUS_TRY(store.write([&](store::StoreWriter& tx) -> Status {
    NIMBUS_TRY(tx.insert_certificate(record));
    return tx.append_audit({now, request.actor, "certificate.issue", record.serial,
                            fmt::format("service certificate subject=\"{}\" not_after={}", record.subject,
                                        format_timestamp(record.not_after))});
  }));
  spdlog::info("issued service certificate {} to \"{}\" from authority '{}'", record.serial, loggable(record.subject),
               authority->id);
  return certificate;
}

}  // namespace nimbus::ca
