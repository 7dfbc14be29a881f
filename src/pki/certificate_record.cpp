#include "pki/certificate_record.h"

namespace nimbus::pki {

store::CertificateRecord certificate_record(const x509::Certificate& certificate, const std::string& issuer_id,
                                            const std::optional<std::string>& authority_id, Timestamp issued_at) {
  store::CertificateRecord record;
  record.serial = certificate.serial_hex();
  record.issuer_id = issuer_id;
  record.authority_id = authority_id;
  record.subject = certificate.subject().to_string();
  record.not_before = certificate.not_before();
  record.not_after = certificate.not_after();
  record.sha1 = to_hex(certificate.sha1_thumbprint());
  record.sha256 = to_hex(certificate.sha256_thumbprint());
  record.der = certificate.der();
  record.status = store::CertificateStatus::kValid;
  record.issued_at = issued_at;
  return record;
}

}  // namespace nimbus::pki
