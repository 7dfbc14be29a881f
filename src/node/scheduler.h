// Scheduler: the background work of a running node on one thread of its own — tasks that repeat at
// an interval (picking up store changes, republishing CRLs, renewing OCSP signers, the store's
// upkeep), and one-off jobs posted from other threads (applying a reloaded configuration).
//
// Jobs and tasks run one at a time, in the order they were posted and registered, so that a task
// never races another and may use objects that are not thread-safe. A task that fails logs its own
// error; the scheduler keeps its interval regardless.
//
// Thread-safety: add() before start() only; post(), run_soon() and stop() from any thread, never
// from a task (stop joins the thread tasks run on).
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace nimbus::node {

class Scheduler {
 public:
  using Job = std::function<void()>;
  using Interval = std::chrono::steady_clock::duration;

  Scheduler() = default;
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // A task that runs every `interval`, the first time one interval after start().
  void add(std::string name, Interval interval, Job task);

  void start();
  // Waits for the job or task running now, if any, and stops. Jobs not yet run are dropped.
  void stop();

  // Runs `job` on the scheduler's thread, before any task that is due.
  void post(Job job);
  // Makes the task named `name` due now (unknown names are ignored).
  void run_soon(std::string_view name);

 private:
  struct Task {
    std::string name;
    Interval interval;
    Job run;
    std::chrono::steady_clock::time_point due;
  };

  void run();
  std::chrono::steady_clock::time_point next_due() const;

  std::vector<Task> tasks_;
  std::deque<Job> jobs_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
};

}  // namespace nimbus::node
