#include "api/page_cursor.h"

#include <charconv>

#include <fmt/format.h>

#include "core/bytes.h"
#include "core/time.h"

namespace nimbus::api {

namespace {

Error not_a_cursor(std::string_view listing) {
  return Error(ErrorCode::kInvalidArgument,
               fmt::format("cursor is not one this server gave for {}; start again without it", listing));
}

Result<std::int64_t> parse_integer(std::string_view text, std::string_view listing) {
  std::int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < 0) return not_a_cursor(listing);
  // Only the form this server writes: no leading zeros, no sign.
  if (std::to_string(value) != text) return not_a_cursor(listing);
  return value;
}

}  // namespace

std::string encode_cursor(std::string_view listing, const std::vector<std::string>& fields) {
  std::string text(listing);
  for (const std::string& field : fields) text += '\n' + field;
  return to_hex(ByteView(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

Result<std::vector<std::string>> decode_cursor(std::string_view cursor, std::string_view listing,
                                               std::size_t field_count) {
  std::optional<Bytes> decoded = from_hex(cursor);
  if (!decoded) return not_a_cursor(listing);
  std::string_view text(reinterpret_cast<const char*>(decoded->data()), decoded->size());
  std::vector<std::string_view> parts;
  for (std::size_t start = 0;;) {
    std::size_t end = text.find('\n', start);
    parts.push_back(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  if (parts.size() != field_count + 1 || parts.front() != listing) return not_a_cursor(listing);
  return std::vector<std::string>(parts.begin() + 1, parts.end());
}

std::string certificate_cursor(const store::CertificatePosition& position) {
  const std::string seconds = std::to_string(position.issued_at.time_since_epoch().count());
  return encode_cursor("certificates", {seconds, position.serial});
}

Result<store::CertificatePosition> decode_certificate_cursor(std::string_view cursor) {
  NIMBUS_ASSIGN_OR_RETURN(std::vector<std::string> fields, decode_cursor(cursor, "certificates", 2));
  NIMBUS_ASSIGN_OR_RETURN(std::int64_t seconds, parse_integer(fields[0], "certificates"));
  std::optional<std::string> serial = canonical_hex(fields[1]);
  if (!serial || *serial != fields[1]) return not_a_cursor("certificates");
  return store::CertificatePosition{Timestamp(std::chrono::seconds(seconds)), fields[1]};
}

std::string sequence_cursor(std::string_view listing, std::uint64_t sequence) {
  return encode_cursor(listing, {std::to_string(sequence)});
}

Result<std::uint64_t> decode_sequence_cursor(std::string_view cursor, std::string_view listing) {
  NIMBUS_ASSIGN_OR_RETURN(std::vector<std::string> fields, decode_cursor(cursor, listing, 1));
  NIMBUS_ASSIGN_OR_RETURN(std::int64_t sequence, parse_integer(fields[0], listing));
  return static_cast<std::uint64_t>(sequence);
}

}  // namespace nimbus::api
