#include "profile/text.h"

#include <gtest/gtest.h>

#include "testing/test_support.h"

namespace nimbus::profile {
namespace {

TEST(ProfileText, AcceptsPrintableUtf8) {
  for (std::string_view text : {"", "Alice Example", "J\xC3\xBCrgen", "\xE5\xB1\xB1\xE7\x94\xB0", "\xF0\x9F\x94\x91",
                                "\xEF\xBF\xBD", "\xC2\xA0"}) {
    NIMBUS_EXPECT_OK(check_text(text));
  }
}

TEST(ProfileText, RefusesMalformedUtf8) {
  for (std::string_view text : {"\xC3", "\xC3(", "\x80", "\xC0\xAF", "\xE0\x80\xAF", "\xED\xA0\x80",
                                "\xF4\x90\x80\x80", "\xF8\x88\x80\x80\x80", "\xFF"}) {
    auto status = check_text(text);
    ASSERT_FALSE(status.ok());
    EXPECT_EQ(status.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_TRUE(status.error().message().starts_with("is not valid UTF-8")) << status.error().message();
  }
  EXPECT_EQ(check_text("ok\xC3").error().message(), "is not valid UTF-8 (byte 3 starts a malformed sequence)");
}

TEST(ProfileText, RefusesControlCharacters) {
  for (std::string_view text : {std::string_view("a\0b", 3), std::string_view("a\nb"), std::string_view("\t"),
                                std::string_view("\x7f"), std::string_view("\xC2\x85")}) {
    NIMBUS_EXPECT_ERROR(check_text(text), ErrorCode::kInvalidArgument);
  }
  EXPECT_EQ(check_text("ab\ncd").error().message(), "contains the control character U+000A at byte 3");
  EXPECT_EQ(check_text("\xC2\x9B").error().message(), "contains the control character U+009B at byte 1");
}

TEST(ProfileText, LineBreaksWhenAllowed) {
  NIMBUS_EXPECT_OK(check_text("one\ntwo\r\n\tthree", /*allow_line_breaks=*/true));
  NIMBUS_EXPECT_ERROR(check_text("bell\a", /*allow_line_breaks=*/true), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace nimbus::profile
