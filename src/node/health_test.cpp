#include "node/health.h"

#include <gtest/gtest.h>

#include "testing/test_support.h"

namespace nimbus::node {
namespace {

using nimbus::testing::at;

TEST(Health, AProblemIsWorthALineWhenNewOrChangedAndKeepsWhenItBegan) {
  Health health;
  Timestamp first = at("2026-12-01T00:00:00Z");
  EXPECT_TRUE(health.report("store", "", "database is locked", first));
  EXPECT_FALSE(health.report("store", "", "database is locked", first + std::chrono::seconds(1)));
  EXPECT_TRUE(health.report("store", "", "disk I/O error", first + std::chrono::seconds(2)));
  EXPECT_TRUE(health.report("ocsp-signer", "issuing", "key does not open", first + std::chrono::seconds(3)));

  auto problems = health.problems();
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_EQ(problems[0].component, "store");
  EXPECT_EQ(problems[0].message, "disk I/O error");
  EXPECT_EQ(problems[0].since, first);
  EXPECT_EQ(problems[1].authority_id, "issuing");

  EXPECT_TRUE(health.clear("store"));
  EXPECT_FALSE(health.clear("store"));
  EXPECT_FALSE(health.clear("ocsp-signer", "other"));
  ASSERT_EQ(health.problems().size(), 1u);
  EXPECT_TRUE(health.report("store", "", "disk I/O error", first + std::chrono::seconds(9)));
  EXPECT_EQ(health.problems()[1].since, first + std::chrono::seconds(9));
}

}  // namespace
}  // namespace nimbus::node
