#include "scep/service/scep_service.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/log_text.h"
#include "crypto/base64.h"
#include "crypto/providers.h"
#include "x509/pkcs7_certificates.h"

namespace nimbus::scep {

namespace {

constexpr auto kRefreshInterval = std::chrono::hours(1);
constexpr std::string_view kPkiMessageType = "application/x-pki-message";
constexpr std::string_view kCaRaCertificatesType = "application/x-x509-ca-ra-cert";

ca::Issuer make_issuer(node::Node& node, crypto::KeyStore& keys) {
  const config::Config& config = node.deployment().config();
  ca::IssuanceOptions options;
  options.backdate = std::chrono::minutes(config.certificate_backdate_minutes);
  return ca::Issuer(node.store(), keys, node.deployment().urls(), "scep", options);
}

http::Response pki_message(Bytes der) {
  http::Response response = http::Response::bytes(200, std::string(kPkiMessageType), std::move(der));
  response.set_header("Cache-Control", "no-store");
  return response;
}

}  // namespace

ScepService::ScepService(node::Node& node)
    : node_(node),
      settings_{node.deployment().config().scep_allow_des3, node.deployment().config().scep_allow_des,
                node.deployment().config().scep_allow_sha1},
      keys_(node.deployment().open_key_store()),
      issuer_(make_issuer(node, *keys_)),
      webhook_(curl_, node.deployment().data_dir()),
      responder_(node.store(), issuer_, settings_, now_utc, &webhook_) {}

ScepService::~ScepService() { stop(); }

Result<std::unique_ptr<ScepService>> ScepService::create(node::Node& node) {
  if (node.deployment().config().scep_allow_des) {
    NIMBUS_TRY(crypto::load_legacy_provider());
    spdlog::warn("scep: scep_allow_des is on: clients may encrypt their requests with single DES");
  }
  return std::unique_ptr<ScepService>(new ScepService(node));
}

void ScepService::refresh_authorities() {
  auto authorities = node_.store().list_authorities();
  if (!authorities.ok()) {
    spdlog::error("scep: the authorities could not be read: {}", authorities.error().message());
    return;
  }
  for (const store::AuthorityRecord& authority : *authorities) {
    if (authority.kind != store::AuthorityKind::kIssuing || authority.status != store::AuthorityStatus::kActive ||
        !authority.certificate_der) {
      continue;
    }
    auto ra = registration_authority(node_, authority.id);
    if (!ra.ok()) {
      if (node_.health().report("scep-ra", authority.id, ra.error().message())) {
        spdlog::error("scep: no registration authority for '{}': {}", authority.id, ra.error().message());
      }
      continue;
    }
    if (node_.health().clear("scep-ra", authority.id)) spdlog::info("scep: '{}' has its RA again", authority.id);
    auto fresh = std::make_shared<const RegistrationAuthority>(std::move(*ra));
    std::lock_guard lock(mutex_);
    auto& slot = authorities_[authority.id];
    if (!slot || !(slot->certificate == fresh->certificate)) slot = std::move(fresh);
  }
}

// The RAs are issued here rather than at creation: the node checks that every authority's key
// opens before it starts its services, and a wrong passphrase should be that one error.
Status ScepService::start() {
  refresh_authorities();
  refresher_ = std::thread([this] { run_refresher(); });
  return ok_status();
}

void ScepService::run_refresher() {
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, kRefreshInterval, [this] { return stopping_; })) {
    lock.unlock();
    refresh_authorities();
    lock.lock();
  }
}

void ScepService::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (refresher_.joinable()) refresher_.join();
}

void ScepService::reload(const config::Config& config) {
  if (config.scep_allow_des3 != settings_.allow_des3 || config.scep_allow_des != settings_.allow_des ||
      config.scep_allow_sha1 != settings_.allow_sha1) {
    spdlog::warn("scep: scep_allow_des3, scep_allow_des and scep_allow_sha1 take effect at the next restart");
  }
  refresh_authorities();
}

std::vector<std::string> ScepService::describe(std::string_view base_url) const {
  std::vector<std::string> lines;
  std::lock_guard lock(mutex_);
  for (const auto& [id, ra] : authorities_) {
    lines.push_back(fmt::format("{:<28} {}/scep/{}  (SCEP, RA {})", id, base_url, id, ra->certificate.serial_hex()));
  }
  return lines;
}

std::shared_ptr<const RegistrationAuthority> ScepService::registration_authority_of(std::string_view id) const {
  std::lock_guard lock(mutex_);
  auto found = authorities_.find(id);
  return found == authorities_.end() ? nullptr : found->second;
}

std::string ScepService::capabilities() const {
  // RFC 8894 §3.5.2. Renewal stands for RenewalReq; SCEPStandard for AES, SHA-256 and POST together.
  std::string caps = "POSTPKIOperation\nRenewal\nSHA-256\nSHA-384\nSHA-512\nAES\nSCEPStandard\n";
  if (settings_.allow_des3) caps += "DES3\n";
  if (settings_.allow_sha1) caps += "SHA-1\n";
  return caps;
}

Status ScepService::add_routes(http::Router& router) {
  NIMBUS_ASSIGN_OR_RETURN(operations_,
                          node_.metrics().counter("nimbus_scep_operations_total",
                                                  "SCEP operations answered, by operation and outcome (a CertRep's "
                                                  "pkiStatus, or the HTTP status of a message that got none)",
                                                  {"operation", "outcome"}));
  auto handler = [this](const http::Request& request) { return handle(request); };
  NIMBUS_TRY(router.add_route({"GET", "HEAD", "POST"}, "/scep/{ca}", handler));
  NIMBUS_TRY(router.add_route({"GET", "HEAD", "POST"}, "/scep/{ca}/pkiclient.exe", handler));
  return ok_status();
}

Result<http::Response> ScepService::handle(const http::Request& request) {
  std::shared_ptr<const RegistrationAuthority> ra = registration_authority_of(request.param("ca"));
  if (!ra) {
    return http::Response::text(404, fmt::format("no issuing CA '{}' serves SCEP here", request.param("ca")));
  }
  std::optional<std::string> operation = http::query_parameter(request.query, "operation");
  if (!operation) return http::Response::text(400, "the query names no operation= (GetCACaps, GetCACert, PKIOperation)");
  if (*operation == "PKIOperation") return pki_operation(request, *ra);
  if (request.method == "POST") {
    return http::Response::text(405, fmt::format("{} is a GET operation; only PKIOperation is POSTed", loggable(*operation)));
  }
  if (*operation == "GetCACaps") {
    std::string caps = capabilities();
    return http::Response::bytes(200, "text/plain", Bytes(caps.begin(), caps.end()));
  }
  if (*operation == "GetCACert") {
    std::vector<x509::Certificate> certificates{ra->certificate};
    certificates.insert(certificates.end(), ra->ca_chain.begin(), ra->ca_chain.end());
    NIMBUS_ASSIGN_OR_RETURN(Bytes degenerate, x509::certs_only_pkcs7(certificates));
    return http::Response::bytes(200, std::string(kCaRaCertificatesType), std::move(degenerate));
  }
  if (*operation == "GetNextCACert") {
    return http::Response::text(404, fmt::format("'{}' has no rollover certificate", ra->authority_id));
  }
  return http::Response::text(400, fmt::format("unknown operation '{}'", loggable(*operation)));
}

Result<http::Response> ScepService::pki_operation(const http::Request& request, const RegistrationAuthority& ra) {
  std::optional<Bytes> decoded;
  ByteView message = request.body;
  if (request.method != "POST") {
    std::optional<std::string> text = http::query_parameter(request.query, "message");
    if (text) decoded = crypto::base64_decode(*text);
    if (!decoded) {
      operations_->with({"unknown", "http_400"}).Increment();
      spdlog::info("SCEP GET PKIOperation for '{}' from {} refused: the message= parameter is missing or not base64",
                   ra.authority_id, request.remote_address);
      return http::Response::text(400, "a GET PKIOperation carries the pkiMessage in message=, in base64");
    }
    message = *decoded;
  }
  ScepAnswer answer = responder_.answer(message, ra, request.remote_address);
  std::string outcome = answer.status ? std::string(pki_status_name(*answer.status))
                                      : fmt::format("http_{}", answer.http_status);
  operations_->with({answer.operation, outcome}).Increment();
  if (answer.http_status != 200) return http::Response::text(answer.http_status, answer.error);
  return pki_message(std::move(answer.cert_rep));
}

}  // namespace nimbus::scep
