#include "radius/client.h"

#include <gtest/gtest.h>

namespace nimbus::radius {
namespace {

TEST(RadiusEndpoint, ReadsIpv4AndBracketedIpv6Addresses) {
  auto v4 = Endpoint::parse("127.0.0.1:1812");
  ASSERT_TRUE(v4.ok()) << v4.error().message();
  EXPECT_EQ(v4->address.ss_family, AF_INET);
  EXPECT_EQ(v4->size, sizeof(sockaddr_in));
  auto v6 = Endpoint::parse("[::1]:1813");
  ASSERT_TRUE(v6.ok()) << v6.error().message();
  EXPECT_EQ(v6->address.ss_family, AF_INET6);
  EXPECT_EQ(v6->text, "[::1]:1813");
}

TEST(RadiusEndpoint, RefusesWhatIsNotAnAddressAndPort) {
  for (const char* text : {"", "localhost", "localhost:1812", "127.0.0.1", "127.0.0.1:", "127.0.0.1:0",
                           "127.0.0.1:65536", "127.0.0.1:18x2", "127.0.0.1:99999999999", "::1:1812", "[::1]"}) {
    auto endpoint = Endpoint::parse(text);
    ASSERT_FALSE(endpoint.ok()) << text;
    EXPECT_EQ(endpoint.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(endpoint.error().message().find("is not HOST:PORT"), std::string::npos) << text;
  }
}

}  // namespace
}  // namespace nimbus::radius
