#include "http/signals.h"

#include <csignal>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <spdlog/spdlog.h>

namespace nimbus::http {

class ShutdownSignals::Impl {
 public:
  Impl() : signals(ioc, SIGINT, SIGTERM, SIGHUP) {}

  boost::asio::io_context ioc{1};
  boost::asio::signal_set signals;
};

ShutdownSignals::ShutdownSignals() : impl_(std::make_unique<Impl>()) {}

ShutdownSignals::~ShutdownSignals() = default;

int ShutdownSignals::wait(const std::function<void()>& on_hangup) {
  int received = 0;
  std::function<void(const boost::system::error_code&, int)> on_signal;
  on_signal = [&](const boost::system::error_code& ec, int number) {
    if (ec) return;
    if (number == SIGHUP) {
      spdlog::info("received SIGHUP");
      if (on_hangup) on_hangup();
      impl_->signals.async_wait(on_signal);
      return;
    }
    spdlog::info("received {}, shutting down", number == SIGTERM ? "SIGTERM" : "SIGINT");
    received = number;
  };
  impl_->signals.async_wait(on_signal);
  impl_->ioc.restart();
  impl_->ioc.run();
  return received;
}

}  // namespace nimbus::http
