#include "http/request_metrics.h"

#include <string>

#include <gtest/gtest.h>

#include "testing/test_support.h"

namespace nimbus::http {
namespace {

bool contains(const std::string& text, std::string_view line) { return text.find(line) != std::string::npos; }

Router two_routes() {
  Router router;
  auto ok = [](const Request&) -> Result<Response> { return Response::text(200, "ok"); };
  testing::must(router.add_route({"GET"}, "/healthz", ok));
  testing::must(router.add_route({"POST"}, "/ocsp/{ca}", ok));
  return router;
}

TEST(RequestMetrics, CountsByRoutePatternMethodAndCode) {
  MetricsRegistry registry;
  Router router = two_routes();
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto metrics, RequestMetrics::create(registry, router));
  for (int i = 0; i < 3; ++i) metrics->record(2, "POST", 200, 0.0001);
  metrics->record(1, "GET", 200, 0.002);
  metrics->record(RequestMetrics::kUnmatched, "GET", 404, 0.0001);
  std::string text = registry.render();
  EXPECT_TRUE(contains(text, "nimbus_http_requests_total{route=\"/ocsp/{ca}\",method=\"POST\",code=\"200\"} 3\n"))
      << text;
  EXPECT_TRUE(contains(text, "nimbus_http_requests_total{route=\"/healthz\",method=\"GET\",code=\"200\"} 1\n")) << text;
  EXPECT_TRUE(contains(text, "nimbus_http_requests_total{route=\"unmatched\",method=\"GET\",code=\"404\"} 1\n"))
      << text;
  EXPECT_TRUE(contains(text, "nimbus_http_request_duration_seconds_bucket{route=\"/ocsp/{ca}\",le=\"0.0005\"} 3\n"))
      << text;
  EXPECT_TRUE(contains(text, "nimbus_http_request_duration_seconds_bucket{route=\"/healthz\",le=\"0.001\"} 0\n"))
      << text;
  EXPECT_TRUE(contains(text, "nimbus_http_request_duration_seconds_count{route=\"unmatched\"} 1\n")) << text;
}

TEST(RequestMetrics, UnusualMethodsAndCodesAreCountedWithoutNewMethodSeries) {
  MetricsRegistry registry;
  Router router = two_routes();
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto metrics, RequestMetrics::create(registry, router));
  metrics->record(1, "BREW", 418, 0.0);
  metrics->record(1, "FOO", 418, 0.0);
  metrics->record(1, "get", 200, 0.0);  // methods are case-sensitive
  metrics->record(99, "GET", 200, 0.0);  // no such route: counted as unmatched
  std::string text = registry.render();
  EXPECT_TRUE(contains(text, "nimbus_http_requests_total{route=\"/healthz\",method=\"other\",code=\"418\"} 2\n"))
      << text;
  EXPECT_TRUE(contains(text, "nimbus_http_requests_total{route=\"/healthz\",method=\"other\",code=\"200\"} 1\n"))
      << text;
  EXPECT_TRUE(contains(text, "nimbus_http_requests_total{route=\"unmatched\",method=\"GET\",code=\"200\"} 1\n"))
      << text;
  EXPECT_FALSE(contains(text, "BREW")) << text;
}

TEST(RequestMetrics, RefusesASecondRegistrationOfTheSameNamesDifferently) {
  MetricsRegistry registry;
  NIMBUS_ASSERT_OK(registry.counter("nimbus_http_requests_total", "Something else.", {"x"}));
  Router router = two_routes();
  NIMBUS_EXPECT_ERROR(RequestMetrics::create(registry, router), ErrorCode::kAlreadyExists);
}

}  // namespace
}  // namespace nimbus::http
