#include "core/time.h"

#include <gtest/gtest.h>

#include "testing/test_support.h"

namespace nimbus {
namespace {

using std::chrono::hours;

TEST(Timestamps, RoundTripFarFromNow) {
  // Far outside the nanosecond range of system_clock (1678-2262), which a naive conversion overflows.
  for (const char* text : {"4052-12-01T10:00:00Z", "1601-01-01T00:00:00Z", "9999-12-31T23:59:59Z"}) {
    auto parsed = parse_timestamp(text);
    ASSERT_TRUE(parsed.ok()) << text;
    EXPECT_EQ(format_timestamp(*parsed), text);
  }
}

TEST(ParseValidity, AcceptsYearsDaysAndHours) {
  NIMBUS_ASSERT_OK_AND_ASSIGN(Duration years, parse_validity("20y"));
  EXPECT_EQ(years, hours(20 * 365 * 24));
  NIMBUS_ASSERT_OK_AND_ASSIGN(Duration days, parse_validity("1825d"));
  EXPECT_EQ(days, hours(1825 * 24));
  NIMBUS_ASSERT_OK_AND_ASSIGN(Duration hrs, parse_validity("72h"));
  EXPECT_EQ(hrs, hours(72));
  NIMBUS_ASSERT_OK_AND_ASSIGN(Duration one, parse_validity("1h"));
  EXPECT_EQ(one, hours(1));
}

TEST(ParseValidity, AcceptsExactlyOneHundredYearsInEveryUnit) {
  NIMBUS_EXPECT_OK(parse_validity("100y"));
  NIMBUS_EXPECT_OK(parse_validity("36500d"));
  NIMBUS_EXPECT_OK(parse_validity("876000h"));
}

TEST(ParseValidity, RefusesMoreThanOneHundredYears) {
  for (const char* text : {"101y", "36501d", "876001h", "99999999999y"}) {
    auto result = parse_validity(text);
    ASSERT_FALSE(result.ok()) << text;
    EXPECT_EQ(result.error().code(), ErrorCode::kInvalidArgument) << text;
  }
  EXPECT_NE(parse_validity("101y").error().message().find("100 years"), std::string::npos);
}

TEST(ParseValidity, RefusesMalformedText) {
  for (const char* text : {"0d", "-1d", "5m", "", "d", "y", "5", "5 d", " 5d", "+5d", "5D", "1.5y",
                           "0x10d", "d5", "5dd", "00h"}) {
    auto result = parse_validity(text);
    ASSERT_FALSE(result.ok()) << "'" << text << "' was accepted";
    EXPECT_EQ(result.error().code(), ErrorCode::kInvalidArgument) << text;
    EXPECT_FALSE(result.error().is_failure());
  }
}

TEST(ParseValidity, ErrorMessageQuotesTheInputAndGivesExamples) {
  auto result = parse_validity("5m");
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message().find("'5m'"), std::string::npos);
  EXPECT_NE(result.error().message().find("1825d"), std::string::npos);
}

TEST(Timestamp, FormatsUtcWithZ) {
  EXPECT_EQ(format_timestamp(Timestamp(std::chrono::seconds(0))), "1970-01-01T00:00:00Z");
  EXPECT_EQ(format_timestamp(Timestamp(std::chrono::seconds(1'767'225'600))), "2026-01-01T00:00:00Z");
  EXPECT_EQ(format_timestamp(Timestamp(std::chrono::seconds(1'795'558'183))), "2026-11-24T22:09:43Z");
}

TEST(Timestamp, ParsesWhatItFormats) {
  for (std::int64_t seconds : {std::int64_t{0}, std::int64_t{951'782'400} /* 2000-02-29 */,
                               std::int64_t{1'795'558'183}, std::int64_t{2'524'607'999} /* 2049-12-31 */,
                               std::int64_t{4'102'444'800} /* 2100-01-01 */}) {
    Timestamp t{std::chrono::seconds(seconds)};
    std::string text = format_timestamp(t);
    NIMBUS_ASSERT_OK_AND_ASSIGN(Timestamp parsed, parse_timestamp(text));
    EXPECT_EQ(parsed, t) << text;
  }
  NIMBUS_ASSERT_OK_AND_ASSIGN(Timestamp parsed, parse_timestamp("2026-11-24T22:09:43Z"));
  EXPECT_EQ(parsed.time_since_epoch().count(), 1'795'558'183);
}

TEST(Timestamp, RoundTripsTheCurrentTime) {
  Timestamp now = now_utc();
  NIMBUS_ASSERT_OK_AND_ASSIGN(Timestamp parsed, parse_timestamp(format_timestamp(now)));
  EXPECT_EQ(parsed, now);
}

TEST(Timestamp, RefusesOtherForms) {
  for (const char* text : {"", "2026-11-24", "2026-11-24 22:09:43", "2026-11-24T22:09:43",
                           "2026-11-24T22:09:43Z trailing", "2026-11-24T22:09:43+01:00", "yesterday"}) {
    auto result = parse_timestamp(text);
    ASSERT_FALSE(result.ok()) << "'" << text << "' was accepted";
    EXPECT_EQ(result.error().code(), ErrorCode::kMalformed) << text;
  }
}

TEST(NowUtc, IsWholeSecondsCloseToTheSystemClock) {
  auto system = std::chrono::system_clock::now();
  Timestamp now = now_utc();
  auto difference = std::chrono::duration_cast<std::chrono::seconds>(system - now).count();
  EXPECT_LE(std::abs(difference), 2);
}

TEST(DescribeDuration, UsesDaysWhenWholeAndHoursOtherwise) {
  EXPECT_EQ(describe_duration(hours(1825 * 24)), "1825 days");
  EXPECT_EQ(describe_duration(hours(25)), "25 hours");
  EXPECT_EQ(describe_duration(hours(48)), "2 days");
  NIMBUS_ASSERT_OK_AND_ASSIGN(Duration twenty_years, parse_validity("20y"));
  EXPECT_EQ(describe_duration(twenty_years), "7300 days");
}

}  // namespace
}  // namespace nimbus
