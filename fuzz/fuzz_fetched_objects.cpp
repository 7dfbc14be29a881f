// Fuzzes what AIA caIssuers and CDP URLs answer: anything a server on the network (or in the
// path) can put in front of the verifier. One input is read every way the verifier reads fetched
// data: as an issuer bundle (DER, PEM, PKCS#7), as a CRL, and as libCurl's text form of an LDAP
// answer (whose decoded value is read as a bundle and a CRL again).
#include <cstddef>
#include <cstdint>

#include "verify/fetched_objects.h"

#include "input_scope.h"

namespace {

void read_as_fetched(nimbus::ByteView data) {
  auto certificates = nimbus::verify::parse_issuer_certificates(data);
  if (certificates.ok()) {
    if (certificates->empty() || certificates->size() > nimbus::verify::kMaxIssuerBundleCertificates) __builtin_trap();
    for (const auto& certificate : *certificates) {
      (void)certificate.subject().to_string();
      (void)certificate.ca_issuers_urls();
    }
  }
  auto crl = nimbus::verify::parse_fetched_crl(data);
  if (crl.ok()) (void)crl->issuer().to_string();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  nimbus::fuzz::InputScope scope;
  nimbus::ByteView input(data, size);
  read_as_fetched(input);
  auto decoded = nimbus::verify::decode_ldap_answer(input);
  if (decoded.ok()) {
    if (decoded->empty()) __builtin_trap();
    read_as_fetched(*decoded);
  }
  return 0;
}
