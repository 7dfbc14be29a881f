// GET /radius/decisions and /radius/decisions/{id}: the RADIUS service's decisions with their NPS
// reason codes, newest first, read from its decision log.
#include <charconv>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "api/decision_log_reader.h"
#include "api/json_body.h"
#include "api/page_cursor.h"
#include "api/query.h"
#include "api/service/api_context.h"

namespace nimbus::api {

namespace {

constexpr std::string_view kListing = "radius-decisions";

Result<std::uint64_t> decision_id(std::string_view text) {
  std::uint64_t id = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    return Error(ErrorCode::kNotFound, fmt::format("no RADIUS decision '{}'", text));
  }
  return id;
}

Result<DecisionFilter> decision_filter(const http::Request& request) {
  DecisionFilter filter;
  NIMBUS_ASSIGN_OR_RETURN(filter.user, query_text(request.query, "user"));
  NIMBUS_ASSIGN_OR_RETURN(filter.device, query_text(request.query, "device"));
  NIMBUS_ASSIGN_OR_RETURN(filter.nas, query_text(request.query, "nas"));
  NIMBUS_ASSIGN_OR_RETURN(std::optional<long long> reason, query_integer(request.query, "reason_code", 0, 65535));
  if (reason) filter.reason_code = static_cast<int>(*reason);
  NIMBUS_ASSIGN_OR_RETURN(filter.decision, query_text(request.query, "decision"));
  if (filter.decision && *filter.decision != "granted" && *filter.decision != "denied") {
    return Error(ErrorCode::kInvalidArgument, "'decision' is granted or denied").at_field("decision");
  }
  NIMBUS_ASSIGN_OR_RETURN(filter.since, query_timestamp(request.query, "since"));
  NIMBUS_ASSIGN_OR_RETURN(filter.until, query_timestamp(request.query, "until"));
  NIMBUS_ASSIGN_OR_RETURN(filter.limit, page_limit(request.query));
  NIMBUS_ASSIGN_OR_RETURN(std::optional<std::string> cursor, query_text(request.query, "cursor"));
  if (cursor) {
    auto before = decode_sequence_cursor(*cursor, kListing);
    if (!before.ok()) return std::move(before).error().at_field("cursor");
    filter.before = *before;
  }
  return filter;
}

Result<http::Response> list_decisions(ApiContext& context, const http::Request& request, const Caller&) {
  NIMBUS_ASSIGN_OR_RETURN(DecisionFilter filter, decision_filter(request));
  DecisionPage page;
  if (!context.decision_log.empty()) {
    NIMBUS_ASSIGN_OR_RETURN(page, read_decisions(context.decision_log, filter));
  }
  std::optional<std::string> next;
  if (page.next_before) next = sequence_cursor(kListing, *page.next_before);
  return json_response(200, page_json(nlohmann::json(std::move(page.items)), next));
}

Result<http::Response> show_decision(ApiContext& context, const http::Request& request, const Caller&) {
  NIMBUS_ASSIGN_OR_RETURN(std::uint64_t id, decision_id(request.param("id")));
  if (context.decision_log.empty()) return Error(ErrorCode::kNotFound, "this node serves no RADIUS");
  NIMBUS_ASSIGN_OR_RETURN(nlohmann::json decision, read_decision(context.decision_log, id));
  return json_response(200, decision);
}

}  // namespace

void add_decision_routes(std::vector<ApiRoute>& routes) {
  routes.push_back({"GET", "/radius/decisions", Permission::kRead, Idempotency::kNone, list_decisions});
  routes.push_back({"GET", "/radius/decisions/{id}", Permission::kRead, Idempotency::kNone, show_decision});
}

}  // namespace nimbus::api
