#include "radius/service/request_cache.h"

#include <gtest/gtest.h>

namespace nimbus::radius {
namespace {

TEST(RequestCache, ARetransmissionGetsTheSameAnswerOrNothingWhileInProgress) {
  RequestCache cache(std::chrono::seconds(30), 100);
  Authenticator authenticator{};
  authenticator[0] = 7;
  EXPECT_EQ(cache.arrive("vpn|10.0.0.1:4000", 9, authenticator).seen, RequestCache::Seen::kNew);
  EXPECT_EQ(cache.arrive("vpn|10.0.0.1:4000", 9, authenticator).seen, RequestCache::Seen::kInProgress);
  cache.answered("vpn|10.0.0.1:4000", 9, authenticator, Bytes{1, 2, 3});
  RequestCache::Lookup again = cache.arrive("vpn|10.0.0.1:4000", 9, authenticator);
  EXPECT_EQ(again.seen, RequestCache::Seen::kAnswered);
  EXPECT_EQ(again.answer, (Bytes{1, 2, 3}));

  // Another identifier, authenticator or source port is another request.
  EXPECT_EQ(cache.arrive("vpn|10.0.0.1:4000", 10, authenticator).seen, RequestCache::Seen::kNew);
  Authenticator other = authenticator;
  other[15] = 1;
  EXPECT_EQ(cache.arrive("vpn|10.0.0.1:4000", 9, other).seen, RequestCache::Seen::kNew);
  EXPECT_EQ(cache.arrive("vpn|10.0.0.1:4001", 9, authenticator).seen, RequestCache::Seen::kNew);
}

TEST(RequestCache, AbandonedAndExpiredRequestsAreWorkedOnAfresh) {
  RequestCache cache(std::chrono::seconds(5), 100);
  Authenticator authenticator{};
  cache.arrive("nas|a", 1, authenticator);
  cache.abandon("nas|a", 1, authenticator);
  EXPECT_EQ(cache.arrive("nas|a", 1, authenticator).seen, RequestCache::Seen::kNew);
  cache.answered("nas|a", 1, authenticator, Bytes{9});
  EXPECT_EQ(cache.expire(std::chrono::steady_clock::now() + std::chrono::seconds(6)), 1u);
  EXPECT_EQ(cache.arrive("nas|a", 1, authenticator).seen, RequestCache::Seen::kNew);
}

TEST(RequestCache, PastItsBoundNewRequestsAreServedButNotRemembered) {
  RequestCache cache(std::chrono::seconds(5), 1);
  Authenticator authenticator{};
  EXPECT_EQ(cache.arrive("nas|a", 1, authenticator).seen, RequestCache::Seen::kNew);
  EXPECT_EQ(cache.arrive("nas|a", 2, authenticator).seen, RequestCache::Seen::kNew);
  EXPECT_EQ(cache.arrive("nas|a", 2, authenticator).seen, RequestCache::Seen::kNew);
  EXPECT_EQ(cache.size(), 1u);
}

}  // namespace
}  // namespace nimbus::radius
