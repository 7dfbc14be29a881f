#include "core/bytes.h"

#include <array>
#include <cctype>
#include <string>

#include <gtest/gtest.h>

namespace nimbus {
namespace {

TEST(Hex, LowerCaseWithoutSeparators) {
  Bytes bytes = {0x3f, 0x0a, 0xff, 0x00, 0x9c};
  EXPECT_EQ(to_hex(bytes), "3f0aff009c");
  EXPECT_EQ(to_hex(Bytes{}), "");
}

TEST(Hex, ColonFormIsUpperCase) {
  Bytes bytes = {0x3f, 0x0a, 0xff};
  EXPECT_EQ(to_colon_hex(bytes), "3F:0A:FF");
  EXPECT_EQ(to_colon_hex(Bytes{0x01}), "01");
  EXPECT_EQ(to_colon_hex(Bytes{}), "");
}

TEST(Hex, ParsesEitherCase) {
  auto parsed = from_hex("3F0aFf009C");
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(*parsed, (Bytes{0x3f, 0x0a, 0xff, 0x00, 0x9c}));
  auto empty = from_hex("");
  ASSERT_TRUE(empty.has_value());
  EXPECT_TRUE(empty->empty());
}

TEST(Hex, RoundTripsEveryByteValue) {
  Bytes all(256);
  for (int i = 0; i < 256; ++i) all[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(i);
  auto parsed = from_hex(to_hex(all));
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(*parsed, all);
}

TEST(Hex, RefusesOddLengthsAndNonHexCharacters) {
  for (const char* text : {"a", "abc", "zz", "0g", "3f:0a", " 3f", "3f ", "0x3f", "-1"}) {
    EXPECT_FALSE(from_hex(text).has_value()) << "'" << text << "' was accepted";
  }
}

TEST(Hex, DecodesIntoACallersBufferOnlyOfTheExactSize) {
  std::array<std::uint8_t, 3> out{};
  ASSERT_TRUE(decode_hex("00ff7A", out));
  EXPECT_EQ(out, (std::array<std::uint8_t, 3>{0x00, 0xff, 0x7a}));
  EXPECT_FALSE(decode_hex("00ff", out));
  EXPECT_FALSE(decode_hex("00ff7a11", out));
  // Every byte that is not a hex digit, in either position of a pair.
  for (int c = 0; c < 256; ++c) {
    if (std::isxdigit(c)) continue;
    std::string high = std::string(1, static_cast<char>(c)) + "0aabb";
    std::string low = "0" + std::string(1, static_cast<char>(c)) + "aabb";
    EXPECT_FALSE(decode_hex(high, out)) << "byte " << c;
    EXPECT_FALSE(decode_hex(low, out)) << "byte " << c;
  }
}

TEST(AsBytes, ViewsTheTextBytes) {
  ByteView view = as_bytes(std::string_view("ab\x01", 3));
  ASSERT_EQ(view.size(), 3u);
  EXPECT_EQ(view[0], 'a');
  EXPECT_EQ(view[2], 0x01);
}

TEST(ConstantTimeEqual, ComparesContentAndLength) {
  Bytes a = {1, 2, 3, 4};
  Bytes same = {1, 2, 3, 4};
  Bytes last_differs = {1, 2, 3, 5};
  Bytes first_differs = {0, 2, 3, 4};
  Bytes prefix = {1, 2, 3};
  EXPECT_TRUE(constant_time_equal(a, same));
  EXPECT_FALSE(constant_time_equal(a, last_differs));
  EXPECT_FALSE(constant_time_equal(a, first_differs));
  EXPECT_FALSE(constant_time_equal(a, prefix));
  EXPECT_FALSE(constant_time_equal(prefix, a));
  EXPECT_TRUE(constant_time_equal(Bytes{}, Bytes{}));
  EXPECT_FALSE(constant_time_equal(Bytes{}, Bytes{0}));
  EXPECT_TRUE(constant_time_equal(as_bytes("secret"), as_bytes("secret")));
  EXPECT_FALSE(constant_time_equal(as_bytes("secret"), as_bytes("Secret")));
}

}  // namespace
}  // namespace nimbus
