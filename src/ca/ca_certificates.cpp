#include "ca/ca_certificates.h"

#include <fmt/format.h>

#include "x509/certificate_builder.h"
#include "x509/extensions.h"

namespace nimbus::ca {

using x509::KeyUsage;

Result<x509::Certificate> sign_root_certificate(const CaCertificateFields& fields, const std::string& root_id,
                                                const crypto::PrivateKey& key, const PublicationUrls& urls) {
  crypto::PublicKey public_key = key.public_key();
  x509::CertificateBuilder builder;
  builder.set_subject(fields.subject)
      .set_issuer(fields.subject)
      .set_serial(fields.serial)
      .set_validity(fields.not_before, fields.not_after)
      .set_public_key(public_key)
      .add_extension(x509::basic_constraints_extension(true, std::nullopt))
      .add_extension(x509::key_usage_extension({KeyUsage::kKeyCertSign, KeyUsage::kCrlSign}))
      .add_extension(x509::subject_key_id_extension(x509::key_identifier(public_key)))
      .add_extension(x509::crl_distribution_points_extension({urls.cdp(root_id)}));
  return builder.sign(key, key.preferred_digest());
}

Result<x509::Certificate> sign_issuing_certificate(const CaCertificateFields& fields,
                                                   const crypto::PublicKey& subject_key,
                                                   const IssuingParent& parent,
                                                   const PublicationUrls& urls) {
  Bytes parent_key_id = parent.certificate.subject_key_id();
  if (parent_key_id.empty()) parent_key_id = x509::key_identifier(parent.certificate.public_key());
  x509::CertificateBuilder builder;
  builder.set_subject(fields.subject)
      .set_issuer(parent.certificate.subject())
      .set_serial(fields.serial)
      .set_validity(fields.not_before, fields.not_after)
      .set_public_key(subject_key)
      .add_extension(x509::basic_constraints_extension(true, 0))
      .add_extension(x509::key_usage_extension({KeyUsage::kKeyCertSign, KeyUsage::kCrlSign}))
      .add_extension(x509::subject_key_id_extension(x509::key_identifier(subject_key)))
      .add_extension(x509::authority_key_id_extension(parent_key_id))
      .add_extension(x509::authority_info_access_extension({urls.aia(parent.id)}, {}))
      .add_extension(x509::crl_distribution_points_extension({urls.cdp(parent.id)}));
  return builder.sign(parent.key, parent.key.preferred_digest());
}

Status check_imported_ca_certificate(const x509::Certificate& certificate) {
  std::vector<std::string> problems;
  auto constraints = certificate.basic_constraints();
  if (!constraints || !constraints->ca) {
    problems.push_back("it is not a CA certificate (basicConstraints CA:TRUE is missing)");
  }
  if (certificate.has_key_usage_extension() && !certificate.has_key_usage(KeyUsage::kKeyCertSign)) {
    problems.push_back("its keyUsage does not allow keyCertSign, so certificates it signs will be rejected");
  }
  if (certificate.crl_distribution_urls().empty()) {
    problems.push_back(
        "it has no CRL distribution point (CDP) URL: RADIUS servers such as NPS cannot check its "
        "revocation and deny every client under it with reason code 258 (Windows VPN error 853); "
        "ask the parent CA to reissue it with a CDP extension");
  }
  if (problems.empty()) return ok_status();
  std::string message = "the certificate was refused: ";
  for (std::size_t i = 0; i < problems.size(); ++i) {
    if (i > 0) message += "; ";
    message += problems[i];
  }
  return Error(ErrorCode::kPolicyViolation, std::move(message));
}

}  // namespace nimbus::ca
