#include "api/query.h"

#include <charconv>

#include <fmt/format.h>

#include "http/message.h"

namespace nimbus::api {

namespace {

bool present(std::string_view query, std::string_view name) {
  std::size_t start = 0;
  while (start <= query.size()) {
    std::size_t end = query.find('&', start);
    if (end == std::string_view::npos) end = query.size();
    std::string_view pair = query.substr(start, end - start);
    if (pair.substr(0, pair.find('=')) == name) return true;
    start = end + 1;
  }
  return false;
}

}  // namespace

Result<std::optional<std::string>> query_text(std::string_view query, std::string_view name) {
  std::optional<std::string> value = http::query_parameter(query, name);
  if (!value) {
    if (!present(query, name)) return std::optional<std::string>();
    return Error(ErrorCode::kInvalidArgument, fmt::format("'{}' is not well percent-encoded", name))
        .at_field(std::string(name));
  }
  if (value->empty()) {
    return Error(ErrorCode::kInvalidArgument, fmt::format("'{}' is empty", name)).at_field(std::string(name));
  }
  return value;
}

Result<std::optional<long long>> query_integer(std::string_view query, std::string_view name, long long min,
                                               long long max) {
  NIMBUS_ASSIGN_OR_RETURN(std::optional<std::string> text, query_text(query, name));
  if (!text) return std::optional<long long>();
  long long value = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || end != text->data() + text->size() || value < min || value > max) {
    return Error(ErrorCode::kInvalidArgument, fmt::format("'{}' must be a whole number from {} to {}", name, min, max))
        .at_field(std::string(name));
  }
  return std::optional<long long>(value);
}

Result<std::size_t> page_limit(std::string_view query) {
  NIMBUS_ASSIGN_OR_RETURN(std::optional<long long> limit,
                          query_integer(query, "limit", 1, static_cast<long long>(kMaxPageSize)));
  return limit ? static_cast<std::size_t>(*limit) : kDefaultPageSize;
}

Result<std::optional<Timestamp>> query_timestamp(std::string_view query, std::string_view name) {
  NIMBUS_ASSIGN_OR_RETURN(std::optional<std::string> text, query_text(query, name));
  if (!text) return std::optional<Timestamp>();
  auto parsed = parse_timestamp(*text);
  if (!parsed.ok()) {
    return Error(ErrorCode::kInvalidArgument, fmt::format("'{}' must be a time such as 2026-12-01T10:00:00Z", name))
        .at_field(std::string(name));
  }
  return std::optional<Timestamp>(*parsed);
}

nlohmann::json page_json(nlohmann::json items, const std::optional<std::string>& next_cursor) {
  return {{"items", std::move(items)},
          {"next_cursor", next_cursor ? nlohmann::json(*next_cursor) : nlohmann::json(nullptr)}};
}

}  // namespace nimbus::api
