#include "api/api_error.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace nimbus::api {
namespace {

nlohmann::json body_of(const http::Response& response) {
  return nlohmann::json::parse(std::string(response.body.begin(), response.body.end()));
}

TEST(ApiError, RefusalsCarryTheirCodeMessageAndField) {
  http::Response response = api_error_response(Error(ErrorCode::kInvalidArgument, "limit must be 1 to 500"), "limit");
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(response.content_type, "application/json");
  nlohmann::json body = body_of(response);
  EXPECT_EQ(body["error"]["code"], "invalid_argument");
  EXPECT_EQ(body["error"]["message"], "limit must be 1 to 500");
  EXPECT_EQ(body["error"]["field"], "limit");

  nlohmann::json no_field = body_of(api_error_response(Error(ErrorCode::kNotFound, "no such certificate")));
  EXPECT_TRUE(no_field["error"]["field"].is_null());
}

TEST(ApiError, StatusFollowsTheKindOfRefusal) {
  EXPECT_EQ(api_error_response(Error(ErrorCode::kNotFound, "x")).status, 404);
  EXPECT_EQ(api_error_response(Error(ErrorCode::kAlreadyExists, "x")).status, 409);
  EXPECT_EQ(api_error_response(Error(ErrorCode::kFailedPrecondition, "x")).status, 409);
  EXPECT_EQ(api_error_response(Error(ErrorCode::kPermissionDenied, "x")).status, 403);
  EXPECT_EQ(api_error_response(Error(ErrorCode::kPolicyViolation, "x")).status, 422);
  EXPECT_EQ(api_error_response(Error(ErrorCode::kMalformed, "x")).status, 400);
}

TEST(ApiError, FailuresKeepTheirMessageOffTheWire) {
  http::Response response =
      api_error_response(Error(ErrorCode::kStoreError, "disk I/O error at /var/lib/nimbus/nimbus.db"));
  EXPECT_EQ(response.status, 500);
  nlohmann::json body = body_of(response);
  EXPECT_EQ(body["error"]["code"], "internal");
  EXPECT_EQ(body["error"]["message"].get<std::string>().find("/var/lib"), std::string::npos);
}

TEST(ApiError, UnauthenticatedAndRateLimitedSayHowToProceed) {
  http::Response unauthenticated = unauthenticated_response();
  EXPECT_EQ(unauthenticated.status, 401);
  EXPECT_EQ(unauthenticated.header("WWW-Authenticate").value_or(""), "Bearer realm=\"nimbus\"");
  EXPECT_EQ(body_of(unauthenticated)["error"]["code"], "unauthenticated");
  http::Response limited = rate_limited_response(3);
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(limited.header("Retry-After").value_or(""), "3");
  EXPECT_EQ(body_of(limited)["error"]["code"], "rate_limited");
}

}  // namespace
}  // namespace nimbus::api
