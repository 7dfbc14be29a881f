// Object identifiers as dotted-decimal text, both ways.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <openssl/asn1.h>

namespace nimbus::crypto {

// RFC 4512 numericoid: "number 1*( DOT number )", numbers without leading zeros, the first arc 0,
// 1 or 2. OpenSSL's OBJ_txt2obj is more lenient (it reads "2..5" as 2.0.5), so text from users
// is checked here first.
bool is_dotted_oid(std::string_view text);

// The dotted form of `object`, however long. OBJ_obj2txt into a fixed buffer truncates silently,
// which turns an attribute or extension type into a different one.
std::string dotted_oid(const ASN1_OBJECT* object);

// The dotted form OpenSSL reads back from `text`, or nullopt when `text` is not a dotted OID (see
// is_dotted_oid) or OpenSSL cannot encode it.
std::optional<std::string> canonical_oid(std::string_view text);

}  // namespace nimbus::crypto
