#include "radius/service/automatic_identity.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "ca/authorities.h"
#include "ca/service_certificates.h"
#include "core/file.h"

namespace nimbus::radius {

namespace {

constexpr auto kRenewBefore = std::chrono::hours(24 * 30);
constexpr std::string_view kActor = "radius:auto";

struct Files {
  std::filesystem::path directory;
  std::filesystem::path certificate;
  std::filesystem::path key_reference;
};

Files files_of(const node::Node& node) {
  std::filesystem::path directory = node.deployment().data_dir() / "radius";
  return {directory, directory / "server.pem", directory / "server.key-ref"};
}

// The kept identity, if it is still good to use.
std::optional<ServerIdentity> kept_identity(node::Node& node, const Files& files, crypto::KeyStore& keys) {
  std::error_code ec;
  if (!std::filesystem::exists(files.certificate, ec) || !std::filesystem::exists(files.key_reference, ec)) {
    return std::nullopt;
  }
  auto pem = read_file(files.certificate, 1 << 20);
  auto reference = read_file(files.key_reference, 4096);
  if (!pem.ok() || !reference.ok()) return std::nullopt;
  auto certificates = x509::Certificate::parse_all(*pem);
  if (!certificates.ok() || certificates->empty()) return std::nullopt;
  const x509::Certificate& certificate = certificates->front();
  if (certificate.not_after() - now_utc() < kRenewBefore) {
    spdlog::info("radius: the server certificate expires {}; issuing a new one", format_timestamp(certificate.not_after()));
    return std::nullopt;
  }
  auto record = node.store().find_certificate(certificate.serial_hex());
  if (!record.ok() || !record->has_value() || (*record)->status != store::CertificateStatus::kValid) {
    spdlog::info("radius: the server certificate {} is revoked or unknown to the store; issuing a new one",
                 certificate.serial_hex());
    return std::nullopt;
  }
  auto authority = node.store().find_authority((*record)->issuer_id);
  if (!authority.ok() || !authority->has_value() || (*authority)->status != store::AuthorityStatus::kActive) {
    spdlog::info("radius: the authority of the server certificate is no longer active; issuing a new one");
    return std::nullopt;
  }
  auto key = keys.load(std::string(reference->begin(), reference->end()));
  if (!key.ok()) {
    spdlog::warn("radius: the server certificate's key does not open ({}); issuing a new one", key.error().message());
    return std::nullopt;
  }
  ServerIdentity identity{certificate, {}, std::move(*key)};
  identity.chain.assign(certificates->begin() + 1, certificates->end());
  return identity;
}

// The host of the base URL: the name the server certificate carries.
std::string host_of(const std::string& base_url) {
  std::string_view rest(base_url);
  if (std::size_t scheme = rest.find("://"); scheme != std::string_view::npos) rest.remove_prefix(scheme + 3);
  rest = rest.substr(0, rest.find_first_of("/:"));
  return std::string(rest);
}

}  // namespace

Result<ServerIdentity> automatic_identity(node::Node& node) {
  Files files = files_of(node);
  std::unique_ptr<crypto::KeyStore> keys = node.deployment().open_key_store();
  if (auto kept = kept_identity(node, files, *keys)) return std::move(*kept);

  NIMBUS_ASSIGN_OR_RETURN(store::AuthorityRecord authority, ca::service_signing_authority(node.store()));
  NIMBUS_ASSIGN_OR_RETURN(crypto::KeySpec spec, crypto::KeySpec::parse("ec:p256"));
  NIMBUS_ASSIGN_OR_RETURN(crypto::GeneratedKey key, keys->generate(spec, "radius-server"));
  const config::Config& config = node.deployment().config();
  std::string host = host_of(config.base_url);
  NIMBUS_ASSIGN_OR_RETURN(x509::DistinguishedName subject,
                          x509::DistinguishedName::parse(fmt::format("CN={} RADIUS,O={}", host, config.organization)));
  ca::ServiceCertificateRequest request{authority.id, subject, {host}, key.key.public_key(),
                                        std::chrono::hours(24 * 365), std::string(kActor)};
  NIMBUS_ASSIGN_OR_RETURN(x509::Certificate certificate,
                          ca::issue_service_certificate(node.store(), *keys, node.deployment().urls(), request));
  ca::Authorities authorities(node.store(), *keys, node.deployment().urls(), std::string(kActor));
  NIMBUS_ASSIGN_OR_RETURN(std::vector<x509::Certificate> chain, authorities.chain(authority.id));
  // The chain as the client needs it: the issuers, without the root it already trusts.
  if (!chain.empty() && chain.back().looks_self_signed()) chain.pop_back();

  std::string pem = certificate.pem();
  for (const x509::Certificate& issuer : chain) pem += issuer.pem();
  NIMBUS_TRY(create_private_directory(files.directory));
  NIMBUS_TRY(write_file_atomic(files.certificate, ByteView(reinterpret_cast<const std::uint8_t*>(pem.data()), pem.size()),
                               0644, true));
  NIMBUS_TRY(write_file_atomic(files.key_reference,
                               ByteView(reinterpret_cast<const std::uint8_t*>(key.reference.data()), key.reference.size()),
                               0600, true));
  spdlog::info("radius: server certificate {} issued by '{}' for {}, kept in {}", certificate.serial_hex(), authority.id,
               host, files.directory.string());
  return ServerIdentity{certificate, chain, std::move(key.key)};
}

}  // namespace nimbus::radius
