// ShutdownSignals: how `nimbus serve` learns it should stop (SIGTERM from systemd or Kubernetes,
// SIGINT from a terminal) or reload (SIGHUP).
//
// The handlers are installed by the constructor, so a signal that arrives before wait() is not
// lost but delivered to it. The default dispositions come back when the object is destroyed.
// Thread-safety: one object per process, used from one thread; the signals themselves may be
// delivered to any thread.
#pragma once

#include <functional>
#include <memory>

namespace nimbus::http {

class ShutdownSignals {
 public:
  ShutdownSignals();
  ~ShutdownSignals();
  ShutdownSignals(const ShutdownSignals&) = delete;
  ShutdownSignals& operator=(const ShutdownSignals&) = delete;

  // Blocks until SIGTERM or SIGINT and returns its number. Every SIGHUP meanwhile calls
  // `on_hangup` (when given) on this thread and keeps waiting.
  int wait(const std::function<void()>& on_hangup = {});

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace nimbus::http
