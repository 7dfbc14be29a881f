#include "node/node.h"

#include <algorithm>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "core/open_files.h"
#include "node/administration_listener.h"
#include "node/certificate_metrics.h"

namespace nimbus::node {

namespace {

// How often the node looks at the store for changes other processes made (revocations by the CLI),
// and how often it checks whether a CRL is due.
constexpr auto kRefreshInterval = std::chrono::seconds(1);
constexpr auto kCrlCheckInterval = std::chrono::seconds(60);
constexpr std::string_view kCrlTask = "crl-republication";
// Components of /healthz.
constexpr std::string_view kStoreComponent = "store";
constexpr std::string_view kCrlComponent = "crl-publication";
// A signer is renewed with a third of its lifetime (days) left; an hourly look is early enough.
constexpr auto kSignerRenewalInterval = std::chrono::hours(1);
// The store's upkeep (SQLite: a checkpoint of whatever the write-ahead log still holds).
constexpr auto kStoreUpkeepInterval = std::chrono::minutes(5);

// Descriptors kept back from connections for the store, keys, logs and other listeners.
constexpr std::uint64_t kReservedDescriptors = 256;
// Past this, connections cost more memory than a responder should hold for them by default.
constexpr std::uint64_t kMaxAutomaticConnections = 16384;

// http_max_connections, or with 0 what the open-file limit allows.
std::size_t connection_limit(const config::Config& config) {
  if (config.http_max_connections > 0) return static_cast<std::size_t>(config.http_max_connections);
  std::uint64_t descriptors = raise_open_file_limit();
  std::uint64_t usable = descriptors > 2 * kReservedDescriptors ? descriptors - kReservedDescriptors : descriptors / 2;
  return static_cast<std::size_t>(std::clamp<std::uint64_t>(usable, 1, kMaxAutomaticConnections));
}

http::ServerOptions server_options(const config::Config& config, const std::optional<std::uint16_t>& port) {
  http::ServerOptions options;
  options.max_connections = connection_limit(config);
  options.max_connections_per_address = static_cast<std::size_t>(config.http_max_connections_per_address);
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

Status Node::check_keys() {
  NIMBUS_ASSIGN_OR_RETURN(auto authorities, deployment_->store().list_authorities());
  Timestamp now = now_utc();
  for (const store::AuthorityRecord& authority : authorities) {
    if (authority.status == store::AuthorityStatus::kPending || !authority.certificate_der) continue;
    auto key = crl_keys_->load(authority.key_reference);
    if (!key.ok()) {
      return Error(ErrorCode::kCryptoError, fmt::format("cannot serve: the key of authority '{}' does not open: {}",
                                                        authority.id, key.error().message()));
    }
    NIMBUS_ASSIGN_OR_RETURN(x509::Certificate certificate, x509::Certificate::from_der(*authority.certificate_der));
    if (now >= certificate.not_after()) {
      spdlog::warn("the certificate of '{}' expired at {}; it answers no OCSP request", authority.id,
                   format_timestamp(certificate.not_after()));
      continue;
    }
    auto signer = signers_.signer_for(authority.id);
    if (!signer.ok()) {
      return Error(ErrorCode::kCryptoError, fmt::format("cannot serve: {}", signer.error().message()));
    }
  }
  return ok_status();
}

std::vector<HealthProblem> Node::problems() const {
  std::vector<HealthProblem> problems = health_.problems();
  for (const revocation::OcspSignerFailure& failure : signers_.failures()) {
    problems.push_back({"ocsp-signer", failure.authority_id, failure.message, failure.since});
  }
  return problems;
}

http::Response Node::readiness() const {
  std::vector<HealthProblem> problems = this->problems();
  if (problems.empty()) return http::Response::text(200, "ok");
  nlohmann::json listed = nlohmann::json::array();
  for (const HealthProblem& problem : problems) {
    nlohmann::json entry = {{"component", problem.component}, {"error", problem.message},
                            {"since", format_timestamp(problem.since)}};
    if (!problem.authority_id.empty()) entry["authority"] = problem.authority_id;
    listed.push_back(std::move(entry));
  }
  nlohmann::json body = {{"status", "unavailable"}, {"problems", std::move(listed)}};
  std::string text = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  http::Response response = http::Response::bytes(503, "application/json", Bytes(text.begin(), text.end()));
  response.set_header("Cache-Control", "no-store");
  return response;
}

Status Node::add_node_routes(http::Router& router) {
  auto ready = [this](const http::Request&) -> Result<http::Response> { return readiness(); };
  NIMBUS_TRY(router.add_route({"GET", "HEAD"}, "/healthz", ready));
  NIMBUS_TRY(router.add_route({"GET", "HEAD"}, "/healthz/ready", ready));
  NIMBUS_TRY(router.add_route({"GET", "HEAD"}, "/healthz/live", [](const http::Request&) -> Result<http::Response> {
    return http::Response::text(200, "ok");
  }));
  NIMBUS_TRY(router.add_route({"GET"}, "/metrics", http::metrics_handler(metrics_)));
  return add_certificate_metrics(metrics_, deployment_->store());
}

Status Node::start() {
  if (started_) return Error(ErrorCode::kFailedPrecondition, "the node has already been started");
  started_ = true;
  NIMBUS_TRY(check_keys());

  // A server that was down past a CRL's republication time republishes before it serves anything.
  NIMBUS_ASSIGN_OR_RETURN(auto published, revocations_.publish_due());
  for (const auto& crl : published) {
    spdlog::info("published CRL {} of '{}' at start", crl.number, crl.authority_id);
  }
  NIMBUS_TRY(publication_.refresh());

  http::Router router;
  http::Router administration;
  NIMBUS_TRY(add_service_routes(router, administration));
  NIMBUS_TRY(add_node_routes(router));

  // Services start before the HTTP listener, so that the first request a client sends once the
  // port answers finds them ready (the SCEP service has its RAs, say).
  for (std::size_t i = 0; i < services_.size(); ++i) {
    Status service_started = services_[i]->start();
    if (!service_started.ok()) {
      Error error(service_started.error().code(),
                  fmt::format("starting the {} service: {}", services_[i]->name(), service_started.error().message()));
      while (i-- > 0) services_[i]->stop();
      return error;
    }
  }
  Status listening = start_listeners(std::move(router), std::move(administration));
  if (!listening.ok()) {
    for (auto& service : services_) service->stop();
    return listening;
  }
  schedule_background_work();
  scheduler_.start();
  const http::ServerOptions& limits = server_->options();
  spdlog::info("serving on {} ({} authorities; at most {} connections, {})", base_url(),
               publication_.authority_ids().size(), limits.max_connections,
               limits.max_connections_per_address == 0
                   ? std::string("no limit per client address")
                   : fmt::format("{} per client address", limits.max_connections_per_address));
  return ok_status();
}

bool Node::separate_administration() const { return deployment_->config().api_listener == "tls"; }

Status Node::add_service_routes(http::Router& router, http::Router& administration) {
  http::Router& administration_routes = separate_administration() ? administration : router;
  for (const auto& service : services_) {
    Status added = service->add_routes(router);
    if (added.ok()) added = service->add_administration_routes(administration_routes);
    if (!added.ok()) {
      return Error(added.error().code(),
                   fmt::format("the {} service's routes: {}", service->name(), added.error().message()));
    }
  }
  return ok_status();
}

Status Node::start_listeners(http::Router router, http::Router administration) {
  if (administration.size() > 0) {
    NIMBUS_ASSIGN_OR_RETURN(http::ServerOptions options, administration_server_options(*this, options_.api_port));
    administration_server_ = std::make_unique<http::HttpServer>(std::move(options), std::move(administration), &metrics_);
    NIMBUS_TRY(administration_server_->start());
  }
  server_ = std::make_unique<http::HttpServer>(server_options(deployment_->config(), options_.port),
                                               std::move(router), &metrics_);
  Status listening = server_->start();
  if (!listening.ok()) {
    if (administration_server_) administration_server_->stop();
    return listening;
  }
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
    // Once when it begins, then with each new cause: this runs every second.
    if (health_.report(std::string(kStoreComponent), {}, changed.error().message())) {
      spdlog::error("reading the store for changes failed: {}; serving what was read before",
                    changed.error().message());
    }
    return;
  }
  if (health_.clear(std::string(kStoreComponent))) spdlog::info("the store can be read again");
  for (const std::string& id : *changed) {
    spdlog::info("the CRL of '{}' changed; OCSP answers for it are signed afresh", id);
    responder_.invalidate(id);
  }
}

void Node::publish_due_crls() {
  auto published = revocations_.publish_due();
  if (!published.ok()) {
    health_.report(std::string(kCrlComponent), {}, published.error().message());
    spdlog::error("checking which CRLs are due failed: {}", published.error().message());
    return;
  }
  if (health_.clear(std::string(kCrlComponent))) spdlog::info("CRL publication works again");
  if (!published->empty()) refresh_publication();
}

std::string Node::base_url() const {
  return fmt::format("http://{}:{}", deployment_->config().listen_address, server_ ? server_->port() : 0);
}

std::string Node::api_url() const {
  if (!administration_server_) return base_url();
  return fmt::format("https://{}:{}", deployment_->config().api_listen_address, administration_server_->port());
}

std::vector<std::string> Node::describe() const {
  std::string base = base_url();
  std::vector<std::string> lines;
  for (const auto& service : services_) {
    for (std::string& line : service->describe(base)) lines.push_back(std::move(line));
  }
  for (const auto& service : services_) {
    for (std::string& line : service->describe_administration(api_url())) lines.push_back(std::move(line));
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
  for (const std::unique_ptr<Service>& service : services_) service->reload((*reloaded)->config());
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
  if (administration_server_) administration_server_->stop();
  for (auto it = services_.rbegin(); it != services_.rend(); ++it) (*it)->stop();
  scheduler_.stop();
}

}  // namespace nimbus::node
