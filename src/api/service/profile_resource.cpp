// /profiles: the certificate templates. POST /profiles applies a profile document (YAML as
// `nimbus profile apply` reads it) and answers 201 when it made a new profile, 200 otherwise.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "api/json_body.h"
#include "api/query.h"
#include "api/service/api_context.h"
#include "profile/profile_catalog.h"
#include "views/profile_view.h"

namespace nimbus::api {

namespace {

using nlohmann::json;

bool is_yaml(const http::Request& request) {
  std::string_view type = request.header("Content-Type").value_or("");
  type = type.substr(0, type.find(';'));
  return type == "application/yaml" || type == "application/x-yaml" || type == "text/yaml";
}

Result<http::Response> list_profiles(ApiContext& context, const http::Request&, const Caller& caller) {
  profile::ProfileCatalog catalog(context.store(), caller.actor());
  NIMBUS_ASSIGN_OR_RETURN(std::vector<profile::StoredProfile> profiles, catalog.list());
  json items = json::array();
  for (const profile::StoredProfile& stored : profiles) items.push_back(views::profile_record_json(stored));
  return json_response(200, page_json(std::move(items), std::nullopt));
}

Result<http::Response> show_profile(ApiContext& context, const http::Request& request, const Caller& caller) {
  profile::ProfileCatalog catalog(context.store(), caller.actor());
  NIMBUS_ASSIGN_OR_RETURN(profile::StoredProfile stored, catalog.get(std::string(request.param("id"))));
  return json_response(200, views::profile_record_json(stored));
}

// A YAML body with ?issuing_ca=, or {"document": YAML, "issuing_ca": ID}.
Result<http::Response> apply_profile(ApiContext& context, const http::Request& request, const Caller& caller) {
  std::string document;
  std::optional<std::string> issuing_ca;
  if (is_yaml(request)) {
    document.assign(request.body.begin(), request.body.end());
    NIMBUS_ASSIGN_OR_RETURN(issuing_ca, query_text(request.query, "issuing_ca"));
  } else {
    NIMBUS_ASSIGN_OR_RETURN(json body, parse_json_object(request.body));
    NIMBUS_TRY(refuse_unknown_members(body, {"document", "issuing_ca"}));
    NIMBUS_ASSIGN_OR_RETURN(document, required_string(body, "document"));
    NIMBUS_ASSIGN_OR_RETURN(issuing_ca, optional_string(body, "issuing_ca"));
  }
  std::optional<profile::IssuingCaChoice> choice;
  if (issuing_ca) choice = profile::IssuingCaChoice{*issuing_ca, "issuing_ca"};
  profile::ProfileCatalog catalog(context.store(), caller.actor());
  auto applied = catalog.apply(document, choice);
  if (!applied.ok()) return std::move(applied).error().at_field("document");
  http::Response response =
      json_response(applied->created ? 201 : 200, views::profile_record_json({applied->record, applied->profile}));
  response.set_header("Location", fmt::format("/api/v1/profiles/{}", applied->record.id));
  return response;
}

Result<http::Response> delete_profile(ApiContext& context, const http::Request& request, const Caller& caller) {
  profile::ProfileCatalog catalog(context.store(), caller.actor());
  NIMBUS_TRY(catalog.remove(std::string(request.param("id"))));
  return http::Response::bytes(204, "", {});
}

}  // namespace

void add_profile_routes(std::vector<ApiRoute>& routes) {
  routes.push_back({"GET", "/profiles", Permission::kRead, Idempotency::kNone, list_profiles});
  routes.push_back({"GET", "/profiles/{id}", Permission::kRead, Idempotency::kNone, show_profile});
  // Applying the same document again changes nothing: no key is needed for a retry.
  routes.push_back({"POST", "/profiles", Permission::kAdminister, Idempotency::kNone, apply_profile});
  routes.push_back({"DELETE", "/profiles/{id}", Permission::kAdminister, Idempotency::kNone, delete_profile});
}

}  // namespace nimbus::api
