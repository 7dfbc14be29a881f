#include "profile/variables.h"

#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "x509/name.h"

namespace nimbus::profile {

namespace {

// What an enrollment record can carry, whatever its source (a directory sync, an MDM, an
// operator). A profile may name others, but only after declaring them under custom_variables.
constexpr std::array<std::string_view, 8> kStandardVariables = {
    "UserName",     "UserPrincipalName", "EmailAddress",
    "DeviceName",   "FullyQualifiedDomainName", "AAD_Device_ID",
    "OnPremisesSecurityIdentifier", "SerialNumber",
};

bool is_name_start(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
bool is_name_char(char c) { return is_name_start(c) || (c >= '0' && c <= '9'); }

std::string_view trim_spaces(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  return text;
}

Error template_error(std::string_view text, std::string_view why) {
  return Error(ErrorCode::kInvalidArgument, fmt::format("template '{}': {}", text, why));
}

}  // namespace

Result<std::vector<TemplatePiece>> split_template(std::string_view text) {
  std::vector<TemplatePiece> pieces;
  std::string literal;
  std::size_t i = 0;
  while (i < text.size()) {
    if (text.compare(i, 2, "}}") == 0) {
      // A stray "}}" is almost always a mistyped reference; taking it literally would hide that.
      return template_error(text, fmt::format("'}}}}' at position {} closes nothing; a reference is "
                                              "written {{{{Name}}}}",
                                              i + 1));
    }
    if (text.compare(i, 2, "{{") != 0) {
      literal.push_back(text[i++]);
      continue;
    }
    std::size_t close = text.find("}}", i + 2);
    if (close == std::string_view::npos) {
      return template_error(text, fmt::format("'{{{{' at position {} has no closing '}}}}'", i + 1));
    }
    std::string_view name = trim_spaces(text.substr(i + 2, close - i - 2));
    if (!is_variable_name(name)) {
      return template_error(text, fmt::format("'{}' is not a variable name (letters, digits and '_', "
                                              "not starting with a digit)",
                                              text.substr(i, close + 2 - i)));
    }
    if (!literal.empty()) pieces.push_back({false, std::move(literal)});
    literal.clear();
    pieces.push_back({true, std::string(name)});
    i = close + 2;
  }
  if (!literal.empty()) pieces.push_back({false, std::move(literal)});
  return pieces;
}

std::span<const std::string_view> standard_variables() { return kStandardVariables; }

bool is_variable_name(std::string_view name) {
  if (name.empty() || !is_name_start(name.front())) return false;
  return std::all_of(name.begin(), name.end(), is_name_char);
}

Result<std::vector<std::string>> template_variables(std::string_view text) {
  NIMBUS_ASSIGN_OR_RETURN(std::vector<TemplatePiece> pieces, split_template(text));
  std::vector<std::string> names;
  for (TemplatePiece& piece : pieces) {
    if (piece.is_variable) names.push_back(std::move(piece.text));
  }
  return names;
}

Result<std::string> render_template(std::string_view text, const Variables& values, Escaping escaping) {
  NIMBUS_ASSIGN_OR_RETURN(std::vector<TemplatePiece> pieces, split_template(text));
  std::string out;
  for (const TemplatePiece& piece : pieces) {
    if (!piece.is_variable) {
      out += piece.text;
      continue;
    }
    auto value = values.find(piece.text);
    // An empty value would silently produce "CN=" or a SAN of nothing; it is as absent as a
    // missing one.
    if (value == values.end() || value->second.empty()) {
      return Error(ErrorCode::kInvalidArgument,
                   fmt::format("variable '{}' is not set for this enrollment", piece.text));
    }
    // Escaped, a value is always data: "Smith, John" stays one attribute value and cannot start a
    // second RDN.
    out += escaping == Escaping::kDistinguishedName ? x509::escape_attribute_value(value->second)
                                                    : value->second;
  }
  return out;
}

}  // namespace nimbus::profile
