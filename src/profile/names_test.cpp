#include "profile/names.h"

#include <gtest/gtest.h>

#include "testing/test_support.h"

namespace nimbus::profile {
namespace {

constexpr std::string_view kSid = "S-1-5-21-1004336348-1177238915-682003330-1104";

Profile user_profile() {
  Profile profile;
  profile.id = "user-vpn";
  profile.issuing_ca = "issuing";
  profile.subject = "CN={{UserName}}, O=Contoso";
  profile.subject_alt_names = {{SanType::kUpn, "{{UserPrincipalName}}"}, {SanType::kEmail, "{{EmailAddress}}"}};
  return profile;
}

Variables alice() {
  return {{"UserName", "Alice Example"},
          {"UserPrincipalName", "alice@corp.example.net"},
          {"EmailAddress", "alice@example.net"},
          {"OnPremisesSecurityIdentifier", std::string(kSid)}};
}

// The message of a failed render, or "ok".
std::string render_error(const Profile& profile, const Variables& values) {
  auto names = render_names(profile, values);
  if (names.ok()) return "ok";
  EXPECT_EQ(names.error().code(), ErrorCode::kInvalidArgument) << names.error().message();
  return names.error().message();
}

TEST(Names, RendersSubjectAndSans) {
  NIMBUS_ASSERT_OK_AND_ASSIGN(RenderedNames names, render_names(user_profile(), alice()));
  EXPECT_EQ(names.subject.to_string(), "CN=Alice Example, O=Contoso");
  ASSERT_EQ(names.subject_alt_names.size(), 2u);
  EXPECT_EQ(names.subject_alt_names[0].type, SanType::kUpn);
  EXPECT_EQ(names.subject_alt_names[0].value, "alice@corp.example.net");
  EXPECT_EQ(names.subject_alt_names[1].type, SanType::kEmail);
  EXPECT_EQ(names.subject_alt_names[1].value, "alice@example.net");
  EXPECT_EQ(names.security_identifier, "");  // no strong mapping asked
}

TEST(Names, SubjectValuesCannotInjectAttributes) {
  Variables values = alice();
  values["UserName"] = "Smith, John, O=Evil+CN=admin";
  NIMBUS_ASSERT_OK_AND_ASSIGN(RenderedNames names, render_names(user_profile(), values));
  EXPECT_EQ(X509_NAME_entry_count(names.subject.get()), 2);
  EXPECT_EQ(names.subject.common_name(), "Smith, John, O=Evil+CN=admin");
}

TEST(Names, NonAsciiValues) {
  Variables values = alice();
  values["UserName"] = "J\xC3\xBCrgen \xE5\xB1\xB1\xE7\x94\xB0";
  values["UserPrincipalName"] = "j\xC3\xBCrgen@corp.example.net";
  NIMBUS_ASSERT_OK_AND_ASSIGN(RenderedNames names, render_names(user_profile(), values));
  EXPECT_EQ(names.subject.common_name(), "J\xC3\xBCrgen \xE5\xB1\xB1\xE7\x94\xB0");
  EXPECT_EQ(names.subject_alt_names[0].value, "j\xC3\xBCrgen@corp.example.net");
  // rfc822Name is ASCII only.
  values["EmailAddress"] = "j\xC3\xBCrgen@example.net";
  EXPECT_EQ(render_error(user_profile(), values),
            "subject_alt_names[1] (email): 'j\xC3\xBCrgen@example.net' is not a valid email address");
}

TEST(Names, MissingVariableNamesFieldAndVariable) {
  Variables values = alice();
  values.erase("UserName");
  EXPECT_EQ(render_error(user_profile(), values), "subject: variable 'UserName' is not set for this enrollment");
  values = alice();
  values["EmailAddress"] = "";
  EXPECT_EQ(render_error(user_profile(), values),
            "subject_alt_names[1] (email): variable 'EmailAddress' is not set for this enrollment");
}

TEST(Names, RefusesControlCharactersAndBadUtf8InValues) {
  Variables values = alice();
  values["UserName"] = "alice\nCN=admin";
  EXPECT_EQ(render_error(user_profile(), values),
            "subject: variable 'UserName': contains the control character U+000A at byte 6");
  values["UserName"] = "bad \xC3";
  EXPECT_NE(render_error(user_profile(), values).find("variable 'UserName': is not valid UTF-8"), std::string::npos);
  values = alice();
  values["UserPrincipalName"] = "alice@corp\x7f";
  EXPECT_NE(render_error(user_profile(), values).find("subject_alt_names[0] (upn): variable 'UserPrincipalName'"),
            std::string::npos);
}

TEST(Names, SubjectMustBeAValidName) {
  Profile profile = user_profile();
  profile.subject = "CN={{UserName}}";
  Variables values = alice();
  values["UserName"] = std::string(65, 'a');  // longer than CN allows
  EXPECT_TRUE(render_error(profile, values).starts_with("subject: ")) << render_error(profile, values);
}

TEST(Names, UpnAndEmailNeedOneAtWithTextEitherSide) {
  Profile profile = user_profile();
  for (std::string upn : {"alice", "@corp.example.net", "alice@", "a@b@c", "alice smith@corp", "alice@corp\t"}) {
    Variables values = alice();
    values["UserPrincipalName"] = upn;
    std::string message = render_error(profile, values);
    EXPECT_TRUE(message.starts_with("subject_alt_names[0] (upn): ")) << upn << ": " << message;
  }
  Variables values = alice();
  values["UserPrincipalName"] = "alice";
  EXPECT_EQ(render_error(profile, values),
            "subject_alt_names[0] (upn): 'alice' is not a valid user principal name (user@domain)");
  for (std::string email : {"alice", "alice@", "@x", "a@b@c", "a b@c"}) {
    values = alice();
    values["EmailAddress"] = email;
    EXPECT_TRUE(render_error(profile, values).starts_with("subject_alt_names[1] (email): ")) << email;
  }
}

TEST(Names, DnsNames) {
  for (std::string_view good : {"host", "host.corp.example.net", "*.corp.example.net", "a-b.c1", "XN--NXASMQ6B.example"}) {
    NIMBUS_EXPECT_OK(check_san_value(SanType::kDns, good));
  }
  std::string long_label(64, 'a');
  std::string long_name;
  for (int i = 0; i < 4; ++i) long_name += std::string(63, 'a') + ".";
  long_name += "com";  // 4 * 64 + 3 = 259 characters
  for (std::string_view bad : {std::string_view(""), std::string_view("bad host!"), std::string_view("-a.com"),
                               std::string_view("a-.com"), std::string_view("a..com"), std::string_view("a.com."),
                               std::string_view(".a.com"), std::string_view("*"), std::string_view("*."),
                               std::string_view("a.*.com"), std::string_view("**.a.com"),
                               std::string_view("h\xC3\xA9.com"), std::string_view(long_label),
                               std::string_view(long_name), std::string_view("a_b.com")}) {
    NIMBUS_EXPECT_ERROR(check_san_value(SanType::kDns, bad), ErrorCode::kInvalidArgument);
  }
  std::string max_label(63, 'a');
  NIMBUS_EXPECT_OK(check_san_value(SanType::kDns, max_label + ".com"));
}

TEST(Names, DnsErrorNamesFieldAndValue) {
  Profile profile;
  profile.subject = "CN={{DeviceName}}";
  profile.subject_alt_names = {{SanType::kDns, "{{DeviceName}}.corp.example.net"}, {SanType::kDns, "{{DeviceName}}"}};
  EXPECT_EQ(render_error(profile, {{"DeviceName", "bad host!"}}),
            "subject_alt_names[0] (dns): 'bad host!.corp.example.net' is not a valid DNS name");
  NIMBUS_ASSERT_OK_AND_ASSIGN(RenderedNames names, render_names(profile, {{"DeviceName", "pc-042"}}));
  EXPECT_EQ(names.subject_alt_names[0].value, "pc-042.corp.example.net");
  EXPECT_EQ(names.subject_alt_names[1].value, "pc-042");
}

TEST(Names, Uris) {
  for (std::string_view good : {"https://example.net/a", "urn:uuid:0f8fad5b-d9cb-469f-a165-70867728950e",
                                "tag:microsoft.com,2022-09-14:sid:S-1-5-21-1-2-3", "a+b.c-d:x"}) {
    NIMBUS_EXPECT_OK(check_san_value(SanType::kUri, good));
  }
  for (std::string_view bad : {"", "example.net", ":x", "https:", "1http://x", "ht tp://x", "https://x y",
                               "https://ex\xC3\xA9.net", "h_t://x"}) {
    NIMBUS_EXPECT_ERROR(check_san_value(SanType::kUri, bad), ErrorCode::kInvalidArgument);
  }
}

TEST(Names, SecurityIdentifiers) {
  for (std::string_view good : {kSid, std::string_view("S-1-5-18"), std::string_view("S-1-0-0"),
                                std::string_view("S-1-281474976710655-4294967295")}) {
    NIMBUS_EXPECT_OK(check_security_identifier(good));
  }
  for (std::string_view bad : {"", "S-1-5", "S-1-5-", "S-1--21", "S-2-5-21", "s-1-5-21", "S-1-5-21-abc",
                               "S-1-05-21", "S-1-5-021", "S-1-5-4294967296", "S-1-281474976710656-1",
                               "S-1-5-21-1004336348-1177238915-682003330-1104 ", " S-1-5-18",
                               "S-1-5-1-2-3-4-5-6-7-8-9-10-11-12-13-14-15-16"}) {
    NIMBUS_EXPECT_ERROR(check_security_identifier(bad), ErrorCode::kInvalidArgument);
  }
  NIMBUS_EXPECT_OK(check_security_identifier("S-1-5-1-2-3-4-5-6-7-8-9-10-11-12-13-14-15"));
}

TEST(Names, StrongMappingBothAddsUriAndExtension) {
  Profile profile = user_profile();
  profile.strong_mapping = StrongMapping::kBoth;
  NIMBUS_ASSERT_OK_AND_ASSIGN(RenderedNames names, render_names(profile, alice()));
  ASSERT_EQ(names.subject_alt_names.size(), 3u);
  EXPECT_EQ(names.subject_alt_names[2].type, SanType::kUri);
  EXPECT_EQ(names.subject_alt_names[2].value, "tag:microsoft.com,2022-09-14:sid:" + std::string(kSid));
  EXPECT_EQ(names.security_identifier, kSid);
}

TEST(Names, StrongMappingKinds) {
  Profile profile = user_profile();
  profile.strong_mapping = StrongMapping::kSanUri;
  NIMBUS_ASSERT_OK_AND_ASSIGN(RenderedNames uri_only, render_names(profile, alice()));
  EXPECT_EQ(uri_only.subject_alt_names.size(), 3u);
  EXPECT_EQ(uri_only.security_identifier, "");

  profile.strong_mapping = StrongMapping::kSidExtension;
  NIMBUS_ASSERT_OK_AND_ASSIGN(RenderedNames extension_only, render_names(profile, alice()));
  EXPECT_EQ(extension_only.subject_alt_names.size(), 2u);
  EXPECT_EQ(extension_only.security_identifier, kSid);

  // Without strong mapping the SID is not needed, and a bad one is not looked at.
  profile.strong_mapping = StrongMapping::kNone;
  Variables values = alice();
  values["OnPremisesSecurityIdentifier"] = "not a sid";
  NIMBUS_EXPECT_OK(render_names(profile, values));
}

TEST(Names, StrongMappingNeedsAValidSid) {
  Profile profile = user_profile();
  profile.strong_mapping = StrongMapping::kSidExtension;
  Variables values = alice();
  values.erase("OnPremisesSecurityIdentifier");
  std::string message = render_error(profile, values);
  EXPECT_TRUE(message.starts_with("strong_mapping (sid_extension): variable 'OnPremisesSecurityIdentifier' is "
                                  "not set for this enrollment"))
      << message;
  values["OnPremisesSecurityIdentifier"] = "S-1-5-21-x";
  EXPECT_EQ(render_error(profile, values),
            "strong_mapping (sid_extension): 'S-1-5-21-x' is not a Windows SID (S-1-5-21-<domain>-<RID>)");
}

TEST(Names, DeviceProfile) {
  Profile profile;
  profile.type = CertificateType::kDevice;
  profile.subject = "CN={{FullyQualifiedDomainName}}";
  profile.subject_alt_names = {{SanType::kDns, "{{FullyQualifiedDomainName}}"},
                               {SanType::kUri, "urn:device:{{AAD_Device_ID}}"}};
  Variables values = {{"FullyQualifiedDomainName", "pc-042.corp.example.net"},
                      {"AAD_Device_ID", "0f8fad5b-d9cb-469f-a165-70867728950e"}};
  NIMBUS_ASSERT_OK_AND_ASSIGN(RenderedNames names, render_names(profile, values));
  EXPECT_EQ(names.subject.to_string(), "CN=pc-042.corp.example.net");
  EXPECT_EQ(names.subject_alt_names[1].value, "urn:device:0f8fad5b-d9cb-469f-a165-70867728950e");
}

}  // namespace
}  // namespace nimbus::profile
