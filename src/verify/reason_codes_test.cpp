#include "verify/reason_codes.h"

#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace nimbus::verify {
namespace {

// What an administrator reads in NPS's event 6273 and winerror.h, and what the Windows client
// shows (RasError.h), restated independently of the table in reason_codes.h.
struct Expected {
  ReasonCode reason;
  int nps_code;
  std::string_view windows_error;
  unsigned hresult;
  int client_error;
  std::string_view client_error_name;
};

const std::vector<Expected> kExpected = {
    {ReasonCode::kAccepted, 0, "", 0x00000000u, 0, ""},
    {ReasonCode::kEapTypeNotProcessable, 22, "ERROR_PROTOCOL_NOT_CONFIGURED", 0x00000000u, 0, ""},
    {ReasonCode::kNoMatchingPolicy, 48, "", 0x00000000u, 0, ""},
    {ReasonCode::kPolicyDenied, 65, "", 0x00000000u, 0, ""},
    {ReasonCode::kRevoked, 256, "CRYPT_E_REVOKED", 0x80092010u, 855, "ERROR_EAP_USER_CERT_REVOKED"},
    {ReasonCode::kNoRevocationCheck, 258, "CRYPT_E_NO_REVOCATION_CHECK", 0x80092012u, 853,
     "ERROR_EAP_USER_CERT_INVALID"},
    {ReasonCode::kRevocationOffline, 259, "CRYPT_E_REVOCATION_OFFLINE", 0x80092013u, 853,
     "ERROR_EAP_USER_CERT_INVALID"},
    {ReasonCode::kUntrustedRoot, 265, "SEC_E_UNTRUSTED_ROOT", 0x80090325u, 853, "ERROR_EAP_USER_CERT_INVALID"},
    {ReasonCode::kIllegalMessage, 266, "SEC_E_ILLEGAL_MESSAGE", 0x80090326u, 853, "ERROR_EAP_USER_CERT_INVALID"},
    {ReasonCode::kCertExpired, 268, "SEC_E_CERT_EXPIRED", 0x80090328u, 854, "ERROR_EAP_USER_CERT_EXPIRED"},
    {ReasonCode::kNoClientAuthPurpose, 283, "CERT_E_PURPOSE", 0x800B0106u, 853, "ERROR_EAP_USER_CERT_INVALID"},
    {ReasonCode::kDoesNotChain, 287, "CERT_E_CHAINING", 0x800B010Au, 853, "ERROR_EAP_USER_CERT_INVALID"},
};

TEST(ReasonCodes, EachCodeHasItsNpsCodeWindowsNameAndHresult) {
  for (const Expected& expected : kExpected) {
    SCOPED_TRACE(expected.nps_code);
    const ReasonCodeInfo& info = reason_code_info(expected.reason);
    EXPECT_EQ(info.nps_code, expected.nps_code);
    EXPECT_EQ(info.windows_error, expected.windows_error);
    EXPECT_EQ(info.hresult, expected.hresult) << std::hex << info.hresult;
  }
}

TEST(ReasonCodes, EachCodeHasItsClientError) {
  for (const Expected& expected : kExpected) {
    SCOPED_TRACE(expected.nps_code);
    const ReasonCodeInfo& info = reason_code_info(expected.reason);
    EXPECT_EQ(info.client_error, expected.client_error);
    EXPECT_EQ(client_error_name(info.client_error), expected.client_error_name);
  }
}

TEST(ReasonCodes, EveryEnumeratorIsCoveredOnce) {
  std::vector<ReasonCode> enumerators = {
#define NIMBUS_TEST_REASON_ENUM(name, code, error, hresult, text, client, why) ReasonCode::name,
      NIMBUS_NPS_REASON_CODES(NIMBUS_TEST_REASON_ENUM)
#undef NIMBUS_TEST_REASON_ENUM
  };
  ASSERT_EQ(enumerators.size(), kExpected.size());
  std::set<int> nps_codes;
  for (ReasonCode reason : enumerators) {
    std::size_t matches = 0;
    for (const Expected& expected : kExpected) matches += expected.reason == reason ? 1 : 0;
    EXPECT_EQ(matches, 1u) << static_cast<int>(reason);
    nps_codes.insert(reason_code_info(reason).nps_code);
  }
  EXPECT_EQ(nps_codes.size(), enumerators.size()) << "two reasons share an NPS code";
}

TEST(ReasonCodes, DenialsExplainThemselves) {
  for (const Expected& expected : kExpected) {
    SCOPED_TRACE(expected.nps_code);
    const ReasonCodeInfo& info = reason_code_info(expected.reason);
    EXPECT_FALSE(info.text.empty());
    if (expected.reason == ReasonCode::kAccepted) {
      EXPECT_TRUE(info.why.empty());
    } else {
      EXPECT_FALSE(info.why.empty());
      EXPECT_EQ(info.text.back(), '.');
    }
  }
  EXPECT_EQ(reason_code_info(ReasonCode::kNoRevocationCheck).text,
            "The revocation function was unable to check revocation for the certificate.");
  EXPECT_EQ(reason_code_info(ReasonCode::kRevocationOffline).text,
            "The revocation function was unable to check revocation because the revocation server was offline.");
}

TEST(ReasonCodes, ClientErrorNames) {
  EXPECT_EQ(client_error_name(853), "ERROR_EAP_USER_CERT_INVALID");
  EXPECT_EQ(client_error_name(854), "ERROR_EAP_USER_CERT_EXPIRED");
  EXPECT_EQ(client_error_name(855), "ERROR_EAP_USER_CERT_REVOKED");
  EXPECT_EQ(client_error_name(856), "ERROR_EAP_USER_CERT_OTHER_ERROR");
  EXPECT_EQ(client_error_name(861), "ERROR_EAP_USER_ROOT_CERT_NOT_FOUND");
  for (int unknown : {0, -1, 852, 857, 860, 862, 1000}) {
    EXPECT_EQ(client_error_name(unknown), "") << unknown;
  }
}

}  // namespace
}  // namespace nimbus::verify
