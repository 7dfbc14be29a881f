#include "radius/service/address_range.h"

#include <gtest/gtest.h>

namespace nimbus::radius {
namespace {

boost::asio::ip::address ip(const char* text) { return boost::asio::ip::make_address(text); }

TEST(AddressRange, AddressesAndRangesOfBothFamilies) {
  auto single = AddressRange::parse("192.0.2.7");
  ASSERT_TRUE(single.ok());
  EXPECT_TRUE(single->contains(ip("192.0.2.7")));
  EXPECT_FALSE(single->contains(ip("192.0.2.8")));
  EXPECT_EQ(single->to_string(), "192.0.2.7");

  auto range = AddressRange::parse("10.128.0.0/9");
  ASSERT_TRUE(range.ok());
  EXPECT_TRUE(range->contains(ip("10.128.0.1")));
  EXPECT_TRUE(range->contains(ip("10.255.255.255")));
  EXPECT_FALSE(range->contains(ip("10.127.255.255")));
  EXPECT_TRUE(range->contains(ip("::ffff:10.200.0.1"))) << "an IPv4-mapped address is its IPv4 address";
  EXPECT_FALSE(range->contains(ip("2001:db8::1")));
  EXPECT_EQ(range->to_string(), "10.128.0.0/9");

  auto v6 = AddressRange::parse("2001:db8::/32");
  ASSERT_TRUE(v6.ok());
  EXPECT_TRUE(v6->contains(ip("2001:db8:ffff::1")));
  EXPECT_FALSE(v6->contains(ip("2001:db9::1")));
  EXPECT_FALSE(v6->contains(ip("10.0.0.1")));

  auto everything = AddressRange::parse("0.0.0.0/0");
  ASSERT_TRUE(everything.ok());
  EXPECT_TRUE(everything->contains(ip("203.0.113.9")));
}

TEST(AddressRange, RefusesWhatIsNotARange) {
  for (const char* text : {"", "10.0.0.0/", "10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/8x", "::/129", "host.example",
                           "10.0.0.256", "10.0.0.1/8"}) {
    EXPECT_FALSE(AddressRange::parse(text).ok()) << text;
  }
}

}  // namespace
}  // namespace nimbus::radius
