// Fuzzes checking a fetched CRL against its issuer and indexing its entries, the work the
// verifier does once per CRL before it trusts a single entry. The input is the issuer's DER
// certificate followed by the CRL's DER, so that mutated CRLs whose signature still verifies (the
// seeds' do) reach the entry index.
#include <openssl/x509.h>

#include <cstddef>
#include <cstdint>

#include "crypto/handles.h"
#include "verify/checked_crl.h"
#include "verify/fetched_objects.h"

#include "input_scope.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  nimbus::fuzz::InputScope scope;
  const unsigned char* cursor = data;
  nimbus::crypto::X509Ptr boundary(d2i_X509(nullptr, &cursor, static_cast<long>(size)));
  if (!boundary) return 0;
  std::size_t issuer_size = static_cast<std::size_t>(cursor - data);
  auto issuer = nimbus::x509::Certificate::from_der(nimbus::ByteView(data, issuer_size));
  if (!issuer.ok()) return 0;
  auto crl = nimbus::verify::parse_fetched_crl(nimbus::ByteView(data + issuer_size, size - issuer_size));
  if (!crl.ok()) return 0;
  for (bool delta : {false, true}) {
    auto checked = nimbus::verify::CheckedCrl::check(*crl, *issuer, delta);
    if (!checked.ok()) continue;
    (void)(*checked)->describe();
    (void)(*checked)->stale_at(nimbus::now_utc());
    (void)(*checked)->scope_mismatch(*issuer, {});
    // Every serial the issuer's own certificate could have must be answerable.
    (void)(*checked)->find(issuer->serial());
    (void)(*checked)->find(nimbus::ByteView(data, std::min<std::size_t>(size, 40)));
  }
  return 0;
}
