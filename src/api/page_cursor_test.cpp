#include "api/page_cursor.h"

#include <gtest/gtest.h>

#include "testing/test_support.h"

namespace nimbus::api {
namespace {

using nimbus::testing::at;
using nimbus::testing::must;

TEST(PageCursor, CertificatePositionsRoundTrip) {
  store::CertificatePosition position{at("2026-12-03T10:00:00Z"), "4cc01ec56d95df48c7666fd55efccb2b"};
  store::CertificatePosition back = must(decode_certificate_cursor(certificate_cursor(position)));
  EXPECT_EQ(back.issued_at, position.issued_at);
  EXPECT_EQ(back.serial, position.serial);
}

TEST(PageCursor, SequencesRoundTrip) {
  EXPECT_EQ(must(decode_sequence_cursor(sequence_cursor("audit", 42), "audit")), 42u);
  EXPECT_EQ(must(decode_sequence_cursor(sequence_cursor("audit", 0), "audit")), 0u);
}

TEST(PageCursor, RefusesWhatThisServerDidNotMake) {
  const std::string audit = sequence_cursor("audit", 7);
  const std::string bad[] = {
      "",
      "zz",
      "abc",                                                           // odd length
      audit,                                                           // another listing's
      encode_cursor("certificates", {"1700000000"}),                   // a field short
      encode_cursor("certificates", {"1700000000", "0a", "extra"}),    // a field too many
      encode_cursor("certificates", {"-5", "0a"}),                     // a negative time
      encode_cursor("certificates", {"17e8", "0a"}),                   // not a number
      encode_cursor("certificates", {"01700000000", "0a"}),            // a leading zero
      encode_cursor("certificates", {"1700000000", "0A"}),             // not the store's form
      encode_cursor("certificates", {"1700000000", "serial"}),         // not hex
      encode_cursor("certificates", {"99999999999999999999999", "0a"}),  // out of range
  };
  for (const std::string& cursor : bad) {
    auto decoded = decode_certificate_cursor(cursor);
    ASSERT_FALSE(decoded.ok()) << cursor;
    EXPECT_EQ(decoded.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(decoded.error().message().find("cursor"), std::string::npos);
  }
  EXPECT_FALSE(decode_sequence_cursor(encode_cursor("audit", {"1", "2"}), "audit").ok());
  EXPECT_FALSE(decode_sequence_cursor(encode_cursor("audit", {""}), "audit").ok());
}

}  // namespace
}  // namespace nimbus::api
