// /crls: each authority's current CRL (GET /crls, GET /crls/{ca}, as JSON or ?format=der), and
// publishing new ones now (POST /crls, every authority or {"ca": ID}).
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "api/json_body.h"
#include "api/query.h"
#include "api/service/api_context.h"
#include "revocation/revocations.h"
#include "views/crl_view.h"
#include "x509/crl.h"

namespace nimbus::api {

namespace {

using nlohmann::json;

Result<json> crl_document(ApiContext& context, const store::CrlRecord& record) {
  NIMBUS_ASSIGN_OR_RETURN(x509::CertificateRevocationList crl, x509::CertificateRevocationList::parse(record.der));
  json out = views::crl_json(record, crl);
  out["url"] = context.deployment().urls().cdp(record.authority_id);
  return out;
}

Result<http::Response> list_crls(ApiContext& context, const http::Request&, const Caller&) {
  NIMBUS_ASSIGN_OR_RETURN(std::vector<store::AuthorityRecord> authorities, context.store().list_authorities());
  json items = json::array();
  for (const store::AuthorityRecord& authority : authorities) {
    NIMBUS_ASSIGN_OR_RETURN(std::optional<store::CrlRecord> record, context.store().latest_crl(authority.id));
    if (!record) continue;
    NIMBUS_ASSIGN_OR_RETURN(json document, crl_document(context, *record));
    items.push_back(std::move(document));
  }
  return json_response(200, page_json(std::move(items), std::nullopt));
}

Result<http::Response> show_crl(ApiContext& context, const http::Request& request, const Caller&) {
  const std::string id(request.param("ca"));
  NIMBUS_ASSIGN_OR_RETURN(std::optional<store::AuthorityRecord> authority, context.store().find_authority(id));
  if (!authority) return Error(ErrorCode::kNotFound, fmt::format("no authority '{}'", id));
  NIMBUS_ASSIGN_OR_RETURN(std::optional<store::CrlRecord> record, context.store().latest_crl(id));
  if (!record) return Error(ErrorCode::kNotFound, fmt::format("authority '{}' has published no CRL yet", id));
  NIMBUS_ASSIGN_OR_RETURN(std::optional<std::string> format, query_text(request.query, "format"));
  if (format && *format == "der") return http::Response::bytes(200, "application/pkix-crl", record->der);
  if (format && *format != "json") {
    return Error(ErrorCode::kInvalidArgument, "'format' is json or der").at_field("format");
  }
  NIMBUS_ASSIGN_OR_RETURN(json document, crl_document(context, *record));
  return json_response(200, document);
}

Result<http::Response> publish_crls(ApiContext& context, const http::Request& request, const Caller& caller) {
  NIMBUS_ASSIGN_OR_RETURN(json body, parse_json_object(request.body));
  NIMBUS_TRY(refuse_unknown_members(body, {"ca"}));
  NIMBUS_ASSIGN_OR_RETURN(std::optional<std::string> only, optional_string(body, "ca"));
  std::vector<std::string> ids;
  if (only) {
    NIMBUS_ASSIGN_OR_RETURN(std::optional<store::AuthorityRecord> authority, context.store().find_authority(*only));
    if (!authority) return Error(ErrorCode::kNotFound, fmt::format("no authority '{}'", *only)).at_field("ca");
    ids.push_back(*only);
  } else {
    NIMBUS_ASSIGN_OR_RETURN(std::vector<store::AuthorityRecord> authorities, context.store().list_authorities());
    for (const store::AuthorityRecord& authority : authorities) {
      if (authority.certificate_der) ids.push_back(authority.id);
    }
  }
  revocation::Revocations revocations = context.revocations(caller);
  json items = json::array();
  for (const std::string& id : ids) {
    NIMBUS_ASSIGN_OR_RETURN(store::CrlRecord record, revocations.publish(id));
    NIMBUS_ASSIGN_OR_RETURN(json document, crl_document(context, record));
    items.push_back(std::move(document));
  }
  return json_response(201, page_json(std::move(items), std::nullopt));
}

}  // namespace

void add_crl_routes(std::vector<ApiRoute>& routes) {
  routes.push_back({"GET", "/crls", Permission::kRead, Idempotency::kNone, list_crls});
  routes.push_back({"GET", "/crls/{ca}", Permission::kRead, Idempotency::kNone, show_crl});
  routes.push_back({"POST", "/crls", Permission::kAdminister, Idempotency::kReplay, publish_crls});
}

}  // namespace nimbus::api
