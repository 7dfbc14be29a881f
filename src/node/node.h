// Node: a deployment running as a server — its revocation state (CRL publication, the OCSP
// responder and its signers), the background work that keeps it fresh (node/scheduler.h), the metrics registry, the
// HTTP listener, and the services attached to it.
//
// The node owns what every front end shares and knows none of them: each Service adds its routes and
// listeners (node/service.h). The node's own routes are GET /healthz (ready: 200 "ok", or 503 with
// a JSON body naming each problem), /healthz/live (the process serves), /healthz/ready (the same
// as /healthz) and GET /metrics.
//
// Lifecycle: open, attach services, start, then wait (or stop). A node starts at most once.
// Thread-safety: open, attach, start, wait and stop are called from one thread. The accessors hand
// out objects whose own headers state their thread-safety (Publication, OcspResponder and
// MetricsRegistry are thread-safe; they are used by HTTP handlers on many threads).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/result.h"
#include "crypto/key_store.h"
#include "http/metrics.h"
#include "http/server.h"
#include "http/signals.h"
#include "node/deployment.h"
#include "node/health.h"
#include "node/scheduler.h"
#include "node/service.h"
#include "revocation/ocsp_responder.h"
#include "revocation/ocsp_signer.h"
#include "revocation/publication.h"
#include "revocation/revocations.h"

namespace nimbus::node {

struct NodeOptions {
  std::filesystem::path data_dir;
  // Replaces {data_dir}/nimbus.yaml when set (and at every reload).
  std::filesystem::path config_file;
  // Overrides listen_port when set; 0 takes any free port (base_url() then names it).
  std::optional<std::uint16_t> port;
  // Overrides api_listen_port the same way (api_url()).
  std::optional<std::uint16_t> api_port = std::nullopt;
};

class Node {
 public:
  // Opens the deployment; nothing is published or listening yet.
  static Result<std::unique_ptr<Node>> open(NodeOptions options);
  ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  const Deployment& deployment() const { return *deployment_; }
  // The deployment's store, for services that read records (it is thread-safe).
  store::Store& store() { return deployment_->store(); }
  revocation::Publication& publication() { return publication_; }
  revocation::OcspResponder& responder() { return responder_; }
  http::MetricsRegistry& metrics() { return metrics_; }
  // Where services report what keeps them from doing their job; /healthz shows it.
  Health& health() { return health_; }

  // What keeps the node from serving well right now (what /healthz reports): problems services
  // reported and OCSP signers that could not be renewed. Empty when healthy.
  std::vector<HealthProblem> problems() const;

  // Adds a service; before start() only.
  void attach(std::unique_ptr<Service> service);

  // Checks that every key the node signs with opens (each authority's, for its CRLs, and its OCSP
  // signer's): one that does not stops the start with kCryptoError naming it. Then republishes
  // every CRL that came due while no server ran, reads what is published, assembles the route
  // table from the node's routes and each service's, starts listening and then each service, and
  // starts the background work. On error nothing is left running.
  Status start();

  // "http://127.0.0.1:8080", with the port actually bound; after start().
  std::string base_url() const;
  // Where the REST API and console are served: "https://127.0.0.1:8443" on their own listener, or
  // base_url() when `api_listener: public`; after start().
  std::string api_url() const;

  // Lines describing what the node serves: each service's, then health and metrics.
  std::vector<std::string> describe() const;

  // Serves until SIGTERM or SIGINT and returns the signal's number. SIGHUP re-reads the
  // configuration: the CRL settings apply at once (every CRL is checked against them); the
  // listening address and HTTP limits need a restart. Each service then applies what it can
  // (Service::reload).
  int wait(http::ShutdownSignals& signals);

  // Stops listening (finishing requests in flight), then the services, then the background work.
  // Idempotent.
  void stop();

 private:
  Node(NodeOptions options, std::unique_ptr<Deployment> deployment);

  Status check_keys();
  bool separate_administration() const;
  Status add_node_routes(http::Router& router);
  // The route tables of the public listener and (`api_listener: tls`) the administration listener.
  Status add_service_routes(http::Router& router, http::Router& administration);
  Status start_listeners(http::Router router, http::Router administration);
  http::Response readiness() const;
  void schedule_background_work();
  // Reads what other processes changed in the store; an authority whose CRL changed gets its OCSP
  // answers signed afresh.
  void refresh_publication();
  void publish_due_crls();
  void renew_ocsp_signers();
  void reload();

  NodeOptions options_;
  std::unique_ptr<Deployment> deployment_;
  // Each thread that signs has its own key store: the scheduler's for CRLs, the deployment's for
  // the responder's signers.
  std::unique_ptr<crypto::KeyStore> crl_keys_;
  revocation::Revocations revocations_;  // used on the scheduler's thread only
  revocation::Publication publication_;
  revocation::OcspSigners signers_;
  revocation::OcspResponder responder_;
  http::MetricsRegistry metrics_;
  Health health_;
  std::vector<std::unique_ptr<Service>> services_;
  std::unique_ptr<http::HttpServer> server_;
  std::unique_ptr<http::HttpServer> administration_server_;  // `api_listener: tls` only
  Scheduler scheduler_;
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace nimbus::node
