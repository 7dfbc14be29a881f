#include "api/json_body.h"

#include <algorithm>

#include <fmt/format.h>

namespace nimbus::api {

using nlohmann::json;

Result<json> parse_json_object(const Bytes& body) {
  if (body.empty()) return json::object();
  json parsed = json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return Error(ErrorCode::kMalformed, "the request body is not valid JSON");
  if (!parsed.is_object()) return Error(ErrorCode::kMalformed, "the request body must be a JSON object");
  return parsed;
}

Status refuse_unknown_members(const json& object, std::initializer_list<std::string_view> known) {
  for (const auto& [name, value] : object.items()) {
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      return Error(ErrorCode::kInvalidArgument, fmt::format("unknown member '{}'", name)).at_field(name);
    }
  }
  return ok_status();
}

Result<std::optional<std::string>> optional_string(const json& object, std::string_view name) {
  auto found = object.find(name);
  if (found == object.end() || found->is_null()) return std::optional<std::string>();
  if (!found->is_string()) {
    return Error(ErrorCode::kInvalidArgument, fmt::format("'{}' must be a string", name)).at_field(std::string(name));
  }
  return std::optional<std::string>(found->get<std::string>());
}

Result<std::string> required_string(const json& object, std::string_view name) {
  NIMBUS_ASSIGN_OR_RETURN(std::optional<std::string> value, optional_string(object, name));
  if (!value || value->empty()) {
    return Error(ErrorCode::kInvalidArgument, fmt::format("'{}' is required", name)).at_field(std::string(name));
  }
  return std::move(*value);
}

Result<std::map<std::string, std::string>> optional_string_map(const json& object, std::string_view name) {
  std::map<std::string, std::string> values;
  auto found = object.find(name);
  if (found == object.end() || found->is_null()) return values;
  if (!found->is_object()) {
    return Error(ErrorCode::kInvalidArgument, fmt::format("'{}' must be an object of strings", name))
        .at_field(std::string(name));
  }
  for (const auto& [key, value] : found->items()) {
    if (!value.is_string()) {
      return Error(ErrorCode::kInvalidArgument, fmt::format("'{}.{}' must be a string", name, key))
          .at_field(fmt::format("{}.{}", name, key));
    }
    values.emplace(key, value.get<std::string>());
  }
  return values;
}

http::Response json_response(int status, const json& value) {
  std::string text = value.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
  http::Response response = http::Response::bytes(status, "application/json", Bytes(text.begin(), text.end()));
  response.set_header("Cache-Control", "no-store");
  return response;
}

}  // namespace nimbus::api
