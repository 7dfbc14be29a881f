// /enrollments: what an MDM connector creates for each user or device (with its one-time SCEP
// challenge, shown once), lists and shows; POST /enrollments/{id}/challenge replaces the challenge.
#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "api/json_body.h"
#include "api/page_cursor.h"
#include "api/query.h"
#include "api/service/api_context.h"
#include "profile/profile_catalog.h"
#include "views/profile_view.h"

namespace nimbus::api {

namespace {

using nlohmann::json;

constexpr std::string_view kListing = "enrollments";

Result<http::Response> list_enrollments(ApiContext& context, const http::Request& request, const Caller&) {
  NIMBUS_ASSIGN_OR_RETURN(std::optional<std::string> profile, query_text(request.query, "profile"));
  NIMBUS_ASSIGN_OR_RETURN(std::size_t limit, page_limit(request.query));
  NIMBUS_ASSIGN_OR_RETURN(std::optional<std::string> cursor, query_text(request.query, "cursor"));
  NIMBUS_ASSIGN_OR_RETURN(std::vector<store::EnrollmentRecord> records,
                          context.store().list_enrollments(profile.value_or("")));
  auto first = records.begin();
  if (cursor) {
    auto after = decode_cursor(*cursor, kListing, 1);
    if (!after.ok()) return std::move(after).error().at_field("cursor");
    first = std::find_if(records.begin(), records.end(),
                         [&](const store::EnrollmentRecord& record) { return record.id == after->front(); });
    if (first == records.end()) {
      return Error(ErrorCode::kInvalidArgument, "the cursor's enrollment no longer exists; list again from the start")
          .at_field("cursor");
    }
    ++first;
  }
  json items = json::array();
  auto last = first + static_cast<std::ptrdiff_t>(std::min<std::size_t>(limit, records.end() - first));
  for (auto it = first; it != last; ++it) items.push_back(views::enrollment_json(*it));
  std::optional<std::string> next;
  if (last != records.end()) next = encode_cursor(kListing, {(last - 1)->id});
  return json_response(200, page_json(std::move(items), next));
}

Result<http::Response> show_enrollment(ApiContext& context, const http::Request& request, const Caller& caller) {
  profile::ProfileCatalog catalog(context.store(), caller.actor());
  NIMBUS_ASSIGN_OR_RETURN(store::EnrollmentRecord record, catalog.enrollment(std::string(request.param("id"))));
  return json_response(200, views::enrollment_json(record));
}

Result<http::Response> create_enrollment(ApiContext& context, const http::Request& request, const Caller& caller) {
  NIMBUS_ASSIGN_OR_RETURN(json body, parse_json_object(request.body));
  NIMBUS_TRY(refuse_unknown_members(body, {"profile", "variables"}));
  NIMBUS_ASSIGN_OR_RETURN(std::string profile_id, required_string(body, "profile"));
  NIMBUS_ASSIGN_OR_RETURN(profile::Variables variables, optional_string_map(body, "variables"));
  profile::ProfileCatalog catalog(context.store(), caller.actor());
  auto created = catalog.create_enrollment(profile_id, variables);
  if (!created.ok()) {
    const ErrorCode code = created.error().code();
    if (code == ErrorCode::kNotFound) return std::move(created).error().at_field("profile");
    if (code == ErrorCode::kInvalidArgument || code == ErrorCode::kPolicyViolation) {
      return std::move(created).error().at_field("variables");
    }
    return std::move(created).error();
  }
  json out = views::enrollment_json(created->record);
  if (created->challenge) {
    out.update(views::challenge_json(*created->challenge,
                                     context.deployment().urls().scep(created->challenge->record.authority_id)));
  }
  http::Response response = json_response(201, out);
  response.set_header("Location", fmt::format("/api/v1/enrollments/{}", created->record.id));
  return response;
}

Result<http::Response> new_challenge(ApiContext& context, const http::Request& request, const Caller& caller) {
  NIMBUS_ASSIGN_OR_RETURN(json body, parse_json_object(request.body));
  NIMBUS_TRY(refuse_unknown_members(body, {}));
  const std::string id(request.param("id"));
  profile::ProfileCatalog catalog(context.store(), caller.actor());
  NIMBUS_ASSIGN_OR_RETURN(profile::NewChallenge challenge, catalog.new_challenge(id));
  json out = views::challenge_json(challenge, context.deployment().urls().scep(challenge.record.authority_id));
  out["enrollment"] = id;
  return json_response(201, out);
}

}  // namespace

void add_enrollment_routes(std::vector<ApiRoute>& routes) {
  routes.push_back({"GET", "/enrollments", Permission::kRead, Idempotency::kNone, list_enrollments});
  routes.push_back({"GET", "/enrollments/{id}", Permission::kRead, Idempotency::kNone, show_enrollment});
  routes.push_back({"POST", "/enrollments", Permission::kEnroll, Idempotency::kReplay, create_enrollment});
  routes.push_back({"POST", "/enrollments/{id}/challenge", Permission::kEnroll, Idempotency::kReplay,
                    new_challenge});
}

}  // namespace nimbus::api
