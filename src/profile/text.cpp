#include "profile/text.h"

#include <fmt/format.h>

namespace nimbus::profile {

namespace {

// Decodes the code point at text[i], advancing i; -1 for a malformed sequence.
long decode_utf8(std::string_view text, std::size_t& i) {
  auto byte = [&](std::size_t at) { return static_cast<unsigned char>(text[at]); };
  unsigned char lead = byte(i);
  if (lead < 0x80) {
    ++i;
    return lead;
  }
  // Lead byte pattern, payload bits, sequence length, and the smallest code point that needs that
  // length: anything smaller is an overlong form, which decoders disagree about.
  struct Form {
    unsigned char mask, pattern, payload;
    std::size_t length;
    long minimum;
  };
  static constexpr Form kForms[] = {
      {0xE0, 0xC0, 0x1F, 2, 0x80}, {0xF0, 0xE0, 0x0F, 3, 0x800}, {0xF8, 0xF0, 0x07, 4, 0x10000}};
  const Form* form = nullptr;
  for (const Form& candidate : kForms) {
    if ((lead & candidate.mask) == candidate.pattern) form = &candidate;
  }
  if (form == nullptr) return -1;
  std::size_t length = form->length;
  long code_point = lead & form->payload;
  if (i + length > text.size()) return -1;
  for (std::size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return -1;
    code_point = (code_point << 6) | (byte(i + k) & 0x3F);
  }
  bool surrogate = code_point >= 0xD800 && code_point <= 0xDFFF;
  if (code_point < form->minimum || surrogate || code_point > 0x10FFFF) return -1;
  i += length;
  return code_point;
}

bool is_control(long code_point) {
  return code_point < 0x20 || (code_point >= 0x7F && code_point <= 0x9F);
}

}  // namespace

Status check_text(std::string_view text, bool allow_line_breaks) {
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t start = i;
    long code_point = decode_utf8(text, i);
    if (code_point < 0) {
      return Error(ErrorCode::kInvalidArgument,
                   fmt::format("is not valid UTF-8 (byte {} starts a malformed sequence)", start + 1));
    }
    bool line_break = code_point == '\n' || code_point == '\t' || code_point == '\r';
    if (is_control(code_point) && !(allow_line_breaks && line_break)) {
      return Error(ErrorCode::kInvalidArgument,
                   fmt::format("contains the control character U+{:04X} at byte {}", code_point, start + 1));
    }
  }
  return ok_status();
}

}  // namespace nimbus::profile
