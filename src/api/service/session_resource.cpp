// /session: the console's sign-in. POST /session exchanges an API token for a session cookie
// (HttpOnly, Secure, SameSite=Strict) and the CSRF token its writes must carry; GET /session tells
// a reloaded console page who it is and its CSRF token again; DELETE /session signs out.
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "access/api_tokens.h"
#include "api/json_body.h"
#include "api/service/api_context.h"

namespace nimbus::api {

namespace {

nlohmann::json session_json(const ConsoleSession& session, const std::string& token_name, store::ApiRole role) {
  return {{"csrf_token", session.csrf_token.reveal()},
          {"expires_at", format_timestamp(std::chrono::time_point_cast<Duration>(session.expires_at))},
          {"token", {{"name", token_name}, {"role", store::api_role_name(role)}}}};
}

std::string session_cookie_header(std::string_view id, std::chrono::seconds max_age) {
  return fmt::format("{}={}; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age={}", kSessionCookie, id,
                     max_age.count());
}

Result<http::Response> sign_in(ApiContext& context, const http::Request& request, const Caller&) {
  NIMBUS_ASSIGN_OR_RETURN(nlohmann::json body, parse_json_object(request.body));
  NIMBUS_TRY(refuse_unknown_members(body, {"token"}));
  NIMBUS_ASSIGN_OR_RETURN(std::string text, required_string(body, "token"));
  auto token = access::authenticate_api_token(context.store(), text, now_utc());
  if (!token.ok()) {
    if (token.error().is_failure()) return std::move(token).error();
    return refuse_sign_in(context, request, token.error().message());
  }
  NIMBUS_ASSIGN_OR_RETURN(NewConsoleSession opened, context.sessions.open(token->id));
  spdlog::info("api: console session opened with token '{}' ({}) from {}", token->name,
               store::api_role_name(token->role), request.remote_address);
  http::Response response = json_response(201, session_json(opened.session, token->name, token->role));
  response.set_header("Set-Cookie", session_cookie_header(opened.id.reveal(), context.sessions.lifetime()));
  return response;
}

Result<http::Response> show_session(ApiContext&, const http::Request&, const Caller& caller) {
  if (!caller.session) {
    return Error(ErrorCode::kNotFound, "this request carries a bearer token, not a console session");
  }
  return json_response(200, session_json(*caller.session, caller.token_name, caller.role));
}

Result<http::Response> sign_out(ApiContext& context, const http::Request& request, const Caller& caller) {
  if (!caller.session) {
    return Error(ErrorCode::kNotFound, "this request carries a bearer token, not a console session");
  }
  if (std::optional<std::string_view> id = session_cookie(request.header("Cookie").value_or(""))) {
    context.sessions.close(*id);
  }
  spdlog::info("api: console session of token '{}' closed", caller.token_name);
  http::Response response = http::Response::bytes(204, "", {});
  response.set_header("Set-Cookie", session_cookie_header("", std::chrono::seconds(0)));
  return response;
}

}  // namespace

void add_session_routes(std::vector<ApiRoute>& routes) {
  routes.push_back({"POST", "/session", Permission::kPublic, Idempotency::kNone, sign_in});
  routes.push_back({"GET", "/session", Permission::kHealth, Idempotency::kNone, show_session});
  routes.push_back({"DELETE", "/session", Permission::kHealth, Idempotency::kNone, sign_out});
}

}  // namespace nimbus::api
