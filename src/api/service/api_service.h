// The REST API of a node, under /api/v1 (docs/api.md; the OpenAPI document is docs/openapi.json,
// also served at /api/v1/openapi.json).
//
// Every call but the OpenAPI document's and the console's sign-in carries `Authorization: Bearer
// nimbus_...` (an API token, access/api_tokens.h) or the cookie of a console session (whose writes
// also carry its X-CSRF-Token; api/console_sessions.h). A request is, in order: authenticated (401
// and a log line otherwise), held to its token's rate limit (429), authorised against its route's
// permission (403), and then answered. Writes run one at a time, and those that create or issue
// honour an Idempotency-Key.
// Every write is recorded in the audit trail by the domain it calls, as "http:<token name>".
//
// Thread-safety: handlers run on the HTTP workers; reads run concurrently, writes under a lock.
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <variant>
#include <vector>

#include "api/idempotency.h"
#include "api/rate_limiter.h"
#include "api/service/api_context.h"
#include "node/node.h"
#include "node/service.h"

namespace nimbus::api {

struct ApiServiceOptions {
  // The RADIUS decision log /radius/decisions reads; empty when the node serves no RADIUS.
  std::filesystem::path decision_log;
  RateLimit rate_limit;
};

class ApiService final : public node::Service {
 public:
  // `node` must outlive the service.
  static Result<std::unique_ptr<ApiService>> create(node::Node& node, ApiServiceOptions options);

  std::string_view name() const override { return "api"; }
  // Nothing on the public listener: the API is an administration route table.
  Status add_routes(http::Router& router) override {
    (void)router;
    return ok_status();
  }
  Status add_administration_routes(http::Router& router) override;
  // Starts the node's own examinations (doctor_runner.h).
  Status start() override;
  void stop() override;
  std::vector<std::string> describe_administration(std::string_view api_url) const override;

  // The routes in the order they are added, their patterns under /api/v1 as the router has them:
  // what the OpenAPI document must describe and the role table is checked against.
  struct RouteDescription {
    std::string method;
    std::string pattern;
    Permission permission;
  };
  std::vector<RouteDescription> routes() const;

 private:
  ApiService(node::Node& node, ApiServiceOptions options, std::unique_ptr<crypto::KeyStore> keys);

  Result<http::Response> answer(const ApiRoute& route, const http::Request& request);
  // The caller of an authenticated request, or the 401/429 response to send instead.
  std::variant<Caller, http::Response> authenticate(const http::Request& request);
  Result<http::Response> write(const ApiRoute& route, const http::Request& request, const Caller& caller);

  ApiContext context_;
  std::vector<ApiRoute> routes_;
  RateLimiter limiter_;
  IdempotencyKeys idempotency_;
  std::mutex write_mutex_;
};

}  // namespace nimbus::api
