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
  requests->with({"/ocsp/{ca}", "GET", "200"}).Increment();
  requests->with({"/ocsp/{ca}", "GET", "200"}).Increment(2);
  requests->with({"unmatched", "GET", "404"}).Increment();
  std::string text = registry.render();
  EXPECT_TRUE(contains(text, "# HELP nimbus_http_requests_total Requests.\n# TYPE nimbus_http_requests_total counter\n"))
      << text;
  EXPECT_TRUE(contains(text, "nimbus_http_requests_total{route=\"/ocsp/{ca}\",method=\"GET\",code=\"200\"} 3\n")) << text;
  EXPECT_TRUE(contains(text, "nimbus_http_requests_total{route=\"unmatched\",method=\"GET\",code=\"404\"} 1\n")) << text;
}

TEST(Metrics, RendersAnUnlabelledCounter) {
  MetricsRegistry registry;
  NIMBUS_ASSERT_OK_AND_ASSIGN(CounterFamily * issued, registry.counter("nimbus_issued_total", "Issued.", {}));
  issued->with({}).Increment();
  EXPECT_TRUE(contains(registry.render(), "\nnimbus_issued_total 1\n")) << registry.render();
}

TEST(Metrics, EscapesLabelValuesAndHelp) {
  MetricsRegistry registry;
  NIMBUS_ASSERT_OK_AND_ASSIGN(CounterFamily * family, registry.counter("x_total", "line one\nback\\slash", {"ca"}));
  family->with({"evil\"}\n\\"}).Increment();
  std::string text = registry.render();
  EXPECT_TRUE(contains(text, "# HELP x_total line one\\nback\\\\slash\n")) << text;
  EXPECT_TRUE(contains(text, "x_total{ca=\"evil\\\"}\\n\\\\\"} 1\n")) << text;
}

TEST(Metrics, RendersHistogramBucketsCumulatively) {
  MetricsRegistry registry;
  NIMBUS_ASSERT_OK_AND_ASSIGN(HistogramFamily * durations,
                              registry.histogram("d_seconds", "Durations.", {"route"}, {0.1, 1, 5}));
  Histogram& h = durations->with({"/healthz"});
  h.Observe(0.05);
  h.Observe(0.1);  // on a bound: counted in that bucket (le means "less or equal")
  h.Observe(0.5);
  h.Observe(7);
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
  (*family)->with({}).Observe(0.0001);
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
  counter->with({}).Increment();
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
  counter.Increment(2);
  counter.Increment(-1);
  EXPECT_EQ(counter.Value(), 2);
}

TEST(Metrics, WrongNumberOfLabelValuesDoesNotCrash) {
  MetricsRegistry registry;
  NIMBUS_ASSERT_OK_AND_ASSIGN(CounterFamily * family, registry.counter("c_total", "C.", {"a", "b"}));
  family->with({"1"}).Increment();
  family->with({"1", "2", "3"}).Increment();
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
        family->with({t % 2 == 0 ? "even" : "odd"}).Increment();
        hist->with({}).Observe(0.001);
        if (i % 1000 == 0) (void)registry.render();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(family->with({"even"}).Value(), 20000);
  EXPECT_EQ(family->with({"odd"}).Value(), 20000);
  std::string text = registry.render();
  EXPECT_TRUE(contains(text, "n_seconds_bucket{le=\"0.001\"} 40000\n")) << text;
  EXPECT_TRUE(contains(text, "n_seconds_count 40000\n")) << text;
}

TEST(Metrics, FamiliesComeInRegistrationOrderWithHeadersBeforeTheirFirstSeries) {
  MetricsRegistry registry;
  NIMBUS_ASSERT_OK(registry.gauge("g", "G.", [] { return std::vector<GaugeSample>{}; }));
  NIMBUS_ASSERT_OK_AND_ASSIGN(HistogramFamily * histogram, registry.histogram("h_seconds", "H.", {}, {1}));
  NIMBUS_ASSERT_OK_AND_ASSIGN(CounterFamily * counter, registry.counter("c_total", "C.", {"x"}));
  EXPECT_EQ(registry.render(),
            "# HELP g G.\n# TYPE g gauge\n"
            "# HELP h_seconds H.\n# TYPE h_seconds histogram\n"
            "# HELP c_total C.\n# TYPE c_total counter\n");
  histogram->with({}).Observe(0.5);
  counter->with({"a"}).Increment();
  EXPECT_EQ(registry.render(),
            "# HELP g G.\n# TYPE g gauge\n"
            "# HELP h_seconds H.\n# TYPE h_seconds histogram\n"
            "h_seconds_count 1\nh_seconds_sum 0.5\nh_seconds_bucket{le=\"1\"} 1\nh_seconds_bucket{le=\"+Inf\"} 1\n"
            "# HELP c_total C.\n# TYPE c_total counter\nc_total{x=\"a\"} 1\n");
}

TEST(Metrics, SeriesAreSortedByValueWithLabelsInTheDeclaredOrder) {
  MetricsRegistry registry;
  NIMBUS_ASSERT_OK_AND_ASSIGN(CounterFamily * family, registry.counter("r_total", "R.", {"route", "method", "code"}));
  for (const char* route : {"/z", "/a", "/m", "/b"}) family->with({route, "GET", "200"}).Increment();
  std::string text = registry.render();
  std::size_t a = text.find("r_total{route=\"/a\",method=\"GET\",code=\"200\"} 1\n");
  std::size_t b = text.find("r_total{route=\"/b\",method=\"GET\",code=\"200\"} 1\n");
  std::size_t m = text.find("r_total{route=\"/m\",method=\"GET\",code=\"200\"} 1\n");
  std::size_t z = text.find("r_total{route=\"/z\",method=\"GET\",code=\"200\"} 1\n");
  ASSERT_NE(z, std::string::npos) << text;
  EXPECT_TRUE(a < b && b < m && m < z) << text;
}

TEST(Metrics, SeriesSlotsFindEachSeriesOnceAndKeepIt) {
  MetricsRegistry registry;
  NIMBUS_ASSERT_OK_AND_ASSIGN(CounterFamily * family, registry.counter("s_total", "S.", {"slot"}));
  SeriesSlots<Counter> slots(2);
  int finds = 0;
  auto find = [&](std::string_view label) {
    return [&, label]() -> Counter& {
      ++finds;
      return family->with({label});
    };
  };
  for (int i = 0; i < 5; ++i) slots.get(0, find("zero")).Increment();
  slots.get(1, find("one")).Increment(2);
  EXPECT_EQ(finds, 2);
  EXPECT_EQ(&slots.get(0, find("zero")), &family->with({"zero"}));
  EXPECT_EQ(family->with({"zero"}).Value(), 5);
  EXPECT_TRUE(contains(registry.render(), "s_total{slot=\"one\"} 2\n")) << registry.render();
}

TEST(Metrics, RegistriesAreIndependent) {
  MetricsRegistry first, second;
  NIMBUS_ASSERT_OK_AND_ASSIGN(CounterFamily * a, first.counter("same_total", "Same.", {}));
  NIMBUS_ASSERT_OK_AND_ASSIGN(CounterFamily * b, second.counter("same_total", "Same.", {}));
  a->with({}).Increment(3);
  b->with({}).Increment();
  EXPECT_TRUE(contains(first.render(), "same_total 3\n")) << first.render();
  EXPECT_TRUE(contains(second.render(), "same_total 1\n")) << second.render();
}

TEST(Metrics, HandlerServesTheExpositionFormat) {
  MetricsRegistry registry;
  NIMBUS_ASSERT_OK_AND_ASSIGN(CounterFamily * family, registry.counter("h_total", "H.", {}));
  family->with({}).Increment();
  Handler handler = metrics_handler(registry);
  Result<Response> response = handler(Request{});
  NIMBUS_ASSERT_OK(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_TRUE(contains(std::string(response->body.begin(), response->body.end()), "h_total 1\n"));
}

}  // namespace
}  // namespace nimbus::http
