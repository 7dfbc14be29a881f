// Template variables: the values an enrollment record carries for one user or device, and the
// "{{Name}}" templates in profiles that use them.
#pragma once

#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace nimbus::profile {

using Variables = std::map<std::string, std::string>;

// UserName, UserPrincipalName, EmailAddress, DeviceName, FullyQualifiedDomainName, AAD_Device_ID,
// OnPremisesSecurityIdentifier, SerialNumber.
std::span<const std::string_view> standard_variables();

// True for a name a template can reference: [A-Za-z_][A-Za-z0-9_]*.
bool is_variable_name(std::string_view name);

// A template is literal text and {{Name}} references, alternating.
struct TemplatePiece {
  bool is_variable = false;
  std::string text;  // the literal text, or the variable name
};

// The pieces of a template, in order; refuses what template_variables refuses.
Result<std::vector<TemplatePiece>> split_template(std::string_view text);

// The variable names a template references, in order of appearance. Refuses unbalanced braces and
// names that are not [A-Za-z_][A-Za-z0-9_]*.
Result<std::vector<std::string>> template_variables(std::string_view text);

enum class Escaping {
  kNone,               // SAN values: inserted as they are
  kDistinguishedName,  // subject templates: values escaped as RFC 4514 attribute values
};

// Substitutes every {{Name}}. A variable missing from `values` (or empty) is kInvalidArgument
// naming it.
Result<std::string> render_template(std::string_view text, const Variables& values, Escaping escaping);

}  // namespace nimbus::profile
