#include "scep/service/mdm_webhook.h"

#include <gtest/gtest.h>

#include "testing/test_support.h"

namespace nimbus::scep {
namespace {

constexpr std::string_view kBody = R"({"allow":true})";
constexpr std::string_view kSignature = "t=1700000000,v1=a162e2a0f22d9152d27cfd4481ae7c643d97a1df064b61f0846ad380d10e39d7";
const Timestamp kSigned{std::chrono::seconds(1700000000)};

// The same value as Python's hmac.new(b"s3cret", b"1700000000." + body, hashlib.sha256), which an
// MDM's integrator will check against.
TEST(MdmWebhook, SignsTheTimestampAndBodyWithHmacSha256) {
  EXPECT_EQ(webhook_signature(as_bytes("s3cret"), 1700000000, kBody), kSignature);
}

TEST(MdmWebhook, AcceptsOnlyAFreshSignatureOfThisBodyWithThisSecret) {
  ByteView secret = as_bytes("s3cret");
  NIMBUS_EXPECT_OK(check_webhook_signature(secret, kSignature, kBody, kSigned));
  NIMBUS_EXPECT_OK(check_webhook_signature(secret, kSignature, kBody, kSigned + std::chrono::seconds(299)));
  // A second v1 value (a secret being rotated) is looked at too.
  NIMBUS_EXPECT_OK(check_webhook_signature(
      secret, std::string("t=1700000000,v1=00,") + std::string(kSignature.substr(13)), kBody, kSigned));

  struct Row {
    std::string name;
    std::string secret;
    std::string header;
    std::string body;
    Timestamp now;
    std::string said;
  };
  std::vector<Row> rows = {
      {"another secret", "other", std::string(kSignature), std::string(kBody), kSigned, "does not verify"},
      {"another body", "s3cret", std::string(kSignature), R"({"allow":false})", kSigned, "does not verify"},
      {"too old", "s3cret", std::string(kSignature), std::string(kBody), kSigned + std::chrono::seconds(301),
       "301 seconds behind"},
      {"from the future", "s3cret", std::string(kSignature), std::string(kBody), kSigned - std::chrono::seconds(301),
       "301 seconds ahead of"},
      {"no timestamp", "s3cret", std::string(kSignature.substr(13)), std::string(kBody), kSigned, "no t="},
      {"no v1", "s3cret", "t=1700000000", std::string(kBody), kSigned, "no v1="},
      {"a timestamp that is not a number", "s3cret", "t=17e8,v1=00", std::string(kBody), kSigned, "not one Unix time"},
      {"two timestamps", "s3cret", "t=1,t=2,v1=00", std::string(kBody), kSigned, "not one Unix time"},
      {"v1 not hex", "s3cret", "t=1700000000,v1=zz", std::string(kBody), kSigned, "does not verify"},
      {"empty", "s3cret", "", std::string(kBody), kSigned, "no t="},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    Status checked = check_webhook_signature(as_bytes(row.secret), row.header, row.body, row.now);
    ASSERT_FALSE(checked.ok());
    EXPECT_EQ(checked.error().code(), ErrorCode::kPermissionDenied);
    EXPECT_NE(checked.error().message().find(row.said), std::string::npos) << checked.error().message();
    EXPECT_EQ(checked.error().message().find("s3cret"), std::string::npos);
  }
}

}  // namespace
}  // namespace nimbus::scep
