// Reading the JSON body of an API request: an object whose members are checked one by one, each
// refusal naming the member at fault (Error::field) so that the error object can say which.
#pragma once

#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/bytes.h"
#include "core/result.h"
#include "http/message.h"

namespace nimbus::api {

// A body that is a JSON object, or {} when the body is empty. kMalformed for anything else.
Result<nlohmann::json> parse_json_object(const Bytes& body);

// Refuses a member not in `known`: a misspelt option must not be silently ignored.
Status refuse_unknown_members(const nlohmann::json& object, std::initializer_list<std::string_view> known);

// A string member; kInvalidArgument when it is missing (required_string) or not a string.
Result<std::string> required_string(const nlohmann::json& object, std::string_view name);
Result<std::optional<std::string>> optional_string(const nlohmann::json& object, std::string_view name);

// An object of string values ({"UserName": "alice"}); an absent member is an empty map.
Result<std::map<std::string, std::string>> optional_string_map(const nlohmann::json& object, std::string_view name);

// The JSON text of `value` as a 2xx response with Content-Type application/json.
http::Response json_response(int status, const nlohmann::json& value);

}  // namespace nimbus::api
