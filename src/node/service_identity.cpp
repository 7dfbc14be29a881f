#include "node/service_identity.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "ca/authorities.h"
#include "core/file.h"
#include "core/secret.h"

namespace nimbus::node {

namespace {

constexpr auto kRenewBefore = std::chrono::hours(24 * 30);

struct Files {
  std::filesystem::path certificate;
  std::filesystem::path key_reference;
};

Files files_of(const ServiceIdentityPlan& plan) {
  return {plan.directory / (plan.name + ".pem"), plan.directory / (plan.name + ".key-ref")};
}

// Why the kept identity must be replaced; nullopt when it is good.
std::optional<std::string> replacement_reason(Node& node, const ServiceIdentityPlan& plan,
                                              const x509::Certificate& certificate) {
  if (certificate.not_after() - now_utc() < kRenewBefore) {
    return fmt::format("it expires {}", format_timestamp(certificate.not_after()));
  }
  auto record = node.store().find_certificate(certificate.serial_hex());
  if (!record.ok() || !record->has_value() || (*record)->status != store::CertificateStatus::kValid ||
      (*record)->der != certificate.der()) {
    return std::string("it is revoked or unknown to the store");
  }
  if (plan.authority_id && (*record)->issuer_id != *plan.authority_id) {
    return fmt::format("it was issued by '{}', not '{}'", (*record)->issuer_id, *plan.authority_id);
  }
  auto authority = node.store().find_authority((*record)->issuer_id);
  if (!authority.ok() || !authority->has_value() || (*authority)->status != store::AuthorityStatus::kActive) {
    return fmt::format("its authority '{}' is no longer active", (*record)->issuer_id);
  }
  return std::nullopt;
}

std::optional<ServiceIdentity> kept_identity(Node& node, const ServiceIdentityPlan& plan, crypto::KeyStore& keys) {
  Files files = files_of(plan);
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
  if (std::optional<std::string> reason = replacement_reason(node, plan, certificate)) {
    spdlog::info("{}: the certificate {} in {} is replaced: {}", plan.service, certificate.serial_hex(),
                 files.certificate.string(), *reason);
    return std::nullopt;
  }
  auto key = keys.load(std::string(reference->begin(), reference->end()));
  if (!key.ok()) {
    spdlog::warn("{}: the key of certificate {} does not open ({}); issuing a new one", plan.service,
                 certificate.serial_hex(), key.error().message());
    return std::nullopt;
  }
  ServiceIdentity identity{certificate, {}, std::move(*key)};
  identity.chain.assign(certificates->begin() + 1, certificates->end());
  return identity;
}

}  // namespace

std::string host_of(const std::string& base_url) {
  std::string_view rest(base_url);
  if (std::size_t scheme = rest.find("://"); scheme != std::string_view::npos) rest.remove_prefix(scheme + 3);
  rest = rest.substr(0, rest.find_first_of("/:"));
  return std::string(rest);
}

Result<ServiceIdentity> kept_or_issued_identity(Node& node, const ServiceIdentityPlan& plan) {
  std::unique_ptr<crypto::KeyStore> keys = node.deployment().open_key_store();
  if (auto kept = kept_identity(node, plan, *keys)) return std::move(*kept);

  std::string authority_id;
  if (plan.authority_id) {
    authority_id = *plan.authority_id;
  } else {
    NIMBUS_ASSIGN_OR_RETURN(store::AuthorityRecord authority, ca::service_signing_authority(node.store()));
    authority_id = authority.id;
  }
  NIMBUS_ASSIGN_OR_RETURN(crypto::KeySpec spec, crypto::KeySpec::parse(plan.key_spec));
  NIMBUS_ASSIGN_OR_RETURN(crypto::GeneratedKey key, keys->generate(spec, fmt::format("{}-{}", plan.service, plan.name)));
  std::string actor = fmt::format("{}:auto", plan.service);
  ca::ServiceCertificateRequest request{authority_id, plan.subject, plan.dns_names, key.key.public_key(),
                                        plan.validity, actor, plan.role};
  NIMBUS_ASSIGN_OR_RETURN(x509::Certificate certificate,
                          ca::issue_service_certificate(node.store(), *keys, node.deployment().urls(), request));
  ca::Authorities authorities(node.store(), *keys, node.deployment().urls(), actor);
  NIMBUS_ASSIGN_OR_RETURN(std::vector<x509::Certificate> chain, authorities.chain(authority_id));
  // The chain as a client needs it: the issuers, without the root it already trusts.
  if (!chain.empty() && chain.back().looks_self_signed()) chain.pop_back();

  std::string pem = certificate.pem();
  for (const x509::Certificate& issuer : chain) pem += issuer.pem();
  Files files = files_of(plan);
  NIMBUS_TRY(create_private_directory(plan.directory));
  NIMBUS_TRY(write_file_atomic(files.certificate, as_bytes(pem), 0644, true));
  NIMBUS_TRY(write_file_atomic(files.key_reference, as_bytes(key.reference), 0600, true));
  spdlog::info("{}: certificate {} issued by '{}' to \"{}\", kept in {}", plan.service, certificate.serial_hex(),
               authority_id, plan.subject.to_string(), files.certificate.string());
  return ServiceIdentity{certificate, chain, std::move(key.key)};
}

Result<ServiceIdentity> identity_from_files(std::string_view setting, const std::filesystem::path& certificate,
                                            const std::filesystem::path& key,
                                            const std::filesystem::path& key_passphrase_file) {
  auto refuse = [setting](std::string why) {
    return Error(ErrorCode::kInvalidArgument, fmt::format("{}: {}", setting, why));
  };
  auto certificate_file = read_file(certificate, 1 << 20);
  if (!certificate_file.ok()) return refuse(certificate_file.error().message());
  auto certificates = x509::Certificate::parse_all(*certificate_file);
  if (!certificates.ok() || certificates->empty()) {
    return refuse(fmt::format("{} holds no PEM certificate", certificate.string()));
  }
  std::optional<Secret> passphrase;
  if (!key_passphrase_file.empty()) {
    auto read = read_secret_file(key_passphrase_file, "key passphrase file");
    if (!read.ok()) return refuse(read.error().message());
    passphrase = std::move(*read);
  }
  if (auto mode = file_mode(key); mode.ok() && (*mode & 077) != 0) {
    return refuse(fmt::format("{} may be read by others (mode {:o}); chmod 600 it", key.string(), *mode));
  }
  auto key_file = read_file(key, 64 * 1024);
  if (!key_file.ok()) return refuse(key_file.error().message());
  auto private_key = crypto::PrivateKey::from_pem(
      *key_file, passphrase ? std::optional<std::string_view>(passphrase->reveal()) : std::nullopt);
  if (!private_key.ok()) return refuse(fmt::format("{}: {}", key.string(), private_key.error().message()));
  ServiceIdentity identity{certificates->front(), {}, std::move(*private_key)};
  identity.chain.assign(certificates->begin() + 1, certificates->end());
  return identity;
}

}  // namespace nimbus::node
