#include "radius/dictionary.h"

#include <charconv>
#include <cstdint>
#include <optional>

#include <boost/asio/ip/address_v4.hpp>
#include <fmt/format.h>

namespace nimbus::radius {

namespace {

enum class ValueType {
  kText,     // UTF-8 text, 1 to 253 octets
  kInteger,  // 32-bit unsigned, or one of the named values
  kAddress,  // an IPv4 address
  kTagged,   // RFC 2868: a tag octet (0: none), then a 24-bit integer or a named value
};

struct NamedValue {
  std::string_view name;
  std::uint32_t value;
};

struct Definition {
  std::string_view name;
  std::uint8_t type;
  ValueType value_type;
  std::vector<NamedValue> named;
};

const std::vector<Definition>& definitions() {
  static const std::vector<Definition> table = {
      {"Service-Type", 6, ValueType::kInteger, {{"Login", 1}, {"Framed", 2}, {"Administrative", 6}}},
      {"Framed-Protocol", 7, ValueType::kInteger, {{"PPP", 1}}},
      {"Framed-IP-Address", 8, ValueType::kAddress, {}},
      {"Framed-IP-Netmask", 9, ValueType::kAddress, {}},
      {"Filter-Id", 11, ValueType::kText, {}},
      {"Framed-MTU", 12, ValueType::kInteger, {}},
      {"Reply-Message", 18, ValueType::kText, {}},
      {"Class", 25, ValueType::kText, {}},
      {"Session-Timeout", 27, ValueType::kInteger, {}},
      {"Idle-Timeout", 28, ValueType::kInteger, {}},
      {"Tunnel-Type", 64, ValueType::kTagged, {{"PPTP", 1}, {"L2TP", 3}, {"VLAN", 13}}},
      {"Tunnel-Medium-Type", 65, ValueType::kTagged, {{"IPv4", 1}, {"IPv6", 2}, {"IEEE-802", 6}}},
      {"Tunnel-Private-Group-Id", 81, ValueType::kText, {}},
      {"Framed-Pool", 88, ValueType::kText, {}},
  };
  return table;
}

std::string_view type_name(ValueType type) {
  switch (type) {
    case ValueType::kText: return "text";
    case ValueType::kInteger: return "integer";
    case ValueType::kAddress: return "IPv4 address";
    case ValueType::kTagged: return "integer";
  }
  return "";
}

std::optional<std::uint32_t> integer_value(const Definition& definition, std::string_view value, std::uint32_t max) {
  for (const NamedValue& named : definition.named) {
    if (named.name == value) return named.value;
  }
  std::uint32_t number = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), number);
  if (value.empty() || ec != std::errc() || end != value.data() + value.size() || number > max) return std::nullopt;
  return number;
}

Bytes big_endian(std::uint32_t value, int octets) {
  Bytes out;
  for (int shift = (octets - 1) * 8; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(value >> shift));
  return out;
}

std::string allowed_values(const Definition& definition, std::uint32_t max) {
  std::string text = fmt::format("a whole number from 0 to {}", max);
  for (const NamedValue& named : definition.named) text += fmt::format(", {}", named.name);
  return text;
}

}  // namespace

Result<Attribute> encode_reply_attribute(std::string_view name, std::string_view value) {
  const Definition* definition = nullptr;
  for (const Definition& each : definitions()) {
    if (each.name == name) definition = &each;
  }
  if (definition == nullptr) {
    std::string names;
    for (const Definition& each : definitions()) names += (names.empty() ? "" : ", ") + std::string(each.name);
    return Error(ErrorCode::kInvalidArgument, fmt::format("'{}' is not a reply attribute Nimbus sends; it sends {}", name, names));
  }
  Attribute attribute;
  attribute.type = definition->type;
  switch (definition->value_type) {
    case ValueType::kText:
      if (value.empty() || value.size() > kMaxAttributeValueSize) {
        return Error(ErrorCode::kInvalidArgument, fmt::format("{} must hold 1 to 253 octets", name));
      }
      attribute.value.assign(value.begin(), value.end());
      break;
    case ValueType::kInteger: {
      auto number = integer_value(*definition, value, 0xFFFFFFFFu);
      if (!number) return Error(ErrorCode::kInvalidArgument, fmt::format("{} must be {}", name, allowed_values(*definition, 0xFFFFFFFFu)));
      attribute.value = big_endian(*number, 4);
      break;
    }
    case ValueType::kTagged: {
      auto number = integer_value(*definition, value, 0xFFFFFFu);
      if (!number) return Error(ErrorCode::kInvalidArgument, fmt::format("{} must be {}", name, allowed_values(*definition, 0xFFFFFFu)));
      attribute.value = big_endian(*number, 4);  // the first octet is the tag: 0, no tunnel grouping
      break;
    }
    case ValueType::kAddress: {
      boost::system::error_code ec;
      auto address = boost::asio::ip::make_address_v4(std::string(value), ec);
      if (ec) return Error(ErrorCode::kInvalidArgument, fmt::format("{} must be an IPv4 address", name));
      auto octets = address.to_bytes();
      attribute.value.assign(octets.begin(), octets.end());
      break;
    }
  }
  return attribute;
}

std::vector<std::string> reply_attribute_descriptions() {
  std::vector<std::string> lines;
  for (const Definition& each : definitions()) {
    std::string named;
    for (const NamedValue& value : each.named) named += fmt::format("{}{} = {}", named.empty() ? "; " : ", ", value.name, value.value);
    lines.push_back(fmt::format("{} ({}, {}{})", each.name, each.type, type_name(each.value_type), named));
  }
  return lines;
}

}  // namespace nimbus::radius
