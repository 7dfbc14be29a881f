#include "ca/authority_subject.h"

#include <fmt/format.h>

namespace nimbus::ca {

Result<x509::DistinguishedName> authority_subject(std::string_view subject, std::string_view common_name,
                                                  std::string_view organization, std::string_view default_name) {
  if (!subject.empty()) return x509::DistinguishedName::parse(subject);
  std::string name = common_name.empty() ? fmt::format("{} {}", organization, default_name) : std::string(common_name);
  return x509::DistinguishedName::parse(fmt::format("CN={}, O={}", x509::escape_attribute_value(name),
                                                    x509::escape_attribute_value(organization)));
}

}  // namespace nimbus::ca
