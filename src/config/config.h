// Config: the settings of one Nimbus deployment, read from `nimbus.yaml` in the data directory.
//
// Every field is documented here and, in the same words, in the README's configuration reference.
// Unknown keys are refused, so that a misspelt setting is an error rather than a silent default.
#pragma once

#include <filesystem>
#include <string>

#include "core/result.h"

namespace nimbus::config {

inline constexpr std::string_view kConfigFileName = "nimbus.yaml";

struct Config {
  // `organization`: the organisation name used in default CA subjects (O=...). Required.
  std::string organization;

  // `base_url`: the http URL under which AIA, CDP, OCSP and SCEP are published, e.g.
  // http://pki.example.net. Written into every certificate; changing it later does not change
  // certificates already issued. Required.
  std::string base_url;

  // `database`: the SQLite store, relative to the data directory. Default: nimbus.db.
  std::string database = "nimbus.db";

  // `keys_directory`: where encrypted CA keys are kept (mode 0700, files 0600), relative to the
  // data directory. Default: keys.
  std::string keys_directory = "keys";

  // `key_passphrase_file`: a file (mode 0600 or stricter) holding the passphrase that encrypts CA
  // keys, relative to the data directory or absolute. The environment variable
  // NIMBUS_KEY_PASSPHRASE, when set, takes precedence. Default: none.
  std::string key_passphrase_file;

  // `certificate_backdate_minutes`: end-entity certificates start this many minutes before they
  // are issued, so that devices whose clocks run slow accept them at once. 0 to 60. Default: 5.
  int certificate_backdate_minutes = 5;

  // `crl_validity_hours`: how long each published CRL is valid (nextUpdate - thisUpdate), 1 to
  // 8760. Default: 168 (7 days).
  int crl_validity_hours = 168;

  // `crl_republish_hours_before_expiry`: a new CRL is published once the current one has this many
  // hours left, so that clients caching until nextUpdate always find a fresh one. Less than
  // crl_validity_hours; 0 means half of it. Default: 0 (republish at half life).
  int crl_republish_hours_before_expiry = 0;

  // `crl_keep_expired_entries`: true keeps revoked certificates on the CRL after they expire;
  // false (the default) drops them, as RFC 5280 allows, to keep CRLs small.
  bool crl_keep_expired_entries = false;

  // `listen_address`: the address `nimbus serve` listens on for HTTP (AIA, CDP, OCSP, metrics).
  // Default: 127.0.0.1 (put a reverse proxy or load balancer in front, or set 0.0.0.0).
  std::string listen_address = "127.0.0.1";

  // `listen_port`: its TCP port, 1 to 65535. Default: 8080.
  int listen_port = 8080;

  // `http_workers`: threads serving HTTP requests, 0 for one per CPU core. Default: 0.
  int http_workers = 0;

  // `http_max_body_bytes`: larger request bodies are refused with 413. Default: 65536.
  int http_max_body_bytes = 65536;

  // `http_request_timeout_seconds`: a client has this long to send a whole request before the
  // connection is closed (slow or half-open clients). Default: 10.
  int http_request_timeout_seconds = 10;

  // `http_keep_alive_seconds`: an idle keep-alive connection is closed after this long. Default: 60.
  int http_keep_alive_seconds = 60;
};

// Reads a configuration file at `path` (what `nimbus serve --config FILE` names).
Result<Config> load_config_file(const std::filesystem::path& path);

// Reads `{data_dir}/nimbus.yaml`. Paths in the result are as written (resolve with resolve_path).
Result<Config> load_config(const std::filesystem::path& data_dir);

// The YAML text for `config`, with a comment per key.
std::string render_config(const Config& config);

// `path` as given if absolute, else relative to `data_dir`.
std::filesystem::path resolve_path(const std::filesystem::path& data_dir, const std::string& path);

}  // namespace nimbus::config
