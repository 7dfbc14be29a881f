// nimbus serve: publishes AIA, CDP and OCSP over HTTP and keeps every CRL fresh.
#include <atomic>
#include <condition_variable>
#include <iostream>
#include <memory>
#include <mutex>
#include <thread>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cli/command.h"
#include "cli/deployment.h"
#include "http/certificate_metrics.h"
#include "http/metrics.h"
#include "http/revocation_routes.h"
#include "http/server.h"
#include "http/signals.h"
#include "revocation/ocsp_responder.h"
#include "revocation/ocsp_signer.h"
#include "revocation/publication.h"
#include "revocation/revocations.h"

namespace nimbus::cli {

namespace {

struct ServeOptions {
  std::string config_file;
  int port = -1;  // --port overrides listen_port (0: any free port, printed at start)
};

// How often the server looks at the store for changes other processes made (revocations by the
// CLI), and how often it checks whether a CRL is due.
constexpr auto kRefreshInterval = std::chrono::seconds(1);
constexpr auto kCrlCheckInterval = std::chrono::seconds(60);

// The background work of a running server: picking up changes from the store and republishing
// CRLs before they expire. Runs on its own thread until stopped.
class Maintenance {
 public:
  Maintenance(revocation::Publication& publication, revocation::OcspResponder& responder,
              revocation::Revocations& revocations)
      : publication_(publication), responder_(responder), revocations_(revocations) {}

  void start() { thread_ = std::thread([this] { run(); }); }
  ~Maintenance() { stop(); }

  void stop() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

  // Makes the maintenance thread adopt `policy` and check every CRL against it at once.
  void reload(revocation::CrlPolicy policy) {
    {
      std::lock_guard lock(mutex_);
      reloaded_policy_ = policy;
    }
    wake_.notify_all();
  }

  // Publishes every CRL that is due and picks up the result.
  void publish_due_crls() {
    auto published = revocations_.publish_due();
    if (!published.ok()) {
      spdlog::error("checking which CRLs are due failed: {}", published.error().message());
      return;
    }
    if (!published->empty()) refresh();
  }

  void refresh() {
    auto changed = publication_.refresh();
    if (!changed.ok()) {
      spdlog::error("reading the store for changes failed: {}; serving what was read before",
                    changed.error().message());
      return;
    }
    for (const std::string& id : *changed) {
      spdlog::info("the CRL of '{}' changed; OCSP answers for it are signed afresh", id);
      responder_.invalidate(id);
    }
  }

 private:
  void run() {
    auto next_crl_check = std::chrono::steady_clock::now() + kCrlCheckInterval;
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      wake_.wait_for(lock, kRefreshInterval, [this] { return stopping_ || reloaded_policy_.has_value(); });
      if (stopping_) break;
      std::optional<revocation::CrlPolicy> policy = std::exchange(reloaded_policy_, std::nullopt);
      lock.unlock();
      if (policy) {
        revocations_.set_policy(*policy);
        next_crl_check = std::chrono::steady_clock::now();
      }
      refresh();
      if (std::chrono::steady_clock::now() >= next_crl_check) {
        publish_due_crls();
        next_crl_check = std::chrono::steady_clock::now() + kCrlCheckInterval;
      }
      lock.lock();
    }
  }

  revocation::Publication& publication_;
  revocation::OcspResponder& responder_;
  revocation::Revocations& revocations_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::optional<revocation::CrlPolicy> reloaded_policy_;
};

http::ServerOptions server_options(const config::Config& config, int port_override) {
  http::ServerOptions options;
  options.listen_address = config.listen_address;
  options.port = static_cast<std::uint16_t>(port_override >= 0 ? port_override : config.listen_port);
  options.worker_threads = static_cast<unsigned>(config.http_workers);
  options.max_body_bytes = static_cast<std::size_t>(config.http_max_body_bytes);
  options.read_timeout = std::chrono::seconds(config.http_request_timeout_seconds);
  options.idle_timeout = std::chrono::seconds(config.http_keep_alive_seconds);
  return options;
}

Status serve(CommandRunner& runner, const ServeOptions& options) {
  // Installed first, so that a SIGTERM while starting up is a clean stop rather than a kill.
  http::ShutdownSignals signals;
  NIMBUS_ASSIGN_OR_RETURN(auto deployment, Deployment::open(runner.options().data_dir, options.config_file));
  const config::Config& config = deployment->config();
  store::Store& store = deployment->store();

  // Each thread that signs gets its own key store: the scheduler's CRLs, the responder's signers.
  std::unique_ptr<crypto::KeyStore> crl_keys = deployment->open_key_store();
  revocation::Revocations revocations(store, *crl_keys, "system:crl", deployment->crl_policy());
  revocation::Publication publication(store);
  revocation::OcspSigners signers(store, deployment->keys());
  revocation::OcspResponderOptions ocsp_options;
  ocsp_options.authorities =
      [&publication](const std::string& id) -> Result<std::optional<revocation::OcspAuthority>> {
    auto state = publication.authority(id);
    if (!state) return std::optional<revocation::OcspAuthority>();
    return std::optional<revocation::OcspAuthority>(revocation::OcspAuthority{state->certificate_der, state->crl_number});
  };
  revocation::OcspResponder responder(store, signers, now_utc, ocsp_options);
  Maintenance maintenance(publication, responder, revocations);

  // A server that was down past a CRL's republication time republishes before it serves anything.
  NIMBUS_ASSIGN_OR_RETURN(auto published, revocations.publish_due());
  for (const auto& crl : published) {
    spdlog::info("published CRL {} of '{}' at start", crl.number, crl.authority_id);
  }
  NIMBUS_TRY(publication.refresh());

  http::MetricsRegistry metrics;
  http::Router router;
  NIMBUS_TRY(http::add_revocation_routes(router, {publication, responder, metrics}));
  NIMBUS_TRY(http::add_certificate_metrics(metrics, store));
  http::HttpServer server(server_options(config, options.port), std::move(router), &metrics);
  NIMBUS_TRY(server.start());
  maintenance.start();

  std::string base = fmt::format("http://{}:{}", config.listen_address, server.port());
  spdlog::info("serving on {} ({} authorities)", base, publication.authority_ids().size());
  std::cout << fmt::format("nimbus serve: listening on {}\n", base);
  for (const std::string& id : publication.authority_ids()) {
    std::cout << fmt::format("  {:<28} {}/aia/{}.crt  {}/cdp/{}.crl  {}/ocsp/{}\n", id, base, id, base, id, base, id);
  }
  std::cout << fmt::format("  health and metrics: {}/healthz  {}/metrics\n", base, base) << std::flush;

  int received = signals.wait([&] {
    auto reloaded = Deployment::open(runner.options().data_dir, options.config_file);
    if (!reloaded.ok()) {
      spdlog::error("SIGHUP: the configuration was not reloaded: {}", reloaded.error().message());
      return;
    }
    // CRL settings apply at once; the listening address and HTTP limits need a restart.
    spdlog::info("SIGHUP: configuration reloaded; checking every CRL against it");
    maintenance.reload((*reloaded)->crl_policy());
  });
  spdlog::info("signal {}: finishing requests in flight, then stopping", received);
  server.stop();
  maintenance.stop();
  spdlog::info("stopped");
  return ok_status();
}

}  // namespace

void add_serve_command(CLI::App& app, CommandRunner& runner) {
  auto options = std::make_shared<ServeOptions>();
  CLI::App* command = app.add_subcommand(
      "serve", "Serve AIA, CDP and OCSP over HTTP, and republish CRLs before they expire (SIGTERM/SIGINT stop, "
               "SIGHUP re-reads the store)");
  runner.add_common_options(*command);
  command->add_option("--config", options->config_file,
                      "Configuration file [default: nimbus.yaml in the data directory]");
  command->add_option("--port", options->port, "Listen on this port instead of listen_port (0: any free port)")
      ->check(CLI::Range(0, 65535));
  command->callback([options, &runner] { runner.run([&] { return serve(runner, *options); }); });
}

}  // namespace nimbus::cli
