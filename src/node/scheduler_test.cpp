#include "node/scheduler.h"

#include <atomic>
#include <future>

#include <gtest/gtest.h>

namespace nimbus::node {
namespace {

using namespace std::chrono_literals;

TEST(Scheduler, RunsATaskAtItsInterval) {
  Scheduler scheduler;
  std::atomic<int> runs = 0;
  scheduler.add("tick", 10ms, [&] { ++runs; });
  scheduler.start();
  for (int i = 0; i < 500 && runs < 3; ++i) std::this_thread::sleep_for(10ms);
  scheduler.stop();
  EXPECT_GE(runs.load(), 3);
}

TEST(Scheduler, DoesNotRunATaskBeforeItsFirstInterval) {
  Scheduler scheduler;
  std::atomic<int> runs = 0;
  scheduler.add("hourly", 1h, [&] { ++runs; });
  scheduler.start();
  std::this_thread::sleep_for(20ms);
  scheduler.stop();
  EXPECT_EQ(runs.load(), 0);
}

TEST(Scheduler, RunsATaskSoonWhenAsked) {
  Scheduler scheduler;
  std::promise<void> ran;
  scheduler.add("hourly", 1h, [&] { ran.set_value(); });
  scheduler.start();
  scheduler.run_soon("hourly");
  EXPECT_EQ(ran.get_future().wait_for(10s), std::future_status::ready);
}

TEST(Scheduler, RunsPostedJobsInOrderBeforeDueTasks) {
  Scheduler scheduler;
  std::mutex mutex;
  std::vector<std::string> order;
  std::promise<void> done;
  scheduler.add("task", 1h, [&] {
    std::lock_guard lock(mutex);
    order.push_back("task");
    done.set_value();
  });
  scheduler.start();
  // Posted while the thread may already wait: both jobs run, in order, and then the task made due.
  scheduler.post([&] {
    std::lock_guard lock(mutex);
    order.push_back("first");
  });
  scheduler.post([&] {
    std::lock_guard lock(mutex);
    order.push_back("second");
    scheduler.run_soon("task");
  });
  ASSERT_EQ(done.get_future().wait_for(10s), std::future_status::ready);
  scheduler.stop();
  EXPECT_EQ(order, (std::vector<std::string>{"first", "second", "task"}));
}

TEST(Scheduler, StopWaitsForTheRunningJob) {
  Scheduler scheduler;
  std::promise<void> started;
  std::atomic<bool> finished = false;
  scheduler.start();
  scheduler.post([&] {
    started.set_value();
    std::this_thread::sleep_for(50ms);
    finished = true;
  });
  started.get_future().wait();
  scheduler.stop();
  EXPECT_TRUE(finished.load());
}

TEST(Scheduler, IgnoresJobsPostedAfterStop) {
  Scheduler scheduler;
  std::atomic<bool> ran = false;
  scheduler.start();
  scheduler.stop();
  scheduler.post([&] { ran = true; });
  EXPECT_FALSE(ran.load());
}

TEST(Scheduler, StopsWithoutHavingStarted) {
  Scheduler scheduler;
  scheduler.add("never", 1ms, [] {});
  scheduler.stop();
}

}  // namespace
}  // namespace nimbus::node
