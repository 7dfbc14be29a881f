// The subject of a new authority as its creator asked for it, the same from the CLI and the API.
#pragma once

#include <string_view>

#include "core/result.h"
#include "x509/name.h"

namespace nimbus::ca {

// `subject` as an RFC 4514 string when given; else CN=`common_name` (or "<organization>
// <default_name>" when that is empty too), O=`organization`.
Result<x509::DistinguishedName> authority_subject(std::string_view subject, std::string_view common_name,
                                                  std::string_view organization, std::string_view default_name);

}  // namespace nimbus::ca
