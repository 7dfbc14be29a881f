#include "cli/radius_load.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

namespace nimbus::cli {

double LoadReport::per_second() const {
  int answered = accepted + refused;
  return wall.count() > 0 ? answered * 1e6 / static_cast<double>(wall.count()) : 0;
}

std::chrono::microseconds LoadReport::percentile(double fraction) const {
  if (latencies.empty()) return std::chrono::microseconds(0);
  auto index = static_cast<std::size_t>(fraction * static_cast<double>(latencies.size() - 1) + 0.5);
  return latencies[std::min(index, latencies.size() - 1)];
}

Result<LoadReport> run_load(const radius::Endpoint& server, const Bytes& secret, const x509::TlsContext& context,
                            const LoadOptions& options) {
  std::vector<radius::RadiusClient> clients;
  for (int i = 0; i < options.parallel; ++i) {
    NIMBUS_ASSIGN_OR_RETURN(radius::RadiusClient client, radius::RadiusClient::connect(server, secret, options.client));
    clients.push_back(std::move(client));
  }
  std::atomic<int> next{0};
  std::mutex mutex;
  LoadReport report;
  auto work = [&](radius::RadiusClient& client) {
    radius::AuthenticationOptions authentication = options.authentication;
    LoadReport mine;
    while (next.fetch_add(1) < options.count) {
      auto outcome = radius::authenticate_eap_tls(client, context, authentication);
      if (!outcome.ok()) {
        ++mine.errors;
        if (mine.first_error.empty()) mine.first_error = outcome.error().message();
        continue;
      }
      mine.latencies.push_back(outcome->elapsed_precise);
      bool accepted = outcome->decision == radius::Code::kAccessAccept && outcome->method_failure.empty() &&
                      outcome->keys_match.value_or(false);
      ++(accepted ? mine.accepted : mine.refused);
      if (accepted && outcome->resumed) ++mine.resumed;
      if (options.resume && outcome->resumable) authentication.resume = outcome->resumable;
    }
    std::lock_guard lock(mutex);
    report.accepted += mine.accepted;
    report.refused += mine.refused;
    report.errors += mine.errors;
    report.resumed += mine.resumed;
    if (report.first_error.empty()) report.first_error = mine.first_error;
    report.latencies.insert(report.latencies.end(), mine.latencies.begin(), mine.latencies.end());
  };
  auto started = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (radius::RadiusClient& client : clients) threads.emplace_back(work, std::ref(client));
  for (std::thread& thread : threads) thread.join();
  report.wall = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started);
  std::sort(report.latencies.begin(), report.latencies.end());
  return report;
}

}  // namespace nimbus::cli
