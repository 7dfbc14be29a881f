#include "api/console_sessions.h"

#include <gtest/gtest.h>

namespace nimbus::api {
namespace {

using namespace std::chrono_literals;

struct FakeClock {
  std::chrono::system_clock::time_point now = std::chrono::system_clock::time_point(std::chrono::hours(500000));
  ConsoleSessions::Clock clock() {
    return [this] { return now; };
  }
};

TEST(ConsoleSessions, OpensAndFindsBySecretId) {
  ConsoleSessions sessions;
  auto made = sessions.open("0123456789abcdef");
  ASSERT_TRUE(made.ok());
  EXPECT_EQ(made->id.size(), 64u);
  EXPECT_EQ(made->session.csrf_token.size(), 64u);
  EXPECT_NE(made->id.reveal(), made->session.csrf_token.reveal());
  auto found = sessions.find(made->id.reveal());
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->token_id, "0123456789abcdef");
  EXPECT_TRUE(ConsoleSessions::csrf_matches(*found, made->session.csrf_token.reveal()));
  EXPECT_FALSE(ConsoleSessions::csrf_matches(*found, ""));
  EXPECT_FALSE(ConsoleSessions::csrf_matches(*found, made->id.reveal()));
  EXPECT_FALSE(sessions.find(made->session.csrf_token.reveal()).has_value());
}

TEST(ConsoleSessions, EndOnIdleLifetimeAndClose) {
  FakeClock clock;
  ConsoleSessions sessions(30min, 12h, 100, clock.clock());
  auto idle = *sessions.open("a");
  clock.now += 29min;
  EXPECT_TRUE(sessions.find(idle.id.reveal()).has_value());
  clock.now += 29min;  // used 29 minutes ago: still alive
  EXPECT_TRUE(sessions.find(idle.id.reveal()).has_value());
  clock.now += 31min;
  EXPECT_FALSE(sessions.find(idle.id.reveal()).has_value());

  auto busy = *sessions.open("b");
  for (int i = 0; i < 24 * 3; ++i) {
    clock.now += 20min;
    sessions.find(busy.id.reveal());
  }
  EXPECT_FALSE(sessions.find(busy.id.reveal()).has_value());  // past its 12 hours, however busy

  auto closed = *sessions.open("c");
  sessions.close(closed.id.reveal());
  EXPECT_FALSE(sessions.find(closed.id.reveal()).has_value());
}

TEST(ConsoleSessions, ReadsTheCookieAmongOthers) {
  EXPECT_EQ(session_cookie("nimbus_session=abc"), "abc");
  EXPECT_EQ(session_cookie("theme=dark; nimbus_session=abc; lang=en"), "abc");
  EXPECT_FALSE(session_cookie("theme=dark").has_value());
  EXPECT_FALSE(session_cookie("nimbus_session=").has_value());
  EXPECT_FALSE(session_cookie("xnimbus_session=abc").has_value());
}

}  // namespace
}  // namespace nimbus::api
