#include "api/service/api_service.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "access/api_tokens.h"
#include "api/api_error.h"
#include "api/service/openapi_document.h"
#include "core/log_text.h"

namespace nimbus::api {

namespace {

constexpr std::string_view kPrefix = "/api/v1";

// The token of "Authorization: Bearer <token>" (the scheme is case-insensitive, RFC 9110 11.1).
std::optional<std::string_view> bearer_token(const http::Request& request) {
  std::optional<std::string_view> authorization = request.header("Authorization");
  if (!authorization) return std::nullopt;
  std::string_view value = *authorization;
  constexpr std::string_view kScheme = "bearer ";
  if (value.size() <= kScheme.size()) return std::nullopt;
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(value[i])) != kScheme[i]) return std::nullopt;
  }
  value.remove_prefix(kScheme.size());
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  return value;
}

Result<http::Response> openapi(ApiContext&, const http::Request&, const Caller&) {
  std::string_view document = openapi_document();
  http::Response response = http::Response::bytes(200, "application/json", Bytes(document.begin(), document.end()));
  response.set_header("Cache-Control", "max-age=300");
  return response;
}

// The token of a console session, if it is still good: revoking a token ends its sessions.
Result<store::ApiTokenRecord> session_token(ApiContext& context, const ConsoleSession& session) {
  NIMBUS_ASSIGN_OR_RETURN(std::optional<store::ApiTokenRecord> token, context.store().find_api_token(session.token_id));
  const Timestamp now = now_utc();
  if (!token) return Error(ErrorCode::kPermissionDenied, "the console session's token no longer exists");
  if (token->revoked_at) {
    return Error(ErrorCode::kPermissionDenied,
                 fmt::format("the console session's token '{}' was revoked", token->name));
  }
  if (token->expires_at <= now) {
    return Error(ErrorCode::kPermissionDenied, fmt::format("the console session's token '{}' expired", token->name));
  }
  return std::move(*token);
}

}  // namespace

ca::Issuer ApiContext::issuer(const Caller& caller) {
  ca::IssuanceOptions options;
  options.backdate = std::chrono::minutes(deployment().config().certificate_backdate_minutes);
  return ca::Issuer(store(), *keys, deployment().urls(), caller.actor(), options);
}

ca::Authorities ApiContext::authorities(const Caller& caller) {
  return ca::Authorities(store(), *keys, deployment().urls(), caller.actor());
}

revocation::Revocations ApiContext::revocations(const Caller& caller) {
  return revocation::Revocations(store(), *keys, caller.actor(), deployment().crl_policy());
}

Result<std::unique_ptr<ApiService>> ApiService::create(node::Node& node, ApiServiceOptions options) {
  std::unique_ptr<crypto::KeyStore> keys = node.deployment().open_key_store();
  return std::unique_ptr<ApiService>(new ApiService(node, std::move(options), std::move(keys)));
}

ApiService::ApiService(node::Node& node, ApiServiceOptions options, std::unique_ptr<crypto::KeyStore> keys)
    : context_(node, std::move(keys), std::move(options.decision_log)), limiter_(options.rate_limit) {
  routes_.push_back({"GET", "/openapi.json", Permission::kPublic, Idempotency::kNone, openapi});
  add_session_routes(routes_);
  add_health_routes(routes_);
  add_doctor_routes(routes_);
  add_authority_routes(routes_);
  add_profile_routes(routes_);
  add_enrollment_routes(routes_);
  add_certificate_routes(routes_);
  add_crl_routes(routes_);
  add_decision_routes(routes_);
  add_audit_routes(routes_);
}

Status ApiService::start() {
  context_.doctor.start();
  return ok_status();
}

void ApiService::stop() { context_.doctor.stop(); }

Status ApiService::add_administration_routes(http::Router& router) {
  NIMBUS_TRY(context_.doctor.add_metrics(context_.node.metrics()));
  for (const ApiRoute& route : routes_) {
    NIMBUS_TRY(router.add_route({route.method}, fmt::format("{}{}", kPrefix, route.pattern),
                                [this, &route](const http::Request& request) { return answer(route, request); }));
  }
  return ok_status();
}

std::vector<ApiService::RouteDescription> ApiService::routes() const {
  std::vector<RouteDescription> listed;
  for (const ApiRoute& route : routes_) {
    listed.push_back({route.method, fmt::format("{}{}", kPrefix, route.pattern), route.permission});
  }
  return listed;
}

std::vector<std::string> ApiService::describe_administration(std::string_view api_url) const {
  return {fmt::format("REST API: {}{} (docs/api.md; OpenAPI at {}{}/openapi.json)", api_url, kPrefix, api_url,
                      kPrefix)};
}

http::Response refuse_sign_in(ApiContext& context, const http::Request& request, std::string_view reason) {
  RateLimiter::Decision decision = context.failed_sign_ins.take(request.remote_address);
  spdlog::warn("api: refused {} {} from {}: {}", request.method, loggable(request.path), request.remote_address,
               reason);
  if (!decision.allowed) return rate_limited_response(decision.retry_after_seconds);
  return unauthenticated_response();
}

std::variant<Caller, http::Response> ApiService::authenticate(const http::Request& request) {
  Result<store::ApiTokenRecord> token =
      Error(ErrorCode::kPermissionDenied, "no bearer token (Authorization: Bearer nimbus_...) and no console session");
  std::optional<ConsoleSession> session;
  if (std::optional<std::string_view> text = bearer_token(request)) {
    token = access::authenticate_api_token(context_.store(), *text, now_utc());
  } else if (std::optional<std::string_view> id = session_cookie(request.header("Cookie").value_or(""))) {
    session = context_.sessions.find(*id);
    token = session ? session_token(context_, *session)
                    : Error(ErrorCode::kPermissionDenied, "the console session has ended (signed out, idle, old)");
  }
  if (!token.ok()) {
    if (token.error().is_failure()) {
      spdlog::error("api: checking a token failed: {}", token.error().message());
      return api_error_response(token.error());
    }
    return refuse_sign_in(context_, request, token.error().message());
  }
  if (session && request.method != "GET" && request.method != "HEAD") {
    std::optional<std::string_view> presented = request.header(kCsrfHeader);
    if (!presented || !ConsoleSessions::csrf_matches(*session, *presented)) {
      spdlog::warn("api: refused {} {} from {} in a console session of token '{}': {} {} header", request.method,
                   loggable(request.path), request.remote_address, token->name, presented ? "a wrong" : "no",
                   kCsrfHeader);
      return api_error_response(Error(ErrorCode::kPermissionDenied,
                                      fmt::format("a write from the console must carry the session's {} header",
                                                  kCsrfHeader))
                                    .at_field(std::string(kCsrfHeader)));
    }
  }
  RateLimiter::Decision decision = limiter_.take(token->id);
  if (!decision.allowed) {
    spdlog::info("api: token '{}' is over its rate limit; {} {} answered 429", token->name, request.method,
                 loggable(request.path));
    return rate_limited_response(decision.retry_after_seconds);
  }
  return Caller{token->id, token->name, token->role, std::move(session)};
}

namespace {

// Why a client certificate the TLS handshake verified may still not be used: the handshake knows
// the authorities' certificates, not what they revoked since.
std::optional<std::string> client_certificate_refusal(store::Store& store, const x509::Certificate& certificate) {
  auto record = store.find_certificate(certificate.serial_hex());
  if (!record.ok()) return fmt::format("the client certificate could not be checked: {}", record.error().message());
  if (!record->has_value() || (*record)->der != certificate.der()) {
    return fmt::format("the client certificate {} is unknown to this deployment", certificate.serial_hex());
  }
  if ((*record)->status != store::CertificateStatus::kValid) {
    return fmt::format("the client certificate {} is {}", certificate.serial_hex(),
                       store::certificate_status_name((*record)->status));
  }
  return std::nullopt;
}

}  // namespace

Result<http::Response> ApiService::answer(const ApiRoute& route, const http::Request& request) {
  if (request.client_certificate) {
    if (std::optional<std::string> refusal = client_certificate_refusal(context_.store(), *request.client_certificate)) {
      return refuse_sign_in(context_, request, *refusal);
    }
  }
  if (route.permission == Permission::kPublic) return route.handler(context_, request, Caller{});
  std::variant<Caller, http::Response> authenticated = authenticate(request);
  if (auto* response = std::get_if<http::Response>(&authenticated)) return std::move(*response);
  const Caller& caller = std::get<Caller>(authenticated);
  if (!role_permits(caller.role, route.permission)) {
    spdlog::warn("api: token '{}' ({}) may not {} {}: the route needs the {} permission", caller.token_name,
                 store::api_role_name(caller.role), request.method, loggable(request.path),
                 permission_name(route.permission));
    return api_error_response(Error(
        ErrorCode::kPermissionDenied,
        fmt::format("a token with role {} may not do this", store::api_role_name(caller.role))));
  }
  Result<http::Response> answered =
      route.method == "GET" ? route.handler(context_, request, caller) : write(route, request, caller);
  if (answered.ok()) return answered;
  const Error& error = answered.error();
  if (error.is_failure()) {
    spdlog::error("api: {} {} by '{}' failed: {}", request.method, loggable(request.path), caller.token_name,
                  error.to_string());
  } else {
    spdlog::info("api: {} {} by '{}' refused: {}", request.method, loggable(request.path), caller.token_name,
                 error.to_string());
  }
  return api_error_response(error);
}

Result<http::Response> ApiService::write(const ApiRoute& route, const http::Request& request, const Caller& caller) {
  std::lock_guard lock(write_mutex_);
  std::optional<std::string_view> key = request.header("Idempotency-Key");
  if (!key || route.idempotency == Idempotency::kNone) return route.handler(context_, request, caller);

  NIMBUS_TRY(check_idempotency_key(*key));
  std::string fingerprint = request_fingerprint(request);
  NIMBUS_ASSIGN_OR_RETURN(std::optional<http::Response> replay,
                          idempotency_.recall(caller.token_id, *key, fingerprint));
  if (replay) {
    spdlog::info("api: {} {} by '{}' is a retry (Idempotency-Key); the first answer is sent again", request.method,
                 loggable(request.path), caller.token_name);
    return std::move(*replay);
  }
  NIMBUS_ASSIGN_OR_RETURN(http::Response response, route.handler(context_, request, caller));
  if (route.idempotency == Idempotency::kAnswerOnce) {
    idempotency_.remember_answered_once(caller.token_id, *key, std::move(fingerprint));
  } else {
    idempotency_.remember(caller.token_id, *key, std::move(fingerprint), response);
  }
  return response;
}

}  // namespace nimbus::api
