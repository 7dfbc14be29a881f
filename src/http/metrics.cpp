#include "http/metrics.h"

#include <algorithm>
#include <cmath>
#include <exception>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace nimbus::http {

namespace {

bool valid_name(std::string_view name, bool allow_colon) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (allow_colon && c == ':') ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

bool valid_label_name(std::string_view name) { return valid_name(name, false) && !name.starts_with("__"); }

std::string format_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  return fmt::format("{}", value);
}

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

// {a="1",b="2"} from names and values, with `extra` (le="...") appended; "" without labels.
std::string label_text(std::span<const std::string> names, std::span<const std::string> values,
                       std::string_view extra = {}) {
  if (names.empty() && extra.empty()) return "";
  std::string out = "{";
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ',';
    out += fmt::format("{}=\"{}\"", names[i], escape_label_value(values[i]));
  }
  if (!extra.empty()) {
    if (!names.empty()) out += ',';
    out += extra;
  }
  out += '}';
  return out;
}

void render_header(std::string* out, std::string_view name, std::string_view help, std::string_view type) {
  *out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, escape_help(help), name, type);
}

}  // namespace

std::string escape_label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::vector<double> latency_buckets() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};
}

// ---- Counter, Histogram ------------------------------------------------------------------------

void Counter::increment(double amount) {
  if (!(amount >= 0)) return;  // also drops NaN
  value_.fetch_add(amount, std::memory_order_relaxed);
}

Histogram::Histogram(std::span<const double> bounds)
    : bounds_(bounds), counts_(std::make_unique<std::atomic<std::uint64_t>[]>(bounds.size() + 1)) {
  for (std::size_t i = 0; i <= bounds.size(); ++i) counts_[i].store(0, std::memory_order_relaxed);
}

void Histogram::observe(double value) {
  if (std::isnan(value)) return;
  std::size_t bucket = std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin();
  counts_[bucket].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot snapshot;
  snapshot.cumulative.resize(bounds_.size() + 1);
  // Cumulating one read of each bucket keeps +Inf equal to _count, which Prometheus requires; the
  // sum may lag by the observations made during the scrape.
  std::uint64_t total = 0;
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    total += counts_[i].load(std::memory_order_relaxed);
    snapshot.cumulative[i] = total;
  }
  snapshot.sum = sum_.load(std::memory_order_relaxed);
  return snapshot;
}

// ---- Family ------------------------------------------------------------------------------------

template <typename Metric>
Family<Metric>::Family(std::string name, std::string help, std::vector<std::string> label_names,
                       std::vector<double> bounds)
    : name_(std::move(name)), help_(std::move(help)), label_names_(std::move(label_names)), bounds_(std::move(bounds)) {}

template <typename Metric>
Metric& Family<Metric>::with(std::initializer_list<std::string_view> label_values) {
  return lookup(std::vector<std::string>(label_values.begin(), label_values.end()));
}

template <typename Metric>
Metric& Family<Metric>::with(std::span<const std::string> label_values) {
  return lookup(std::vector<std::string>(label_values.begin(), label_values.end()));
}

template <typename Metric>
Metric& Family<Metric>::lookup(std::vector<std::string> values) {
  values.resize(label_names_.size());
  {
    std::shared_lock lock(mutex_);
    auto it = series_.find(values);
    if (it != series_.end()) return *it->second;
  }
  std::unique_lock lock(mutex_);
  auto& slot = series_[std::move(values)];
  if (!slot) {
    if constexpr (std::is_same_v<Metric, Histogram>) {
      slot = std::make_unique<Histogram>(std::span<const double>(bounds_));
    } else {
      slot = std::make_unique<Metric>();
    }
  }
  return *slot;
}

template <typename Metric>
void Family<Metric>::render(std::string* out, std::string_view type) const {
  render_header(out, name_, help_, type);
  std::shared_lock lock(mutex_);
  for (const auto& [values, metric] : series_) {
    if constexpr (std::is_same_v<Metric, Histogram>) {
      Histogram::Snapshot snapshot = metric->snapshot();
      for (std::size_t i = 0; i < snapshot.cumulative.size(); ++i) {
        std::string le = i < bounds_.size() ? format_value(bounds_[i]) : "+Inf";
        *out += fmt::format("{}_bucket{} {}\n", name_, label_text(label_names_, values, "le=\"" + le + "\""),
                            snapshot.cumulative[i]);
      }
      *out += fmt::format("{}_sum{} {}\n", name_, label_text(label_names_, values), format_value(snapshot.sum));
      *out += fmt::format("{}_count{} {}\n", name_, label_text(label_names_, values), snapshot.cumulative.back());
    } else {
      *out += fmt::format("{}{} {}\n", name_, label_text(label_names_, values), format_value(metric->value()));
    }
  }
}

template class Family<Counter>;
template class Family<Histogram>;

// ---- MetricsRegistry ---------------------------------------------------------------------------

MetricsRegistry::Entry* MetricsRegistry::find(std::string_view name) {
  for (auto& entry : entries_) {
    if (entry->name == name) return entry.get();
  }
  return nullptr;
}

Result<CounterFamily*> MetricsRegistry::counter(std::string_view name, std::string_view help,
                                                std::vector<std::string> label_names) {
  if (!valid_name(name, true)) {
    return Error(ErrorCode::kInvalidArgument, fmt::format("'{}' is not a valid metric name", name));
  }
  for (const std::string& label : label_names) {
    if (!valid_label_name(label)) {
      return Error(ErrorCode::kInvalidArgument, fmt::format("metric {}: '{}' is not a valid label name", name, label));
    }
  }
  std::lock_guard lock(mutex_);
  if (Entry* existing = find(name)) {
    if (existing->kind == Kind::kCounter && existing->counter->label_names_ == label_names) {
      return existing->counter.get();
    }
    return Error(ErrorCode::kAlreadyExists, fmt::format("metric {} is already registered differently", name));
  }
  auto entry = std::make_unique<Entry>();
  entry->kind = Kind::kCounter;
  entry->name = std::string(name);
  entry->help = std::string(help);
  entry->counter.reset(new CounterFamily(std::string(name), std::string(help), std::move(label_names), {}));
  CounterFamily* family = entry->counter.get();
  entries_.push_back(std::move(entry));
  return family;
}

Result<HistogramFamily*> MetricsRegistry::histogram(std::string_view name, std::string_view help,
                                                    std::vector<std::string> label_names, std::vector<double> bounds) {
  if (!valid_name(name, true)) {
    return Error(ErrorCode::kInvalidArgument, fmt::format("'{}' is not a valid metric name", name));
  }
  for (const std::string& label : label_names) {
    if (!valid_label_name(label) || label == "le") {
      return Error(ErrorCode::kInvalidArgument,
                   fmt::format("histogram {}: '{}' is not a valid label name", name, label));
    }
  }
  if (bounds.empty() || !std::is_sorted(bounds.begin(), bounds.end(), std::less_equal<>()) ||
      std::any_of(bounds.begin(), bounds.end(), [](double b) { return !std::isfinite(b); })) {
    return Error(ErrorCode::kInvalidArgument,
                 fmt::format("histogram {}: bucket bounds must be finite and strictly increasing", name));
  }
  std::lock_guard lock(mutex_);
  if (Entry* existing = find(name)) {
    if (existing->kind == Kind::kHistogram && existing->histogram->label_names_ == label_names &&
        existing->histogram->bounds_ == bounds) {
      return existing->histogram.get();
    }
    return Error(ErrorCode::kAlreadyExists, fmt::format("metric {} is already registered differently", name));
  }
  auto entry = std::make_unique<Entry>();
  entry->kind = Kind::kHistogram;
  entry->name = std::string(name);
  entry->help = std::string(help);
  entry->histogram.reset(
      new HistogramFamily(std::string(name), std::string(help), std::move(label_names), std::move(bounds)));
  HistogramFamily* family = entry->histogram.get();
  entries_.push_back(std::move(entry));
  return family;
}

Status MetricsRegistry::gauge(std::string_view name, std::string_view help, GaugeCallback callback) {
  if (!valid_name(name, true)) {
    return Error(ErrorCode::kInvalidArgument, fmt::format("'{}' is not a valid metric name", name));
  }
  if (!callback) return Error(ErrorCode::kInvalidArgument, fmt::format("gauge {}: the callback is empty", name));
  std::lock_guard lock(mutex_);
  if (find(name)) return Error(ErrorCode::kAlreadyExists, fmt::format("metric {} is already registered", name));
  auto entry = std::make_unique<Entry>();
  entry->kind = Kind::kGauge;
  entry->name = std::string(name);
  entry->help = std::string(help);
  entry->callback = std::make_shared<GaugeCallback>(std::move(callback));
  entries_.push_back(std::move(entry));
  return ok_status();
}

std::string MetricsRegistry::render() const {
  std::vector<const Entry*> entries;
  {
    std::lock_guard lock(mutex_);
    for (const auto& entry : entries_) entries.push_back(entry.get());
  }
  std::string out;
  for (const Entry* entry : entries) {
    switch (entry->kind) {
      case Kind::kCounter: entry->counter->render(&out, "counter"); break;
      case Kind::kHistogram: entry->histogram->render(&out, "histogram"); break;
      case Kind::kGauge: {
        std::vector<GaugeSample> samples;
        try {
          samples = (*entry->callback)();
        } catch (const std::exception& e) {
          spdlog::error("metrics: gauge {} failed: {}", entry->name, e.what());
        } catch (...) {
          spdlog::error("metrics: gauge {} failed with an unknown exception", entry->name);
        }
        render_header(&out, entry->name, entry->help, "gauge");
        for (const GaugeSample& sample : samples) {
          bool labels_ok = std::all_of(sample.labels.begin(), sample.labels.end(),
                                       [](const auto& label) { return valid_label_name(label.first); });
          if (!labels_ok) continue;
          std::vector<std::string> names, values;
          for (const auto& [label, value] : sample.labels) {
            names.push_back(label);
            values.push_back(value);
          }
          out += fmt::format("{}{} {}\n", entry->name, label_text(names, values), format_value(sample.value));
        }
        break;
      }
    }
  }
  return out;
}

Handler metrics_handler(const MetricsRegistry& registry) {
  return [&registry](const Request&) -> Result<Response> {
    std::string text = registry.render();
    return Response::bytes(200, std::string(MetricsRegistry::kContentType), Bytes(text.begin(), text.end()));
  };
}

}  // namespace nimbus::http
