// Fuzzes OCSP response parsing: the bytes any responder (or anyone on the path to one, since OCSP
// travels over plain HTTP) hands `nimbus verify` and the verifier before a signature is checked.
#include <cstddef>
#include <cstdint>

#include "x509/ocsp_response.h"

#include "input_scope.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  nimbus::fuzz::InputScope scope;
  auto response = nimbus::x509::OcspResponse::parse(nimbus::ByteView(data, size));
  if (!response.ok()) return 0;
  if (response->der().size() != size) __builtin_trap();
  if (!response->basic()) return 0;
  // Everything a client reads next must hold up for every response the parser lets through.
  const nimbus::x509::OcspBasicResponse& basic = *response->basic();
  for (const nimbus::x509::OcspSingleResponse& single : basic.responses()) {
    if (basic.find(single.cert_id) == nullptr) __builtin_trap();
    if (single.status == nimbus::x509::OcspCertStatus::kRevoked && !single.revoked_at) __builtin_trap();
    (void)single.cert_id.serial();
    (void)single.cert_id.hash_algorithm_oid();
  }
  (void)basic.nonce();
  auto signer = basic.find_signer({});
  if (signer) (void)basic.is_signed_by(*signer);
  return 0;
}
