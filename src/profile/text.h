// Checks on the text that profiles and enrollment records put into certificates.
#pragma once

#include <string_view>

#include "core/result.h"

namespace nimbus::profile {

// Ok when `text` is well-formed UTF-8 (no overlong forms, no surrogates, nothing past U+10FFFF)
// without control characters (C0, DEL, C1). kInvalidArgument saying which rule it breaks and
// where, e.g. "contains the control character U+000A at byte 7". `allow_line_breaks` lets
// newlines and tabs through, for free text such as a description.
Status check_text(std::string_view text, bool allow_line_breaks = false);

}  // namespace nimbus::profile
