#include "node/node.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "node/certificate_metrics.h"

namespace nimbus::node {

namespace {

// How often the node looks at the store for changes other processes made (revocations by the CLI),
// and how often it checks whether a CRL is due.
constexpr auto kRefreshInterval = std::chrono::seconds(1);
constexpr auto kCrlCheckInterval = std::chrono::seconds(60);
constexpr std::string_view kCrlTask = "crl-republication";
// A signer is renewed with a third of its lifetime (days) left; an hourly look is early enough.
constexpr auto kSignerRenewalInterval = std::chrono::hours(1);
// The store's upkeep (SQLite: a checkpoint of whatever the write-ahead log still holds).
constexpr auto kStoreUpkeepInterval = std::chrono::minutes(5);

http::ServerOptions server_options(const config::Config& config, const std::optional<std::uint16_t>& port) {
  http::ServerOptions options;
  options.listen_address = config.listen_address;
  options.port = port.value_or(static_cast<std::uint16_t>(config.listen_port));
  options.worker_threads = static_cast<unsigned>(config.http_workers);
  options.max_body_bytes = static_cast<std::size_t>(config.http_max_body_bytes);
  options.read_timeout = std::chrono::seconds(config.http_request_timeout_seconds);
  options.idle_timeout = std::chrono::seconds(config.http_keep_alive_seconds);
  return options;
}

// The responder answers for the authorities the publication knows, with their current CRL number.
revocation::OcspResponderOptions responder_options(revocation::Publication& publication) {
  revocation::OcspResponderOptions options;
  options.authorities =
      [&publication](const std::string& id) -> Result<std::optional<revocation::OcspAuthority>> {
    auto state = publication.authority(id);
    if (!state) return std::optional<revocation::OcspAuthority>();
    return std::optional<revocation::OcspAuthority>(revocation::OcspAuthority{state->certificate_der, state->crl_number});
  };
  return options;
}

}  // namespace

Result<std::unique_ptr<Node>> Node::open(NodeOptions options) {
  NIMBUS_ASSIGN_OR_RETURN(std::unique_ptr<Deployment> deployment,
                          Deployment::open(options.data_dir, options.config_file));
  return std::unique_ptr<Node>(new Node(std::move(options), std::move(deployment)));
}

Node::Node(NodeOptions options, std::unique_ptr<Deployment> deployment)
    : options_(std::move(options)),
      deployment_(std::move(deployment)),
      crl_keys_(deployment_->open_key_store()),
      revocations_(deployment_->store(), *crl_keys_, "system:crl", deployment_->crl_policy()),
      publication_(deployment_->store()),
      signers_(deployment_->store(), deployment_->keys()),
      responder_(deployment_->store(), signers_, now_utc, responder_options(publication_)) {}

Node::~Node() { stop(); }

void Node::attach(std::unique_ptr<Service> service) { services_.push_back(std::move(service)); }

Status Node::add_node_routes(http::Router& router) {
  NIMBUS_TRY(router.add_route({"GET", "HEAD"}, "/healthz", [](const http::Request&) -> Result<http::Response> {
    return http::Response::text(200, "ok");
  }));
  NIMBUS_TRY(router.add_route({"GET"}, "/metrics", http::metrics_handler(metrics_)));
  return add_certificate_metrics(metrics_, deployment_->store());
}

Status Node::start() {
  if (started_) return Error(ErrorCode::kFailedPrecondition, "the node has already been started");
  started_ = true;

  // A server that was down past a CRL's republication time republishes before it serves anything.
  NIMBUS_ASSIGN_OR_RETURN(auto published, revocations_.publish_due());
  for (const auto& crl : published) {
    spdlog::info("published CRL {} of '{}' at start", crl.number, crl.authority_id);
  }
  NIMBUS_TRY(publication_.refresh());

  http::Router router;
  for (const auto& service : services_) {
    Status added = service->add_routes(router);
    if (!added.ok()) {
      return Error(added.error().code(),
                   fmt::format("the {} service's routes: {}", service->name(), added.error().message()));
    }
  }
  NIMBUS_TRY(add_node_routes(router));

  server_ = std::make_unique<http::HttpServer>(server_options(deployment_->config(), options_.port),
                                               std::move(router), &metrics_);
  NIMBUS_TRY(server_->start());
  for (std::size_t i = 0; i < services_.size(); ++i) {
    Status service_started = services_[i]->start();
    if (!service_started.ok()) {
      Error error(service_started.error().code(),
                  fmt::format("starting the {} service: {}", services_[i]->name(), service_started.error().message()));
      while (i-- > 0) services_[i]->stop();
      server_->stop();
      return error;
    }
  }
  schedule_background_work();
  scheduler_.start();
  spdlog::info("serving on {} ({} authorities)", base_url(), publication_.authority_ids().size());
  return ok_status();
}

void Node::schedule_background_work() {
  scheduler_.add("store-changes", kRefreshInterval, [this] { refresh_publication(); });
  scheduler_.add(std::string(kCrlTask), kCrlCheckInterval, [this] { publish_due_crls(); });
  scheduler_.add("ocsp-signer-renewal", kSignerRenewalInterval, [this] { renew_ocsp_signers(); });
  scheduler_.add("store-upkeep", kStoreUpkeepInterval, [this] { deployment_->store().maintain(); });
}

void Node::renew_ocsp_signers() {
  for (const std::string& id : signers_.renew_due()) {
    spdlog::info("the OCSP signer of '{}' was renewed ahead of need", id);
  }
}

void Node::refresh_publication() {
  auto changed = publication_.refresh();
  if (!changed.ok()) {
    spdlog::error("reading the store for changes failed: {}; serving what was read before", changed.error().message());
    return;
  }
  for (const std::string& id : *changed) {
    spdlog::info("the CRL of '{}' changed; OCSP answers for it are signed afresh", id);
    responder_.invalidate(id);
  }
}

void Node::publish_due_crls() {
  auto published = revocations_.publish_due();
  if (!published.ok()) {
    spdlog::error("checking which CRLs are due failed: {}", published.error().message());
    return;
  }
  if (!published->empty()) refresh_publication();
}

std::string Node::base_url() const {
  return fmt::format("http://{}:{}", deployment_->config().listen_address, server_ ? server_->port() : 0);
}

std::vector<std::string> Node::describe() const {
  std::string base = base_url();
  std::vector<std::string> lines;
  for (const auto& service : services_) {
    for (std::string& line : service->describe(base)) lines.push_back(std::move(line));
  }
  lines.push_back(fmt::format("health and metrics: {}/healthz  {}/metrics", base, base));
  return lines;
}

void Node::reload() {
  auto reloaded = Deployment::open(options_.data_dir, options_.config_file);
  if (!reloaded.ok()) {
    spdlog::error("SIGHUP: the configuration was not reloaded: {}", reloaded.error().message());
    return;
  }
  spdlog::info("SIGHUP: configuration reloaded; checking every CRL against it");
  scheduler_.post([this, policy = (*reloaded)->crl_policy()] { revocations_.set_policy(policy); });
  scheduler_.run_soon(kCrlTask);
}

int Node::wait(http::ShutdownSignals& signals) {
  int received = signals.wait([this] { reload(); });
  spdlog::info("signal {}: finishing requests in flight, then stopping", received);
  return received;
}

void Node::stop() {
  if (!started_ || stopped_) return;
  stopped_ = true;
  if (server_) server_->stop();
  for (auto it = services_.rbegin(); it != services_.rend(); ++it) (*it)->stop();
  scheduler_.stop();
}

}  // namespace nimbus::node
