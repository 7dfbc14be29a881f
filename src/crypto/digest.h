// Message digests used for thumbprints and key identifiers, HMAC-SHA256 for webhook signatures, and
// the MD5 constructions RADIUS is built on.
#pragma once

#include <array>
#include <cstdint>

#include "core/bytes.h"
#include "crypto/handles.h"

namespace nimbus::crypto {

Bytes sha1(ByteView data);
Bytes sha256(ByteView data);

// HMAC-SHA256 (RFC 2104 over FIPS 180-4): 32 bytes.
Bytes hmac_sha256(ByteView key, ByteView data);

using Md5Digest = std::array<std::uint8_t, 16>;

// MD5 over data given in pieces. RADIUS (RFC 2865, 2866, 2548) computes its authenticators and
// hides attribute values with it; it is no longer a collision-resistant hash, so nothing else in
// Nimbus may use it.
class Md5 {
 public:
  Md5();
  Md5& update(ByteView data);
  // The digest of everything given; the object is spent afterwards.
  Md5Digest finish();

 private:
  EvpMdCtxPtr context_;
};

// HMAC-MD5 (RFC 2104), the Message-Authenticator of RFC 3579 §3.2.
Md5Digest hmac_md5(ByteView key, ByteView data);

}  // namespace nimbus::crypto
