// The doctor (doctor/doctor.h) run by the node itself: every `interval`, and on request, so that
// the console's health page and /metrics show what relying parties meet without anyone running
// `nimbus doctor`. It runs on a thread of its own, never on an HTTP worker: its fetches are answered
// by the node's own workers, and a worker waiting for them could be the one a fetch needs. The last examination is kept for readers; gauges expose it:
//
//   nimbus_doctor_healthy                 1 when the last examination found nothing, else 0
//   nimbus_doctor_findings{check="cdp"}   problems found by each check
//   nimbus_doctor_examined_timestamp_seconds  when it ran
//
// Thread-safety: last() and request() may be called from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include "core/time.h"
#include "doctor/doctor.h"
#include "node/node.h"
#include "verify/curl_fetcher.h"

namespace nimbus::api {

struct DoctorReport {
  doctor::Examination examination;
  Timestamp examined_at;
};

class DoctorRunner {
 public:
  explicit DoctorRunner(node::Node& node, std::chrono::seconds interval = std::chrono::minutes(5));
  ~DoctorRunner();
  DoctorRunner(const DoctorRunner&) = delete;
  DoctorRunner& operator=(const DoctorRunner&) = delete;

  // Registers the gauges; before the node serves.
  Status add_metrics(http::MetricsRegistry& metrics);
  // Starts examining: the first run comes once the node listens.
  void start();
  void stop();

  std::optional<DoctorReport> last() const;
  // Asks for an examination as soon as the one under way (if any) ends; returns at once.
  void request();

 private:
  void run();
  void examine();

  node::Node& node_;
  std::chrono::seconds interval_;
  verify::CurlFetcher fetcher_;
  mutable std::mutex mutex_;
  std::optional<DoctorReport> last_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool requested_ = false;
  std::thread thread_;
};

}  // namespace nimbus::api
