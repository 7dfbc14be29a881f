// Fuzzes PKCS#10 request parsing: the request a SCEP client or an operator hands Nimbus.
#include <cstddef>
#include <cstdint>

#include "x509/csr.h"

#include "input_scope.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  nimbus::fuzz::InputScope scope;
  auto request = nimbus::x509::CertificateRequest::parse(nimbus::ByteView(data, size));
  if (!request.ok()) return 0;
  (void)request->verify_signature();
  (void)request->subject().to_string();
  (void)request->public_key().spec_string();
  (void)request->pem();
  return 0;
}
