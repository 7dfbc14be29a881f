#include "api/rate_limiter.h"

#include <gtest/gtest.h>

namespace nimbus::api {
namespace {

using namespace std::chrono_literals;

class RateLimiterTest : public ::testing::Test {
 protected:
  RateLimiter limiter(RateLimit limit, std::size_t max_keys = 100) {
    return RateLimiter(limit, max_keys, [this] { return now_; });
  }
  std::chrono::steady_clock::time_point now_{std::chrono::seconds(1000)};
};

TEST_F(RateLimiterTest, ABurstPassesThenTheRateHolds) {
  RateLimiter limits = limiter({2, 5});
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(limits.take("mdm").allowed) << i;
  RateLimiter::Decision refused = limits.take("mdm");
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after_seconds, 1);
  now_ += 500ms;  // one request earned at 2 per second
  EXPECT_TRUE(limits.take("mdm").allowed);
  EXPECT_FALSE(limits.take("mdm").allowed);
  now_ += 1h;  // refills to the burst, not beyond
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(limits.take("mdm").allowed) << i;
  EXPECT_FALSE(limits.take("mdm").allowed);
}

TEST_F(RateLimiterTest, OneKeyDoesNotSpendAnothers) {
  RateLimiter limits = limiter({1, 1});
  EXPECT_TRUE(limits.take("a").allowed);
  EXPECT_FALSE(limits.take("a").allowed);
  EXPECT_TRUE(limits.take("b").allowed);
}

TEST_F(RateLimiterTest, RetryAfterCoversTheWait) {
  RateLimiter limits = limiter({0.25, 1});
  EXPECT_TRUE(limits.take("slow").allowed);
  EXPECT_EQ(limits.take("slow").retry_after_seconds, 4);
}

TEST_F(RateLimiterTest, ForgettingIdleKeysNeverFreesABusyOne) {
  RateLimiter limits = limiter({1, 2}, 2);
  EXPECT_TRUE(limits.take("busy").allowed);
  EXPECT_TRUE(limits.take("busy").allowed);
  EXPECT_TRUE(limits.take("idle").allowed);
  now_ += 10s;  // "idle" refills completely; "busy" too, so spend it again
  EXPECT_TRUE(limits.take("busy").allowed);
  EXPECT_TRUE(limits.take("busy").allowed);
  EXPECT_TRUE(limits.take("new").allowed);  // past max_keys: the full bucket of "idle" goes
  EXPECT_FALSE(limits.take("busy").allowed);  // "busy" kept its empty bucket
}

}  // namespace
}  // namespace nimbus::api
