#include "core/log_text.h"

#include <cstddef>

namespace nimbus {

namespace {

constexpr std::string_view kHexDigits = "0123456789abcdef";

bool is_continuation(unsigned char byte) { return (byte & 0xc0) == 0x80; }

// The length of the well-formed UTF-8 sequence (RFC 3629 section 4: shortest form, no surrogates,
// nothing above U+10FFFF) that text[at] starts; 0 when it starts none.
std::size_t utf8_sequence_length(std::string_view text, std::size_t at) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[at + k]); };
  std::size_t left = text.size() - at;
  unsigned char lead = byte(0);
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return left >= 2 && is_continuation(byte(1)) ? 2 : 0;
  if (lead >= 0xe0 && lead <= 0xef) {
    if (left < 3 || !is_continuation(byte(1)) || !is_continuation(byte(2))) return 0;
    if (lead == 0xe0 && byte(1) < 0xa0) return 0;   // overlong
    if (lead == 0xed && byte(1) >= 0xa0) return 0;  // UTF-16 surrogate
    return 3;
  }
  if (lead >= 0xf0 && lead <= 0xf4) {
    if (left < 4 || !is_continuation(byte(1)) || !is_continuation(byte(2)) || !is_continuation(byte(3))) return 0;
    if (lead == 0xf0 && byte(1) < 0x90) return 0;   // overlong
    if (lead == 0xf4 && byte(1) >= 0x90) return 0;  // above U+10FFFF
    return 4;
  }
  return 0;  // a continuation byte, C0/C1 (overlong two-byte forms) or F5..FF
}

bool is_c1_control(std::string_view text, std::size_t at, std::size_t length) {
  // U+0080..U+009F are C2 80..C2 9F.
  return length == 2 && static_cast<unsigned char>(text[at]) == 0xc2 && static_cast<unsigned char>(text[at + 1]) < 0xa0;
}

void append_hex_escape(std::string& out, unsigned char byte) {
  out += "\\x";
  out += kHexDigits[byte >> 4];
  out += kHexDigits[byte & 0x0f];
}

void append_unicode_escape(std::string& out, unsigned char code) {
  out += "\\u00";
  out += kHexDigits[code >> 4];
  out += kHexDigits[code & 0x0f];
}

bool is_plain_ascii(unsigned char byte) { return byte >= 0x20 && byte < 0x7f; }

}  // namespace

void append_log_text(std::string& out, std::string_view text, LogEscape mode) {
  std::size_t i = 0;
  while (i < text.size()) {
    auto byte = static_cast<unsigned char>(text[i]);
    if (is_plain_ascii(byte)) {
      if (byte == '\\' && mode == LogEscape::kValue) out += '\\';
      out += static_cast<char>(byte);
      ++i;
      continue;
    }
    std::size_t length = byte < 0x80 ? 0 : utf8_sequence_length(text, i);
    if (length == 0 || is_c1_control(text, i, length)) {
      std::size_t escaped = length == 0 ? 1 : length;
      for (std::size_t k = 0; k < escaped; ++k) append_hex_escape(out, static_cast<unsigned char>(text[i + k]));
      i += escaped;
      continue;
    }
    out.append(text.substr(i, length));
    i += length;
  }
}

std::string escape_log_text(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 8);
  append_log_text(out, text);
  return out;
}

bool is_log_safe(std::string_view text, LogEscape mode) {
  std::size_t i = 0;
  while (i < text.size()) {
    auto byte = static_cast<unsigned char>(text[i]);
    if (is_plain_ascii(byte)) {
      if (byte == '\\' && mode == LogEscape::kValue) return false;
      ++i;
      continue;
    }
    std::size_t length = byte < 0x80 ? 0 : utf8_sequence_length(text, i);
    if (length == 0 || is_c1_control(text, i, length)) return false;
    i += length;
  }
  return true;
}

void append_json_text(std::string& out, std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    auto byte = static_cast<unsigned char>(text[i]);
    if (byte < 0x80) {
      if (byte == '"' || byte == '\\') {
        out += '\\';
        out += static_cast<char>(byte);
      } else if (!is_plain_ascii(byte)) {
        append_unicode_escape(out, byte);
      } else {
        out += static_cast<char>(byte);
      }
      ++i;
      continue;
    }
    std::size_t length = utf8_sequence_length(text, i);
    if (length == 0) {
      // The backslash of \xNN is itself escaped, so that the parsed string reads \xNN.
      out += '\\';
      append_hex_escape(out, byte);
      ++i;
    } else if (is_c1_control(text, i, length)) {
      append_unicode_escape(out, static_cast<unsigned char>(text[i + 1]));
      i += length;
    } else {
      out.append(text.substr(i, length));
      i += length;
    }
  }
}

}  // namespace nimbus
