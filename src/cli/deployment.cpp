#include "cli/deployment.h"

#include <optional>

#include "config/passphrase.h"
#include "store/sqlite/sqlite_store.h"

namespace nimbus::cli {

Deployment::Deployment(std::filesystem::path data_dir, config::Config config, ca::PublicationUrls urls,
                       std::unique_ptr<store::Store> store)
    : data_dir_(std::move(data_dir)), config_(std::move(config)), urls_(std::move(urls)), store_(std::move(store)) {
  keys_ = open_key_store();
}

std::unique_ptr<crypto::KeyStore> Deployment::open_key_store() const {
  std::optional<std::filesystem::path> passphrase_file;
  if (!config_.key_passphrase_file.empty()) {
    passphrase_file = config::resolve_path(data_dir_, config_.key_passphrase_file);
  }
  return std::make_unique<crypto::FileKeyStore>(
      config::resolve_path(data_dir_, config_.keys_directory),
      [passphrase_file] { return config::resolve_passphrase(passphrase_file); });
}

Result<std::unique_ptr<Deployment>> Deployment::open(const std::filesystem::path& data_dir,
                                                     const std::filesystem::path& config_file) {
  NIMBUS_ASSIGN_OR_RETURN(config::Config config, config_file.empty() ? config::load_config(data_dir)
                                                                     : config::load_config_file(config_file));
  NIMBUS_ASSIGN_OR_RETURN(ca::PublicationUrls urls, ca::PublicationUrls::from_base(config.base_url));
  NIMBUS_ASSIGN_OR_RETURN(std::unique_ptr<store::Store> store,
                          store::sqlite::SqliteStore::open(config.store_path(data_dir)));
  return std::unique_ptr<Deployment>(new Deployment(data_dir, std::move(config), std::move(urls), std::move(store)));
}

Result<std::unique_ptr<Deployment>> Deployment::create(const std::filesystem::path& data_dir,
                                                       const config::Config& config) {
  NIMBUS_ASSIGN_OR_RETURN(ca::PublicationUrls urls, ca::PublicationUrls::from_base(config.base_url));
  NIMBUS_ASSIGN_OR_RETURN(std::unique_ptr<store::Store> store,
                          store::sqlite::SqliteStore::create(config.store_path(data_dir)));
  return std::unique_ptr<Deployment>(new Deployment(data_dir, config, std::move(urls), std::move(store)));
}

revocation::CrlPolicy Deployment::crl_policy() const {
  revocation::CrlPolicy policy;
  policy.validity = std::chrono::hours(config_.crl_validity_hours);
  policy.republish_before_expiry = config_.crl_republish_hours_before_expiry > 0
                                       ? Duration(std::chrono::hours(config_.crl_republish_hours_before_expiry))
                                       : policy.validity / 2;
  policy.keep_expired_entries = config_.crl_keep_expired_entries;
  return policy;
}

ca::Authorities Deployment::authorities(const std::string& actor) {
  return ca::Authorities(*store_, *keys_, urls_, actor);
}

}  // namespace nimbus::cli
