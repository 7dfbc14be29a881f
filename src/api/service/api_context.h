// What the API's resources share: the node they serve, the caller of a request, and the shape of
// a route. Each resource (authorities, profiles, ...) adds its routes in a file of its own; the
// service (api_service.h) authenticates, authorises, limits and serialises around them.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "api/console_sessions.h"
#include "api/permissions.h"
#include "api/rate_limiter.h"
#include "api/service/doctor_runner.h"
#include "ca/authorities.h"
#include "ca/issuance.h"
#include "crypto/key_store.h"
#include "http/message.h"
#include "node/node.h"
#include "revocation/revocations.h"
#include "store/records.h"

namespace nimbus::api {

// Who sent a request: the token it carried, or the token its console session was opened with.
// A public route's caller is empty.
struct Caller {
  std::string token_id;
  std::string token_name;
  store::ApiRole role = store::ApiRole::kViewer;
  std::optional<ConsoleSession> session;

  // As the audit trail names it: "http:<token name>".
  std::string actor() const { return "http:" + token_name; }
};

// A route's handler: a plain function of the API's context, the request and its caller.
struct ApiContext;
using ApiHandler = Result<http::Response> (*)(ApiContext& context, const http::Request& request, const Caller& caller);

// How a route treats an Idempotency-Key.
enum class Idempotency {
  kNone,       // reads, and writes a retry of which is refused and changes nothing (a second pause is 409)
  kReplay,     // creates or issues: a retry with the key gets the first answer again
  kAnswerOnce  // its answer holds a private key, which is not kept: a retry is refused
};

struct ApiRoute {
  std::string method;   // one method; a GET route also answers HEAD
  std::string pattern;  // under /api/v1, as the router takes it
  Permission permission;
  Idempotency idempotency = Idempotency::kNone;
  ApiHandler handler;
};

// The node, what the API signs with, and the console's sessions. Writes run one at a time (the
// service holds a lock around every handler that is not a GET), so `keys`, which is not
// thread-safe, is only used under it.
struct ApiContext {
  ApiContext(node::Node& node, std::unique_ptr<crypto::KeyStore> keys, std::filesystem::path decision_log)
      : node(node), keys(std::move(keys)), decision_log(std::move(decision_log)) {}

  node::Node& node;
  std::unique_ptr<crypto::KeyStore> keys;
  std::filesystem::path decision_log;  // the RADIUS service's; empty when RADIUS is not served
  ConsoleSessions sessions;
  // Failed sign-ins (bad tokens, ended sessions) per remote address: a prober gets 429 instead of
  // an answer per guess.
  RateLimiter failed_sign_ins{RateLimit{1, 20}};
  DoctorRunner doctor{node};

  store::Store& store() { return node.store(); }
  const node::Deployment& deployment() const { return node.deployment(); }
  ca::Issuer issuer(const Caller& caller);
  ca::Authorities authorities(const Caller& caller);
  revocation::Revocations revocations(const Caller& caller);
};

// The routes of each resource, appended to `routes`.
void add_authority_routes(std::vector<ApiRoute>& routes);
void add_profile_routes(std::vector<ApiRoute>& routes);
void add_enrollment_routes(std::vector<ApiRoute>& routes);
void add_certificate_routes(std::vector<ApiRoute>& routes);
void add_crl_routes(std::vector<ApiRoute>& routes);
void add_decision_routes(std::vector<ApiRoute>& routes);
void add_audit_routes(std::vector<ApiRoute>& routes);
void add_health_routes(std::vector<ApiRoute>& routes);
void add_session_routes(std::vector<ApiRoute>& routes);
void add_doctor_routes(std::vector<ApiRoute>& routes);

// The answer to a request whose token or session did not hold: 401 (429 past the address's limit
// of failures), and a log line with `reason`.
http::Response refuse_sign_in(ApiContext& context, const http::Request& request, std::string_view reason);

}  // namespace nimbus::api
