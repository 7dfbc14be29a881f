// RadiusService: the RADIUS server of a node (`radius:` in nimbus.yaml) — EAP-TLS authentication of
// VPN and Wi-Fi clients by certificate, decided by the verify engine with the node's own revocation
// state as a source, explained with NPS reason codes.
//
// It owns the pieces and wires them: the settings, the server's TLS identity, the trust anchors,
// the verifier and its revocation cache, the network policies, the decision log, the conversation
// table, and the UDP listener. SIGHUP reloads the network policies; the other settings apply at the
// next start (the log says so).
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/result.h"
#include "node/node.h"
#include "node/publication_fetcher.h"
#include "node/service.h"
#include "radius/service/access_handler.h"
#include "radius/service/certificate_decision.h"
#include "radius/service/conversations.h"
#include "radius/service/decision_log.h"
#include "radius/service/settings.h"
#include "radius/service/udp_listener.h"
#include "verify/curl_fetcher.h"
#include "verify/revocation_cache.h"
#include "verify/verifier.h"
#include "x509/tls_session.h"

namespace nimbus::radius {

class RadiusService final : public node::Service {
 public:
  // Reads and checks the `radius` settings of the node's configuration. Nothing listens yet; the
  // server identity and the trust anchors are loaded by start(). kInvalidArgument names the
  // setting and its line.
  static Result<std::unique_ptr<RadiusService>> create(node::Node& node);
  ~RadiusService() override;

  std::string_view name() const override { return "radius"; }
  // The settings as read at create() (the REST API reads the decision log they name).
  const RadiusSettings& settings() const { return settings_; }
  Status add_routes(http::Router& router) override;
  Status start() override;
  void stop() override;
  void reload(const config::Config& config) override;
  std::vector<std::string> describe(std::string_view base_url) const override;

 private:
  RadiusService(node::Node& node, RadiusSettings settings);
  Status prepare();
  IssuedFacts issued_facts(const x509::Certificate& certificate) const;
  Status register_metrics();

  node::Node& node_;
  RadiusSettings settings_;
  Endpoint authentication_;
  Endpoint accounting_;
  std::string server_subject_;
  std::vector<std::string> anchor_subjects_;
  std::unique_ptr<x509::TlsContext> tls_;
  verify::CurlFetcher curl_;
  std::unique_ptr<node::PublicationFetcher> fetcher_;
  std::unique_ptr<verify::RevocationCache> cache_;
  std::unique_ptr<verify::Verifier> verifier_;
  std::shared_ptr<const NetworkPolicies> policies_;
  std::unique_ptr<CertificateDecision> decision_;
  std::unique_ptr<DecisionLog> log_;
  std::unique_ptr<ConversationTable> conversations_;
  NasDirectory clients_;
  AccessCounters access_counters_;
  ListenerCounters listener_counters_;
  std::unique_ptr<AccessHandler> handler_;
  std::unique_ptr<UdpListener> listener_;
  // Refreshes the verifier's cached CRLs ahead of their nextUpdate, so that no authentication
  // waits for a download while a current answer could have been known.
  std::thread refresher_;
  std::mutex refresher_mutex_;
  std::condition_variable refresher_wake_;
  bool stopping_ = false;
};

}  // namespace nimbus::radius
