// Every route of the API against every role: a role without the route's permission gets 403 and
// the handler does not run; one with it is never refused for its role; no token, or a bad one, is
// 401 everywhere but on the public routes.
#include <regex>
#include <set>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "access/api_tokens.h"
#include "api/service/api_test_fixture.h"

namespace nimbus::api {
namespace {

using nimbus::testing::must;
using store::ApiRole;

class ApiRolesTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    ASSERT_TRUE(service_->add_administration_routes(router_).ok());
  }

  std::string token(ApiRole role) {
    const std::string name(store::api_role_name(role));
    return std::string(
        must(access::create_api_token(node_->store(), name, role, std::chrono::hours(24), "test", now_utc()))
            .text.reveal());
  }

  // The status of `method` on `pattern` with every capture filled in, as `bearer` (none when empty),
  // from `address`. A write's body has a member no route knows, so that a write the role may make
  // is refused for its body (400) and changes nothing.
  int status_of(const std::string& method, const std::string& pattern, const std::string& bearer,
                const std::string& address = "127.0.0.1") {
    http::Request request;
    request.method = method;
    request.path = std::regex_replace(pattern, std::regex("\\{[a-z]+\\}"), "0a");
    request.remote_address = address;
    if (!bearer.empty()) request.headers.add("Authorization", "Bearer " + bearer);
    if (method != "GET") {
      request.headers.add("Content-Type", "application/json");
      const std::string body = R"({"not_a_member_of_any_route": 1})";
      request.body = Bytes(body.begin(), body.end());
    }
    http::RouteMatch match = router_.match(method, request.path);
    EXPECT_EQ(match.outcome, http::RouteMatch::Outcome::kMatched) << method << " " << request.path;
    if (match.outcome != http::RouteMatch::Outcome::kMatched) return 0;
    request.params = match.params;
    auto response = (*match.handler)(request);
    return response.ok() ? response->status : http::error_response(response.error()).status;
  }

  http::Router router_;
};

TEST_F(ApiRolesTest, EveryRouteRefusesExactlyTheRolesWithoutItsPermission) {
  const std::map<ApiRole, std::string> tokens = {{ApiRole::kAdmin, token(ApiRole::kAdmin)},
                                                 {ApiRole::kEnroller, token(ApiRole::kEnroller)},
                                                 {ApiRole::kAuditor, token(ApiRole::kAuditor)},
                                                 {ApiRole::kViewer, token(ApiRole::kViewer)}};
  int refused = 0;
  for (const auto& [method, pattern, permission] : service_->routes()) {
    for (const auto& [role, text] : tokens) {
      SCOPED_TRACE(fmt::format("{} {} as {}", method, pattern, store::api_role_name(role)));
      const int status = status_of(method, pattern, text);
      if (role_permits(role, permission)) {
        EXPECT_NE(status, 403);
        EXPECT_NE(status, 401);
      } else {
        EXPECT_EQ(status, 403);
        ++refused;
      }
    }
  }
  EXPECT_GT(refused, 40);  // the table refuses something to every role but admin
}

// The table itself, in the words of docs/api.md: an enroller enrolls and nothing else; a viewer
// and an auditor change nothing; only an auditor (or admin) reads the audit trail.
TEST_F(ApiRolesTest, TheRoleTableIsTheDocumentedOne) {
  std::set<std::string> enroller_may;
  std::set<std::string> viewer_may_write;
  for (const auto& [method, pattern, permission] : service_->routes()) {
    const std::string route = method + " " + pattern;
    if (permission == Permission::kPublic) continue;
    if (role_permits(ApiRole::kEnroller, permission)) enroller_may.insert(route);
    if (method != "GET" && role_permits(ApiRole::kViewer, permission)) viewer_may_write.insert(route);
    EXPECT_EQ(role_permits(ApiRole::kViewer, permission), role_permits(ApiRole::kAuditor, permission) &&
                                                              permission != Permission::kAudit)
        << route;
  }
  EXPECT_EQ(enroller_may, (std::set<std::string>{"GET /api/v1/session", "DELETE /api/v1/session",
                                                 "GET /api/v1/health", "POST /api/v1/enrollments",
                                                 "POST /api/v1/enrollments/{id}/challenge"}));
  // Signing out, and asking the node to examine itself (which changes nothing), are all a viewer writes.
  EXPECT_EQ(viewer_may_write, (std::set<std::string>{"DELETE /api/v1/session", "POST /api/v1/doctor"}));
}

TEST_F(ApiRolesTest, NoTokenOrABadOneIsRefusedEverywhereButThePublicRoutes) {
  const std::string bad = "nimbus_0123456789abcdef_" + std::string(64, 'a');
  int client = 0;
  for (const auto& [method, pattern, permission] : service_->routes()) {
    SCOPED_TRACE(fmt::format("{} {}", method, pattern));
    if (permission == Permission::kPublic) continue;
    // Each from an address of its own: failures from one address are limited (the next test).
    EXPECT_EQ(status_of(method, pattern, "", fmt::format("192.0.2.{}", ++client)), 401);
    EXPECT_EQ(status_of(method, pattern, bad, fmt::format("192.0.2.{}", ++client)), 401);
  }
}

TEST_F(ApiRolesTest, RepeatedFailuresFromOneAddressAreSlowedAndOthersAreNot) {
  const std::string bad = "nimbus_0123456789abcdef_" + std::string(64, 'a');
  std::map<int, int> statuses;
  for (int i = 0; i < 40; ++i) ++statuses[status_of("GET", "/api/v1/health", bad, "198.51.100.7")];
  EXPECT_GT(statuses[401], 0);
  EXPECT_GT(statuses[429], 0);
  EXPECT_EQ(status_of("GET", "/api/v1/health", bad, "198.51.100.8"), 401);
  EXPECT_EQ(status_of("GET", "/api/v1/health", token(ApiRole::kViewer), "198.51.100.7"), 200);
}

}  // namespace
}  // namespace nimbus::api
