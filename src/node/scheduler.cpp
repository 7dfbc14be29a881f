#include "node/scheduler.h"

#include <algorithm>

namespace nimbus::node {

Scheduler::~Scheduler() { stop(); }

void Scheduler::add(std::string name, Interval interval, Job task) {
  tasks_.push_back({std::move(name), interval, std::move(task), {}});
}

void Scheduler::start() {
  auto now = std::chrono::steady_clock::now();
  for (Task& task : tasks_) task.due = now + task.interval;
  thread_ = std::thread([this] { run(); });
}

void Scheduler::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    jobs_.clear();
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Scheduler::post(Job job) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    jobs_.push_back(std::move(job));
  }
  wake_.notify_all();
}

void Scheduler::run_soon(std::string_view name) {
  {
    std::lock_guard lock(mutex_);
    for (Task& task : tasks_) {
      if (task.name == name) task.due = std::chrono::steady_clock::now();
    }
  }
  wake_.notify_all();
}

std::chrono::steady_clock::time_point Scheduler::next_due() const {
  auto soonest = std::chrono::steady_clock::time_point::max();
  for (const Task& task : tasks_) soonest = std::min(soonest, task.due);
  return soonest;
}

void Scheduler::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    wake_.wait_until(lock, next_due(), [this] {
      return stopping_ || !jobs_.empty() || std::chrono::steady_clock::now() >= next_due();
    });
    if (stopping_) break;
    while (!jobs_.empty() && !stopping_) {
      Job job = std::move(jobs_.front());
      jobs_.pop_front();
      lock.unlock();
      job();
      lock.lock();
    }
    for (std::size_t i = 0; i < tasks_.size() && !stopping_; ++i) {
      auto now = std::chrono::steady_clock::now();
      if (tasks_[i].due > now) continue;
      tasks_[i].due = now + tasks_[i].interval;
      // The task list is fixed once started, so the reference stays valid while unlocked.
      const Job& task = tasks_[i].run;
      lock.unlock();
      task();
      lock.lock();
    }
  }
}

}  // namespace nimbus::node
