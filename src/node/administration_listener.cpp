#include "node/administration_listener.h"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "node/service_identity.h"
#include "x509/https_context.h"

namespace nimbus::node {

namespace {

// Administrators and scripts, not a fleet: a few connections and threads are plenty.
constexpr std::size_t kMaxConnections = 256;
constexpr std::size_t kMaxConnectionsPerAddress = 64;
constexpr unsigned kWorkerThreads = 2;

Result<ServiceIdentity> listener_identity(Node& node) {
  const config::Config& config = node.deployment().config();
  const std::filesystem::path& data_dir = node.deployment().data_dir();
  if (config.api_tls_certificate != "auto") {
    std::filesystem::path passphrase;
    if (!config.api_tls_key_passphrase_file.empty()) {
      passphrase = config::resolve_path(data_dir, config.api_tls_key_passphrase_file);
    }
    return identity_from_files("api_tls_certificate", config::resolve_path(data_dir, config.api_tls_certificate),
                               config::resolve_path(data_dir, config.api_tls_key), passphrase);
  }
  std::string host = host_of(config.base_url);
  std::vector<std::string> names = {host};
  // Clients on the machine itself name the listening address (or localhost) rather than the public host.
  if (config.api_listen_address != host && config.api_listen_address != "0.0.0.0" && config.api_listen_address != "::") {
    names.push_back(config.api_listen_address);
  }
  if (host != "localhost") names.push_back("localhost");
  NIMBUS_ASSIGN_OR_RETURN(x509::DistinguishedName subject,
                          x509::DistinguishedName::parse(fmt::format("CN={} API,O={}", host, config.organization)));
  ServiceIdentityPlan plan{"api", data_dir / "api", "server", std::nullopt, "ec:p256", subject, names};
  return kept_or_issued_identity(node, plan);
}

std::vector<std::string> comma_separated(std::string_view text) {
  std::vector<std::string> items;
  while (!text.empty()) {
    std::size_t comma = text.find(',');
    std::string_view item = text.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty()) items.emplace_back(item);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return items;
}

// The certificates of the authorities whose certificates clients may present.
Result<std::vector<x509::Certificate>> client_authorities(Node& node) {
  const config::Config& config = node.deployment().config();
  std::vector<std::string> ids = comma_separated(config.api_client_authorities);
  std::vector<store::AuthorityRecord> records;
  if (ids.empty()) {
    NIMBUS_ASSIGN_OR_RETURN(records, node.store().list_authorities());
  }
  for (const std::string& id : ids) {
    NIMBUS_ASSIGN_OR_RETURN(std::optional<store::AuthorityRecord> record, node.store().find_authority(id));
    if (!record) {
      return Error(ErrorCode::kInvalidArgument, fmt::format("api_client_authorities: no authority '{}'", id));
    }
    records.push_back(std::move(*record));
  }
  std::vector<x509::Certificate> certificates;
  for (const store::AuthorityRecord& record : records) {
    if (!record.certificate_der) continue;  // pending: it has issued nothing yet
    NIMBUS_ASSIGN_OR_RETURN(x509::Certificate certificate, x509::Certificate::from_der(*record.certificate_der));
    certificates.push_back(std::move(certificate));
  }
  if (certificates.empty()) {
    return Error(ErrorCode::kInvalidArgument,
                 "api_client_certificates is on, but no authority of api_client_authorities has a certificate");
  }
  return certificates;
}

}  // namespace

Result<http::ServerOptions> administration_server_options(Node& node, std::optional<std::uint16_t> port) {
  const config::Config& config = node.deployment().config();
  NIMBUS_ASSIGN_OR_RETURN(ServiceIdentity identity, listener_identity(node));
  std::optional<x509::ClientCertificates> clients = x509::parse_client_certificates(config.api_client_certificates);
  if (!clients) {
    return Error(ErrorCode::kInvalidArgument,
                 fmt::format("api_client_certificates '{}' is not off, optional or required", config.api_client_certificates));
  }
  std::vector<x509::Certificate> anchors;
  if (*clients != x509::ClientCertificates::kOff) {
    NIMBUS_ASSIGN_OR_RETURN(anchors, client_authorities(node));
  }
  auto context = x509::HttpsContext::make(identity.certificate, identity.chain, identity.key, *clients, anchors);
  if (!context.ok()) return std::move(context).error().with_context("the API listener's TLS");

  http::ServerOptions options;
  options.listen_address = config.api_listen_address;
  options.port = port.value_or(static_cast<std::uint16_t>(config.api_listen_port));
  options.worker_threads = kWorkerThreads;
  options.max_connections = kMaxConnections;
  options.max_connections_per_address = kMaxConnectionsPerAddress;
  options.max_body_bytes = static_cast<std::size_t>(config.http_max_body_bytes);
  options.read_timeout = std::chrono::seconds(config.http_request_timeout_seconds);
  options.idle_timeout = std::chrono::seconds(config.http_keep_alive_seconds);
  options.tls = std::make_shared<const x509::HttpsContext>(std::move(*context));
  options.name = "api";
  options.metrics_prefix = "nimbus_api_http";
  spdlog::info("api: TLS certificate {} \"{}\"{}", identity.certificate.serial_hex(),
               identity.certificate.subject().to_string(),
               *clients == x509::ClientCertificates::kOff
                   ? std::string()
                   : fmt::format("; client certificates {}, issued by {}", x509::client_certificates_name(*clients),
                                 config.api_client_authorities.empty() ? std::string("any authority of the deployment")
                                                                       : config.api_client_authorities));
  return options;
}

}  // namespace nimbus::node
