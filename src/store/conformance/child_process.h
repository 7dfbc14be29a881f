// ChildProcess: the running test again, in a second process, on the same store.
//
// The test binary is started afresh (not forked: a fork of a process with store threads and open
// connections is unsafe) with a filter that selects the running test alone and the store's
// locator in its environment. In the child, the fixture opens that store instead of making one,
// and the test body takes the child's part (see StoreConformance::in_child()).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include "core/result.h"

namespace nimbus::store::conformance {

class ChildProcess {
 public:
  // Starts the child for the running test, with `locator` naming the store it is to open.
  static Result<ChildProcess> start(const std::string& locator);
  // The locator the parent passed, when this process is such a child.
  static std::optional<std::string> locator_from_parent();

  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&&) = delete;
  ChildProcess(const ChildProcess&) = delete;
  // Kills a child that is still running: a failed test must not leave one behind.
  ~ChildProcess();

  // Waits for the child to exit; ok if its test passed, otherwise an error carrying its output.
  // A child still running after `timeout` is killed and reported.
  Status wait(std::chrono::milliseconds timeout);

 private:
  ChildProcess(pid_t pid, std::filesystem::path log) : pid_(pid), log_(std::move(log)) {}
  pid_t pid_;
  std::filesystem::path log_;  // the child's stdout and stderr
};

}  // namespace nimbus::store::conformance
