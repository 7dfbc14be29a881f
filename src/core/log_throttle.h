// LogThrottle: a bounded number of log lines per interval for an event that a client can cause in
// bulk (a refused connection, a malformed request), so that a flood of them cannot flood the log.
//
//   if (std::uint64_t events = refusals_.admit()) {
//     spdlog::warn("http: refused {} connection(s) since the last report: ...", events);
//   }
//
// In each interval the first `burst` events are reported one by one, as they come; the ones after
// them are counted, and the first event of a later interval reports them all with itself (or a
// timer of the caller's takes them with drain(), so that the last of a flood is reported too).
// Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>

namespace nimbus {

class LogThrottle {
 public:
  using Clock = std::chrono::steady_clock;

  explicit LogThrottle(Clock::duration interval, std::uint64_t burst = 1) : interval_(interval), burst_(burst) {}

  // Counts an event. Returns the number of events to report now (this one and those held back
  // before it), or 0 when this one is held back.
  // Takes the events held back, to report them when no later event would (a timer's call).
  std::uint64_t drain() {
    std::lock_guard lock(mutex_);
    std::uint64_t events = held_;
    held_ = 0;
    return events;
  }

  std::uint64_t admit(Clock::time_point now = Clock::now()) {
    std::lock_guard lock(mutex_);
    if (!started_ || now - interval_start_ >= interval_) {
      started_ = true;
      interval_start_ = now;
      reported_ = 0;
    }
    ++held_;
    if (reported_ >= burst_) return 0;
    ++reported_;
    std::uint64_t events = held_;
    held_ = 0;
    return events;
  }

 private:
  const Clock::duration interval_;
  const std::uint64_t burst_;
  std::mutex mutex_;
  Clock::time_point interval_start_;
  bool started_ = false;
  std::uint64_t reported_ = 0;  // lines in the current interval
  std::uint64_t held_ = 0;      // events not yet reported
};

}  // namespace nimbus
