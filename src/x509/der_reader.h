// Reading DER (X.690) strictly, for the OCSP messages Nimbus takes from the network.
//
// OpenSSL's d2i functions accept BER (indefinite and non-minimal lengths, constructed strings),
// build a tree of many small allocations, and explain a failure only through the error queue. A
// Reader walks one buffer and hands out views into it: every element it returns has a definite,
// minimal length and lies wholly inside its parent, and every failure names the field, as a path
// from the outermost structure, and the offset in the message.
//
// A Reader borrows its input, its parent (for a nested reader) and the names it is given (string
// literals in practice): all must outlive it. Error texts are put together only when something
// fails; reading allocates nothing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/bytes.h"
#include "core/error.h"
#include "core/result.h"
#include "core/time.h"

namespace nimbus::x509::der {

// Identifier octets of the universal types OCSP uses. Only the single-octet (low tag number)
// form exists in X.509 and OCSP; a multi-octet tag is refused as malformed.
inline constexpr std::uint8_t kBoolean = 0x01;
inline constexpr std::uint8_t kInteger = 0x02;
inline constexpr std::uint8_t kBitString = 0x03;
inline constexpr std::uint8_t kOctetString = 0x04;
inline constexpr std::uint8_t kNull = 0x05;
inline constexpr std::uint8_t kObjectIdentifier = 0x06;
inline constexpr std::uint8_t kEnumerated = 0x0a;
inline constexpr std::uint8_t kGeneralizedTime = 0x18;
inline constexpr std::uint8_t kSequence = 0x30;

// [number] of the context-specific class: constructed for EXPLICIT tags and IMPLICIT constructed
// types, primitive for IMPLICIT primitive ones.
constexpr std::uint8_t context_tag(unsigned number, bool constructed) {
  return static_cast<std::uint8_t>(0x80 | (constructed ? 0x20 : 0x00) | number);
}

// One element as it appears in the input.
struct Element {
  std::uint8_t tag = 0;
  ByteView contents;
  ByteView encoding;  // identifier, length and contents octets
};

// AlgorithmIdentifier (RFC 5280 4.1.1.2): an OBJECT IDENTIFIER and parameters of any type, or none.
struct AlgorithmIdentifier {
  ByteView oid;     // contents of the OBJECT IDENTIFIER
  Element element;  // the whole AlgorithmIdentifier
};

class Reader {
 public:
  // A reader over the contents of the one element, tagged `tag`, that makes up the whole of
  // `input`. `name` heads every error path ("OCSPRequest"); bytes after the element are
  // refused as "N bytes follow the <name>".
  static Result<Reader> message(ByteView input, std::uint8_t tag, std::string_view name);

  bool at_end() const { return position_ == input_.size(); }
  // What is left to read.
  ByteView remaining() const { return input_.subspan(position_); }
  // True when another element follows and its identifier octet is `tag`.
  bool next_is(std::uint8_t tag) const { return !at_end() && input_[position_] == tag; }

  // The next element, which must be tagged `tag`. `field` names it in errors.
  Result<Element> read(std::uint8_t tag, std::string_view field);
  // The next element, whatever its tag.
  Result<Element> read_any(std::string_view field);
  // A reader over the contents of the next element, which must be tagged `tag` (a SEQUENCE or an
  // EXPLICIT tag). `index`, when not negative, is shown after the field: "requestList[2]"; an
  // empty field adds only the index to the path.
  Result<Reader> enter(std::uint8_t tag, std::string_view field, int index = -1);
  // A reader over the contents of `element`, which this reader returned.
  Reader open(const Element& element, std::string_view field, int index = -1) const;
  // A reader over the contents of the one element, tagged `tag`, that the next element (an OCTET
  // STRING) holds: how an encapsulated structure such as ResponseBytes.response is read.
  Result<Reader> enter_encapsulated(std::uint8_t tag, std::string_view field);

  // Primitive values, each checked against the DER rules for its type.
  // INTEGER contents: two's complement, big-endian, minimal.
  Result<ByteView> read_integer(std::string_view field);
  // A small INTEGER or ENUMERATED (`tag`), that fits an int.
  Result<int> read_small_integer(std::uint8_t tag, std::string_view field);
  // BOOLEAN: DER allows only 0x00 and 0xFF.
  Result<bool> read_boolean(std::string_view field);
  // OBJECT IDENTIFIER contents (the encoded arcs).
  Result<ByteView> read_object_identifier(std::string_view field);
  // OCTET STRING contents (primitive: DER has no constructed strings).
  Result<ByteView> read_octet_string(std::string_view field);
  // NULL (no contents).
  Status read_null(std::uint8_t tag, std::string_view field);
  // BIT STRING: the whole element, once the unused-bits count and the padding bits are checked.
  Result<Element> read_bit_string(std::string_view field);
  // GeneralizedTime in DER form: YYYYMMDDHHMMSS, optional fractional seconds without trailing
  // zeros, and Z. Fractions are dropped: Nimbus keeps whole seconds.
  Result<Timestamp> read_generalized_time(std::string_view field);

  // An AlgorithmIdentifier SEQUENCE.
  Result<AlgorithmIdentifier> read_algorithm_identifier(std::string_view field);

  // Fails when anything follows the last element read: every structure is read to its end.
  Status expect_end() const;

  // kMalformed: "<path>: <message> (offset N)", at the next unread element.
  Error error(std::string_view message) const;

 private:
  Reader(ByteView input, std::string_view name, const Reader* parent, std::size_t base, int index)
      : input_(input), name_(name), parent_(parent), base_(base), index_(index) {}

  Error error_at(std::size_t position, std::string_view field, std::string_view message) const;
  Result<Element> read_checked(std::uint8_t tag, std::string_view field);
  std::string path() const;

  ByteView input_;
  std::size_t position_ = 0;
  std::string_view name_;
  const Reader* parent_;
  std::size_t base_;  // offset of input_ in the outermost message
  int index_;
};

// The dotted text of OBJECT IDENTIFIER contents that read_object_identifier accepted.
std::string dotted_object_identifier(ByteView contents);

}  // namespace nimbus::x509::der
