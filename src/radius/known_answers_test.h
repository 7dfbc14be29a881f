// The inputs the RADIUS tests' known answers were computed from (independently, with Python's
// hashlib and hmac, from the RFCs' constructions).
#pragma once

#include "core/bytes.h"
#include "radius/packet.h"

namespace nimbus::radius::testing {

inline const ByteView kSecret = as_bytes("s3cret");

// 00 01 02 .. 0f.
inline Authenticator counting_authenticator() {
  Authenticator a;
  for (std::size_t i = 0; i < a.size(); ++i) a[i] = static_cast<std::uint8_t>(i);
  return a;
}

}  // namespace nimbus::radius::testing
