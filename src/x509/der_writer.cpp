#include "x509/der_writer.h"

namespace nimbus::x509::der {

void append_header(Bytes& out, std::uint8_t tag, std::size_t length) {
  out.push_back(tag);
  if (length < 0x80) {
    out.push_back(static_cast<std::uint8_t>(length));
    return;
  }
  std::size_t count = 0;
  for (std::size_t rest = length; rest != 0; rest >>= 8) ++count;
  out.push_back(static_cast<std::uint8_t>(0x80 | count));
  for (std::size_t i = count; i-- > 0;) out.push_back(static_cast<std::uint8_t>(length >> (8 * i)));
}

void append_element(Bytes& out, std::uint8_t tag, ByteView contents) {
  append_header(out, tag, contents.size());
  out.insert(out.end(), contents.begin(), contents.end());
}

Bytes element(std::uint8_t tag, ByteView contents) {
  Bytes out;
  out.reserve(contents.size() + 6);
  append_element(out, tag, contents);
  return out;
}

Bytes unsigned_integer_contents(ByteView magnitude) {
  std::size_t leading_zeros = 0;
  while (leading_zeros < magnitude.size() && magnitude[leading_zeros] == 0) ++leading_zeros;
  ByteView value = magnitude.subspan(leading_zeros);
  Bytes contents;
  contents.reserve(value.size() + 1);
  // A set top bit would read as negative: a zero octet keeps the value positive.
  if (value.empty() || (value[0] & 0x80) != 0) contents.push_back(0x00);
  contents.insert(contents.end(), value.begin(), value.end());
  return contents;
}

}  // namespace nimbus::x509::der
