// The SCEP service of a node (RFC 8894 §4): one URL per issuing CA, {base}/scep/{ca}, also answering
// at {base}/scep/{ca}/pkiclient.exe, which many clients append.
//
//   GET  ?operation=GetCACaps          what the server offers, one capability per line
//   GET  ?operation=GetCACert          the RA's certificate and the CA chain (x-x509-ca-ra-cert)
//   GET  ?operation=GetNextCACert      404: no CA rollover certificate is waiting
//   POST ?operation=PKIOperation       a pkiMessage (application/x-pki-message) → a CertRep
//   GET  ?operation=PKIOperation&message=BASE64
//
// Each issuing CA that is active at start (or becomes active later) gets its registration
// authority (scep/service/registration_authority.h); the service checks them every hour and
// replaces the ones due for renewal, without a restart.
//
// Thread-safety: handlers run on the HTTP workers; the table of RAs is swapped under a mutex.
#pragma once

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "ca/issuance.h"
#include "crypto/key_store.h"
#include "http/metrics.h"
#include "node/node.h"
#include "node/service.h"
#include "scep/service/mdm_webhook.h"
#include "scep/service/registration_authority.h"
#include "scep/service/scep_responder.h"
#include "verify/curl_fetcher.h"

namespace nimbus::scep {

class ScepService final : public node::Service {
 public:
  // Issues (or reads back) the RA of every active issuing CA. `node` must outlive the service.
  static Result<std::unique_ptr<ScepService>> create(node::Node& node);
  ~ScepService() override;

  std::string_view name() const override { return "scep"; }
  Status add_routes(http::Router& router) override;
  Status start() override;
  void stop() override;
  void reload(const config::Config& config) override;
  // One line per CA with an RA: its SCEP URL.
  std::vector<std::string> describe(std::string_view base_url) const override;

 private:
  explicit ScepService(node::Node& node);

  Result<http::Response> handle(const http::Request& request);
  Result<http::Response> pki_operation(const http::Request& request, const RegistrationAuthority& ra);
  std::string capabilities() const;
  std::shared_ptr<const RegistrationAuthority> registration_authority_of(std::string_view authority_id) const;
  // Makes or renews the RA of every active issuing CA; keeps the old one of a CA whose renewal fails.
  void refresh_authorities();
  void run_refresher();

  node::Node& node_;
  ResponderSettings settings_;
  std::unique_ptr<crypto::KeyStore> keys_;  // the Issuer's: a KeyStore is used by one owner
  ca::Issuer issuer_;
  verify::CurlFetcher curl_;  // for the MDM webhooks of profiles with challenge.mode: webhook
  MdmWebhook webhook_;
  Responder responder_;
  http::CounterFamily* operations_ = nullptr;

  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<const RegistrationAuthority>, std::less<>> authorities_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread refresher_;
};

}  // namespace nimbus::scep
