// Fuzzes OCSP request parsing and checking: the bytes any client on the network can POST to the
// responder (or put base64-encoded in a GET URL). Everything before the store is consulted.
#include <cstddef>
#include <cstdint>

#include "revocation/ocsp_request.h"

#include "input_scope.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  nimbus::fuzz::InputScope scope;
  auto request = nimbus::revocation::OcspRequest::parse(nimbus::ByteView(data, size));
  if (!request.ok()) return 0;
  // What the responder reads next must be there for every request the parser lets through.
  for (std::size_t i = 0; i < request->cert_ids().size(); ++i) {
    if (request->cert_ids()[i].der.empty() || request->cert_ids()[i].der != request->parsed().requests()[i].cert_id.der()) {
      __builtin_trap();
    }
  }
  if (request->nonce() && (request->nonce()->empty() || request->nonce()->size() > nimbus::revocation::kMaxOcspNonceLength)) {
    __builtin_trap();
  }
  return 0;
}
