#include "api/service/doctor_runner.h"

#include <map>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace nimbus::api {

namespace {

// Long enough for the listener to accept, short enough that a node just started soon says how it is.
constexpr std::chrono::seconds kFirstRunDelay{2};

}  // namespace

DoctorRunner::DoctorRunner(node::Node& node, std::chrono::seconds interval) :
    // Named in the node's own access log, so that its self-examination is told apart from clients.
    node_(node), interval_(interval), fetcher_("nimbus-doctor/" NIMBUS_VERSION) {}

DoctorRunner::~DoctorRunner() { stop(); }

Status DoctorRunner::add_metrics(http::MetricsRegistry& metrics) {
  // Each gauge reads the last examination; none has samples before the first.
  auto from_last = [this](auto samples_of) {
    return [this, samples_of]() -> std::vector<http::GaugeSample> {
      std::optional<DoctorReport> report = last();
      return report ? samples_of(*report) : std::vector<http::GaugeSample>{};
    };
  };
  NIMBUS_TRY(metrics.gauge(
      "nimbus_doctor_healthy",
      "1 when the node's last examination of its published URLs (nimbus doctor) found no problem, else 0",
      from_last([](const DoctorReport& report) {
        return std::vector<http::GaugeSample>{{{}, report.examination.healthy() ? 1.0 : 0.0}};
      })));
  NIMBUS_TRY(metrics.gauge("nimbus_doctor_examined_timestamp_seconds",
                           "When the node last examined its published URLs (Unix time)",
                           from_last([](const DoctorReport& report) {
                             const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(
                                 report.examined_at.time_since_epoch());
                             return std::vector<http::GaugeSample>{{{}, static_cast<double>(seconds.count())}};
                           })));
  return metrics.gauge("nimbus_doctor_findings", "Problems the node's last examination found, by check",
                       from_last([](const DoctorReport& report) {
                         std::map<std::string, int> by_check;
                         for (const doctor::Finding& finding : report.examination.findings) ++by_check[finding.check];
                         std::vector<http::GaugeSample> samples;
                         for (const auto& [check, count] : by_check) {
                           samples.push_back({{{"check", check}}, static_cast<double>(count)});
                         }
                         return samples;
                       }));
}

void DoctorRunner::start() {
  thread_ = std::thread([this] { run(); });
}

void DoctorRunner::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::optional<DoctorReport> DoctorRunner::last() const {
  std::lock_guard lock(mutex_);
  return last_;
}

void DoctorRunner::request() {
  {
    std::lock_guard lock(mutex_);
    requested_ = true;
  }
  wake_.notify_all();
}

void DoctorRunner::examine() {
  const node::Deployment& deployment = node_.deployment();
  DoctorReport report{doctor::examine({node_.store(), deployment.urls(), deployment.crl_policy(), fetcher_, now_utc()}),
                      now_utc()};
  std::optional<DoctorReport> previous = last();
  // Logged when they change, not every few minutes while they last.
  auto problems = [](const doctor::Examination& examination) {
    std::vector<std::string> lines;
    for (const doctor::Finding& finding : examination.findings) {
      lines.push_back(fmt::format("{} {}: {} (fix: {})", finding.check, finding.authority, finding.problem,
                                  finding.fix));
    }
    return lines;
  };
  const std::vector<std::string> now_seen = problems(report.examination);
  if (!previous || problems(previous->examination) != now_seen) {
    for (const std::string& line : now_seen) spdlog::warn("doctor: {}", line);
    if (now_seen.empty() && previous) spdlog::info("doctor: every published URL answers rightly again");
  }
  std::lock_guard lock(mutex_);
  last_ = std::move(report);
}

void DoctorRunner::run() {
  std::unique_lock lock(mutex_);
  auto next = std::chrono::steady_clock::now() + kFirstRunDelay;
  for (;;) {
    wake_.wait_until(lock, next, [this] { return stopping_ || requested_; });
    if (stopping_) return;
    if (!requested_ && std::chrono::steady_clock::now() < next) continue;
    requested_ = false;
    lock.unlock();
    examine();
    lock.lock();
    next = std::chrono::steady_clock::now() + interval_;
  }
}

}  // namespace nimbus::api
