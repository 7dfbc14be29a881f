#include "http/metrics.h"

#include <thread>

#include <gtest/gtest.h>

#include "testing/test_support.h"

namespace nimbus::http {
namespace {

bool contains(const std::string& text, std::string_view line) { return text.find(line) != std::string::npos; }

TEST(Metrics, RendersCountersWithHelpTypeAndLabels) {
  MetricsRegistry registry;
  NIMBUS_ASSERT_OK_AND_ASSIGN(CounterFamily * requests,
                              registry.counter("nimbus_http_requests_total", "Requests.", {"route", "method", "code"}));
  requests->with({"/ocsp/{ca}", "GET", "200"}).increment();
  requests->with({"/ocsp/{ca}", "GET", "200"}).increment(2);
  requests->with({"unmatched", "GET", "404"}).increment();
  std::string text = registry.render();
  EXPECT_TRUE(contains(text, "# HELP nimbus_http_requests_total Requests.\n# TYPE nimbus_http_requests_total counter\n"))
      << text;
  EXPECT_TRUE(contains(text, "nimbus_http_requests_total{route=\"/ocsp/{ca}\",method=\"GET\",code=\"200\"} 3\n")) << text;
  EXPECT_TRUE(contains(text, "nimbus_http_requests_total{route=\"unmatched\",method=\"GET\",code=\"404\"} 1\n")) << text;
}

TEST(Metrics, RendersAnUnlabelledCounter) {
  MetricsRegistry registry;
  NIMBUS_ASSERT_OK_AND_ASSIGN(CounterFamily * issued, registry.counter("nimbus_issued_total", "Issued.", {}));
  issued->with({}).increment();
  EXPECT_TRUE(contains(registry.render(), "\nnimbus_issued_total 1\n")) << registry.render();
}

TEST(Metrics, EscapesLabelValuesAndHelp) {
  EXPECT_EQ(escape_label_value("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
  MetricsRegistry registry;
  NIMBUS_ASSERT_OK_AND_ASSIGN(CounterFamily * family, registry.counter("x_total", "line one\nback\\slash", {"ca"}));
  family->with({"evil\"}\n"}).increment();
  std::string text = registry.render();
  EXPECT_TRUE(contains(text, "# HELP x_total line one\\nback\\\\slash\n")) << text;
  EXPECT_TRUE(contains(text, "x_total{ca=\"evil\\\"}\\n\"} 1\n")) << text;
}

TEST(Metrics, RendersHistogramBucketsCumulatively) {
  MetricsRegistry registry;
  NIMBUS_ASSERT_OK_AND_ASSIGN(HistogramFamily * durations,
                              registry.histogram("d_seconds", "Durations.", {"route"}, {0.1, 1, 5}));
  Histogram& h = durations->with({"/healthz"});
  h.observe(0.05);
  h.observe(0.1);  // on a bound: counted in that bucket (le means "less or equal")
  h.observe(0.5);
  h.observe(7);
  std::string text = registry.render();
  EXPECT_TRUE(contains(text, "# TYPE d_seconds histogram\n")) << text;
  EXPECT_TRUE(contains(text, "d_seconds_bucket{route=\"/healthz\",le=\"0.1\"} 2\n")) << text;
  EXPECT_TRUE(contains(text, "d_seconds_bucket{route=\"/healthz\",le=\"1\"} 3\n")) << text;
  EXPECT_TRUE(contains(text, "d_seconds_bucket{route=\"/healthz\",le=\"5\"} 3\n")) << text;
  EXPECT_TRUE(contains(text, "d_seconds_bucket{route=\"/healthz\",le=\"+Inf\"} 4\n")) << text;
  EXPECT_TRUE(contains(text, "d_seconds_sum{route=\"/healthz\"} 7.65\n")) << text;
  EXPECT_TRUE(contains(text, "d_seconds_count{route=\"/healthz\"} 4\n")) << text;
}

TEST(Metrics, LatencyBucketsSpanHalfAMillisecondToFiveSeconds) {
  std::vector<double> buckets = latency_buckets();
  EXPECT_EQ(buckets.front(), 0.0005);
  EXPECT_EQ(buckets.back(), 5);
  EXPECT_TRUE(std::is_sorted(buckets.begin(), buckets.end()));
  MetricsRegistry registry;
  auto family = registry.histogram("h_seconds", "H.", {}, buckets);
  NIMBUS_ASSERT_OK(family);
  (*family)->with({}).observe(0.0001);
  EXPECT_TRUE(contains(registry.render(), "h_seconds_bucket{le=\"0.0005\"} 1\n")) << registry.render();
}

TEST(Metrics, GaugeCallbacksRunAtScrapeTime) {
  MetricsRegistry registry;
  double age = 10;
  NIMBUS_ASSERT_OK(registry.gauge("nimbus_crl_age_seconds", "Age of the current CRL.", [&] {
    return std::vector<GaugeSample>{{{{"ca", "root"}}, age}, {{{"ca", "issuing"}}, age * 2}, {{{"bad-name", "x"}}, 1}};
  }));
  std::string first = registry.render();
  EXPECT_TRUE(contains(first, "# TYPE nimbus_crl_age_seconds gauge\n")) << first;
  EXPECT_TRUE(contains(first, "nimbus_crl_age_seconds{ca=\"root\"} 10\n")) << first;
  EXPECT_TRUE(contains(first, "nimbus_crl_age_seconds{ca=\"issuing\"} 20\n")) << first;
  EXPECT_FALSE(contains(first, "bad-name")) << first;
  age = 11.5;
  EXPECT_TRUE(contains(registry.render(), "nimbus_crl_age_seconds{ca=\"root\"} 11.5\n"));
}

TEST(Metrics, AThrowingGaugeDoesNotBreakTheScrape) {
  MetricsRegistry registry;
  NIMBUS_ASSERT_OK(registry.gauge("broken", "Broken.", []() -> std::vector<GaugeSample> {
    throw std::runtime_error("store unavailable");
  }));
  NIMBUS_ASSERT_OK_AND_ASSIGN(CounterFamily * counter, registry.counter("after_total", "After.", {}));
  counter->with({}).increment();
  std::string text = registry.render();
  EXPECT_TRUE(contains(text, "# TYPE broken gauge\n"));
  EXPECT_TRUE(contains(text, "after_total 1\n")) << text;
}

TEST(Metrics, RegistrationIsIdempotentAndChecked) {
  MetricsRegistry registry;
  NIMBUS_ASSERT_OK_AND_ASSIGN(CounterFamily * first, registry.counter("a_total", "A.", {"x"}));
  NIMBUS_ASSERT_OK_AND_ASSIGN(CounterFamily * again, registry.counter("a_total", "A.", {"x"}));
  EXPECT_EQ(first, again);
  NIMBUS_EXPECT_ERROR(registry.counter("a_total", "A.", {"y"}), ErrorCode::kAlreadyExists);
  NIMBUS_EXPECT_ERROR(registry.histogram("a_total", "A.", {"x"}, {1}), ErrorCode::kAlreadyExists);
  NIMBUS_EXPECT_ERROR(registry.gauge("a_total", "A.", [] { return std::vector<GaugeSample>{}; }),
                      ErrorCode::kAlreadyExists);
  NIMBUS_EXPECT_ERROR(registry.counter("1abc", "A.", {}), ErrorCode::kInvalidArgument);
  NIMBUS_EXPECT_ERROR(registry.counter("a-b", "A.", {}), ErrorCode::kInvalidArgument);
  NIMBUS_EXPECT_ERROR(registry.counter("b_total", "B.", {"__reserved"}), ErrorCode::kInvalidArgument);
  NIMBUS_EXPECT_ERROR(registry.histogram("h", "H.", {"le"}, {1}), ErrorCode::kInvalidArgument);
  NIMBUS_EXPECT_ERROR(registry.histogram("h", "H.", {}, {1, 1}), ErrorCode::kInvalidArgument);
  NIMBUS_EXPECT_ERROR(registry.histogram("h", "H.", {}, {}), ErrorCode::kInvalidArgument);
}

TEST(Metrics, CountersIgnoreNegativeIncrements) {
  Counter counter;
  counter.increment(2);
  counter.increment(-1);
  EXPECT_EQ(counter.value(), 2);
}

TEST(Metrics, WrongNumberOfLabelValuesDoesNotCrash) {
  MetricsRegistry registry;
  NIMBUS_ASSERT_OK_AND_ASSIGN(CounterFamily * family, registry.counter("c_total", "C.", {"a", "b"}));
  family->with({"1"}).increment();
  family->with({"1", "2", "3"}).increment();
  std::string text = registry.render();
  EXPECT_TRUE(contains(text, "c_total{a=\"1\",b=\"\"} 1\n")) << text;
  EXPECT_TRUE(contains(text, "c_total{a=\"1\",b=\"2\"} 1\n")) << text;
}

TEST(Metrics, ConcurrentUpdatesAreNotLost) {
  MetricsRegistry registry;
  NIMBUS_ASSERT_OK_AND_ASSIGN(CounterFamily * family, registry.counter("n_total", "N.", {"t"}));
  NIMBUS_ASSERT_OK_AND_ASSIGN(HistogramFamily * hist, registry.histogram("n_seconds", "N.", {}, latency_buckets()));
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10000; ++i) {
        family->with({t % 2 == 0 ? "even" : "odd"}).increment();
        hist->with({}).observe(0.001);
        if (i % 1000 == 0) (void)registry.render();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(family->with({"even"}).value(), 20000);
  EXPECT_EQ(family->with({"odd"}).value(), 20000);
  EXPECT_EQ(hist->with({}).snapshot().cumulative.back(), 40000u);
}

TEST(Metrics, HandlerServesTheExpositionFormat) {
  MetricsRegistry registry;
  NIMBUS_ASSERT_OK_AND_ASSIGN(CounterFamily * family, registry.counter("h_total", "H.", {}));
  family->with({}).increment();
  Handler handler = metrics_handler(registry);
  Result<Response> response = handler(Request{});
  NIMBUS_ASSERT_OK(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_TRUE(contains(std::string(response->body.begin(), response->body.end()), "h_total 1\n"));
}

}  // namespace
}  // namespace nimbus::http
