// Fuzzes checking a fetched CRL against its issuer and indexing its entries, the work the
// verifier does once per CRL before it trusts a single entry. The input is the issuer's DER
// certificate followed by the CRL's DER, so that mutated CRLs whose signature still verifies (the
// seeds' do) reach the entry index.
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "verify/checked_crl.h"
#include "verify/fetched_objects.h"

#include "input_scope.h"

namespace {

// The size of the element that starts `input` (identifier, length and contents octets), read from
// its header alone, or 0 when the input does not start with a whole element of definite length.
// Finding the end of the issuer this way rather than with d2i_X509 spares a second decoding of it,
// and so of its public key: the dearest part of parsing a certificate with OpenSSL 3.
std::size_t leading_element_size(const std::uint8_t* data, std::size_t size) {
  if (size < 2 || (data[0] & 0x1f) == 0x1f) return 0;  // no room for a header, or a multi-octet tag
  std::size_t header = 2;
  std::size_t length = data[1];
  if (length & 0x80) {
    std::size_t octets = length & 0x7f;
    // 0x80 is the indefinite form, which DER does not have; more than four octets exceed any input.
    if (octets == 0 || octets > 4 || size < header + octets) return 0;
    length = 0;
    for (std::size_t i = 0; i < octets; ++i) length = (length << 8) | data[header + i];
    header += octets;
  }
  return length <= size - header ? header + length : 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  nimbus::fuzz::InputScope scope;
  std::size_t issuer_size = leading_element_size(data, size);
  if (issuer_size == 0) return 0;
  // The CRL first: it is the cheaper of the two to parse, and without it the issuer is not needed.
  auto crl = nimbus::verify::parse_fetched_crl(nimbus::ByteView(data + issuer_size, size - issuer_size));
  if (!crl.ok()) return 0;
  auto issuer = nimbus::x509::Certificate::from_der(nimbus::ByteView(data, issuer_size));
  if (!issuer.ok()) return 0;
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
