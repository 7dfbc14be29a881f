// Base64 (RFC 4648 section 4, with padding), as OCSP GET requests carry it (RFC 5019 A.1).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/bytes.h"

namespace nimbus::crypto {

// Decodes standard base64. Whitespace, a missing or wrong padding, or any character outside the
// alphabet makes it nullopt.
std::optional<Bytes> base64_decode(std::string_view text);

std::string base64_encode(ByteView bytes);

}  // namespace nimbus::crypto
