// nimbus serve: runs the node of a deployment with the front ends it serves over HTTP.
#include <iostream>
#include <memory>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "api/service/api_service.h"
#include "cli/command.h"
#include "console/console_service.h"
#include "http/routes/revocation_routes.h"
#include "http/signals.h"
#include "node/node.h"
#include "radius/service/radius_service.h"
#include "scep/service/scep_service.h"

namespace nimbus::cli {

namespace {

struct ServeOptions {
  std::string config_file;
  int port = -1;      // --port overrides listen_port (0: any free port, printed at start)
  int api_port = -1;  // --api-port overrides api_listen_port likewise
};

Status serve(CommandRunner& runner, const ServeOptions& options) {
  // Installed first, so that a SIGTERM while starting up is a clean stop rather than a kill.
  http::ShutdownSignals signals;
  node::NodeOptions node_options{runner.options().data_dir, options.config_file, std::nullopt};
  if (options.port >= 0) node_options.port = static_cast<std::uint16_t>(options.port);
  if (options.api_port >= 0) node_options.api_port = static_cast<std::uint16_t>(options.api_port);
  NIMBUS_ASSIGN_OR_RETURN(std::unique_ptr<node::Node> node, node::Node::open(std::move(node_options)));
  node->attach(std::make_unique<http::RevocationService>(*node));
  NIMBUS_ASSIGN_OR_RETURN(std::unique_ptr<scep::ScepService> scep, scep::ScepService::create(*node));
  node->attach(std::move(scep));
  api::ApiServiceOptions api_options;
  if (node->deployment().config().radius) {
    NIMBUS_ASSIGN_OR_RETURN(std::unique_ptr<radius::RadiusService> radius, radius::RadiusService::create(*node));
    api_options.decision_log = radius->settings().decision_log;
    node->attach(std::move(radius));
  }
  NIMBUS_ASSIGN_OR_RETURN(std::unique_ptr<api::ApiService> api, api::ApiService::create(*node, api_options));
  node->attach(std::move(api));
  node->attach(std::make_unique<console::ConsoleService>());
  NIMBUS_TRY(node->start());

  std::cout << fmt::format("nimbus serve: listening on {}\n", node->base_url());
  for (const std::string& line : node->describe()) std::cout << "  " << line << '\n';
  std::cout << std::flush;

  node->wait(signals);
  node->stop();
  spdlog::info("stopped");
  return ok_status();
}

}  // namespace

void add_serve_command(CLI::App& app, CommandRunner& runner) {
  auto options = std::make_shared<ServeOptions>();
  CLI::App* command = app.add_subcommand(
      "serve",
      "Serve AIA, CDP, OCSP and SCEP over HTTP and the REST API and web console over HTTPS (api_listener), "
      "republish CRLs before they expire, and run the RADIUS server when nimbus.yaml has a radius section "
      "(SIGTERM/SIGINT stop, SIGHUP re-reads the configuration)");
  runner.add_common_options(*command);
  command->add_option("--config", options->config_file,
                      "Configuration file [default: nimbus.yaml in the data directory]");
  command->add_option("--port", options->port, "Listen on this port instead of listen_port (0: any free port)")
      ->check(CLI::Range(0, 65535));
  command->add_option("--api-port", options->api_port,
                      "Serve the REST API and console on this port instead of api_listen_port (0: any free port)")
      ->check(CLI::Range(0, 65535));
  command->callback([options, &runner] { runner.run([&] { return serve(runner, *options); }); });
}

}  // namespace nimbus::cli
