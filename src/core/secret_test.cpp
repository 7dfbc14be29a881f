#include "core/secret.h"

#include <utility>

#include <gtest/gtest.h>

namespace nimbus {
namespace {

TEST(Secret, RevealsItsValue) {
  Secret secret(std::string("correct horse battery staple"));
  EXPECT_EQ(secret.reveal(), "correct horse battery staple");
  EXPECT_EQ(secret.size(), 28u);
  EXPECT_FALSE(secret.empty());
  EXPECT_TRUE(Secret().empty());
}

TEST(Secret, CopiesAreIndependent) {
  Secret original(std::string("passphrase-1"));
  Secret copy(original);
  EXPECT_EQ(copy.reveal(), "passphrase-1");
  Secret assigned(std::string("other"));
  assigned = original;
  EXPECT_EQ(assigned.reveal(), "passphrase-1");
  EXPECT_EQ(original.reveal(), "passphrase-1");
}

TEST(Secret, MovingLeavesTheSourceEmpty) {
  Secret original(std::string("passphrase-2"));
  Secret moved(std::move(original));
  EXPECT_EQ(moved.reveal(), "passphrase-2");
  EXPECT_TRUE(original.empty());  // NOLINT(bugprone-use-after-move): documented state

  Secret target(std::string("old"));
  target = std::move(moved);
  EXPECT_EQ(target.reveal(), "passphrase-2");
  EXPECT_TRUE(moved.empty());  // NOLINT(bugprone-use-after-move)
}

TEST(Secret, SelfAssignmentKeepsTheValue) {
  Secret secret(std::string("self"));
  Secret& alias = secret;
  secret = alias;
  EXPECT_EQ(secret.reveal(), "self");
}

}  // namespace
}  // namespace nimbus
