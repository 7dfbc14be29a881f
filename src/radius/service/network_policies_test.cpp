#include "radius/service/network_policies.h"

#include <gtest/gtest.h>

#include "core/time.h"

namespace nimbus::radius {
namespace {

RequestFacts alice() {
  RequestFacts facts;
  facts.nas = "vpn-gateway";
  facts.nas_address = boost::asio::ip::make_address("10.1.2.3");
  facts.issuing_ca = "corp-issuing-ca";
  facts.issuer = "CN=Corp Issuing CA, O=Corp";
  facts.profile = "user-vpn";
  facts.ekus = {"1.3.6.1.5.5.7.3.2"};
  facts.subject = "CN=alice, O=Corp";
  facts.sans = {"UPN:alice@corp.example.net", "DNS:laptop-7.corp.example.net"};
  facts.at = *parse_timestamp("2026-06-01T09:30:00Z");
  return facts;
}

NetworkPolicySettings policy(std::string name, PolicyConditions when, bool grant = true) {
  NetworkPolicySettings settings;
  settings.name = std::move(name);
  settings.when = std::move(when);
  settings.grant = grant;
  return settings;
}

TEST(NetworkPolicies, NoPolicyConfiguredGrantsEveryValidChain) {
  auto policies = NetworkPolicies::build({});
  ASSERT_TRUE(policies.ok());
  auto match = policies->match(alice());
  ASSERT_TRUE(match.has_value());
  EXPECT_EQ(match->name, "default");
  EXPECT_TRUE(match->grant);
}

TEST(NetworkPolicies, FirstMatchWinsAndCarriesItsAttributes) {
  PolicyConditions interns;
  interns.subject = {"CN=intern*"};
  PolicyConditions users;
  users.profile = {"device-vpn", "user-vpn"};
  NetworkPolicySettings vpn = policy("vpn-users", users);
  vpn.attributes = {{"Session-Timeout", "28800"}, {"Class", "vpn"}};
  auto policies = NetworkPolicies::build({policy("interns", interns, false), vpn, policy("all", {})});
  ASSERT_TRUE(policies.ok());
  auto match = policies->match(alice());
  ASSERT_TRUE(match.has_value());
  EXPECT_EQ(match->name, "vpn-users");
  ASSERT_EQ(match->attributes.size(), 2u);
  EXPECT_EQ(match->attributes[0].type, attribute::kSessionTimeout);
  EXPECT_EQ(match->attributes[0].value, (Bytes{0x00, 0x00, 0x70, 0x80}));

  RequestFacts intern = alice();
  intern.subject = "CN=Intern-Bob, O=Corp";
  EXPECT_EQ(policies->match(intern)->name, "interns");
  EXPECT_FALSE(policies->match(intern)->grant);
  EXPECT_TRUE(policies->needs_issued_facts());
  EXPECT_FALSE(NetworkPolicies::build({policy("interns", interns, false)})->needs_issued_facts());
}

TEST(NetworkPolicies, EachConditionMustHold) {
  struct Case {
    const char* name;
    PolicyConditions when;
    bool matches;
  };
  auto with = [](auto setter) {
    PolicyConditions when;
    setter(when);
    return when;
  };
  std::vector<Case> cases = {
      {"nas", with([](auto& w) { w.nas = {"wifi-controller", "vpn-gateway"}; }), true},
      {"other nas", with([](auto& w) { w.nas = {"wifi-controller"}; }), false},
      {"nas address", with([](auto& w) { w.nas_address = {*AddressRange::parse("10.1.0.0/16")}; }), true},
      {"other nas address", with([](auto& w) { w.nas_address = {*AddressRange::parse("10.2.0.0/16")}; }), false},
      {"issuing ca by id", with([](auto& w) { w.issuing_ca = {"corp-issuing-ca"}; }), true},
      {"issuing ca by subject", with([](auto& w) { w.issuing_ca = {"CN=Corp Issuing CA, O=Corp"}; }), true},
      {"other issuing ca", with([](auto& w) { w.issuing_ca = {"partner-ca"}; }), false},
      {"eku", with([](auto& w) { w.eku = {"1.3.6.1.5.5.7.3.2"}; }), true},
      {"other eku", with([](auto& w) { w.eku = {"1.3.6.1.5.5.7.3.1"}; }), false},
      {"san pattern", with([](auto& w) { w.san = {"*@CORP.example.net"}; }), true},
      {"san host pattern", with([](auto& w) { w.san = {"laptop-?.corp.example.net"}; }), true},
      {"other san", with([](auto& w) { w.san = {"*@partner.example"}; }), false},
      {"inside the hours", with([](auto& w) { w.time = std::pair{8 * 60, 18 * 60}; }), true},
      {"outside the hours", with([](auto& w) { w.time = std::pair{10 * 60, 18 * 60}; }), false},
      {"overnight window, morning", with([](auto& w) { w.time = std::pair{22 * 60, 10 * 60}; }), true},
      {"overnight window, day", with([](auto& w) { w.time = std::pair{22 * 60, 9 * 60}; }), false},
      {"profile and nas", with([](auto& w) { w.profile = {"user-vpn"}; w.nas = {"wifi-controller"}; }), false},
  };
  for (const Case& each : cases) {
    auto policies = NetworkPolicies::build({policy(each.name, each.when)});
    ASSERT_TRUE(policies.ok());
    EXPECT_EQ(policies->match(alice()).has_value(), each.matches) << each.name;
  }
  RequestFacts unknown_profile = alice();
  unknown_profile.profile.reset();
  PolicyConditions by_profile;
  by_profile.profile = {"user-vpn"};
  EXPECT_FALSE(NetworkPolicies::build({policy("p", by_profile)})->match(unknown_profile).has_value())
      << "a certificate Nimbus did not issue has no profile";
}

TEST(GlobMatches, StarQuestionMarkAndCase) {
  EXPECT_TRUE(glob_matches("*", ""));
  EXPECT_TRUE(glob_matches("CN=*,O=Corp", "cn=alice,o=corp"));
  EXPECT_TRUE(glob_matches("a*b*c", "aXXbYYc"));
  EXPECT_FALSE(glob_matches("a*b*c", "aXXbYY"));
  EXPECT_TRUE(glob_matches("?lice", "alice"));
  EXPECT_FALSE(glob_matches("?lice", "lice"));
  EXPECT_TRUE(glob_matches("**a", "a"));
  // Quadratic at worst, never exponential: this returns at once.
  EXPECT_FALSE(glob_matches("*a*a*a*a*a*a*a*a*a*a*b", std::string(4000, 'a')));
}

}  // namespace
}  // namespace nimbus::radius
