// GET /audit: the audit trail, newest first, filtered by actor, action and target, a page at a time.
#include <nlohmann/json.hpp>

#include "api/json_body.h"
#include "api/page_cursor.h"
#include "api/query.h"
#include "api/service/api_context.h"

namespace nimbus::api {

namespace {

constexpr std::string_view kListing = "audit";

nlohmann::json audit_entry_json(const store::AuditEntry& entry) {
  return {{"sequence", entry.sequence},     {"time", format_timestamp(entry.event.at)},
          {"actor", entry.event.actor},     {"action", entry.event.action},
          {"target", entry.event.target},   {"detail", entry.event.detail}};
}

Result<http::Response> list_audit(ApiContext& context, const http::Request& request, const Caller&) {
  store::AuditQuery query;
  NIMBUS_ASSIGN_OR_RETURN(query.actor, query_text(request.query, "actor"));
  NIMBUS_ASSIGN_OR_RETURN(query.action, query_text(request.query, "action"));
  NIMBUS_ASSIGN_OR_RETURN(query.target, query_text(request.query, "target"));
  NIMBUS_ASSIGN_OR_RETURN(query.limit, page_limit(request.query));
  NIMBUS_ASSIGN_OR_RETURN(std::optional<std::string> cursor, query_text(request.query, "cursor"));
  if (cursor) {
    auto sequence = decode_sequence_cursor(*cursor, kListing);
    if (!sequence.ok()) return std::move(sequence).error().at_field("cursor");
    query.before = *sequence;
  }
  NIMBUS_ASSIGN_OR_RETURN(std::vector<store::AuditEntry> entries, context.store().audit_trail(query));
  nlohmann::json items = nlohmann::json::array();
  for (const store::AuditEntry& entry : entries) items.push_back(audit_entry_json(entry));
  std::optional<std::string> next;
  if (entries.size() == query.limit) next = sequence_cursor(kListing, entries.back().sequence);
  return json_response(200, page_json(std::move(items), next));
}

}  // namespace

void add_audit_routes(std::vector<ApiRoute>& routes) {
  routes.push_back({"GET", "/audit", Permission::kAudit, Idempotency::kNone, list_audit});
}

}  // namespace nimbus::api
