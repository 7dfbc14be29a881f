#include "x509/der_reader.h"

#include <openssl/asn1.h>

#include <chrono>

#include <fmt/format.h>

#include "crypto/handles.h"
#include "crypto/object_identifier.h"

namespace nimbus::x509::der {

namespace {

// Lengths above this many octets of length would describe elements of 4 GiB or more.
constexpr std::size_t kMaxLengthOctets = 4;

std::string tag_name(std::uint8_t tag) {
  switch (tag) {
    case kBoolean: return "BOOLEAN";
    case kInteger: return "INTEGER";
    case kBitString: return "BIT STRING";
    case kOctetString: return "OCTET STRING";
    case kNull: return "NULL";
    case kObjectIdentifier: return "OBJECT IDENTIFIER";
    case kEnumerated: return "ENUMERATED";
    case kGeneralizedTime: return "GeneralizedTime";
    case kSequence: return "SEQUENCE";
    default: break;
  }
  if ((tag & 0xc0) == 0x80) return fmt::format("[{}]{}", tag & 0x1f, (tag & 0x20) ? "" : " (primitive)");
  return fmt::format("tag 0x{:02x}", tag);
}

struct Header {
  std::uint8_t tag = 0;
  std::size_t header_size = 0;
  std::size_t length = 0;
};

// Decodes the identifier and length octets at input[position]; on failure, says why.
std::optional<std::string> parse_header(ByteView input, std::size_t position, Header& header) {
  std::size_t remaining = input.size() - position;
  const std::uint8_t* at = input.data() + position;
  header.tag = at[0];
  if ((header.tag & 0x1f) == 0x1f) return std::string("multi-octet tags do not occur here");
  if (remaining < 2) return fmt::format("{} is cut off before its length", tag_name(header.tag));
  std::uint8_t first = at[1];
  if (first < 0x80) {
    header.header_size = 2;
    header.length = first;
  } else if (first == 0x80) {
    return fmt::format("{} has an indefinite length, which is BER, not DER", tag_name(header.tag));
  } else {
    std::size_t count = first & 0x7f;
    if (count > kMaxLengthOctets) {
      return fmt::format("{} has a length of {} octets; at most {} are accepted", tag_name(header.tag), count,
                         kMaxLengthOctets);
    }
    if (remaining < 2 + count) return fmt::format("the length of {} is cut off", tag_name(header.tag));
    std::size_t length = 0;
    for (std::size_t i = 0; i < count; ++i) length = (length << 8) | at[2 + i];
    // DER: the short form below 128, and no leading zero octet in the long form.
    if (length < 0x80 || at[2] == 0) {
      return fmt::format("the length of {} is not minimally encoded, as DER requires", tag_name(header.tag));
    }
    header.header_size = 2 + count;
    header.length = length;
  }
  if (header.length > remaining - header.header_size) {
    return fmt::format("{} claims {} bytes, but only {} remain", tag_name(header.tag), header.length,
                       remaining - header.header_size);
  }
  return std::nullopt;
}

bool digits(ByteView text, std::size_t from, std::size_t count, int& value) {
  value = 0;
  for (std::size_t i = from; i < from + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    value = value * 10 + (text[i] - '0');
  }
  return true;
}

}  // namespace

Result<Reader> Reader::message(ByteView input, std::uint8_t tag, std::string_view name) {
  Reader whole(input, name, nullptr, 0, -1);
  NIMBUS_ASSIGN_OR_RETURN(Element element, whole.read_checked(tag, ""));
  if (!whole.at_end()) {
    return Error(ErrorCode::kMalformed, fmt::format("{} bytes follow the {}", input.size() - whole.position_, name));
  }
  return Reader(element.contents, name, nullptr, static_cast<std::size_t>(element.contents.data() - input.data()), -1);
}

Result<Element> Reader::read_checked(std::uint8_t tag, std::string_view field) {
  if (at_end()) return error_at(position_, field, fmt::format("expected {}, but the input ends", tag_name(tag)));
  Header header;
  if (std::optional<std::string> problem = parse_header(input_, position_, header)) {
    return error_at(position_, field, *problem);
  }
  if (header.tag != tag) {
    return error_at(position_, field, fmt::format("expected {}, found {}", tag_name(tag), tag_name(header.tag)));
  }
  Element element{header.tag, input_.subspan(position_ + header.header_size, header.length),
                  input_.subspan(position_, header.header_size + header.length)};
  position_ += header.header_size + header.length;
  return element;
}

Result<Element> Reader::read(std::uint8_t tag, std::string_view field) { return read_checked(tag, field); }

Result<Element> Reader::read_any(std::string_view field) {
  if (at_end()) return error_at(position_, field, "expected an element, but the input ends");
  return read_checked(input_[position_], field);
}

Reader Reader::open(const Element& element, std::string_view field, int index) const {
  auto offset = static_cast<std::size_t>(element.contents.data() - input_.data());
  return Reader(element.contents, field, this, base_ + offset, index);
}

Result<Reader> Reader::enter(std::uint8_t tag, std::string_view field, int index) {
  NIMBUS_ASSIGN_OR_RETURN(Element element, read_checked(tag, field));
  return open(element, field, index);
}

Result<Reader> Reader::enter_encapsulated(std::uint8_t tag, std::string_view field) {
  std::size_t start = position_;
  NIMBUS_ASSIGN_OR_RETURN(Element wrapper, read_checked(kOctetString, field));
  Reader outer = open(wrapper, field);
  NIMBUS_ASSIGN_OR_RETURN(Element inner, outer.read_checked(tag, ""));
  if (!outer.at_end()) {
    return error_at(start, field,
                    fmt::format("{} bytes follow the {} inside the OCTET STRING", wrapper.contents.size() - outer.position_,
                                tag_name(tag)));
  }
  return Reader(inner.contents, field, this,
                base_ + static_cast<std::size_t>(inner.contents.data() - input_.data()), -1);
}

Result<ByteView> Reader::read_integer(std::string_view field) {
  std::size_t start = position_;
  NIMBUS_ASSIGN_OR_RETURN(Element element, read_checked(kInteger, field));
  ByteView value = element.contents;
  if (value.empty()) return error_at(start, field, "INTEGER has no contents octets");
  if (value.size() > 1 && ((value[0] == 0x00 && value[1] < 0x80) || (value[0] == 0xff && value[1] >= 0x80))) {
    return error_at(start, field, "INTEGER is not minimally encoded, as DER requires");
  }
  return value;
}

Result<int> Reader::read_small_integer(std::uint8_t tag, std::string_view field) {
  std::size_t start = position_;
  NIMBUS_ASSIGN_OR_RETURN(Element element, read_checked(tag, field));
  ByteView value = element.contents;
  if (value.empty()) return error_at(start, field, fmt::format("{} has no contents octets", tag_name(tag)));
  if (value.size() > 1 && ((value[0] == 0x00 && value[1] < 0x80) || (value[0] == 0xff && value[1] >= 0x80))) {
    return error_at(start, field, fmt::format("{} is not minimally encoded, as DER requires", tag_name(tag)));
  }
  if (value.size() > sizeof(int)) return error_at(start, field, fmt::format("{} is out of range", tag_name(tag)));
  int result = (value[0] & 0x80) ? -1 : 0;
  for (std::uint8_t octet : value) result = static_cast<int>(static_cast<unsigned>(result) << 8) | octet;
  return result;
}

Result<bool> Reader::read_boolean(std::string_view field) {
  std::size_t start = position_;
  NIMBUS_ASSIGN_OR_RETURN(Element element, read_checked(kBoolean, field));
  if (element.contents.size() != 1 || (element.contents[0] != 0x00 && element.contents[0] != 0xff)) {
    return error_at(start, field, "BOOLEAN must be the one octet 0x00 or 0xFF in DER");
  }
  return element.contents[0] == 0xff;
}

Result<ByteView> Reader::read_object_identifier(std::string_view field) {
  std::size_t start = position_;
  NIMBUS_ASSIGN_OR_RETURN(Element element, read_checked(kObjectIdentifier, field));
  ByteView arcs = element.contents;
  if (arcs.empty()) return error_at(start, field, "OBJECT IDENTIFIER has no contents octets");
  if ((arcs.back() & 0x80) != 0) return error_at(start, field, "OBJECT IDENTIFIER ends inside an arc");
  bool arc_start = true;
  for (std::uint8_t octet : arcs) {
    if (arc_start && octet == 0x80) {
      return error_at(start, field, "an arc of the OBJECT IDENTIFIER is not minimally encoded");
    }
    arc_start = (octet & 0x80) == 0;
  }
  return arcs;
}

Result<ByteView> Reader::read_octet_string(std::string_view field) {
  NIMBUS_ASSIGN_OR_RETURN(Element element, read_checked(kOctetString, field));
  return element.contents;
}

Status Reader::read_null(std::uint8_t tag, std::string_view field) {
  std::size_t start = position_;
  NIMBUS_ASSIGN_OR_RETURN(Element element, read_checked(tag, field));
  if (!element.contents.empty()) return error_at(start, field, "NULL has contents octets");
  return ok_status();
}

Result<Element> Reader::read_bit_string(std::string_view field) {
  std::size_t start = position_;
  NIMBUS_ASSIGN_OR_RETURN(Element element, read_checked(kBitString, field));
  ByteView bits = element.contents;
  if (bits.empty()) return error_at(start, field, "BIT STRING has no unused-bits octet");
  std::uint8_t unused = bits[0];
  if (unused > 7 || (bits.size() == 1 && unused != 0)) {
    return error_at(start, field, fmt::format("BIT STRING claims {} unused bits", unused));
  }
  if (unused != 0 && (bits.back() & ((1u << unused) - 1)) != 0) {
    return error_at(start, field, "the unused bits of the BIT STRING are not zero, as DER requires");
  }
  return element;
}

Result<Timestamp> Reader::read_generalized_time(std::string_view field) {
  std::size_t start = position_;
  NIMBUS_ASSIGN_OR_RETURN(Element element, read_checked(kGeneralizedTime, field));
  ByteView text = element.contents;
  auto refuse = [&] {
    return error_at(start, field, "GeneralizedTime is not in the DER form YYYYMMDDHHMMSS[.fff]Z");
  };
  // "YYYYMMDDHHMMSS" "Z", or with ".f+" before the Z; a fraction has no trailing zero (X.690 11.7).
  if (text.size() < 15 || text.back() != 'Z') return refuse();
  if (text.size() > 15) {
    if (text[14] != '.' || text.size() < 17 || text[text.size() - 2] == '0') return refuse();
    for (std::size_t i = 15; i + 1 < text.size(); ++i) {
      if (text[i] < '0' || text[i] > '9') return refuse();
    }
  }
  int year = 0, month = 0, day = 0, hours = 0, minutes = 0, seconds = 0;
  if (!digits(text, 0, 4, year) || !digits(text, 4, 2, month) || !digits(text, 6, 2, day) ||
      !digits(text, 8, 2, hours) || !digits(text, 10, 2, minutes) || !digits(text, 12, 2, seconds)) {
    return refuse();
  }
  std::chrono::year_month_day date{std::chrono::year(year), std::chrono::month(static_cast<unsigned>(month)),
                                   std::chrono::day(static_cast<unsigned>(day))};
  if (!date.ok() || hours > 23 || minutes > 59 || seconds > 59) {
    return error_at(start, field, "GeneralizedTime names no valid date and time");
  }
  return Timestamp(std::chrono::sys_days(date)) + std::chrono::hours(hours) + std::chrono::minutes(minutes) +
         std::chrono::seconds(seconds);
}

Result<AlgorithmIdentifier> Reader::read_algorithm_identifier(std::string_view field) {
  NIMBUS_ASSIGN_OR_RETURN(Element element, read_checked(kSequence, field));
  Reader contents = open(element, field);
  NIMBUS_ASSIGN_OR_RETURN(ByteView oid, contents.read_object_identifier("algorithm"));
  if (!contents.at_end()) NIMBUS_TRY(contents.read_any("parameters"));
  NIMBUS_TRY(contents.expect_end());
  return AlgorithmIdentifier{oid, element};
}

Status Reader::expect_end() const {
  if (at_end()) return ok_status();
  return error_at(position_, "", fmt::format("unexpected {} after the last field", tag_name(input_[position_])));
}

Error Reader::error(std::string_view message) const { return error_at(position_, "", message); }

Error Reader::error_at(std::size_t position, std::string_view field, std::string_view message) const {
  std::string where = path();
  if (!field.empty()) {
    where += '.';
    where += field;
  }
  return Error(ErrorCode::kMalformed, fmt::format("{}: {} (offset {})", where, message, base_ + position));
}

std::string Reader::path() const {
  std::string text = parent_ ? parent_->path() : std::string();
  if (!name_.empty()) {
    if (!text.empty()) text += '.';
    text += name_;
  }
  if (index_ >= 0) text += fmt::format("[{}]", index_);
  return text;
}

std::string dotted_object_identifier(ByteView contents) {
  crypto::Asn1ObjectPtr object(
      ASN1_OBJECT_create(NID_undef, const_cast<unsigned char*>(contents.data()), static_cast<int>(contents.size()),
                         nullptr, nullptr));
  return object ? crypto::dotted_oid(object.get()) : std::string();
}

}  // namespace nimbus::x509::der
