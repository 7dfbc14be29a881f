// The RADIUS server's settings: the `radius` mapping of nimbus.yaml, read and checked in full before
// anything listens. Each setting is documented in the key table of settings.cpp, which the README's
// "RADIUS settings" reference is checked against (radius_settings_reference()).
//
// Errors name the setting and the line of nimbus.yaml it is on: "line 14: radius.clients[0].address:
// '10.0.0.0/33' is not an address or CIDR range".
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "core/result.h"
#include "core/secret.h"
#include "radius/service/address_range.h"
#include "verify/policy.h"

namespace nimbus::radius {

// A NAS allowed to ask.
struct NasClientSettings {
  std::string name;
  AddressRange range;
  Secret secret;  // from `secret` or the file `secret_file` names
  int line = 0;
};

// Where the server's own certificate comes from: issued by Nimbus (`auto`), or files.
struct ServerCertificateSettings {
  bool automatic = true;
  std::filesystem::path certificate;       // PEM: the certificate, then its chain (not the root)
  std::filesystem::path key;               // PEM, optionally encrypted
  std::filesystem::path key_passphrase_file;
};

// One condition of a network policy: every condition given must hold.
struct PolicyConditions {
  std::vector<std::string> nas;             // NAS names (the client's `name`)
  std::vector<AddressRange> nas_address;    // where the request came from
  std::vector<std::string> issuing_ca;      // authority id, or the issuer's subject DN
  std::vector<std::string> profile;         // the Nimbus profile the certificate was issued from
  std::vector<std::string> eku;             // dotted OIDs, or client_auth / server_auth ...; any present
  std::vector<std::string> subject;         // glob on the subject DN ("CN=*,O=Example")
  std::vector<std::string> san;             // glob on any DNS, e-mail, UPN or URI SAN
  std::optional<std::pair<int, int>> time;  // minutes after midnight UTC, [from, to); may wrap midnight
};

struct PolicyAttribute {
  std::string name;   // "Session-Timeout"
  std::string value;  // as written; checked against the dictionary at load
};

struct NetworkPolicySettings {
  std::string name;
  PolicyConditions when;
  bool grant = true;
  std::vector<PolicyAttribute> attributes;
  int line = 0;
};

struct RadiusSettings {
  std::string listen = "127.0.0.1:1812";
  std::string accounting_listen;  // empty: the next port of `listen`
  std::vector<NasClientSettings> clients;
  std::vector<std::string> trust;  // authority ids, PEM files or directories; empty: every authority
  ServerCertificateSettings server_certificate;
  verify::RevocationPolicy revocation;
  std::chrono::milliseconds fetch_budget{5000};
  std::vector<NetworkPolicySettings> policies;
  std::string tls_min_version = "1.2";
  std::chrono::seconds tls_session_lifetime{3600};  // 0: no resumption
  std::chrono::seconds resumption_recheck{0};       // 0: every resumed session is checked again
  int fragment_size = 1000;
  int max_conversations = 4096;
  int max_conversations_per_client = 1024;
  std::chrono::seconds conversation_timeout{30};
  int workers = 0;  // 0: four per CPU core
  std::string decision_log = "radius-decisions.log";
};

// Reads the `radius` mapping. Relative paths (secret files, certificates, the decision log) are
// resolved against `data_dir`.
Result<RadiusSettings> read_radius_settings(const YAML::Node& section, const std::filesystem::path& data_dir);

// One row of the README's RADIUS settings reference.
struct RadiusSettingReference {
  std::string key;  // "radius.listen"
  std::string meaning;
  std::string default_value;
  bool operator==(const RadiusSettingReference&) const = default;
};
std::vector<RadiusSettingReference> radius_settings_reference();

}  // namespace nimbus::radius
