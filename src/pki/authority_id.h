// Authority identifiers: short, stable names that appear in URLs (/aia/{id}.crt, /cdp/{id}.crl).
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace nimbus::pki {

// 1 to 63 characters of a-z, 0-9 and '-', starting with a letter or digit.
Status check_authority_id(std::string_view id);

// An id derived from a name: "Contoso Issuing CA 1" -> "contoso-issuing-ca-1". Empty if the name
// has nothing usable.
std::string authority_id_from_name(std::string_view name);

}  // namespace nimbus::pki
