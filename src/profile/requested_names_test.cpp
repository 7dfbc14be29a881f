#include "profile/requested_names.h"

#include <gtest/gtest.h>

#include "testing/test_support.h"

namespace nimbus::profile {
namespace {

Profile device_profile() {
  Profile profile;
  profile.id = "device";
  profile.issuing_ca = "issuing";
  profile.subject = "CN={{DeviceName}}, OU=Devices, O=Contoso\\, Inc.";
  profile.subject_alt_names = {{SanType::kDns, "{{DeviceName}}.devices.contoso.test"},
                               {SanType::kUpn, "{{DeviceName}}@{{FullyQualifiedDomainName}}"}};
  return profile;
}

x509::DistinguishedName name(std::string_view text) {
  auto parsed = x509::DistinguishedName::parse(text);
  EXPECT_TRUE(parsed.ok()) << text;
  return *parsed;
}

// "ok" or the refusal's message, which must be a kPolicyViolation.
std::string refusal(const Profile& profile, std::string_view subject, const std::vector<std::string>& alt_names) {
  auto variables = variables_for_request(profile, name(subject), alt_names);
  if (variables.ok()) return "ok";
  EXPECT_EQ(variables.error().code(), ErrorCode::kPolicyViolation) << variables.error().message();
  return variables.error().message();
}

TEST(RequestedNames, BindsTheVariablesThatRenderTheRequestedNames) {
  NIMBUS_ASSERT_OK_AND_ASSIGN(
      Variables variables,
      variables_for_request(device_profile(), name("CN=laptop-7, OU=Devices, O=Contoso\\, Inc."),
                            {"UPN:laptop-7@corp.contoso.test", "DNS:laptop-7.devices.contoso.test"}));
  EXPECT_EQ(variables, (Variables{{"DeviceName", "laptop-7"}, {"FullyQualifiedDomainName", "corp.contoso.test"}}));
}

TEST(RequestedNames, RefusesWhatTheTemplatesDoNotGive) {
  const Profile profile = device_profile();
  const std::string subject = "CN=laptop-7, OU=Devices, O=Contoso\\, Inc.";
  const std::vector<std::string> names = {"DNS:laptop-7.devices.contoso.test", "UPN:laptop-7@corp.contoso.test"};
  struct Case {
    std::string what;
    std::string subject;
    std::vector<std::string> alt_names;
    std::string refusal;
  };
  std::vector<Case> cases = {
      {"another organization", "CN=laptop-7, OU=Devices, O=Fabrikam", names, "O=Fabrikam does not match"},
      {"an attribute more", "CN=laptop-7, OU=Devices, O=Contoso\\, Inc., C=US", names, "C=US is not where"},
      {"an attribute less", "CN=laptop-7, O=Contoso\\, Inc.", names, "is not where"},
      {"a DNS name of another domain", subject, {"DNS:laptop-7.evil.test", names[1]}, "no dns name of the form"},
      {"a SAN more", subject, {names[0], names[1], "DNS:extra.devices.contoso.test"},
       "asks for DNS:extra.devices.contoso.test, which"},
      {"a SAN less", subject, {names[0]}, "no upn name"},
      {"a SAN of a type the profile has none of", subject, {names[0], names[1], "email:a@contoso.test"},
       "asks for email:a@contoso.test"},
      {"a DNS name for another device", subject, {"DNS:laptop-8.devices.contoso.test", names[1]}, "no dns name"},
      {"an IP address", subject, {names[0], names[1], "other"}, "asks for other"},
      {"a value that is no host name", "CN=bad host!, OU=Devices, O=Contoso\\, Inc.",
       {"DNS:bad host!.devices.contoso.test", "UPN:bad host!@corp.contoso.test"}, "not a valid DNS name"},
      {"an overlong name", subject, {"DNS:" + std::string(2000, 'a') + ".devices.contoso.test", names[1]},
       "no dns name"},
  };
  for (const Case& c : cases) {
    EXPECT_NE(refusal(profile, c.subject, c.alt_names).find(c.refusal), std::string::npos)
        << c.what << ": " << refusal(profile, c.subject, c.alt_names);
  }
  EXPECT_EQ(refusal(profile, subject, names), "ok");
}

TEST(RequestedNames, TakesTheSidFromTheRequestsSidUri) {
  Profile profile = device_profile();
  profile.subject_alt_names.pop_back();
  profile.strong_mapping = StrongMapping::kSanUri;
  std::string sid_uri = "URI:tag:microsoft.com,2022-09-14:sid:S-1-5-21-1004336348-1177238915-682003330-1104";
  NIMBUS_ASSERT_OK_AND_ASSIGN(Variables variables,
                              variables_for_request(profile, name("CN=pc, OU=Devices, O=Contoso\\, Inc."),
                                                    {"DNS:pc.devices.contoso.test", sid_uri}));
  EXPECT_EQ(variables["OnPremisesSecurityIdentifier"], "S-1-5-21-1004336348-1177238915-682003330-1104");
  EXPECT_NE(refusal(profile, "CN=pc, OU=Devices, O=Contoso\\, Inc.", {"DNS:pc.devices.contoso.test"})
                .find("OnPremisesSecurityIdentifier"),
            std::string::npos);
}

}  // namespace
}  // namespace nimbus::profile
