// Config: the settings of one Nimbus deployment, read from `nimbus.yaml` in the data directory.
//
// Each key is defined once, in the key table of config.cpp: its name, how its value is read into
// the field below and written back, its range and its documentation. The reader, the writer and
// configuration_reference() all use that table, and config_test checks that the README's
// configuration reference says what configuration_reference() says. Unknown keys are refused, so
// that a misspelt setting is an error rather than a silent default.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "core/result.h"
#include "pki/issuing_rules.h"

namespace nimbus::config {

inline constexpr std::string_view kConfigFileName = "nimbus.yaml";

// The key naming the passphrase file, for messages elsewhere that tell the operator to set it.
inline constexpr std::string_view kKeyPassphraseFileKey = "key_passphrase_file";

// The implementations of store::Store a deployment can use (`store.driver`).
enum class StoreDriver { kSqlite };

// "sqlite": the name `store.driver` takes.
std::string_view store_driver_name(StoreDriver driver);

// The settings, one field per key (the key's name is in the comment). Defaults are the values
// here; meanings and ranges are in the key table, as configuration_reference() prints them.
struct Config {
  std::string organization;  // `organization`, required: O= in default CA subjects
  std::string base_url;      // `base_url`, required: where AIA, CDP, OCSP and SCEP are published

  StoreDriver store_driver = StoreDriver::kSqlite;  // `store.driver`
  // `store.path`, or the older `database` key (both may be given if they agree), as written:
  // relative to the data directory or absolute. Open what store_path() gives.
  std::string database = "nimbus.db";

  std::string keys_directory = "keys";  // `keys_directory`, as written
  std::string key_passphrase_file;      // `key_passphrase_file`, as written; empty when not set

  int certificate_backdate_minutes =            // `certificate_backdate_minutes`
      static_cast<int>(std::chrono::duration_cast<std::chrono::minutes>(pki::kClockSkewAllowance).count());
  int crl_validity_hours = 168;                 // `crl_validity_hours`
  int crl_republish_hours_before_expiry = 0;    // `crl_republish_hours_before_expiry`; 0: half the validity
  bool crl_keep_expired_entries = false;        // `crl_keep_expired_entries`
  bool scep_allow_des3 = false;                 // `scep_allow_des3`
  bool scep_allow_des = false;                  // `scep_allow_des`
  bool scep_allow_sha1 = false;                 // `scep_allow_sha1`

  std::string listen_address = "127.0.0.1";  // `listen_address`
  int listen_port = 8080;                    // `listen_port`
  int http_workers = 0;                      // `http_workers`; 0: one per CPU core
  int http_max_body_bytes = 65536;           // `http_max_body_bytes`
  int http_request_timeout_seconds = 10;     // `http_request_timeout_seconds`
  int http_keep_alive_seconds = 60;          // `http_keep_alive_seconds`
  int http_max_connections = 0;              // `http_max_connections`; 0: sized to the open-file limit
  int http_max_connections_per_address = 256;  // `http_max_connections_per_address`; 0: no limit

  std::string api_listener = "tls";              // `api_listener`: "tls" or "public"
  std::string api_listen_address = "127.0.0.1";  // `api_listen_address`
  int api_listen_port = 8443;                    // `api_listen_port`
  std::string api_tls_certificate = "auto";      // `api_tls_certificate`: "auto" or a PEM file, as written
  std::string api_tls_key;                       // `api_tls_key`, as written
  std::string api_tls_key_passphrase_file;       // `api_tls_key_passphrase_file`, as written
  std::string api_client_certificates = "off";   // `api_client_certificates`: off, optional, required
  std::string api_client_authorities;            // `api_client_authorities`: authority ids, comma-separated

  // `radius`: the RADIUS server's settings, as written (with their line numbers), read and checked
  // by the RADIUS service itself (radius/service/settings.h). Null when the key is absent. (A
  // pointer rather than a YAML::Node member: assigning one YAML::Node to another rewrites the node
  // both share, so copies of a Config would change each other.)
  std::shared_ptr<const YAML::Node> radius;

  // Where the store is: `database` resolved against the data directory (resolve_path).
  std::filesystem::path store_path(const std::filesystem::path& data_dir) const;
};

// Reads a configuration file at `path` (what `nimbus serve --config FILE` names).
Result<Config> load_config_file(const std::filesystem::path& path);

// Reads `{data_dir}/nimbus.yaml`. Paths in the result are as written (resolve with resolve_path).
Result<Config> load_config(const std::filesystem::path& data_dir);

// The YAML text for `config`: a comment naming the README, then every key but `store` (the store
// is written as `database`, as it always was, so that what `nimbus init` writes is readable by
// every release) and `key_passphrase_file` when it is empty.
std::string render_config(const Config& config);

// One row of the README's configuration reference.
struct KeyReference {
  std::string key;            // "listen_port"
  std::string meaning;        // what it does, its range, "Required." for a required key
  std::string default_value;  // "`8080`", "none", or "—" for a required key

  bool operator==(const KeyReference&) const = default;
};

// Every key nimbus.yaml may have, in the table's order.
std::vector<KeyReference> configuration_reference();

// `path` as given if absolute, else relative to `data_dir`.
std::filesystem::path resolve_path(const std::filesystem::path& data_dir, const std::string& path);

}  // namespace nimbus::config
