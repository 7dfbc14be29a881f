#include "api/idempotency.h"

#include <gtest/gtest.h>

namespace nimbus::api {
namespace {

using namespace std::chrono_literals;

struct FakeClock {
  std::chrono::steady_clock::time_point now{};
  IdempotencyKeys::Clock clock() {
    return [this] { return now; };
  }
};

http::Request post(std::string path, std::string body) {
  http::Request request;
  request.method = "POST";
  request.path = std::move(path);
  request.body = Bytes(body.begin(), body.end());
  return request;
}

TEST(IdempotencyKeys, ReplaysTheFirstAnswerToTheSameRequest) {
  IdempotencyKeys keys;
  const std::string fingerprint = request_fingerprint(post("/api/v1/enrollments", R"({"profile":"p"})"));
  auto first = keys.recall("token-a", "k1", fingerprint);
  ASSERT_TRUE(first.ok());
  EXPECT_FALSE(first->has_value());
  keys.remember("token-a", "k1", fingerprint, http::Response::text(201, "created"));

  auto again = keys.recall("token-a", "k1", fingerprint);
  ASSERT_TRUE(again.ok());
  ASSERT_TRUE(again->has_value());
  EXPECT_EQ((*again)->status, 201);
  EXPECT_EQ((*again)->header("Idempotent-Replayed"), "true");
}

TEST(IdempotencyKeys, RefusesAKeyReusedForAnotherRequest) {
  IdempotencyKeys keys;
  keys.remember("token-a", "k1", request_fingerprint(post("/api/v1/enrollments", "{}")),
                http::Response::text(201, "created"));
  auto other = keys.recall("token-a", "k1", request_fingerprint(post("/api/v1/enrollments", R"({"x":1})")));
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(other.error().field(), "Idempotency-Key");
}

TEST(IdempotencyKeys, NeverReplaysAnAnswerGivenOnce) {
  IdempotencyKeys keys;
  keys.remember_answered_once("token-a", "k1", "f");
  auto again = keys.recall("token-a", "k1", "f");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code(), ErrorCode::kAlreadyExists);
}

TEST(IdempotencyKeys, KeysBelongToTheirToken) {
  IdempotencyKeys keys;
  const std::string fingerprint = request_fingerprint(post("/p", ""));
  keys.remember("token-a", "k1", fingerprint, http::Response::text(201, "a"));
  auto other = keys.recall("token-b", "k1", fingerprint);
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(other->has_value());
}

TEST(IdempotencyKeys, KeepsOnlySuccessfulAnswers) {
  IdempotencyKeys keys;
  keys.remember("token-a", "k1", "f", http::Response::text(422, "refused"));
  EXPECT_EQ(keys.size(), 0u);
}

TEST(IdempotencyKeys, ForgetsAfterRetentionAndBeyondTheBound) {
  FakeClock clock;
  IdempotencyKeys keys(60s, 2, clock.clock());
  keys.remember("t", "k1", "f1", http::Response::text(200, "1"));
  clock.now += 10s;
  keys.remember("t", "k2", "f2", http::Response::text(200, "2"));
  keys.remember("t", "k3", "f3", http::Response::text(200, "3"));
  EXPECT_EQ(keys.size(), 2u);
  EXPECT_FALSE(keys.recall("t", "k1", "f1")->has_value());  // the oldest made room
  EXPECT_TRUE(keys.recall("t", "k3", "f3")->has_value());
  clock.now += 61s;
  EXPECT_FALSE(keys.recall("t", "k3", "f3")->has_value());
  EXPECT_EQ(keys.size(), 0u);
}

TEST(IdempotencyKeys, ChecksTheKeysText) {
  EXPECT_TRUE(check_idempotency_key("3f1c-uuid-like_key.1").ok());
  EXPECT_FALSE(check_idempotency_key("").ok());
  EXPECT_FALSE(check_idempotency_key("has space").ok());
  EXPECT_FALSE(check_idempotency_key(std::string(256, 'k')).ok());
}

TEST(IdempotencyKeys, FingerprintsTellMethodPathAndBodyApart) {
  EXPECT_NE(request_fingerprint(post("/a", "b")), request_fingerprint(post("/ab", "")));
  http::Request put = post("/a", "b");
  put.method = "PUT";
  EXPECT_NE(request_fingerprint(post("/a", "b")), request_fingerprint(put));
  EXPECT_EQ(request_fingerprint(post("/a", "b")), request_fingerprint(post("/a", "b")));
}

}  // namespace
}  // namespace nimbus::api
