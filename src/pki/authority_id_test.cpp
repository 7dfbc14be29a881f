#include "pki/authority_id.h"

#include <gtest/gtest.h>

#include "testing/test_support.h"

namespace nimbus::pki {
namespace {

TEST(CheckAuthorityId, AcceptsLowerCaseLettersDigitsAndHyphens) {
  for (const std::string& id : std::vector<std::string>{"root", "a", "0", "contoso-issuing-ca-1", "0abc", "a--b", "root-",
                                                         std::string(63, 'x')}) {
    NIMBUS_EXPECT_OK(check_authority_id(id));
  }
}

TEST(CheckAuthorityId, RefusesEverythingElse) {
  for (std::string id : {std::string(), std::string("-root"), std::string("Root"), std::string("root_1"),
                         std::string("root.ca"), std::string("root ca"), std::string("root/ca"), std::string("../x"),
                         std::string(64, 'x'), std::string("soci\xC3\xA9t\xC3\xA9"), std::string("a\0b", 3)}) {
    auto status = check_authority_id(id);
    ASSERT_FALSE(status.ok()) << "'" << id << "' was accepted";
    EXPECT_EQ(status.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(status.error().message().find("63"), std::string::npos);
  }
}

TEST(AuthorityIdFromName, LowerCasesAndJoinsWordsWithHyphens) {
  EXPECT_EQ(authority_id_from_name("Contoso Issuing CA 1"), "contoso-issuing-ca-1");
  EXPECT_EQ(authority_id_from_name("ROOT"), "root");
  EXPECT_EQ(authority_id_from_name("  Contoso -- Root!! "), "contoso-root");
  EXPECT_EQ(authority_id_from_name("A-B_C.D"), "a-b-c-d");
  EXPECT_EQ(authority_id_from_name("Soci\xC3\xA9t\xC3\xA9 G\xC3\xA9n\xC3\xA9rale"), "soci-t-g-n-rale");
}

TEST(AuthorityIdFromName, IsEmptyWhenNothingIsUsable) {
  EXPECT_EQ(authority_id_from_name(""), "");
  EXPECT_EQ(authority_id_from_name("---"), "");
  EXPECT_EQ(authority_id_from_name("   "), "");
  EXPECT_EQ(authority_id_from_name("\xE6\x9D\xB1\xE4\xBA\xAC"), "");
}

TEST(AuthorityIdFromName, TruncatesToSixtyThreeWithoutATrailingHyphen) {
  std::string name = std::string(62, 'a') + " b c d";  // the 63rd character would be '-'
  std::string id = authority_id_from_name(name);
  EXPECT_EQ(id, std::string(62, 'a'));
  std::string long_name(200, 'z');
  EXPECT_EQ(authority_id_from_name(long_name).size(), 63u);
}

TEST(AuthorityIdFromName, WhatItDerivesIsAValidId) {
  for (const char* name : {"Contoso Issuing CA 1", "  -Leading hyphen", "Root CA (2026)", "x", "9 Lives",
                           "Soci\xC3\xA9t\xC3\xA9 G\xC3\xA9n\xC3\xA9rale",
                           "A very long name that goes on and on and on well past the sixty three character limit"}) {
    std::string id = authority_id_from_name(name);
    ASSERT_FALSE(id.empty()) << name;
    NIMBUS_EXPECT_OK(check_authority_id(id));
  }
}

}  // namespace
}  // namespace nimbus::pki
