// MetricsRegistry: the metrics of a running node, kept by prometheus-cpp (its core library) and
// rendered in the Prometheus text exposition format 0.0.4 for GET /metrics.
//
// The node owns one registry and passes it by reference to each service, which registers its own
// families at setup: counters and histograms, updated as things happen, and gauges, whose samples
// a callback produces at every scrape. A family's series (one per label-value tuple) appear on
// first use.
//
// Thread-safety: everything is safe from any number of threads. Finding a series by its label
// values (Family::with) takes the family's lock and builds its label set: do it once and keep the
// reference (SeriesSlots), never per request. Incrementing a Counter is a lock-free atomic add;
// observing a Histogram takes its own short lock (prometheus-cpp's, so that a scrape sees its
// buckets, count and sum agree). Gauge callbacks run on the scraping thread without any registry
// lock held, and must be thread-safe themselves.
//
// Label values should come from bounded sets (route patterns, status codes, CA ids), never from
// raw client input: every distinct tuple is kept for the life of the registry.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "core/result.h"
#include "http/router.h"

namespace nimbus::http {

using Counter = prometheus::Counter;
using Histogram = prometheus::Histogram;

// A metric family: one name, one type, fixed label names, a series per label-value tuple.
template <typename Metric>
class Family {
 public:
  Family(const Family&) = delete;
  Family& operator=(const Family&) = delete;

  // The series for `label_values`, given in the order of the family's label names, created on
  // first use. A tuple of the wrong length is a programming error; it is padded or cut to fit
  // rather than crash a server.
  Metric& with(std::initializer_list<std::string_view> label_values);
  Metric& with(std::span<const std::string> label_values);

  const std::string& name() const { return family_.GetName(); }
  const std::vector<std::string>& label_names() const { return label_names_; }

 private:
  friend class MetricsRegistry;
  Family(prometheus::Family<Metric>& family, std::vector<std::string> label_names, std::vector<double> bounds);
  template <typename Values>
  Metric& lookup(const Values& values);

  prometheus::Family<Metric>& family_;
  const std::vector<std::string> label_names_;
  const std::vector<double> bounds_;  // histograms only
};

using CounterFamily = Family<Counter>;
using HistogramFamily = Family<Histogram>;

// A fixed number of series of one family, each found once and then reached with one atomic load:
// for hot paths whose label values come from small known sets (a route, a status). Thread-safe.
template <typename Metric>
class SeriesSlots {
 public:
  explicit SeriesSlots(std::size_t size) : size_(size), slots_(std::make_unique<std::atomic<Metric*>[]>(size)) {}
  SeriesSlots(const SeriesSlots&) = delete;
  SeriesSlots& operator=(const SeriesSlots&) = delete;

  // The series in slot `index` (< size()). The first call for a slot takes it from `find()`, which
  // must give the same series every time for that slot (Family::with with the slot's labels).
  template <typename Find>
  Metric& get(std::size_t index, Find&& find) {
    Metric* metric = slots_[index].load(std::memory_order_acquire);
    if (metric == nullptr) {
      // Two threads may both find it; they find the same series.
      metric = &find();
      slots_[index].store(metric, std::memory_order_release);
    }
    return *metric;
  }

  std::size_t size() const { return size_; }

 private:
  std::size_t size_;
  std::unique_ptr<std::atomic<Metric*>[]> slots_;
};

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

  MetricsRegistry();
  ~MetricsRegistry();
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

  // The exposition text: families in registration order, each with its HELP and TYPE lines even
  // before it has series, series sorted by label values, labels in the order they were declared.
  std::string render() const;

 private:
  struct Entry;

  Entry* find(std::string_view name);

  prometheus::Registry registry_;
  mutable std::mutex mutex_;  // guards entries_ (not the families, which lock themselves)
  std::vector<std::unique_ptr<Entry>> entries_;
};

// A handler for GET /metrics that renders `registry`, which must outlive the handler.
Handler metrics_handler(const MetricsRegistry& registry);

}  // namespace nimbus::http
