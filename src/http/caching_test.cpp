#include "http/caching.h"

#include <gtest/gtest.h>

#include "testing/test_support.h"

namespace nimbus::http {
namespace {

using testing::at;

Request get_with(std::vector<std::pair<std::string, std::string>> headers, std::string method = "GET") {
  Request request;
  request.method = std::move(method);
  for (auto& [name, value] : headers) request.headers.add(name, value);
  return request;
}

CacheableObject crl(Timestamp this_update, std::optional<Timestamp> next_update) {
  CacheableObject object;
  object.content_type = "application/pkix-crl";
  object.body = {0x30, 0x82, 0x01, 0x02, 0x03};
  object.last_modified = this_update;
  object.expires = next_update;
  return object;
}

TEST(Caching, FormatsImfFixdate) {
  EXPECT_EQ(format_http_date(at("1994-11-06T08:49:37Z")), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(format_http_date(at("2026-01-01T00:00:00Z")), "Thu, 01 Jan 2026 00:00:00 GMT");
  EXPECT_EQ(format_http_date(at("2028-02-29T23:59:59Z")), "Tue, 29 Feb 2028 23:59:59 GMT");
}

TEST(Caching, ParsesTheThreeHttpDateForms) {
  Timestamp expected = at("1994-11-06T08:49:37Z");
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), expected);
  EXPECT_EQ(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), expected);
  EXPECT_EQ(parse_http_date("Sun Nov  6 08:49:37 1994"), expected);
  EXPECT_EQ(parse_http_date("  Sun, 06 Nov 1994 08:49:37 GMT \t"), expected);
  EXPECT_EQ(parse_http_date(format_http_date(at("2031-07-15T12:34:56Z"))), at("2031-07-15T12:34:56Z"));
}

TEST(Caching, IgnoresGarbageDates) {
  for (const char* text : {"", "yesterday", "0", "Sun, 06 Nov 1994 08:49:37", "Sun, 06 Nov 1994 08:49:37 UTC",
                           "Sun, 31 Feb 1994 08:49:37 GMT", "Sun, 06 Foo 1994 08:49:37 GMT",
                           "Sun, 06 Nov 1994 24:00:00 GMT", "Sun, 06 Nov 1994 08:60:00 GMT",
                           "Xyz, 06 Nov 1994 08:49:37 GMT", "Sun, 6 Nov 1994 08:49:37 GMT",
                           "Sun, 06 Nov 19a4 08:49:37 GMT", "Sun, 06 Nov 1994 08:49:37 GMTX",
                           "Sun, 06 Nov -994 08:49:37 GMT", "Sun Nov 36 08:49:37 1994",
                           "Funday, 06-Nov-94 08:49:37 GMT", "2026-01-01T00:00:00Z"}) {
    EXPECT_FALSE(parse_http_date(text).has_value()) << "'" << text << "' was accepted";
  }
}

TEST(Caching, StrongEtagIsQuotedHexOfTheBody) {
  std::string etag = strong_etag(as_bytes("hello"));
  EXPECT_EQ(etag, "\"2cf24dba5fb0a30e26e83b2ac5b9e29e\"");
  EXPECT_NE(strong_etag(as_bytes("hello!")), etag);
}

TEST(Caching, IfNoneMatchListsStarAndWeakComparison) {
  const std::string etag = "\"abc\"";
  EXPECT_EQ(if_none_match_matches("\"abc\"", etag), true);
  EXPECT_EQ(if_none_match_matches("\"x\", \"abc\"", etag), true);
  EXPECT_EQ(if_none_match_matches("\"x\",\"y\"", etag), false);
  EXPECT_EQ(if_none_match_matches("W/\"abc\"", etag), true);
  EXPECT_EQ(if_none_match_matches("*", etag), true);
  EXPECT_EQ(if_none_match_matches(" * ", etag), true);
  EXPECT_EQ(if_none_match_matches("\"a,b\", \"abc\"", etag), true);
  EXPECT_EQ(if_none_match_matches("\"abcd\"", etag), false);
  for (const char* garbage : {"abc", "\"abc", "\"abc\"x", ", ,", "W/abc", "*, \"abc\""}) {
    EXPECT_FALSE(if_none_match_matches(garbage, etag).has_value()) << garbage;
  }
}

TEST(Caching, MaxAgeRunsToTheExpiryWithinBounds) {
  CachePolicy policy;
  policy.default_max_age = std::chrono::hours(1);
  policy.max_age_limit = std::chrono::hours(24);
  Timestamp now = at("2026-03-01T12:00:00Z");
  EXPECT_EQ(max_age_seconds(now + std::chrono::minutes(10), now, policy), 600);
  EXPECT_EQ(max_age_seconds(now + testing::kDay * 7, now, policy), 24 * 3600);
  EXPECT_EQ(max_age_seconds(now - std::chrono::minutes(10), now, policy), 0);
  EXPECT_EQ(max_age_seconds(std::nullopt, now, policy), 3600);
  policy.default_max_age = std::chrono::hours(48);
  EXPECT_EQ(max_age_seconds(std::nullopt, now, policy), 24 * 3600);
}

TEST(Caching, FullResponseCarriesValidatorsAndBody) {
  Timestamp now = at("2026-03-01T12:00:00Z");
  CacheableObject object = crl(at("2026-03-01T11:00:00Z"), at("2026-03-01T18:00:00Z"));
  Response response = conditional_response(get_with({}), object, now);
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.content_type, "application/pkix-crl");
  EXPECT_EQ(response.body, object.body);
  EXPECT_EQ(response.header("ETag"), strong_etag(object.body));
  EXPECT_EQ(response.header("Last-Modified"), "Sun, 01 Mar 2026 11:00:00 GMT");
  EXPECT_EQ(response.header("Cache-Control"), "public, max-age=21600");
  EXPECT_EQ(response.header("Expires"), "Sun, 01 Mar 2026 18:00:00 GMT");
}

TEST(Caching, AnExpiredObjectMayNotBeCached) {
  Timestamp now = at("2026-03-02T12:00:00Z");
  Response response = conditional_response(get_with({}), crl(at("2026-03-01T11:00:00Z"), at("2026-03-01T18:00:00Z")), now);
  EXPECT_EQ(response.header("Cache-Control"), "public, max-age=0");
}

TEST(Caching, LastModifiedIsNeverInTheFuture) {
  Timestamp now = at("2026-03-01T12:00:00Z");
  Response response = conditional_response(get_with({}), crl(now + std::chrono::minutes(5), std::nullopt), now);
  EXPECT_EQ(response.header("Last-Modified"), format_http_date(now));
}

TEST(Caching, MatchingIfNoneMatchGivesNotModifiedWithoutBody) {
  Timestamp now = at("2026-03-01T12:00:00Z");
  CacheableObject object = crl(at("2026-03-01T11:00:00Z"), at("2026-03-01T18:00:00Z"));
  std::string etag = strong_etag(object.body);
  for (std::string header : {etag, "\"other\", " + etag, std::string("*"), "W/" + etag}) {
    Response response = conditional_response(get_with({{"If-None-Match", header}}), object, now);
    EXPECT_EQ(response.status, 304) << header;
    EXPECT_TRUE(response.body.empty());
    EXPECT_TRUE(response.content_type.empty());
    EXPECT_EQ(response.header("ETag"), etag);
    EXPECT_EQ(response.header("Cache-Control"), "public, max-age=21600");
  }
  Response head = conditional_response(get_with({{"If-None-Match", etag}}, "HEAD"), object, now);
  EXPECT_EQ(head.status, 304);
  Response other = conditional_response(get_with({{"If-None-Match", "\"stale\""}}), object, now);
  EXPECT_EQ(other.status, 200);
  EXPECT_EQ(other.body, object.body);
}

TEST(Caching, IfModifiedSinceCountsOnlyWithoutIfNoneMatch) {
  Timestamp now = at("2026-03-01T12:00:00Z");
  CacheableObject object = crl(at("2026-03-01T11:00:00Z"), std::nullopt);
  auto status_for = [&](std::vector<std::pair<std::string, std::string>> headers) {
    return conditional_response(get_with(std::move(headers)), object, now).status;
  };
  EXPECT_EQ(status_for({{"If-Modified-Since", "Sun, 01 Mar 2026 11:00:00 GMT"}}), 304);
  EXPECT_EQ(status_for({{"If-Modified-Since", "Sun, 01 Mar 2026 11:30:00 GMT"}}), 304);
  EXPECT_EQ(status_for({{"If-Modified-Since", "Sun, 01 Mar 2026 10:59:59 GMT"}}), 200);
  EXPECT_EQ(status_for({{"If-Modified-Since", "garbage"}}), 200);
  // Later than now: invalid, so ignored.
  EXPECT_EQ(status_for({{"If-Modified-Since", "Sun, 01 Mar 2026 13:00:00 GMT"}}), 200);
  // A present, valid If-None-Match decides alone.
  EXPECT_EQ(status_for({{"If-None-Match", "\"other\""}, {"If-Modified-Since", "Sun, 01 Mar 2026 11:30:00 GMT"}}), 200);
  // An unparseable one counts as absent.
  EXPECT_EQ(status_for({{"If-None-Match", "garbage"}, {"If-Modified-Since", "Sun, 01 Mar 2026 11:30:00 GMT"}}), 304);
}

TEST(Caching, IfNoneMatchSplitOverSeveralLinesIsOneList) {
  Timestamp now = at("2026-03-01T12:00:00Z");
  CacheableObject object = crl(at("2026-03-01T11:00:00Z"), std::nullopt);
  Request request = get_with({{"If-None-Match", "\"a\""}, {"If-None-Match", strong_etag(object.body)}});
  EXPECT_EQ(conditional_response(request, object, now).status, 304);
}

TEST(Caching, UnsafeMethodsNeverGetNotModified) {
  Timestamp now = at("2026-03-01T12:00:00Z");
  CacheableObject object = crl(at("2026-03-01T11:00:00Z"), std::nullopt);
  Request request = get_with({{"If-None-Match", "*"}}, "POST");
  EXPECT_EQ(conditional_response(request, object, now).status, 200);
}

TEST(Caching, UsesAPrecomputedEtag) {
  Timestamp now = at("2026-03-01T12:00:00Z");
  CacheableObject object = crl(at("2026-03-01T11:00:00Z"), std::nullopt);
  object.etag = "\"precomputed\"";
  EXPECT_EQ(conditional_response(get_with({{"If-None-Match", "\"precomputed\""}}), object, now).status, 304);
}

}  // namespace
}  // namespace nimbus::http
