// /certificates: search the issued certificates (filters and cursor), show one, issue one for an
// enrollment from a CSR (POST /certificates) or with a key made here and returned once as PKCS#12
// (POST /certificates/pkcs12), revoke, and release from hold.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "api/json_body.h"
#include "api/page_cursor.h"
#include "api/query.h"
#include "api/service/api_context.h"
#include "crypto/base64.h"
#include "revocation/revocations.h"
#include "views/certificate_view.h"
#include "views/crl_view.h"
#include "x509/crl.h"
#include "x509/csr.h"
#include "x509/pkcs12.h"
#include "x509/revocation_reason.h"

namespace nimbus::api {

namespace {

using nlohmann::json;

// PKCS#12 passwords made by a script: long enough that the file is not the weak point.
constexpr std::size_t kMinimumPkcs12PasswordLength = 12;

Result<store::CertificateFilter::Status> status_filter(const std::optional<std::string>& text) {
  using Status = store::CertificateFilter::Status;
  if (!text) return Status::kAny;
  if (*text == "valid") return Status::kValid;
  if (*text == "revoked") return Status::kRevoked;
  if (*text == "expired") return Status::kExpired;
  return Error(ErrorCode::kInvalidArgument, "'status' is valid, revoked or expired").at_field("status");
}

Result<http::Response> list_certificates(ApiContext& context, const http::Request& request, const Caller&) {
  store::CertificateFilter filter;
  NIMBUS_ASSIGN_OR_RETURN(std::optional<std::string> status, query_text(request.query, "status"));
  NIMBUS_ASSIGN_OR_RETURN(filter.status, status_filter(status));
  NIMBUS_ASSIGN_OR_RETURN(filter.issuer_id, query_text(request.query, "issuer"));
  NIMBUS_ASSIGN_OR_RETURN(filter.profile_id, query_text(request.query, "profile"));
  NIMBUS_ASSIGN_OR_RETURN(filter.subject_contains, query_text(request.query, "subject"));
  NIMBUS_ASSIGN_OR_RETURN(filter.limit, page_limit(request.query));
  NIMBUS_ASSIGN_OR_RETURN(std::optional<std::string> cursor, query_text(request.query, "cursor"));
  if (cursor) {
    auto position = decode_certificate_cursor(*cursor);
    if (!position.ok()) return std::move(position).error().at_field("cursor");
    filter.after = *position;
  }
  filter.now = now_utc();
  NIMBUS_ASSIGN_OR_RETURN(std::vector<store::CertificateRecord> records, context.store().list_certificates(filter));
  json items = json::array();
  for (const store::CertificateRecord& record : records) items.push_back(views::certificate_json(record, filter.now));
  std::optional<std::string> next;
  if (records.size() == filter.limit) {
    next = certificate_cursor({records.back().issued_at, records.back().serial});
  }
  return json_response(200, page_json(std::move(items), next));
}

Result<store::CertificateRecord> find_certificate(ApiContext& context, std::string_view serial_or_thumbprint) {
  std::optional<std::string> key = canonical_hex(serial_or_thumbprint);
  if (!key) {
    return Error(ErrorCode::kNotFound,
                 fmt::format("'{}' is not a serial number or a SHA-1/SHA-256 thumbprint in hex", serial_or_thumbprint));
  }
  NIMBUS_ASSIGN_OR_RETURN(std::optional<store::CertificateRecord> record,
                          context.store().find_certificate_by_thumbprint(*key));
  if (!record) return Error(ErrorCode::kNotFound, fmt::format("no certificate with serial or thumbprint {}", *key));
  return std::move(*record);
}

Result<json> certificate_document(const store::CertificateRecord& record) {
  NIMBUS_ASSIGN_OR_RETURN(x509::Certificate certificate, x509::Certificate::from_der(record.der));
  json out = views::certificate_json(record, now_utc());
  out["key"] = certificate.public_key().spec_string();
  out["extended_key_usage"] = x509::extended_key_usages(certificate);
  out["pem"] = certificate.pem();
  return out;
}

Result<http::Response> show_certificate(ApiContext& context, const http::Request& request, const Caller&) {
  NIMBUS_ASSIGN_OR_RETURN(store::CertificateRecord record, find_certificate(context, request.param("serial")));
  NIMBUS_ASSIGN_OR_RETURN(json document, certificate_document(record));
  return json_response(200, document);
}

Result<json> chain_pems(ca::Issuer& issuer, const x509::Certificate& certificate) {
  NIMBUS_ASSIGN_OR_RETURN(std::vector<x509::Certificate> chain, issuer.chain_of(certificate));
  json pems = json::array();
  for (const x509::Certificate& link : chain) pems.push_back(link.pem());
  return pems;
}

Result<http::Response> issued(ApiContext& context, ca::Issuer& issuer, const x509::Certificate& certificate,
                              std::optional<Bytes> pkcs12) {
  NIMBUS_ASSIGN_OR_RETURN(std::optional<store::CertificateRecord> record,
                          context.store().find_certificate_by_thumbprint(certificate.serial_hex()));
  if (!record) return Error(ErrorCode::kInternal, "the certificate just issued is not in the store");
  NIMBUS_ASSIGN_OR_RETURN(json document, certificate_document(*record));
  NIMBUS_ASSIGN_OR_RETURN(document["chain"], chain_pems(issuer, certificate));
  if (pkcs12) document["pkcs12"] = crypto::base64_encode(*pkcs12);
  http::Response response = json_response(201, document);
  response.set_header("Location", fmt::format("/api/v1/certificates/{}", record->serial));
  return response;
}

Result<http::Response> issue_from_request(ApiContext& context, const http::Request& request, const Caller& caller) {
  NIMBUS_ASSIGN_OR_RETURN(json body, parse_json_object(request.body));
  NIMBUS_TRY(refuse_unknown_members(body, {"enrollment", "csr"}));
  NIMBUS_ASSIGN_OR_RETURN(std::string enrollment, required_string(body, "enrollment"));
  NIMBUS_ASSIGN_OR_RETURN(std::string csr, required_string(body, "csr"));
  auto parsed = x509::CertificateRequest::parse(as_bytes(csr));
  if (!parsed.ok()) return std::move(parsed).error().at_field("csr");
  ca::Issuer issuer = context.issuer(caller);
  NIMBUS_ASSIGN_OR_RETURN(x509::Certificate certificate, issuer.issue(enrollment, *parsed));
  return issued(context, issuer, certificate, std::nullopt);
}

Result<http::Response> issue_with_generated_key(ApiContext& context,
                                                const http::Request& request, const Caller& caller) {
  NIMBUS_ASSIGN_OR_RETURN(json body, parse_json_object(request.body));
  NIMBUS_TRY(refuse_unknown_members(body, {"enrollment", "key", "password"}));
  NIMBUS_ASSIGN_OR_RETURN(std::string enrollment, required_string(body, "enrollment"));
  NIMBUS_ASSIGN_OR_RETURN(std::optional<std::string> key, optional_string(body, "key"));
  auto spec = crypto::KeySpec::parse(key.value_or("rsa:2048"));
  if (!spec.ok()) return std::move(spec).error().at_field("key");
  NIMBUS_ASSIGN_OR_RETURN(std::string password, required_string(body, "password"));
  if (password.size() < kMinimumPkcs12PasswordLength) {
    return Error(ErrorCode::kInvalidArgument,
                 fmt::format("'password' needs at least {} characters", kMinimumPkcs12PasswordLength))
        .at_field("password");
  }
  ca::Issuer issuer = context.issuer(caller);
  NIMBUS_ASSIGN_OR_RETURN(ca::GeneratedIdentity identity, issuer.issue_with_generated_key(enrollment, *spec));
  NIMBUS_ASSIGN_OR_RETURN(std::vector<x509::Certificate> chain, issuer.chain_of(identity.certificate));
  NIMBUS_ASSIGN_OR_RETURN(Bytes bundle, x509::make_pkcs12(identity.key, identity.certificate, chain, password,
                                                          identity.certificate.subject().common_name()));
  return issued(context, issuer, identity.certificate, std::move(bundle));
}

Result<http::Response> revoked_response(const revocation::Revoked& result) {
  NIMBUS_ASSIGN_OR_RETURN(x509::CertificateRevocationList crl, x509::CertificateRevocationList::parse(result.crl.der));
  json out = views::certificate_json(result.certificate, now_utc());
  out["crl"] = views::crl_json(result.crl, crl);
  return json_response(200, out);
}

Result<http::Response> change_revocation(ApiContext& context, const http::Request& request, const Caller& caller,
                                         bool release) {
  NIMBUS_ASSIGN_OR_RETURN(json body, parse_json_object(request.body));
  NIMBUS_TRY(refuse_unknown_members(body, release ? std::initializer_list<std::string_view>{}
                                                  : std::initializer_list<std::string_view>{"reason"}));
  revocation::Revocations revocations = context.revocations(caller);
  const std::string serial(request.param("serial"));
  if (release) {
    NIMBUS_ASSIGN_OR_RETURN(revocation::Revoked released, revocations.release_hold(serial));
    return revoked_response(released);
  }
  NIMBUS_ASSIGN_OR_RETURN(std::optional<std::string> reason_text, optional_string(body, "reason"));
  auto reason = x509::parse_revocation_reason(reason_text.value_or("unspecified"));
  if (!reason.ok()) return std::move(reason).error().at_field("reason");
  NIMBUS_ASSIGN_OR_RETURN(revocation::Revoked revoked, revocations.revoke(serial, *reason));
  return revoked_response(revoked);
}

Result<http::Response> revoke_certificate(ApiContext& context, const http::Request& request, const Caller& caller) {
  return change_revocation(context, request, caller, false);
}

Result<http::Response> release_certificate(ApiContext& context, const http::Request& request, const Caller& caller) {
  return change_revocation(context, request, caller, true);
}

}  // namespace

void add_certificate_routes(std::vector<ApiRoute>& routes) {
  routes.push_back({"GET", "/certificates", Permission::kRead, Idempotency::kNone, list_certificates});
  routes.push_back({"GET", "/certificates/{serial}", Permission::kRead, Idempotency::kNone, show_certificate});
  routes.push_back({"POST", "/certificates", Permission::kAdminister, Idempotency::kReplay, issue_from_request});
  routes.push_back({"POST", "/certificates/pkcs12", Permission::kAdminister, Idempotency::kAnswerOnce,
                    issue_with_generated_key});
  routes.push_back({"POST", "/certificates/{serial}/revoke", Permission::kAdminister, Idempotency::kNone,
                    revoke_certificate});
  routes.push_back({"POST", "/certificates/{serial}/unrevoke", Permission::kAdminister, Idempotency::kNone,
                    release_certificate});
}

}  // namespace nimbus::api
