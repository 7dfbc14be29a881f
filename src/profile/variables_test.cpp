#include "profile/variables.h"

#include <algorithm>

#include <gtest/gtest.h>

#include "testing/test_support.h"
#include "x509/name.h"

namespace nimbus::profile {
namespace {

using Names = std::vector<std::string>;

TEST(Variables, StandardNames) {
  auto names = standard_variables();
  ASSERT_EQ(names.size(), 8u);
  for (std::string_view expected : {"UserName", "UserPrincipalName", "EmailAddress", "DeviceName",
                                    "FullyQualifiedDomainName", "AAD_Device_ID",
                                    "OnPremisesSecurityIdentifier", "SerialNumber"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), expected), names.end()) << expected;
  }
}

TEST(Variables, NameRule) {
  for (std::string_view name : {"UserName", "_x", "AAD_Device_ID", "a1"}) EXPECT_TRUE(is_variable_name(name)) << name;
  for (std::string_view name : {"", "1a", "a-b", "a b", "a.b", "J\xC3\xBCrgen"}) {
    EXPECT_FALSE(is_variable_name(name)) << name;
  }
}

TEST(Variables, ReferencesInOrderOfAppearance) {
  NIMBUS_ASSERT_OK_AND_ASSIGN(Names names, template_variables("CN={{UserName}}, OU={{Department}}, O=Contoso"));
  EXPECT_EQ(names, (Names{"UserName", "Department"}));
  NIMBUS_ASSERT_OK_AND_ASSIGN(Names repeated, template_variables("{{A}}{{b_2}}{{A}}"));
  EXPECT_EQ(repeated, (Names{"A", "b_2", "A"}));
  NIMBUS_ASSERT_OK_AND_ASSIGN(Names none, template_variables("CN=Static, O=Contoso"));
  EXPECT_TRUE(none.empty());
  NIMBUS_ASSERT_OK_AND_ASSIGN(Names empty, template_variables(""));
  EXPECT_TRUE(empty.empty());
}

TEST(Variables, SpacesInsideBracesAreAllowed) {
  NIMBUS_ASSERT_OK_AND_ASSIGN(Names names, template_variables("{{ UserName }}@{{  _Domain}}"));
  EXPECT_EQ(names, (Names{"UserName", "_Domain"}));
}

TEST(Variables, SingleBracesAreLiteral) {
  NIMBUS_ASSERT_OK_AND_ASSIGN(Names names, template_variables("{x} {{A}}}"));
  EXPECT_EQ(names, (Names{"A"}));
  NIMBUS_ASSERT_OK_AND_ASSIGN(std::string text, render_template("{x} {{A}}}", {{"A", "a"}}, Escaping::kNone));
  EXPECT_EQ(text, "{x} a}");
}

TEST(Variables, RefusesUnbalancedBraces) {
  for (std::string_view text : {"CN={{UserName", "CN={{UserName}", "{{", "CN=}}", "{{A}} }} ", "}}{{A}}"}) {
    auto names = template_variables(text);
    ASSERT_FALSE(names.ok()) << text;
    EXPECT_EQ(names.error().code(), ErrorCode::kInvalidArgument) << text;
    EXPECT_NE(names.error().message().find(std::string(text)), std::string::npos) << names.error().message();
  }
  EXPECT_NE(template_variables("CN={{UserName").error().message().find("no closing '}}'"), std::string::npos);
  EXPECT_NE(template_variables("CN=}}").error().message().find("closes nothing"), std::string::npos);
}

TEST(Variables, RefusesBadNames) {
  for (std::string_view text : {"{{}}", "{{  }}", "{{1st}}", "{{User Name}}", "{{User-Name}}", "{{{A}}}",
                                "{{A{{B}}"}) {
    NIMBUS_EXPECT_ERROR(template_variables(text), ErrorCode::kInvalidArgument);
  }
  EXPECT_NE(template_variables("{{User-Name}}").error().message().find("'{{User-Name}}' is not a variable name"),
            std::string::npos);
}

TEST(Variables, RendersValues) {
  Variables values = {{"UserName", "alice"}, {"Department", "Sales"}};
  NIMBUS_ASSERT_OK_AND_ASSIGN(std::string text,
                              render_template("CN={{ UserName }}, OU={{Department}}", values, Escaping::kNone));
  EXPECT_EQ(text, "CN=alice, OU=Sales");
}

TEST(Variables, MissingOrEmptyValueIsNamed) {
  for (const Variables& values : {Variables{}, Variables{{"UserName", ""}}, Variables{{"username", "a"}}}) {
    auto text = render_template("CN={{UserName}}", values, Escaping::kNone);
    ASSERT_FALSE(text.ok());
    EXPECT_EQ(text.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(text.error().message(), "variable 'UserName' is not set for this enrollment");
  }
}

TEST(Variables, DistinguishedNameEscapingKeepsValuesAsData) {
  Variables values = {{"UserName", "Smith, John+UID=root"}, {"Department", "#1 \"Sales\"; <EU> "}};
  NIMBUS_ASSERT_OK_AND_ASSIGN(std::string text, render_template("CN={{UserName}}, OU={{Department}}, O=Contoso",
                                                                values, Escaping::kDistinguishedName));
  NIMBUS_ASSERT_OK_AND_ASSIGN(x509::DistinguishedName name, x509::DistinguishedName::parse(text));
  EXPECT_EQ(X509_NAME_entry_count(name.get()), 3);  // no injected RDN or attribute
  EXPECT_EQ(name.common_name(), "Smith, John+UID=root");
  EXPECT_EQ(name.to_string(), "CN=Smith\\, John\\+UID\\=root, OU=\\#1 \\\"Sales\\\"\\; \\<EU\\>\\ , O=Contoso");
}

TEST(Variables, NoEscapingLeavesValuesAlone) {
  NIMBUS_ASSERT_OK_AND_ASSIGN(std::string text,
                              render_template("{{UserPrincipalName}}", {{"UserPrincipalName", "a,b+c@x"}},
                                              Escaping::kNone));
  EXPECT_EQ(text, "a,b+c@x");
}

TEST(Variables, ValuesAreNotTemplates) {
  // A value that looks like a reference is inserted as it is, never expanded again.
  NIMBUS_ASSERT_OK_AND_ASSIGN(std::string text,
                              render_template("{{A}}", {{"A", "{{B}}"}, {"B", "secret"}}, Escaping::kNone));
  EXPECT_EQ(text, "{{B}}");
}

TEST(Variables, NonAsciiValues) {
  NIMBUS_ASSERT_OK_AND_ASSIGN(std::string text,
                              render_template("CN={{UserName}}", {{"UserName", "J\xC3\xBCrgen M\xC3\xBCller"}},
                                              Escaping::kDistinguishedName));
  NIMBUS_ASSERT_OK_AND_ASSIGN(x509::DistinguishedName name, x509::DistinguishedName::parse(text));
  EXPECT_EQ(name.common_name(), "J\xC3\xBCrgen M\xC3\xBCller");
}

}  // namespace
}  // namespace nimbus::profile
