#include "core/log_throttle.h"

#include <gtest/gtest.h>

namespace nimbus {
namespace {

using namespace std::chrono_literals;

TEST(LogThrottle, ReportsTheFirstEventAtOnceAndTheRestOncePerInterval) {
  LogThrottle throttle(10s);
  LogThrottle::Clock::time_point start{};
  EXPECT_EQ(throttle.admit(start), 1u);
  EXPECT_EQ(throttle.admit(start + 1s), 0u);
  EXPECT_EQ(throttle.admit(start + 9s), 0u);
  // The two held back and this one.
  EXPECT_EQ(throttle.admit(start + 10s), 3u);
  EXPECT_EQ(throttle.admit(start + 11s), 0u);
  EXPECT_EQ(throttle.admit(start + 60s), 2u);
}

TEST(LogThrottle, ReportsABurstOneByOneThenCounts) {
  LogThrottle throttle(10s, 3);
  LogThrottle::Clock::time_point start{};
  for (int i = 0; i < 3; ++i) EXPECT_EQ(throttle.admit(start + 1s), 1u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(throttle.admit(start + 2s), 0u);
  EXPECT_EQ(throttle.admit(start + 12s), 6u);
  EXPECT_EQ(throttle.admit(start + 13s), 1u);
  EXPECT_EQ(throttle.admit(start + 14s), 1u);
  EXPECT_EQ(throttle.admit(start + 15s), 0u);
}

TEST(LogThrottle, DrainTakesWhatWasHeldBack) {
  LogThrottle throttle(10s);
  LogThrottle::Clock::time_point start{};
  EXPECT_EQ(throttle.admit(start), 1u);
  EXPECT_EQ(throttle.admit(start + 1s), 0u);
  EXPECT_EQ(throttle.admit(start + 2s), 0u);
  EXPECT_EQ(throttle.drain(), 2u);
  EXPECT_EQ(throttle.drain(), 0u);
  EXPECT_EQ(throttle.admit(start + 12s), 1u);
}

}  // namespace
}  // namespace nimbus
