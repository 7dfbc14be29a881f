#include "core/bytes.h"

#include <cctype>

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

std::optional<std::string> canonical_hex(std::string_view text) {
  std::string hex;
  for (char c : text) {
    if (c == ':' || c == ' ') continue;
    hex.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  if (hex.empty() || !from_hex(hex)) return std::nullopt;
  return hex;
}

bool decode_hex(std::string_view hex, std::span<std::uint8_t> out) {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  if (hex.size() % 2 != 0 || out.size() != hex.size() / 2) return false;
  for (std::size_t i = 0; i < out.size(); ++i) {
    int high = nibble(hex[2 * i]);
    int low = nibble(hex[2 * i + 1]);
    if (high < 0 || low < 0) return false;
    out[i] = static_cast<std::uint8_t>(high * 16 + low);
  }
  return true;
}

std::optional<Bytes> from_hex(std::string_view hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  Bytes out(hex.size() / 2);
  if (!decode_hex(hex, out)) return std::nullopt;
  return out;
}

bool constant_time_equal(ByteView a, ByteView b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace nimbus
