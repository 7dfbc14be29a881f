// Writing DER (X.690): identifier, minimal definite length, contents. For the small structures
// Nimbus encodes itself (OCSP CertIDs and requests); nesting is built from the inside out.
#pragma once

#include <cstdint>

#include "core/bytes.h"

namespace nimbus::x509::der {

// Appends the identifier and length octets of an element with `length` contents octets.
void append_header(Bytes& out, std::uint8_t tag, std::size_t length);

// Appends a whole element.
void append_element(Bytes& out, std::uint8_t tag, ByteView contents);

// A whole element on its own.
Bytes element(std::uint8_t tag, ByteView contents);

// The contents octets of the DER INTEGER whose value is the unsigned big-endian `magnitude`
// (leading zero octets are dropped; an empty magnitude is zero).
Bytes unsigned_integer_contents(ByteView magnitude);

}  // namespace nimbus::x509::der
