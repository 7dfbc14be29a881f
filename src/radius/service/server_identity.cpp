#include "radius/service/server_identity.h"

#include <fmt/format.h>

#include "core/file.h"
#include "core/secret.h"
#include "radius/service/automatic_identity.h"

namespace nimbus::radius {

namespace {

Result<ServerIdentity> identity_from_files(const ServerCertificateSettings& settings) {
  auto refuse = [](std::string why) {
    return Error(ErrorCode::kInvalidArgument, fmt::format("radius.server_certificate: {}", why));
  };
  auto certificate_file = read_file(settings.certificate, 1 << 20);
  if (!certificate_file.ok()) return refuse(certificate_file.error().message());
  auto certificates = x509::Certificate::parse_all(*certificate_file);
  if (!certificates.ok() || certificates->empty()) {
    return refuse(fmt::format("{} holds no PEM certificate", settings.certificate.string()));
  }
  std::optional<Secret> passphrase;
  if (!settings.key_passphrase_file.empty()) {
    auto read = read_secret_file(settings.key_passphrase_file, "key passphrase file");
    if (!read.ok()) return refuse(read.error().message());
    passphrase = std::move(*read);
  }
  if (auto mode = file_mode(settings.key); mode.ok() && (*mode & 077) != 0) {
    return refuse(fmt::format("{} may be read by others (mode {:o}); chmod 600 it", settings.key.string(), *mode));
  }
  auto key_file = read_file(settings.key, 64 * 1024);
  if (!key_file.ok()) return refuse(key_file.error().message());
  auto key = crypto::PrivateKey::from_pem(
      *key_file, passphrase ? std::optional<std::string_view>(passphrase->reveal()) : std::nullopt);
  if (!key.ok()) return refuse(fmt::format("{}: {}", settings.key.string(), key.error().message()));
  ServerIdentity identity{certificates->front(), {}, std::move(*key)};
  identity.chain.assign(certificates->begin() + 1, certificates->end());
  return identity;
}

}  // namespace

Result<ServerIdentity> obtain_server_identity(const ServerCertificateSettings& settings, node::Node& node) {
  if (!settings.automatic) return identity_from_files(settings);
  return automatic_identity(node);
}

}  // namespace nimbus::radius
