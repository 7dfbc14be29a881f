// RequestMetrics: what HttpServer records about every request it answers,
// nimbus_http_requests_total{route,method,code} and nimbus_http_request_duration_seconds{route}.
//
// Recording is on the path of every request, and the OCSP responder answers from its cache in a
// few microseconds, so no request looks a series up by its labels: each series is found once per
// route, method and status code, then reached through an array (SeriesSlots). A status code
// outside the usual set takes the family's lookup. Thread-safe.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "http/metrics.h"
#include "http/router.h"

namespace nimbus::http {

class RequestMetrics {
 public:
  // The route slot of a request no route matched; route i of the router is slot i + 1.
  static constexpr std::size_t kUnmatched = 0;

  // Registers the two families in `registry`, which must outlive the result, for the routes of
  // `router` (its patterns are copied: they are the route labels). `prefix` names the listener's
  // families: "nimbus_http" gives nimbus_http_requests_total.
  static Result<std::unique_ptr<RequestMetrics>> create(MetricsRegistry& registry, const Router& router,
                                                        std::string_view prefix = "nimbus_http");

  RequestMetrics(const RequestMetrics&) = delete;
  RequestMetrics& operator=(const RequestMetrics&) = delete;

  // Counts a request and its duration. `method` is as sent: a method outside the common ones is
  // counted as "other", so that clients cannot create series.
  void record(std::size_t route_slot, std::string_view method, int status, double seconds);

 private:
  RequestMetrics(CounterFamily& requests, HistogramFamily& durations, std::vector<std::string> routes);

  CounterFamily& requests_;
  HistogramFamily& durations_;
  const std::vector<std::string> routes_;  // the route label of each slot
  SeriesSlots<Counter> request_slots_;      // by route slot, method and status
  SeriesSlots<Histogram> duration_slots_;   // by route slot
};

}  // namespace nimbus::http
