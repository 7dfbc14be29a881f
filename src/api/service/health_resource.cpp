// GET /health: whether the node serves well, as /healthz tells a load balancer, for API clients
// (a connector checking its token and the node in one call).
#include <nlohmann/json.hpp>

#include "api/json_body.h"
#include "api/service/api_context.h"

namespace nimbus::api {

namespace {

Result<http::Response> health(ApiContext& context, const http::Request&, const Caller& caller) {
  nlohmann::json problems = nlohmann::json::array();
  for (const node::HealthProblem& problem : context.node.problems()) {
    problems.push_back({{"component", problem.component},
                        {"message", problem.message},
                        {"since", format_timestamp(problem.since)},
                        {"authority", problem.authority_id.empty() ? nlohmann::json(nullptr)
                                                                   : nlohmann::json(problem.authority_id)}});
  }
  nlohmann::json body = {{"status", problems.empty() ? "ok" : "unavailable"},
                         {"version", NIMBUS_VERSION},
                         {"token", {{"name", caller.token_name}, {"role", store::api_role_name(caller.role)}}},
                         {"problems", std::move(problems)}};
  return json_response(200, body);
}

}  // namespace

void add_health_routes(std::vector<ApiRoute>& routes) {
  routes.push_back({"GET", "/health", Permission::kHealth, Idempotency::kNone, health});
}

}  // namespace nimbus::api
