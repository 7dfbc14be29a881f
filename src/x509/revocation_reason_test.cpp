#include "x509/revocation_reason.h"

#include <gtest/gtest.h>

#include "testing/test_support.h"

namespace nimbus::x509 {
namespace {

TEST(RevocationReason, NamesAndCodesFollowRfc5280) {
  struct Case {
    RevocationReason reason;
    const char* name;
    int code;
  };
  for (const Case& c : {Case{RevocationReason::kUnspecified, "unspecified", 0},
                        Case{RevocationReason::kKeyCompromise, "keyCompromise", 1},
                        Case{RevocationReason::kCaCompromise, "cACompromise", 2},
                        Case{RevocationReason::kAffiliationChanged, "affiliationChanged", 3},
                        Case{RevocationReason::kSuperseded, "superseded", 4},
                        Case{RevocationReason::kCessationOfOperation, "cessationOfOperation", 5},
                        Case{RevocationReason::kCertificateHold, "certificateHold", 6},
                        Case{RevocationReason::kPrivilegeWithdrawn, "privilegeWithdrawn", 9},
                        Case{RevocationReason::kAaCompromise, "aACompromise", 10}}) {
    EXPECT_EQ(revocation_reason_name(c.reason), c.name);
    EXPECT_EQ(static_cast<int>(c.reason), c.code);
    NIMBUS_ASSERT_OK_AND_ASSIGN(RevocationReason parsed, parse_revocation_reason(c.name));
    EXPECT_EQ(parsed, c.reason);
    NIMBUS_ASSERT_OK_AND_ASSIGN(RevocationReason from_code, revocation_reason_from_code(c.code));
    EXPECT_EQ(from_code, c.reason);
  }
}

TEST(RevocationReason, ParsingIgnoresCase) {
  NIMBUS_ASSERT_OK_AND_ASSIGN(RevocationReason a, parse_revocation_reason("KEYCOMPROMISE"));
  EXPECT_EQ(a, RevocationReason::kKeyCompromise);
  NIMBUS_ASSERT_OK_AND_ASSIGN(RevocationReason b, parse_revocation_reason("cacompromise"));
  EXPECT_EQ(b, RevocationReason::kCaCompromise);
}

TEST(RevocationReason, RefusesUnknownNamesListingTheAcceptedOnes) {
  for (const char* text : {"", "removeFromCRL", "key-compromise", "keyCompromise ", "1"}) {
    auto parsed = parse_revocation_reason(text);
    ASSERT_FALSE(parsed.ok()) << text;
    EXPECT_EQ(parsed.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(parsed.error().message().find("cessationOfOperation"), std::string::npos);
  }
}

TEST(RevocationReason, RefusesCodesThatAreNotReasons) {
  for (int code : {-1, 7, 8, 11, 255}) {
    NIMBUS_EXPECT_ERROR(revocation_reason_from_code(code), ErrorCode::kMalformed);
  }
}

}  // namespace
}  // namespace nimbus::x509
