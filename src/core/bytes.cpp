#include "core/bytes.h"

#include <openssl/crypto.h>

namespace nimbus {

namespace {
std::string hex(ByteView bytes, const char* digits, bool colons) {
  std::string out;
  out.reserve(bytes.size() * 3);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (colons && i > 0) out.push_back(':');
    out.push_back(digits[bytes[i] >> 4]);
    out.push_back(digits[bytes[i] & 0x0f]);
  }
  return out;
}
}  // namespace

std::string to_hex(ByteView bytes) { return hex(bytes, "0123456789abcdef", false); }

std::string to_colon_hex(ByteView bytes) { return hex(bytes, "0123456789ABCDEF", true); }

bool constant_time_equal(ByteView a, ByteView b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace nimbus
