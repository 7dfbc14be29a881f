#include "crypto/base64.h"

#include <gtest/gtest.h>

namespace nimbus::crypto {
namespace {

TEST(Base64, RoundTripsEveryPaddingLength) {
  for (std::string text : {"", "f", "fo", "foo", "foob", "fooba", "foobar"}) {
    Bytes bytes(text.begin(), text.end());
    std::string encoded = base64_encode(bytes);
    if (text.empty()) {
      EXPECT_EQ(encoded, "");
      continue;
    }
    auto decoded = base64_decode(encoded);
    ASSERT_TRUE(decoded.has_value()) << encoded;
    EXPECT_EQ(*decoded, bytes) << encoded;
  }
  EXPECT_EQ(base64_encode(as_bytes("foobar")), "Zm9vYmFy");
  EXPECT_EQ(base64_encode(as_bytes("fo")), "Zm8=");
}

TEST(Base64, KeepsBytesThatLookLikePadding) {
  Bytes zeros{0x00, 0x00, 0x00, 0xff, 0x00};
  EXPECT_EQ(base64_decode(base64_encode(zeros)), std::optional<Bytes>(zeros));
}

TEST(Base64, RefusesWhatIsNotStrictBase64) {
  for (const char* bad : {"", "Zm9", "Zm9v YmFy", "Zm9v\nYmFy", "Zm=v", "Zm9v-_Fy", "=Zm9", "Zm9vYmFy=", "Z===",
                          "%2B%2F=="}) {
    EXPECT_FALSE(base64_decode(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace nimbus::crypto
