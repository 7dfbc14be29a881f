#include "core/bytes.h"

#include <array>
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

namespace {

// Digit values by character, 0xff for a non-digit. A table rather than comparisons: random hex
// digits defeat branch prediction, and CRL publication decodes millions of serials.
constexpr std::array<std::uint8_t, 256> kHexDigitValues = [] {
  std::array<std::uint8_t, 256> values{};
  values.fill(0xff);
  for (int i = 0; i < 10; ++i) values['0' + i] = static_cast<std::uint8_t>(i);
  for (int i = 0; i < 6; ++i) {
    values['a' + i] = static_cast<std::uint8_t>(10 + i);
    values['A' + i] = static_cast<std::uint8_t>(10 + i);
  }
  return values;
}();

}  // namespace

bool decode_hex(std::string_view hex, std::span<std::uint8_t> out) {
  if (hex.size() % 2 != 0 || out.size() != hex.size() / 2) return false;
  unsigned invalid = 0;
  for (std::size_t i = 0; i < out.size(); ++i) {
    unsigned high = kHexDigitValues[static_cast<unsigned char>(hex[2 * i])];
    unsigned low = kHexDigitValues[static_cast<unsigned char>(hex[2 * i + 1])];
    invalid |= high | low;
    out[i] = static_cast<std::uint8_t>((high << 4) | (low & 0x0f));
  }
  return (invalid & 0xf0) == 0;
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
