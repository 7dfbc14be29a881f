// Randomness from OpenSSL's CSPRNG.
#pragma once

#include <cstddef>

#include "core/bytes.h"
#include "core/result.h"

namespace nimbus::crypto {

Result<Bytes> random_bytes(std::size_t count);

// A certificate serial number: 16 random bytes with the top bit cleared, so that the DER INTEGER
// is positive and exactly 16 bytes of content carry 127 bits of entropy (CA/B BR 7.1 asks >= 64).
// The first byte is also kept non-zero so the encoding never shrinks below 16 bytes.
Result<Bytes> random_serial();

// A passphrase of `bytes` random bytes, base64url-encoded: for generated demo and test secrets.
Result<std::string> random_passphrase(std::size_t bytes = 32);

}  // namespace nimbus::crypto
