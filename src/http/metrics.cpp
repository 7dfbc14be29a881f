#include "http/metrics.h"

#include <algorithm>
#include <cmath>
#include <exception>
#include <map>

#include <fmt/format.h>
#include <prometheus/check_names.h>
#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>
#include <spdlog/spdlog.h>

#include "core/log_text.h"

namespace nimbus::http {

namespace {

// prometheus-cpp accepts "__"-prefixed label names, which Prometheus reserves for itself.
bool valid_label_name(const std::string& name) { return prometheus::CheckLabelName(name) && !name.starts_with("__"); }

Status check_names(std::string_view name, const std::vector<std::string>& label_names, std::string_view kind,
                   bool histogram) {
  if (!prometheus::CheckMetricName(std::string(name))) {
    return Error(ErrorCode::kInvalidArgument, fmt::format("'{}' is not a valid metric name", loggable(name)));
  }
  for (const std::string& label : label_names) {
    if (!valid_label_name(label) || (histogram && label == "le")) {
      return Error(ErrorCode::kInvalidArgument,
                   fmt::format("{} {}: '{}' is not a valid label name", kind, name, loggable(label)));
    }
  }
  return ok_status();
}

// The text format escapes HELP (backslash, newline); prometheus-cpp writes it as given.
std::string escape_help(std::string_view help) {
  std::string out;
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

// Puts a series' labels in the order the family declared them (prometheus-cpp sorts them by name).
void order_labels(std::vector<prometheus::ClientMetric::Label>& labels, const std::vector<std::string>& declared) {
  auto rank = [&](const prometheus::ClientMetric::Label& label) {
    return std::find(declared.begin(), declared.end(), label.name) - declared.begin();
  };
  std::stable_sort(labels.begin(), labels.end(), [&](const auto& a, const auto& b) { return rank(a) < rank(b); });
}

void sort_series(std::vector<prometheus::ClientMetric>& series) {
  auto values = [](const prometheus::ClientMetric& metric) {
    std::vector<std::string_view> out;
    for (const auto& label : metric.label) out.push_back(label.value);
    return out;
  };
  std::stable_sort(series.begin(), series.end(), [&](const auto& a, const auto& b) { return values(a) < values(b); });
}

}  // namespace

std::vector<double> latency_buckets() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};
}

// ---- Family ------------------------------------------------------------------------------------

template <typename Metric>
Family<Metric>::Family(prometheus::Family<Metric>& family, std::vector<std::string> label_names,
                       std::vector<double> bounds)
    : family_(family), label_names_(std::move(label_names)), bounds_(std::move(bounds)) {}

template <typename Metric>
Metric& Family<Metric>::with(std::initializer_list<std::string_view> label_values) {
  return lookup(label_values);
}

template <typename Metric>
Metric& Family<Metric>::with(std::span<const std::string> label_values) {
  return lookup(label_values);
}

template <typename Metric>
template <typename Values>
Metric& Family<Metric>::lookup(const Values& values) {
  prometheus::Labels labels;
  auto value = values.begin();
  for (const std::string& name : label_names_) {
    labels.emplace(name, value != values.end() ? std::string(*value++) : std::string());
  }
  if constexpr (std::is_same_v<Metric, Histogram>) {
    return family_.Add(labels, bounds_);
  } else {
    return family_.Add(labels);
  }
}

template class Family<Counter>;
template class Family<Histogram>;

// ---- MetricsRegistry ---------------------------------------------------------------------------

struct MetricsRegistry::Entry {
  prometheus::MetricType type;
  std::string name;
  std::string help;  // escaped
  std::vector<std::string> label_names;
  std::vector<double> bounds;
  std::unique_ptr<CounterFamily> counter;
  std::unique_ptr<HistogramFamily> histogram;
  std::shared_ptr<const GaugeCallback> callback;
};

MetricsRegistry::MetricsRegistry() = default;
MetricsRegistry::~MetricsRegistry() = default;

MetricsRegistry::Entry* MetricsRegistry::find(std::string_view name) {
  for (auto& entry : entries_) {
    if (entry->name == name) return entry.get();
  }
  return nullptr;
}

Result<CounterFamily*> MetricsRegistry::counter(std::string_view name, std::string_view help,
                                                std::vector<std::string> label_names) {
  NIMBUS_TRY(check_names(name, label_names, "metric", false));
  std::lock_guard lock(mutex_);
  if (Entry* existing = find(name)) {
    if (existing->type == prometheus::MetricType::Counter && existing->label_names == label_names) {
      return existing->counter.get();
    }
    return Error(ErrorCode::kAlreadyExists, fmt::format("metric {} is already registered differently", name));
  }
  auto entry = std::make_unique<Entry>();
  entry->type = prometheus::MetricType::Counter;
  entry->name = std::string(name);
  entry->help = escape_help(help);
  entry->label_names = label_names;
  auto& family = prometheus::BuildCounter().Name(entry->name).Help(entry->help).Register(registry_);
  entry->counter.reset(new CounterFamily(family, std::move(label_names), {}));
  CounterFamily* result = entry->counter.get();
  entries_.push_back(std::move(entry));
  return result;
}

Result<HistogramFamily*> MetricsRegistry::histogram(std::string_view name, std::string_view help,
                                                    std::vector<std::string> label_names, std::vector<double> bounds) {
  NIMBUS_TRY(check_names(name, label_names, "histogram", true));
  if (bounds.empty() || !std::is_sorted(bounds.begin(), bounds.end(), std::less_equal<>()) ||
      std::any_of(bounds.begin(), bounds.end(), [](double b) { return !std::isfinite(b); })) {
    return Error(ErrorCode::kInvalidArgument,
                 fmt::format("histogram {}: bucket bounds must be finite and strictly increasing", name));
  }
  std::lock_guard lock(mutex_);
  if (Entry* existing = find(name)) {
    if (existing->type == prometheus::MetricType::Histogram && existing->label_names == label_names &&
        existing->bounds == bounds) {
      return existing->histogram.get();
    }
    return Error(ErrorCode::kAlreadyExists, fmt::format("metric {} is already registered differently", name));
  }
  auto entry = std::make_unique<Entry>();
  entry->type = prometheus::MetricType::Histogram;
  entry->name = std::string(name);
  entry->help = escape_help(help);
  entry->label_names = label_names;
  entry->bounds = bounds;
  auto& family = prometheus::BuildHistogram().Name(entry->name).Help(entry->help).Register(registry_);
  entry->histogram.reset(new HistogramFamily(family, std::move(label_names), std::move(bounds)));
  HistogramFamily* result = entry->histogram.get();
  entries_.push_back(std::move(entry));
  return result;
}

Status MetricsRegistry::gauge(std::string_view name, std::string_view help, GaugeCallback callback) {
  NIMBUS_TRY(check_names(name, {}, "gauge", false));
  if (!callback) return Error(ErrorCode::kInvalidArgument, fmt::format("gauge {}: the callback is empty", name));
  std::lock_guard lock(mutex_);
  if (find(name)) return Error(ErrorCode::kAlreadyExists, fmt::format("metric {} is already registered", name));
  auto entry = std::make_unique<Entry>();
  entry->type = prometheus::MetricType::Gauge;
  entry->name = std::string(name);
  entry->help = escape_help(help);
  entry->callback = std::make_shared<const GaugeCallback>(std::move(callback));
  entries_.push_back(std::move(entry));
  return ok_status();
}

namespace {

prometheus::MetricFamily collect_gauge(const std::string& name, const std::string& help,
                                       const GaugeCallback& callback) {
  prometheus::MetricFamily family{name, help, prometheus::MetricType::Gauge, {}};
  std::vector<GaugeSample> samples;
  try {
    samples = callback();
  } catch (const std::exception& e) {
    spdlog::error("metrics: gauge {} failed: {}", name, loggable(e.what()));
  } catch (...) {
    spdlog::error("metrics: gauge {} failed with an unknown exception", name);
  }
  for (GaugeSample& sample : samples) {
    bool labels_ok = std::all_of(sample.labels.begin(), sample.labels.end(),
                                 [](const auto& label) { return valid_label_name(label.first); });
    if (!labels_ok) continue;
    prometheus::ClientMetric metric;
    for (auto& [label, value] : sample.labels) metric.label.push_back({std::move(label), std::move(value)});
    metric.gauge.value = sample.value;
    family.metric.push_back(std::move(metric));
  }
  return family;
}

}  // namespace

std::string MetricsRegistry::render() const {
  // What to render, copied so that no lock is held while gauge callbacks run.
  struct Planned {
    prometheus::MetricType type;
    std::string name;
    std::string help;
    std::vector<std::string> label_names;
    std::shared_ptr<const GaugeCallback> callback;
  };
  std::vector<Planned> plan;
  {
    std::lock_guard lock(mutex_);
    for (const auto& entry : entries_) {
      plan.push_back({entry->type, entry->name, entry->help, entry->label_names, entry->callback});
    }
  }
  std::map<std::string, prometheus::MetricFamily, std::less<>> collected;
  for (prometheus::MetricFamily& family : registry_.Collect()) collected.emplace(family.name, std::move(family));

  std::vector<prometheus::MetricFamily> families;
  families.reserve(plan.size());
  for (const Planned& planned : plan) {
    if (planned.callback) {
      families.push_back(collect_gauge(planned.name, planned.help, *planned.callback));
      continue;
    }
    auto found = collected.find(planned.name);
    // prometheus-cpp leaves out a family without series; the text format keeps its HELP and TYPE.
    prometheus::MetricFamily family = found != collected.end()
                                          ? std::move(found->second)
                                          : prometheus::MetricFamily{planned.name, planned.help, planned.type, {}};
    for (prometheus::ClientMetric& metric : family.metric) order_labels(metric.label, planned.label_names);
    sort_series(family.metric);
    families.push_back(std::move(family));
  }
  return prometheus::TextSerializer().Serialize(families);
}

Handler metrics_handler(const MetricsRegistry& registry) {
  return [&registry](const Request&) -> Result<Response> {
    std::string text = registry.render();
    return Response::bytes(200, std::string(MetricsRegistry::kContentType), Bytes(text.begin(), text.end()));
  };
}

}  // namespace nimbus::http
