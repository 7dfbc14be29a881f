// Byte strings and their text forms.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace nimbus {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

// Lower-case hexadecimal, no separators: "3f0a...".
std::string to_hex(ByteView bytes);

// Upper-case hexadecimal with colons, as certificate viewers show thumbprints: "3F:0A:...".
std::string to_colon_hex(ByteView bytes);

// Parses hexadecimal (either case, no separators, even length).
std::optional<Bytes> from_hex(std::string_view hex);

// The same into `out`, which must have exactly hex.size() / 2 octets: for hot loops that must not
// allocate. False, with `out` unspecified, for an odd length, a size mismatch or a non-hex digit.
bool decode_hex(std::string_view hex, std::span<std::uint8_t> out);

// A serial number or thumbprint as people paste it ("3F:0A:..", "3f 0a ..", "3F0A..") in the
// lower-case, separator-free form the store keys on; nullopt if it is not hex.
std::optional<std::string> canonical_hex(std::string_view text);

inline ByteView as_bytes(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

// Compares two secrets in time that depends only on their lengths.
bool constant_time_equal(ByteView a, ByteView b);

}  // namespace nimbus
