#include "http/request_metrics.h"

#include <algorithm>
#include <array>
#include <iterator>

#include <fmt/format.h>

namespace nimbus::http {

namespace {

// The method label: client-chosen tokens must not create series.
constexpr std::array<std::string_view, 8> kMethods = {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS",
                                                      "other"};

std::size_t method_index(std::string_view method) {
  auto known = std::find(kMethods.begin(), kMethods.end() - 1, method);
  return static_cast<std::size_t>(known - kMethods.begin());  // "other" when not found
}

// The status codes that have slots: what the server and the routes answer with.
constexpr std::array<int, 16> kStatuses = {200, 204, 304, 400, 403, 404, 405, 408,
                                           409, 412, 413, 415, 417, 431, 500, 503};

// The index of `status` in kStatuses, or kStatuses.size() for the rest.
std::size_t status_index(int status) {
  return static_cast<std::size_t>(std::find(kStatuses.begin(), kStatuses.end(), status) - kStatuses.begin());
}

}  // namespace

Result<std::unique_ptr<RequestMetrics>> RequestMetrics::create(MetricsRegistry& registry, const Router& router,
                                                                std::string_view prefix) {
  NIMBUS_ASSIGN_OR_RETURN(CounterFamily * requests,
                          registry.counter(fmt::format("{}_requests_total", prefix),
                                           "HTTP requests answered, by route pattern, method and status code.",
                                           {"route", "method", "code"}));
  NIMBUS_ASSIGN_OR_RETURN(HistogramFamily * durations,
                          registry.histogram(fmt::format("{}_request_duration_seconds", prefix),
                                             "Time from the first byte of a request to the last byte of its response.",
                                             {"route"}, latency_buckets()));
  std::vector<std::string> routes = {"unmatched"};
  for (std::size_t i = 0; i < router.size(); ++i) routes.push_back(router.pattern(i));
  return std::unique_ptr<RequestMetrics>(new RequestMetrics(*requests, *durations, std::move(routes)));
}

RequestMetrics::RequestMetrics(CounterFamily& requests, HistogramFamily& durations, std::vector<std::string> routes)
    : requests_(requests),
      durations_(durations),
      routes_(std::move(routes)),
      request_slots_(routes_.size() * kMethods.size() * kStatuses.size()),
      duration_slots_(routes_.size()) {}

void RequestMetrics::record(std::size_t route_slot, std::string_view method, int status, double seconds) {
  if (route_slot >= routes_.size()) route_slot = kUnmatched;
  const std::string& route = routes_[route_slot];
  std::size_t method_at = method_index(method);
  std::size_t status_at = status_index(status);
  if (status_at < kStatuses.size()) {
    std::size_t slot = (route_slot * kMethods.size() + method_at) * kStatuses.size() + status_at;
    request_slots_
        .get(slot, [&]() -> Counter& { return requests_.with({route, kMethods[method_at], std::to_string(status)}); })
        .Increment();
  } else {
    requests_.with({route, kMethods[method_at], std::to_string(status)}).Increment();
  }
  duration_slots_.get(route_slot, [&]() -> Histogram& { return durations_.with({route}); }).Observe(seconds);
}

}  // namespace nimbus::http
