#include "crypto/random.h"

#include <set>

#include <gtest/gtest.h>

#include "testing/test_support.h"

namespace nimbus::crypto {
namespace {

TEST(RandomBytes, ReturnsTheRequestedCount) {
  for (std::size_t count : {0u, 1u, 16u, 33u, 1024u}) {
    NIMBUS_ASSERT_OK_AND_ASSIGN(Bytes bytes, random_bytes(count));
    EXPECT_EQ(bytes.size(), count);
  }
  NIMBUS_ASSERT_OK_AND_ASSIGN(Bytes a, random_bytes(32));
  NIMBUS_ASSERT_OK_AND_ASSIGN(Bytes b, random_bytes(32));
  EXPECT_NE(a, b);
}

TEST(RandomSerial, IsSixteenPositiveBytesWithANonZeroFirstByte) {
  std::set<Bytes> seen;
  int top_bit_of_second_byte = 0;
  for (int i = 0; i < 500; ++i) {
    NIMBUS_ASSERT_OK_AND_ASSIGN(Bytes serial, random_serial());
    ASSERT_EQ(serial.size(), 16u);
    EXPECT_EQ(serial[0] & 0x80, 0) << to_hex(serial);
    EXPECT_NE(serial[0], 0) << to_hex(serial);
    top_bit_of_second_byte += (serial[1] & 0x80) != 0;
    EXPECT_TRUE(seen.insert(serial).second) << "repeated serial " << to_hex(serial);
  }
  // Only the first byte is constrained; the rest is uniformly random.
  EXPECT_GT(top_bit_of_second_byte, 150);
  EXPECT_LT(top_bit_of_second_byte, 350);
}

TEST(RandomSerial, SuccessiveValuesDiffer) {
  NIMBUS_ASSERT_OK_AND_ASSIGN(Bytes a, random_serial());
  NIMBUS_ASSERT_OK_AND_ASSIGN(Bytes b, random_serial());
  EXPECT_NE(a, b);
}

TEST(RandomPassphrase, IsUnpaddedBase64Url) {
  NIMBUS_ASSERT_OK_AND_ASSIGN(std::string passphrase, random_passphrase());
  EXPECT_EQ(passphrase.size(), 43u);  // 32 bytes
  for (char c : passphrase) {
    bool url_safe = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                    c == '_';
    EXPECT_TRUE(url_safe) << "'" << c << "' in " << passphrase;
  }
  NIMBUS_ASSERT_OK_AND_ASSIGN(std::string three, random_passphrase(3));
  EXPECT_EQ(three.size(), 4u);
  NIMBUS_ASSERT_OK_AND_ASSIGN(std::string sixteen, random_passphrase(16));
  EXPECT_EQ(sixteen.size(), 22u);
  NIMBUS_ASSERT_OK_AND_ASSIGN(std::string other, random_passphrase());
  EXPECT_NE(passphrase, other);
}

}  // namespace
}  // namespace nimbus::crypto
