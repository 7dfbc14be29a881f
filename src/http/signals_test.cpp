#include "http/signals.h"

#include <csignal>

#include <gtest/gtest.h>

namespace nimbus::http {
namespace {

TEST(HttpSignals, ReloadsOnHangupAndReturnsOnTerminate) {
  ShutdownSignals signals;
  // Raised before wait(): the handlers are already installed, so nothing is lost or fatal.
  ASSERT_EQ(std::raise(SIGHUP), 0);
  ASSERT_EQ(std::raise(SIGTERM), 0);
  int hangups = 0;
  EXPECT_EQ(signals.wait([&] { ++hangups; }), SIGTERM);
  EXPECT_EQ(hangups, 1);
}

}  // namespace
}  // namespace nimbus::http
