// Fuzzes what `nimbus ca import-cert` does with the certificate and chain files it is given:
// PEM/DER parsing and every accessor the import checks use.
#include <cstddef>
#include <cstdint>

#include "ca/ca_certificates.h"
#include "x509/certificate.h"

#include "input_scope.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  nimbus::fuzz::InputScope scope;
  auto certificates = nimbus::x509::Certificate::parse_all(nimbus::ByteView(data, size));
  if (!certificates.ok()) return 0;
  for (const nimbus::x509::Certificate& cert : *certificates) {
    (void)cert.subject().to_string();
    (void)cert.issuer().common_name();
    (void)cert.serial_hex();
    (void)cert.not_before();
    (void)cert.not_after();
    (void)cert.public_key().spec_string();
    (void)cert.basic_constraints();
    (void)cert.has_key_usage(nimbus::x509::KeyUsage::kKeyCertSign);
    (void)cert.subject_key_id();
    (void)cert.authority_key_id();
    (void)cert.crl_distribution_urls();
    (void)cert.ca_issuers_urls();
    (void)cert.ocsp_urls();
    (void)cert.is_self_issued();
    (void)cert.pem();
    (void)nimbus::ca::check_imported_ca_certificate(cert);
  }
  return 0;
}
