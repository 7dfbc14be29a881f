// MetricsRegistry: counters, histograms and scrape-time gauges, rendered in the Prometheus text
// exposition format 0.0.4.
//
// Families are registered at setup; a family's series (one per label-value tuple) appear on first
// use. Thread-safety: everything is safe from any number of threads. Updating a series is a
// lock-free atomic add once the caller holds it; looking a series up by label values takes a
// shared lock (an exclusive one only the first time that tuple is seen). Gauge callbacks run on the
// scraping thread, without any registry lock held, and must be thread-safe themselves.
//
// Label values should come from bounded sets (route patterns, status codes, CA ids), never from
// raw client input: every distinct tuple is kept for the life of the registry.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"
#include "http/router.h"

namespace nimbus::http {

class Counter {
 public:
  // `amount` must be non-negative: a counter only goes up (Prometheus detects resets by decreases).
  void increment(double amount = 1.0);
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

class Histogram {
 public:
  // `bounds`: strictly increasing upper bounds, without +Inf; owned by the family.
  explicit Histogram(std::span<const double> bounds);
  void observe(double value);

  struct Snapshot {
    std::vector<std::uint64_t> cumulative;  // one per bound, then +Inf
    double sum = 0;
  };
  Snapshot snapshot() const;

 private:
  std::span<const double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> counts_;  // per bucket, not cumulative; +Inf last
  std::atomic<double> sum_{0.0};
};

// A metric family: one name, one type, fixed label names, a series per label-value tuple.
template <typename Metric>
class Family {
 public:
  // The series for `label_values`, given in the order of the family's label names. A tuple of the
  // wrong length is a programming error; it is padded or cut to fit rather than crash a server.
  Metric& with(std::initializer_list<std::string_view> label_values);
  Metric& with(std::span<const std::string> label_values);

  const std::string& name() const { return name_; }

 private:
  friend class MetricsRegistry;
  Family(std::string name, std::string help, std::vector<std::string> label_names, std::vector<double> bounds);
  Metric& lookup(std::vector<std::string> values);
  void render(std::string* out, std::string_view type) const;

  std::string name_;
  std::string help_;
  std::vector<std::string> label_names_;
  std::vector<double> bounds_;  // histograms only
  mutable std::shared_mutex mutex_;
  std::map<std::vector<std::string>, std::unique_ptr<Metric>> series_;
};

using CounterFamily = Family<Counter>;
using HistogramFamily = Family<Histogram>;

// One sample a gauge callback reports.
struct GaugeSample {
  std::vector<std::pair<std::string, std::string>> labels;  // name, value
  double value = 0;
};
using GaugeCallback = std::function<std::vector<GaugeSample>()>;

// Buckets for request latency, in seconds: 0.0005 to 5.
std::vector<double> latency_buckets();

class MetricsRegistry {
 public:
  // The Content-Type of render()'s output.
  static constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

  MetricsRegistry() = default;
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  // Registers a family, or returns the existing one of that name when it has the same type, label
  // names (and buckets). Refuses (invalid_argument) a name or label name Prometheus would refuse,
  // and (already_exists) a name registered differently. The family lives as long as the registry.
  Result<CounterFamily*> counter(std::string_view name, std::string_view help, std::vector<std::string> label_names);
  Result<HistogramFamily*> histogram(std::string_view name, std::string_view help,
                                     std::vector<std::string> label_names, std::vector<double> bounds);

  // A gauge whose samples `callback` produces at every scrape (CRL age per CA, certificates issued).
  // A callback that throws is logged and its samples left out of that scrape. Samples with an
  // invalid label name are left out.
  Status gauge(std::string_view name, std::string_view help, GaugeCallback callback);

  // The exposition text, families in registration order, series sorted by label values.
  std::string render() const;

 private:
  enum class Kind { kCounter, kHistogram, kGauge };
  struct Entry {
    Kind kind;
    std::string name;
    std::string help;
    std::unique_ptr<CounterFamily> counter;
    std::unique_ptr<HistogramFamily> histogram;
    std::shared_ptr<GaugeCallback> callback;
  };

  Entry* find(std::string_view name);

  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<Entry>> entries_;
};

// A handler for GET /metrics that renders `registry`, which must outlive the handler.
Handler metrics_handler(const MetricsRegistry& registry);

// Prometheus escaping of a label value: backslash, double quote and newline.
std::string escape_label_value(std::string_view value);

}  // namespace nimbus::http
