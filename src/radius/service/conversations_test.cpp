#include "radius/service/conversations.h"

#include <gtest/gtest.h>

#include "testing/test_support.h"

namespace nimbus::radius {
namespace {

using nimbus::testing::make_ca;
using nimbus::testing::must;

class ConversationTableTest : public ::testing::Test {
 protected:
  std::unique_ptr<Conversation> conversation(const std::string& nas) {
    return std::make_unique<Conversation>(nas, context_, EapTlsLimits{});
  }
  static nimbus::testing::CertificateOptions server_options() {
    nimbus::testing::CertificateOptions options;
    options.subject = "CN=radius.test";
    options.ca = false;
    return options;
  }
  nimbus::testing::TestCa server_ = make_ca(server_options());
  x509::TlsContext context_ = must(x509::TlsContext::server(server_.certificate, {}, server_.key, {}));
};

TEST_F(ConversationTableTest, AConversationIsFoundByItsStateFromItsOwnNasOnly) {
  ConversationTable table({});
  auto admitted = table.admit(conversation("vpn-gateway"));
  ASSERT_NE(admitted, nullptr);
  EXPECT_EQ(admitted->state.size(), 16u);
  EXPECT_EQ(table.find(admitted->state, "vpn-gateway"), admitted);
  EXPECT_EQ(table.find(admitted->state, "wifi-controller"), nullptr) << "a State another NAS learnt is not theirs";
  Bytes other = admitted->state;
  other[0] ^= 1;
  EXPECT_EQ(table.find(other, "vpn-gateway"), nullptr);
  table.remove(admitted->state);
  EXPECT_EQ(table.find(admitted->state, "vpn-gateway"), nullptr);
  EXPECT_EQ(table.size(), 0u);
}

TEST_F(ConversationTableTest, BoundsInTotalAndPerNasRefuseNewOnesOnly) {
  ConversationTable table({.max_total = 3, .max_per_nas = 2, .idle_timeout = std::chrono::seconds(30)});
  auto first = table.admit(conversation("flood"));
  ASSERT_NE(first, nullptr);
  ASSERT_NE(table.admit(conversation("flood")), nullptr);
  EXPECT_EQ(table.admit(conversation("flood")), nullptr) << "past the NAS's bound";
  auto other = table.admit(conversation("vpn-gateway"));
  ASSERT_NE(other, nullptr) << "another NAS still gets its share";
  EXPECT_EQ(table.admit(conversation("wifi")), nullptr) << "past the total";
  EXPECT_EQ(table.refused(), 2u);
  EXPECT_EQ(table.find(first->state, "flood"), first) << "conversations under way go on";
  table.remove(first->state);
  EXPECT_NE(table.admit(conversation("flood")), nullptr) << "room again once one ends";
}

TEST_F(ConversationTableTest, IdleConversationsExpire) {
  ConversationTable table({.max_total = 10, .max_per_nas = 10, .idle_timeout = std::chrono::seconds(30)});
  auto stalled = table.admit(conversation("vpn-gateway"));
  auto now = std::chrono::steady_clock::now();
  EXPECT_EQ(table.expire(now + std::chrono::seconds(10)), 0u);
  EXPECT_EQ(table.expire(now + std::chrono::seconds(31)), 1u);
  EXPECT_EQ(table.find(stalled->state, "vpn-gateway"), nullptr);
  EXPECT_EQ(table.size(), 0u);
}

}  // namespace
}  // namespace nimbus::radius
