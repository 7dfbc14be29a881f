#include "node/deployment.h"

#include <mutex>
#include <optional>
#include <set>

#include <spdlog/spdlog.h>

#include "config/passphrase.h"
#include "core/file.h"
#include "node/store_opening.h"

namespace nimbus::node {

namespace {

// Whoever can change the configuration decides where keys and the store are, which passphrase file
// is read and which URLs certificates carry.
constexpr unsigned kConfigWritableByOthers = 022;
// The directory of the CA keys is for their owner alone: listing it tells which keys exist, writing
// it lets a key be replaced.
constexpr unsigned kKeysDirectoryOpenToOthers = 077;

// True the first time `path` is named in this process: nimbus serve opens several key stores, and
// the deployment again at SIGHUP, and a warning said once is enough.
bool first_warning_about(const std::filesystem::path& path) {
  static std::mutex mutex;
  static std::set<std::string> warned;
  std::lock_guard lock(mutex);
  return warned.insert(path.string()).second;
}

void warn_about_permissions(const std::filesystem::path& config_file, const std::filesystem::path& keys_directory) {
  auto config_mode = file_mode(config_file);
  if (config_mode.ok() && (*config_mode & kConfigWritableByOthers) != 0 && first_warning_about(config_file)) {
    spdlog::warn("configuration file '{}' is writable by group or others (mode {:o}), who could redirect the CA "
                 "keys and the URLs in certificates; run 'chmod go-w {}'",
                 config_file.string(), *config_mode, config_file.string());
  }
  // Absent until the first key is generated.
  auto keys_mode = file_mode(keys_directory);
  if (keys_mode.ok() && (*keys_mode & kKeysDirectoryOpenToOthers) != 0 && first_warning_about(keys_directory)) {
    spdlog::warn("keys directory '{}' is open to group or others (mode {:o}); run 'chmod 700 {}'",
                 keys_directory.string(), *keys_mode, keys_directory.string());
  }
}

}  // namespace

Deployment::Deployment(std::filesystem::path data_dir, std::filesystem::path config_file, config::Config config,
                       ca::PublicationUrls urls, std::unique_ptr<store::Store> store)
    : data_dir_(std::move(data_dir)),
      config_file_(std::move(config_file)),
      config_(std::move(config)),
      urls_(std::move(urls)),
      store_(std::move(store)) {
  keys_ = make_key_store();
}

std::unique_ptr<crypto::KeyStore> Deployment::make_key_store() const {
  std::optional<std::filesystem::path> passphrase_file;
  if (!config_.key_passphrase_file.empty()) {
    passphrase_file = config::resolve_path(data_dir_, config_.key_passphrase_file);
  }
  std::filesystem::path keys_directory = config::resolve_path(data_dir_, config_.keys_directory);
  return std::make_unique<crypto::FileKeyStore>(
      keys_directory, [passphrase_file, config_file = config_file_, keys_directory] {
        warn_about_permissions(config_file, keys_directory);
        return config::resolve_passphrase(passphrase_file);
      });
}

std::unique_ptr<crypto::KeyStore> Deployment::open_key_store() const {
  warn_about_permissions(config_file_, config::resolve_path(data_dir_, config_.keys_directory));
  return make_key_store();
}

Result<std::unique_ptr<Deployment>> Deployment::open(const std::filesystem::path& data_dir,
                                                     const std::filesystem::path& config_file) {
  std::filesystem::path config_path = config_file.empty() ? data_dir / config::kConfigFileName : config_file;
  NIMBUS_ASSIGN_OR_RETURN(config::Config config, config_file.empty() ? config::load_config(data_dir)
                                                                     : config::load_config_file(config_file));
  NIMBUS_ASSIGN_OR_RETURN(ca::PublicationUrls urls, ca::PublicationUrls::from_base(config.base_url));
  NIMBUS_ASSIGN_OR_RETURN(std::unique_ptr<store::Store> store, open_store(data_dir, config, StoreOpening::kExisting));
  return std::unique_ptr<Deployment>(
      new Deployment(data_dir, std::move(config_path), std::move(config), std::move(urls), std::move(store)));
}

Result<std::unique_ptr<Deployment>> Deployment::create(const std::filesystem::path& data_dir,
                                                       const config::Config& config) {
  NIMBUS_ASSIGN_OR_RETURN(ca::PublicationUrls urls, ca::PublicationUrls::from_base(config.base_url));
  NIMBUS_ASSIGN_OR_RETURN(std::unique_ptr<store::Store> store, open_store(data_dir, config, StoreOpening::kNew));
  return std::unique_ptr<Deployment>(
      new Deployment(data_dir, data_dir / config::kConfigFileName, config, std::move(urls), std::move(store)));
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

}  // namespace nimbus::node
