// /authorities: the hierarchy. List and show (with each CA's AIA, CDP, OCSP and SCEP URLs and its
// latest CRL), create a root or an issuing CA (under one of ours, or pending for an external
// parent), pause, resume, revoke, export the certificate or chain, and import the certificate an
// external parent issued.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "api/json_body.h"
#include "api/query.h"
#include "api/service/api_context.h"
#include "ca/authority_subject.h"
#include "views/authority_view.h"
#include "x509/revocation_reason.h"

namespace nimbus::api {

namespace {

using nlohmann::json;

Result<json> authority_document(ApiContext& context, store::AuthorityRecord record) {
  NIMBUS_ASSIGN_OR_RETURN(views::AuthorityView view, views::make_authority_view(context.store(), std::move(record)));
  return views::authority_json(view, context.deployment().urls());
}

Result<http::Response> authority_response(ApiContext& context, const Caller& caller, const std::string& id,
                                          int status = 200) {
  NIMBUS_ASSIGN_OR_RETURN(store::AuthorityRecord record, context.authorities(caller).get(id));
  NIMBUS_ASSIGN_OR_RETURN(json document, authority_document(context, std::move(record)));
  http::Response response = json_response(status, document);
  if (status == 201) response.set_header("Location", fmt::format("/api/v1/authorities/{}", id));
  return response;
}

Result<http::Response> list_authorities(ApiContext& context, const http::Request&, const Caller&) {
  NIMBUS_ASSIGN_OR_RETURN(std::vector<store::AuthorityRecord> records, context.store().list_authorities());
  json items = json::array();
  for (store::AuthorityRecord& record : records) {
    NIMBUS_ASSIGN_OR_RETURN(json document, authority_document(context, std::move(record)));
    items.push_back(std::move(document));
  }
  return json_response(200, page_json(std::move(items), std::nullopt));
}

template <typename T>
Result<T> in_field(Result<T> result, std::string_view field) {
  if (!result.ok()) return std::move(result).error().at_field(std::string(field));
  return result;
}

// {"id", "parent" | "external_parent": true | neither (a root), "subject" | "name", "key", "validity"}
Result<http::Response> create_authority(ApiContext& context, const http::Request& request, const Caller& caller) {
  NIMBUS_ASSIGN_OR_RETURN(json body, parse_json_object(request.body));
  NIMBUS_TRY(refuse_unknown_members(body, {"id", "parent", "external_parent", "subject", "name", "key", "validity"}));
  NIMBUS_ASSIGN_OR_RETURN(std::optional<std::string> id, optional_string(body, "id"));
  NIMBUS_ASSIGN_OR_RETURN(std::optional<std::string> parent, optional_string(body, "parent"));
  NIMBUS_ASSIGN_OR_RETURN(std::optional<std::string> subject_text, optional_string(body, "subject"));
  NIMBUS_ASSIGN_OR_RETURN(std::optional<std::string> name, optional_string(body, "name"));
  NIMBUS_ASSIGN_OR_RETURN(std::optional<std::string> key_text, optional_string(body, "key"));
  NIMBUS_ASSIGN_OR_RETURN(std::optional<std::string> validity_text, optional_string(body, "validity"));
  const json external_value = body.value("external_parent", json(false));
  if (!external_value.is_boolean()) {
    return Error(ErrorCode::kInvalidArgument, "'external_parent' must be true or false").at_field("external_parent");
  }
  const bool external = external_value.get<bool>();
  if (external && parent) {
    return Error(ErrorCode::kInvalidArgument, "give 'parent' or 'external_parent', not both").at_field("parent");
  }
  if (subject_text && name) {
    return Error(ErrorCode::kInvalidArgument, "give 'subject' or 'name', not both").at_field("name");
  }
  const bool root = !parent && !external;
  NIMBUS_ASSIGN_OR_RETURN(x509::DistinguishedName subject,
                          in_field(ca::authority_subject(subject_text.value_or(""), name.value_or(""),
                                                         context.deployment().config().organization,
                                                         root ? "Root CA" : "Issuing CA"),
                                   subject_text ? "subject" : "name"));
  NIMBUS_ASSIGN_OR_RETURN(crypto::KeySpec key,
                          in_field(crypto::KeySpec::parse(key_text.value_or(root ? "rsa:4096" : "rsa:3072")), "key"));
  std::optional<Duration> validity;
  if (validity_text) {
    if (external) {
      return Error(ErrorCode::kInvalidArgument, "the validity is decided by the external parent CA, not here")
          .at_field("validity");
    }
    NIMBUS_ASSIGN_OR_RETURN(validity, in_field(parse_validity(*validity_text), "validity"));
  }

  ca::Authorities authorities = context.authorities(caller);
  if (external) {
    NIMBUS_ASSIGN_OR_RETURN(ca::PendingAuthority pending,
                            authorities.create_issuing_for_external_parent({id.value_or(""), subject, key}));
    NIMBUS_ASSIGN_OR_RETURN(json document, authority_document(context, pending.record));
    document["certificate_request"] = pending.request.pem();
    http::Response response = json_response(201, document);
    response.set_header("Location", fmt::format("/api/v1/authorities/{}", pending.record.id));
    return response;
  }
  store::AuthorityRecord created;
  if (root) {
    ca::NewRoot new_root{id.value_or(""), subject, key};
    if (validity) new_root.validity = *validity;
    NIMBUS_ASSIGN_OR_RETURN(created, authorities.create_root(new_root));
  } else {
    ca::NewIssuing new_issuing{id.value_or(""), *parent, subject, key};
    if (validity) new_issuing.validity = *validity;
    auto issuing = authorities.create_issuing(new_issuing);
    if (!issuing.ok() && issuing.error().code() == ErrorCode::kNotFound) {
      return std::move(issuing).error().at_field("parent");
    }
    NIMBUS_ASSIGN_OR_RETURN(created, std::move(issuing));
  }
  return authority_response(context, caller, created.id, 201);
}

Result<http::Response> change_status(ApiContext& context, const http::Request& request, const Caller& caller,
                                     bool pause) {
  NIMBUS_ASSIGN_OR_RETURN(json body, parse_json_object(request.body));
  NIMBUS_TRY(refuse_unknown_members(body, {}));
  const std::string id(request.param("id"));
  ca::Authorities authorities = context.authorities(caller);
  NIMBUS_TRY(pause ? authorities.pause(id) : authorities.resume(id));
  return authority_response(context, caller, id);
}

Result<http::Response> show_authority(ApiContext& context, const http::Request& request, const Caller& caller) {
  return authority_response(context, caller, std::string(request.param("id")));
}

Result<http::Response> pause_authority(ApiContext& context, const http::Request& request, const Caller& caller) {
  return change_status(context, request, caller, true);
}

Result<http::Response> resume_authority(ApiContext& context, const http::Request& request, const Caller& caller) {
  return change_status(context, request, caller, false);
}

Result<http::Response> revoke_authority(ApiContext& context, const http::Request& request, const Caller& caller) {
  NIMBUS_ASSIGN_OR_RETURN(json body, parse_json_object(request.body));
  NIMBUS_TRY(refuse_unknown_members(body, {"reason"}));
  NIMBUS_ASSIGN_OR_RETURN(std::optional<std::string> reason_text, optional_string(body, "reason"));
  NIMBUS_ASSIGN_OR_RETURN(x509::RevocationReason reason,
                          in_field(x509::parse_revocation_reason(reason_text.value_or("unspecified")), "reason"));
  const std::string id(request.param("id"));
  NIMBUS_TRY(context.authorities(caller).revoke(id, reason));
  return authority_response(context, caller, id);
}

// ?format=pem (the default: the certificate, or with ?chain=true the chain up to the root) or der.
Result<http::Response> export_certificate(ApiContext& context, const http::Request& request, const Caller& caller) {
  NIMBUS_ASSIGN_OR_RETURN(std::optional<std::string> format, query_text(request.query, "format"));
  NIMBUS_ASSIGN_OR_RETURN(std::optional<std::string> chain_text, query_text(request.query, "chain"));
  if (format && *format != "pem" && *format != "der") {
    return Error(ErrorCode::kInvalidArgument, "'format' is pem or der").at_field("format");
  }
  if (chain_text && *chain_text != "true" && *chain_text != "false") {
    return Error(ErrorCode::kInvalidArgument, "'chain' is true or false").at_field("chain");
  }
  const bool der = format && *format == "der";
  const bool chain = chain_text && *chain_text == "true";
  if (der && chain) {
    return Error(ErrorCode::kInvalidArgument, "DER holds one certificate; ask for the chain as PEM").at_field("chain");
  }
  NIMBUS_ASSIGN_OR_RETURN(std::vector<x509::Certificate> certificates,
                          context.authorities(caller).chain(std::string(request.param("id"))));
  if (der) return http::Response::bytes(200, "application/pkix-cert", certificates.front().der());
  std::string pem;
  for (const x509::Certificate& certificate : certificates) {
    pem += certificate.pem();
    if (!chain) break;
  }
  return http::Response::bytes(200, "application/pem-certificate-chain", Bytes(pem.begin(), pem.end()));
}

// {"certificate": PEM, "chain": PEM of the external issuers up to their root}
Result<http::Response> import_certificate(ApiContext& context, const http::Request& request, const Caller& caller) {
  NIMBUS_ASSIGN_OR_RETURN(json body, parse_json_object(request.body));
  NIMBUS_TRY(refuse_unknown_members(body, {"certificate", "chain"}));
  NIMBUS_ASSIGN_OR_RETURN(std::string certificate_pem, required_string(body, "certificate"));
  NIMBUS_ASSIGN_OR_RETURN(std::string chain_pem, required_string(body, "chain"));
  NIMBUS_ASSIGN_OR_RETURN(x509::Certificate certificate,
                          in_field(x509::Certificate::parse(as_bytes(certificate_pem)), "certificate"));
  NIMBUS_ASSIGN_OR_RETURN(std::vector<x509::Certificate> chain,
                          in_field(x509::Certificate::parse_all(as_bytes(chain_pem)), "chain"));
  const std::string id(request.param("id"));
  NIMBUS_TRY(context.authorities(caller).import_certificate(id, certificate, chain));
  return authority_response(context, caller, id);
}

}  // namespace

void add_authority_routes(std::vector<ApiRoute>& routes) {
  routes.push_back({"GET", "/authorities", Permission::kRead, Idempotency::kNone, list_authorities});
  routes.push_back({"GET", "/authorities/{id}", Permission::kRead, Idempotency::kNone, show_authority});
  routes.push_back({"POST", "/authorities", Permission::kAdminister, Idempotency::kReplay, create_authority});
  routes.push_back({"POST", "/authorities/{id}/pause", Permission::kAdminister, Idempotency::kNone, pause_authority});
  routes.push_back({"POST", "/authorities/{id}/resume", Permission::kAdminister, Idempotency::kNone,
                    resume_authority});
  routes.push_back({"POST", "/authorities/{id}/revoke", Permission::kAdminister, Idempotency::kNone, revoke_authority});
  routes.push_back({"GET", "/authorities/{id}/certificate", Permission::kRead, Idempotency::kNone, export_certificate});
  routes.push_back({"POST", "/authorities/{id}/certificate", Permission::kAdminister, Idempotency::kNone,
                    import_certificate});
}

}  // namespace nimbus::api
