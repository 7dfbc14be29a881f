#include "radius/service/radius_service.h"

#include <thread>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/file.h"
#include "core/log_text.h"
#include "radius/service/server_identity.h"
#include "verify/trust_anchors.h"

namespace nimbus::radius {

namespace {

constexpr auto kRefreshInterval = std::chrono::seconds(30);

// The accounting endpoint when none is set: the authentication host, the next port (1812 → 1813).
Result<Endpoint> next_port(const std::string& listen) {
  std::size_t colon = listen.rfind(':');
  int port = std::atoi(listen.c_str() + colon + 1);
  if (port >= 65535) {
    return Error(ErrorCode::kInvalidArgument,
                 fmt::format("radius.listen: port {} has no next port for accounting; set radius.accounting_listen", port));
  }
  return Endpoint::parse(fmt::format("{}:{}", listen.substr(0, colon), port + 1));
}

Result<std::vector<x509::Certificate>> anchors_of(const std::string& entry, node::Node& node) {
  if (auto published = node.publication().ca_certificate(entry); published.ok()) {
    NIMBUS_ASSIGN_OR_RETURN(x509::Certificate certificate, x509::Certificate::from_der(*published->der));
    return std::vector<x509::Certificate>{certificate};
  }
  std::filesystem::path path = config::resolve_path(node.deployment().data_dir(), entry);
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return Error(ErrorCode::kInvalidArgument,
                 fmt::format("radius.trust: '{}' is neither an authority of this deployment nor a file or directory",
                             entry));
  }
  auto loaded = verify::TrustAnchors::load(path.string());
  if (!loaded.ok()) return Error(ErrorCode::kInvalidArgument, fmt::format("radius.trust: {}", loaded.error().message()));
  return loaded->certificates();
}

// Every root authority of the deployment: the default trust.
std::vector<x509::Certificate> root_authorities(node::Node& node) {
  std::vector<x509::Certificate> roots;
  for (const std::string& id : node.publication().authority_ids()) {
    auto published = node.publication().ca_certificate(id);
    if (!published.ok()) continue;
    auto certificate = x509::Certificate::from_der(*published->der);
    if (certificate.ok() && certificate->looks_self_signed()) roots.push_back(*certificate);
  }
  return roots;
}

}  // namespace

RadiusService::RadiusService(node::Node& node, RadiusSettings settings) : node_(node), settings_(std::move(settings)) {}

RadiusService::~RadiusService() { stop(); }

Result<std::unique_ptr<RadiusService>> RadiusService::create(node::Node& node) {
  const config::Config& config = node.deployment().config();
  if (!config.radius) {
    return Error(ErrorCode::kInvalidArgument, "this deployment has no radius section in its configuration");
  }
  auto settings = read_radius_settings(*config.radius, node.deployment().data_dir());
  if (!settings.ok()) {
    return Error(ErrorCode::kInvalidArgument, fmt::format("{}: {}", config::kConfigFileName, settings.error().message()));
  }
  std::unique_ptr<RadiusService> service(new RadiusService(node, std::move(*settings)));
  RadiusService& s = *service;
  auto in_settings = [](const Error& error) {
    return Error(ErrorCode::kInvalidArgument, fmt::format("{}: radius: {}", config::kConfigFileName, error.message()));
  };
  auto listen = Endpoint::parse(s.settings_.listen);
  if (!listen.ok()) return in_settings(listen.error());
  s.authentication_ = *listen;
  auto accounting = s.settings_.accounting_listen.empty() ? next_port(s.settings_.listen)
                                                          : Endpoint::parse(s.settings_.accounting_listen);
  if (!accounting.ok()) return in_settings(accounting.error());
  s.accounting_ = *accounting;
  auto policies = NetworkPolicies::build(s.settings_.policies);
  if (!policies.ok()) return in_settings(policies.error());
  s.policies_ = std::make_shared<const NetworkPolicies>(std::move(*policies));
  s.conversations_ = std::make_unique<ConversationTable>(
      ConversationLimits{static_cast<std::size_t>(s.settings_.max_conversations),
                         static_cast<std::size_t>(s.settings_.max_conversations_per_client),
                         s.settings_.conversation_timeout});
  return service;
}

Status RadiusService::prepare() {
  NIMBUS_ASSIGN_OR_RETURN(ServerIdentity identity, obtain_server_identity(settings_.server_certificate, node_));
  server_subject_ = identity.certificate.subject().to_string();
  x509::TlsOptions tls_options;
  tls_options.min_version = settings_.tls_min_version == "1.3" ? x509::TlsVersion::k1_3 : x509::TlsVersion::k1_2;
  tls_options.session_lifetime = settings_.tls_session_lifetime;
  NIMBUS_ASSIGN_OR_RETURN(x509::TlsContext context,
                          x509::TlsContext::server(identity.certificate, identity.chain, identity.key, tls_options));
  tls_ = std::make_unique<x509::TlsContext>(std::move(context));

  std::vector<x509::Certificate> anchors;
  if (settings_.trust.empty()) {
    anchors = root_authorities(node_);
  } else {
    for (const std::string& entry : settings_.trust) {
      NIMBUS_ASSIGN_OR_RETURN(std::vector<x509::Certificate> found, anchors_of(entry, node_));
      anchors.insert(anchors.end(), found.begin(), found.end());
    }
  }
  if (anchors.empty()) {
    return Error(ErrorCode::kInvalidArgument, "radius.trust: no trust anchor (this deployment has no root authority yet)");
  }
  for (const x509::Certificate& anchor : anchors) anchor_subjects_.push_back(anchor.subject().to_string());
  NIMBUS_ASSIGN_OR_RETURN(verify::TrustAnchors trust, verify::TrustAnchors::from(std::move(anchors)));

  fetcher_ = std::make_unique<node::PublicationFetcher>(node_.deployment().urls().base(), node_.publication(),
                                                        node_.responder(), &curl_);
  cache_ = std::make_unique<verify::RevocationCache>(verify::RevocationCache::kDefaultMaxBytes,
                                                     std::vector<std::string>{fetcher_->prefix()});
  verify::FetchLimits limits;
  limits.timeout = settings_.fetch_budget;
  limits.budget = settings_.fetch_budget;
  verifier_ = std::make_unique<verify::Verifier>(std::move(trust), fetcher_.get(), cache_.get(),
                                                 std::vector<x509::CertificateRevocationList>{}, limits);
  decision_ = std::make_unique<CertificateDecision>(
      *verifier_, settings_.revocation, policies_,
      [this](const x509::Certificate& certificate) { return issued_facts(certificate); }, settings_.resumption_recheck);
  NIMBUS_ASSIGN_OR_RETURN(log_, DecisionLog::open(settings_.decision_log));
  for (NasClientSettings& client : settings_.clients) {
    clients_.add(client.range, NasClient{client.name, client.secret});
  }
  EapTlsLimits eap_limits;
  eap_limits.fragment_size = static_cast<std::size_t>(settings_.fragment_size);
  handler_ = std::make_unique<AccessHandler>(*tls_, eap_limits, *conversations_, *decision_, *log_, access_counters_);
  return ok_status();
}

IssuedFacts RadiusService::issued_facts(const x509::Certificate& certificate) const {
  IssuedFacts facts;
  auto record = node_.store().find_certificate_by_thumbprint(to_hex(certificate.sha256_thumbprint()));
  if (record.ok() && record->has_value()) {
    facts.issuing_ca = (*record)->issuer_id;
    facts.profile = (*record)->profile_id;
  }
  return facts;
}

Status RadiusService::add_routes(http::Router& router) {
  (void)router;  // RADIUS has no HTTP routes; its metrics join the node's /metrics
  return register_metrics();
}

Status RadiusService::register_metrics() {
  http::MetricsRegistry& metrics = node_.metrics();
  NIMBUS_TRY(metrics.gauge("nimbus_radius_conversations", "EAP conversations under way", [this] {
    return std::vector<http::GaugeSample>{{{}, static_cast<double>(conversations_->size())}};
  }));
  NIMBUS_TRY(metrics.gauge("nimbus_radius_decisions_total", "RADIUS decisions, by outcome", [this] {
    return std::vector<http::GaugeSample>{
        {{{"decision", "granted"}}, static_cast<double>(access_counters_.accepts.load())},
        {{{"decision", "denied"}}, static_cast<double>(access_counters_.rejects.load())}};
  }));
  return metrics.gauge("nimbus_radius_dropped_total", "RADIUS packets dropped unanswered, by cause", [this] {
    auto sample = [](std::string cause, const std::atomic<std::uint64_t>& counter) {
      return http::GaugeSample{{{"cause", std::move(cause)}}, static_cast<double>(counter.load())};
    };
    const ListenerCounters& l = listener_counters_;
    const AccessCounters& a = access_counters_;
    return std::vector<http::GaugeSample>{
        sample("unknown_client", l.dropped_unknown_client), sample("malformed", l.dropped_malformed),
        sample("bad_authenticator", l.dropped_bad_authenticator), sample("unexpected_code", l.dropped_unexpected_code),
        sample("queue_full", l.dropped_queue_full), sample("duplicate", l.duplicates),
        sample("conversations_full", a.dropped_conversation_full), sample("malformed_eap", a.dropped_malformed_eap),
        sample("out_of_order", a.dropped_out_of_order)};
  });
}

Status RadiusService::start() {
  // Here rather than in create(): the node has read what it publishes (the trust anchors by
  // authority id) only once it starts.
  NIMBUS_TRY(prepare());
  ListenerOptions options;
  options.authentication = authentication_;
  options.accounting = accounting_;
  // Decisions may wait on a download for up to the fetch budget; the work itself is CPU-bound, so
  // more threads than cores cost little while some wait.
  options.workers = settings_.workers > 0 ? settings_.workers
                                          : 4 * static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  NIMBUS_ASSIGN_OR_RETURN(listener_,
                          UdpListener::start(options, clients_, *handler_, *conversations_, listener_counters_));
  spdlog::info("radius: listening on udp {} (accounting {}); {} NAS client(s); trusting {}", authentication_.text,
               accounting_.text, settings_.clients.size(), fmt::join(anchor_subjects_, "; "));
  for (const std::string& knob : settings_.revocation.weakened()) {
    spdlog::warn("radius: revocation checking is weakened: {} is set", knob);
  }
  refresher_ = std::thread([this] {
    std::unique_lock lock(refresher_mutex_);
    while (!refresher_wake_.wait_for(lock, kRefreshInterval, [this] { return stopping_; })) {
      lock.unlock();
      if (std::size_t refreshed = verifier_->refresh_revocation_data()) {
        spdlog::info("radius: refreshed {} CRL(s) and OCSP answer(s) ahead of their nextUpdate", refreshed);
      }
      lock.lock();
    }
  });
  return ok_status();
}

void RadiusService::stop() {
  if (listener_) listener_->stop();
  {
    std::lock_guard lock(refresher_mutex_);
    stopping_ = true;
  }
  refresher_wake_.notify_all();
  if (refresher_.joinable()) refresher_.join();
}

void RadiusService::reload(const config::Config& config) {
  if (!config.radius) {
    spdlog::warn("radius: SIGHUP: the radius section is gone; the RADIUS server keeps running until a restart");
    return;
  }
  auto settings = read_radius_settings(*config.radius, node_.deployment().data_dir());
  if (!settings.ok()) {
    spdlog::error("radius: SIGHUP: the radius settings were not reloaded: {}", settings.error().message());
    return;
  }
  auto policies = NetworkPolicies::build(settings->policies);
  if (!policies.ok()) {
    spdlog::error("radius: SIGHUP: the network policies were not reloaded: {}", policies.error().message());
    return;
  }
  policies_ = std::make_shared<const NetworkPolicies>(std::move(*policies));
  if (decision_) decision_->set_policies(policies_);
  spdlog::info("radius: SIGHUP: {} network polic{} reloaded; other radius settings apply at the next start",
               settings->policies.size(), settings->policies.size() == 1 ? "y" : "ies");
}

std::vector<std::string> RadiusService::describe(std::string_view base_url) const {
  (void)base_url;
  return {fmt::format("RADIUS   udp {} (accounting udp {}), EAP-TLS as {}", authentication_.text, accounting_.text,
                      server_subject_)};
}

}  // namespace nimbus::radius
