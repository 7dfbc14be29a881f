#include "http/router.h"

#include <utility>

#include <gtest/gtest.h>

#include "testing/test_support.h"

namespace nimbus::http {
namespace {

Handler answer(std::string text) {
  return [text](const Request&) -> Result<Response> { return Response::text(200, text); };
}

std::string call(const RouteMatch& match) {
  Request request;
  request.params = match.params;
  Result<Response> response = (*match.handler)(request);
  return std::string(response->body.begin(), response->body.end() - 1);
}

Router publication_router() {
  Router router;
  testing::must(router.add_route({"GET"}, "/aia/{ca}.crt", answer("aia")));
  testing::must(router.add_route({"GET"}, "/cdp/{ca}.crl", answer("cdp")));
  testing::must(router.add_route({"POST"}, "/ocsp/{ca}", answer("ocsp-post")));
  testing::must(router.add_route({"GET"}, "/ocsp/{ca}/{request...}", answer("ocsp-get")));
  testing::must(router.add_route({"GET"}, "/healthz", answer("healthz")));
  testing::must(router.add_route({"GET", "POST"}, "/scep/{ca}", answer("scep")));
  return router;
}

TEST(Router, MatchesLiteralAndCaptureSegments) {
  Router router = publication_router();
  RouteMatch aia = router.match("GET", "/aia/contoso-root.crt");
  ASSERT_EQ(aia.outcome, RouteMatch::Outcome::kMatched);
  EXPECT_EQ(aia.pattern, "/aia/{ca}.crt");
  EXPECT_EQ(aia.params.at("ca"), "contoso-root");
  EXPECT_EQ(call(aia), "aia");

  RouteMatch cdp = router.match("GET", "/cdp/issuing-1.crl");
  ASSERT_EQ(cdp.outcome, RouteMatch::Outcome::kMatched);
  EXPECT_EQ(cdp.params.at("ca"), "issuing-1");

  RouteMatch health = router.match("GET", "/healthz");
  ASSERT_EQ(health.outcome, RouteMatch::Outcome::kMatched);
  EXPECT_TRUE(health.params.empty());
  EXPECT_EQ(call(health), "healthz");
}

TEST(Router, AMatchNamesItsRoutesPositionInTheTable) {
  Router router = publication_router();
  for (auto [method, path] : {std::pair{"GET", "/healthz"}, {"GET", "/ocsp/x/MEUw"}, {"POST", "/aia/x.crt"}}) {
    RouteMatch match = router.match(method, path);
    ASSERT_NE(match.outcome, RouteMatch::Outcome::kNotFound) << path;
    ASSERT_LT(match.index, router.size()) << path;
    EXPECT_EQ(router.pattern(match.index), match.pattern) << path;
  }
  EXPECT_NE(router.match("GET", "/healthz").index, router.match("POST", "/ocsp/x").index);
}

TEST(Router, TheTableListsEachRoutesPatternAndMethods) {
  Router router = publication_router();
  std::vector<std::string> rows;
  for (std::size_t i = 0; i < router.size(); ++i) {
    std::string row = router.pattern(i);
    for (const std::string& method : router.methods(i)) row += " " + method;
    rows.push_back(row);
  }
  EXPECT_EQ(rows[0], "/aia/{ca}.crt GET");
  EXPECT_EQ(rows[2], "/ocsp/{ca} POST");
  EXPECT_EQ(rows[5], "/scep/{ca} GET POST");
}

TEST(Router, RestCaptureTakesSlashesAndDecodesEscapes) {
  Router router = publication_router();
  // Base64 of an OCSP request contains '/' and '+'; clients may or may not escape them.
  RouteMatch match = router.match("GET", "/ocsp/issuing-1/MEUw+Q/ab%2Bc%2fd%3D%3D");
  ASSERT_EQ(match.outcome, RouteMatch::Outcome::kMatched);
  EXPECT_EQ(match.pattern, "/ocsp/{ca}/{request...}");
  EXPECT_EQ(match.params.at("ca"), "issuing-1");
  EXPECT_EQ(match.params.at("request"), "MEUw+Q/ab+c/d==");

  // Base64 may start with '/', which gives an empty segment in the path.
  RouteMatch leading = router.match("GET", "/ocsp/ca//abc//def");
  ASSERT_EQ(leading.outcome, RouteMatch::Outcome::kMatched);
  EXPECT_EQ(leading.params.at("request"), "/abc//def");
}

TEST(Router, OneSegmentAndRestRoutesDoNotShadowEachOther) {
  Router router = publication_router();
  RouteMatch post = router.match("POST", "/ocsp/issuing-1");
  ASSERT_EQ(post.outcome, RouteMatch::Outcome::kMatched);
  EXPECT_EQ(call(post), "ocsp-post");
  RouteMatch get = router.match("GET", "/ocsp/issuing-1/MEUw");
  ASSERT_EQ(get.outcome, RouteMatch::Outcome::kMatched);
  EXPECT_EQ(call(get), "ocsp-get");
}

TEST(Router, UnknownPathsAreNotFound) {
  Router router = publication_router();
  for (const char* path : {"/", "/aia", "/aia/", "/aia/root.crl", "/aia/.crt", "/aia/x/y.crt", "/healthz/",
                           "/healthzz", "//healthz", "/ocsp/", "/ocsp/ca/", "/nothing", "", "healthz",
                           "/aia/bad%zz.crt", "/aia/bad%2.crt"}) {
    RouteMatch match = router.match("GET", path);
    EXPECT_EQ(match.outcome, RouteMatch::Outcome::kNotFound) << "'" << path << "' matched " << match.pattern;
    EXPECT_TRUE(match.pattern.empty()) << path;
  }
}

TEST(Router, WrongMethodIsNotAllowedWithTheAllowedOnes) {
  Router router = publication_router();
  RouteMatch match = router.match("POST", "/aia/root.crt");
  EXPECT_EQ(match.outcome, RouteMatch::Outcome::kMethodNotAllowed);
  EXPECT_EQ(match.allow, "GET, HEAD");
  EXPECT_EQ(match.pattern, "/aia/{ca}.crt");
  EXPECT_EQ(match.handler, nullptr);

  RouteMatch ocsp = router.match("DELETE", "/ocsp/x");
  EXPECT_EQ(ocsp.outcome, RouteMatch::Outcome::kMethodNotAllowed);
  EXPECT_EQ(ocsp.allow, "POST");

  // Methods are case-sensitive tokens (RFC 9110 9.1).
  EXPECT_EQ(router.match("get", "/healthz").outcome, RouteMatch::Outcome::kMethodNotAllowed);
}

TEST(Router, AllowListsMethodsOfEveryRouteOnThePath) {
  Router router;
  NIMBUS_ASSERT_OK(router.add_route({"GET"}, "/api/{id}", answer("get")));
  NIMBUS_ASSERT_OK(router.add_route({"PUT", "DELETE"}, "/api/{id}", answer("change")));
  EXPECT_EQ(call(router.match("DELETE", "/api/1")), "change");
  RouteMatch match = router.match("PATCH", "/api/1");
  ASSERT_EQ(match.outcome, RouteMatch::Outcome::kMethodNotAllowed);
  EXPECT_EQ(match.allow, "DELETE, GET, HEAD, PUT");
}

TEST(Router, GetRoutesAnswerHead) {
  Router router = publication_router();
  RouteMatch match = router.match("HEAD", "/cdp/root.crl");
  ASSERT_EQ(match.outcome, RouteMatch::Outcome::kMatched);
  EXPECT_EQ(call(match), "cdp");
  EXPECT_EQ(router.match("HEAD", "/ocsp/root").outcome, RouteMatch::Outcome::kMethodNotAllowed);
}

TEST(Router, FirstAddedRouteWinsWhenTwoMatch) {
  Router router;
  NIMBUS_ASSERT_OK(router.add_route({"GET"}, "/aia/latest.crt", answer("literal")));
  NIMBUS_ASSERT_OK(router.add_route({"GET"}, "/aia/{ca}.crt", answer("capture")));
  EXPECT_EQ(call(router.match("GET", "/aia/latest.crt")), "literal");
  EXPECT_EQ(call(router.match("GET", "/aia/other.crt")), "capture");
}

TEST(Router, RefusesASecondRouteForThePatternAndMethod) {
  Router router;
  NIMBUS_ASSERT_OK(router.add_route({"GET", "HEAD"}, "/aia/{ca}.crt", answer("first")));
  Status again = router.add_route({"POST", "GET"}, "/aia/{ca}.crt", answer("second"));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(again.error().message(), "route GET /aia/{ca}.crt is already taken");
  // Another method on the same pattern is a route of its own.
  NIMBUS_ASSERT_OK(router.add_route({"POST"}, "/aia/{ca}.crt", answer("post")));
  EXPECT_EQ(call(router.match("GET", "/aia/root.crt")), "first");
  EXPECT_EQ(call(router.match("POST", "/aia/root.crt")), "post");
  EXPECT_EQ(router.size(), 2u);
}

TEST(Router, CapturesHavePrefixAndSuffix) {
  Router router;
  NIMBUS_ASSERT_OK(router.add_route({"GET"}, "/certs/ca-{id}.pem", answer("pem")));
  RouteMatch match = router.match("GET", "/certs/ca-42.pem");
  ASSERT_EQ(match.outcome, RouteMatch::Outcome::kMatched);
  EXPECT_EQ(match.params.at("id"), "42");
  EXPECT_EQ(router.match("GET", "/certs/ca-.pem").outcome, RouteMatch::Outcome::kNotFound);
  EXPECT_EQ(router.match("GET", "/certs/42.pem").outcome, RouteMatch::Outcome::kNotFound);
}

TEST(Router, RefusesMalformedPatterns) {
  Router router;
  for (const char* pattern : {"", "healthz", "/{", "/}", "/{}", "/a/{x}{y}", "/{x}/{x}", "/{rest...}/tail",
                              "/pre{rest...}", "/{rest...}.txt", "/{a.b}", "/}{"}) {
    Status status = router.add_route({"GET"}, pattern, answer("x"));
    EXPECT_FALSE(status.ok()) << "'" << pattern << "' was accepted";
    if (!status.ok()) {
      EXPECT_EQ(status.error().code(), ErrorCode::kInvalidArgument) << pattern;
    }
  }
  NIMBUS_EXPECT_ERROR(router.add_route({}, "/x", answer("x")), ErrorCode::kInvalidArgument);
  NIMBUS_EXPECT_ERROR(router.add_route({"G ET"}, "/x", answer("x")), ErrorCode::kInvalidArgument);
  NIMBUS_EXPECT_ERROR(router.add_route({"GET"}, "/x", Handler()), ErrorCode::kInvalidArgument);
  EXPECT_EQ(router.size(), 0u);
}

TEST(Router, PercentDecodingKeepsPlusAndRefusesBadEscapes) {
  EXPECT_EQ(percent_decode("a%2Bb+c%2fd%3d"), "a+b+c/d=");
  EXPECT_EQ(percent_decode(""), "");
  EXPECT_EQ(percent_decode("%41%42"), "AB");
  EXPECT_FALSE(percent_decode("%").has_value());
  EXPECT_FALSE(percent_decode("%4").has_value());
  EXPECT_FALSE(percent_decode("abc%4").has_value());
  EXPECT_FALSE(percent_decode("%g1").has_value());
}

TEST(Router, QueryParametersAreFoundAndDecoded) {
  EXPECT_EQ(query_parameter("operation=GetCACaps&message=CA", "operation"), "GetCACaps");
  EXPECT_EQ(query_parameter("operation=GetCACaps&message=CA", "message"), "CA");
  EXPECT_EQ(query_parameter("operation=PKIOperation&message=MII%2Bab+c%3D%3D", "message"), "MII+ab+c==");
  EXPECT_EQ(query_parameter("flag&x=1", "flag"), "");
  EXPECT_EQ(query_parameter("a=1&a=2", "a"), "1");
  EXPECT_FALSE(query_parameter("operation=GetCACaps", "message").has_value());
  EXPECT_FALSE(query_parameter("", "message").has_value());
  EXPECT_FALSE(query_parameter("message=%zz", "message").has_value());
  EXPECT_FALSE(query_parameter("xmessage=1", "message").has_value());
}

TEST(Router, ErrorsMapToStatusCodesWithoutLeakingFailures) {
  EXPECT_EQ(error_response(Error(ErrorCode::kNotFound, "no CA 'x'")).status, 404);
  EXPECT_EQ(error_response(Error(ErrorCode::kPermissionDenied, "no")).status, 403);
  EXPECT_EQ(error_response(Error(ErrorCode::kMalformed, "bad OCSP request")).status, 400);
  Response failure = error_response(Error(ErrorCode::kStoreError, "/var/lib/nimbus/db: disk I/O error"));
  EXPECT_EQ(failure.status, 500);
  std::string body(failure.body.begin(), failure.body.end());
  EXPECT_EQ(body.find("/var/lib"), std::string::npos) << body;
}

TEST(Router, HeadersCompareNamesCaseInsensitively) {
  Headers headers;
  headers.add("If-None-Match", "\"a\"");
  headers.add("if-none-match", "\"b\"");
  EXPECT_EQ(headers.get("IF-NONE-MATCH"), "\"a\"");
  EXPECT_EQ(headers.get_combined("If-None-Match"), "\"a\", \"b\"");
  EXPECT_FALSE(headers.get("ETag").has_value());
  EXPECT_EQ(headers.get_combined("ETag"), "");
}

}  // namespace
}  // namespace nimbus::http
