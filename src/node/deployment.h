// Deployment: one data directory opened for use — its configuration, the store the configuration
// chose, and the CA keys. Every command works on one; `nimbus serve` runs a Node over one.
//
// Before its keys are first put to use, a deployment looks at who else may touch them, as OpenSSH
// does: it warns (once per path and process) when the configuration file is writable by group or
// others, or the keys directory is open to them, naming the chmod that fixes it; its key store
// refuses a key file that group or others may read or write (crypto/key_store.h). Commands that
// only read the store see no warning.
//
// Thread-safety: a Deployment is used from one thread. Its Store is thread-safe (see store.h); its
// KeyStore is not — a thread of its own takes open_key_store().
#pragma once

#include <filesystem>
#include <memory>

#include "ca/authorities.h"
#include "ca/publication_urls.h"
#include "config/config.h"
#include "core/result.h"
#include "crypto/key_store.h"
#include "revocation/crl_publisher.h"
#include "store/store.h"

namespace nimbus::node {

class Deployment {
 public:
  // Opens the deployment in `data_dir`; the key passphrase is read only when a key is first used.
  // `config_file`, when given, replaces `{data_dir}/nimbus.yaml`; relative paths in it are still
  // relative to the data directory.
  static Result<std::unique_ptr<Deployment>> open(const std::filesystem::path& data_dir,
                                                  const std::filesystem::path& config_file = {});

  // Opens a deployment whose store is created now (by `nimbus init`).
  static Result<std::unique_ptr<Deployment>> create(const std::filesystem::path& data_dir,
                                                    const config::Config& config);

  const std::filesystem::path& data_dir() const { return data_dir_; }
  const config::Config& config() const { return config_; }
  const ca::PublicationUrls& urls() const { return urls_; }
  store::Store& store() { return *store_; }
  crypto::KeyStore& keys() { return *keys_; }
  // Another key store over the same keys, for a thread of its own (a KeyStore is not thread-safe).
  // Whoever opens one is about to sign with it (nimbus serve at start), so the permission checks
  // above run now; keys() runs them when it first unlocks a key.
  std::unique_ptr<crypto::KeyStore> open_key_store() const;

  // The authorities of this deployment, acting as `actor` (recorded in the audit trail).
  ca::Authorities authorities(const std::string& actor);

  // The CRL settings of the configuration.
  revocation::CrlPolicy crl_policy() const;

 private:
  Deployment(std::filesystem::path data_dir, std::filesystem::path config_file, config::Config config,
             ca::PublicationUrls urls, std::unique_ptr<store::Store> store);

  // The key store, checking permissions when its passphrase is first asked for (a key's first use).
  std::unique_ptr<crypto::KeyStore> make_key_store() const;

  std::filesystem::path data_dir_;
  std::filesystem::path config_file_;
  config::Config config_;
  ca::PublicationUrls urls_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<crypto::KeyStore> keys_;
};

}  // namespace nimbus::node
