// Reading the query of an API listing (?limit=50&cursor=...&status=valid), each refusal naming
// the parameter at fault (Error::field), and the shape of a page: {"items": [...], "next_cursor": ...}.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/result.h"
#include "core/time.h"

namespace nimbus::api {

inline constexpr std::size_t kDefaultPageSize = 100;
inline constexpr std::size_t kMaxPageSize = 1000;

// The value of `name`, percent-decoded; nothing when absent. kInvalidArgument when its escapes are
// malformed or it is given empty.
Result<std::optional<std::string>> query_text(std::string_view query, std::string_view name);

// ?limit=, 1 to kMaxPageSize, kDefaultPageSize when absent.
Result<std::size_t> page_limit(std::string_view query);

// A whole number parameter in [min, max].
Result<std::optional<long long>> query_integer(std::string_view query, std::string_view name, long long min,
                                               long long max);

// A timestamp parameter (RFC 3339, UTC: 2026-12-01T10:00:00Z).
Result<std::optional<Timestamp>> query_timestamp(std::string_view query, std::string_view name);

// {"items": items, "next_cursor": cursor or null}
nlohmann::json page_json(nlohmann::json items, const std::optional<std::string>& next_cursor);

}  // namespace nimbus::api
