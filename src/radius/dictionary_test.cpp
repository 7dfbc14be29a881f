#include "radius/dictionary.h"

#include <gtest/gtest.h>

namespace nimbus::radius {
namespace {

TEST(ReplyAttributes, EncodeEachType) {
  auto timeout = encode_reply_attribute("Session-Timeout", "28800");
  ASSERT_TRUE(timeout.ok());
  EXPECT_EQ(timeout->type, attribute::kSessionTimeout);
  EXPECT_EQ(timeout->value, (Bytes{0x00, 0x00, 0x70, 0x80}));

  auto filter = encode_reply_attribute("Filter-Id", "vpn-users");
  ASSERT_TRUE(filter.ok());
  EXPECT_EQ(filter->type, attribute::kFilterId);
  EXPECT_EQ(std::string(filter->value.begin(), filter->value.end()), "vpn-users");

  auto address = encode_reply_attribute("Framed-IP-Address", "10.9.8.7");
  ASSERT_TRUE(address.ok());
  EXPECT_EQ(address->value, (Bytes{10, 9, 8, 7}));

  // RFC 2868: a tag octet (0), then 24 bits; RFC 3580 names VLAN 13 and IEEE-802 6.
  auto tunnel = encode_reply_attribute("Tunnel-Type", "VLAN");
  ASSERT_TRUE(tunnel.ok());
  EXPECT_EQ(tunnel->type, attribute::kTunnelType);
  EXPECT_EQ(tunnel->value, (Bytes{0x00, 0x00, 0x00, 13}));
  EXPECT_EQ(encode_reply_attribute("Tunnel-Medium-Type", "IEEE-802")->value, (Bytes{0x00, 0x00, 0x00, 6}));
  EXPECT_EQ(encode_reply_attribute("Service-Type", "Framed")->value, (Bytes{0x00, 0x00, 0x00, 2}));
}

TEST(ReplyAttributes, RefusesUnknownNamesAndBadValues) {
  EXPECT_FALSE(encode_reply_attribute("User-Password", "x").ok());
  EXPECT_FALSE(encode_reply_attribute("session-timeout", "10").ok()) << "names are exact";
  EXPECT_FALSE(encode_reply_attribute("Session-Timeout", "-1").ok());
  EXPECT_FALSE(encode_reply_attribute("Session-Timeout", "4294967296").ok());
  EXPECT_FALSE(encode_reply_attribute("Session-Timeout", "").ok());
  EXPECT_FALSE(encode_reply_attribute("Tunnel-Type", "16777216").ok()) << "24 bits";
  EXPECT_FALSE(encode_reply_attribute("Framed-IP-Address", "2001:db8::1").ok());
  EXPECT_FALSE(encode_reply_attribute("Filter-Id", "").ok());
  EXPECT_FALSE(encode_reply_attribute("Filter-Id", std::string(254, 'x')).ok());
  EXPECT_TRUE(encode_reply_attribute("Filter-Id", std::string(253, 'x')).ok());
  auto error = encode_reply_attribute("Tunnel-Type", "GRE");
  ASSERT_FALSE(error.ok());
  EXPECT_EQ(error.error().message(), "Tunnel-Type must be a whole number from 0 to 16777215, PPTP, L2TP, VLAN");
}

}  // namespace
}  // namespace nimbus::radius
