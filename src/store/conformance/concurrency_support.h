// Small tools for the conformance suite's concurrency tests: a gate that holds a write open, and
// threads started together.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <future>
#include <latch>
#include <mutex>
#include <thread>
#include <vector>

namespace nimbus::store::conformance {

// Holds one thread (a write in progress) until the test lets it go.
class Gate {
 public:
  // Called by the held thread: says it has arrived, then waits to be let go.
  void arrive_and_wait() {
    std::unique_lock lock(mutex_);
    arrived_ = true;
    changed_.notify_all();
    changed_.wait(lock, [&] { return released_; });
  }
  // Waits until the held thread has arrived; false after `timeout`.
  bool wait_for_arrival(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return arrived_; });
  }
  void release() {
    std::lock_guard lock(mutex_);
    released_ = true;
    changed_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool arrived_ = false;
  bool released_ = false;
};

// Runs `body(i)` for i in [0, count) on `count` threads that start at the same moment, and waits
// for them all.
inline void run_together(int count, const std::function<void(int)>& body) {
  std::latch start(count);
  std::vector<std::thread> threads;
  for (int i = 0; i < count; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      body(i);
    });
  }
  for (std::thread& thread : threads) thread.join();
}

// How long a read may take while a write is held open before the test calls it blocked.
inline constexpr std::chrono::seconds kBlockedAfter{5};

}  // namespace nimbus::store::conformance
