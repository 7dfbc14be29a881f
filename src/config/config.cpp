#include "config/config.h"

#include <charconv>
#include <optional>
#include <set>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "core/file.h"
#include "yaml/document.h"

namespace nimbus::config {

namespace {

// ---- The keys -----------------------------------------------------------------------------------

// How a key's value is read and written.
enum class Kind {
  kText,    // a string, kept as written
  kNumber,  // a whole number from min to max
  kFlag,    // true or false
  kStore,   // the mapping {driver, path}
  kSection, // a mapping kept as written, for the service that owns it to read
};

// Whether a key must be given, and whether render_config writes it.
enum class Presence {
  kRequired,   // must be given and not empty; always written
  kDefaulted,  // takes its default when left out; always written
  kOptional,   // empty when left out; written only when set
  kReadOnly,   // read, never written (`store`: render_config writes `database` instead)
};

struct Key {
  std::string_view name;
  Kind kind;
  Presence presence;
  std::string Config::*text = nullptr;
  int Config::*number = nullptr;
  bool Config::*flag = nullptr;
  std::shared_ptr<const YAML::Node> Config::*section = nullptr;
  int min = 0;
  int max = 0;
  // The README's "meaning", without what the table adds itself: the range of a number and
  // "Required." for a required key.
  std::string_view meaning;
};

constexpr Key text_key(std::string_view name, std::string Config::*field, Presence presence, std::string_view meaning) {
  return {.name = name, .kind = Kind::kText, .presence = presence, .text = field, .meaning = meaning};
}

constexpr Key number_key(std::string_view name, int Config::*field, int min, int max, std::string_view meaning) {
  return {.name = name,
          .kind = Kind::kNumber,
          .presence = Presence::kDefaulted,
          .number = field,
          .min = min,
          .max = max,
          .meaning = meaning};
}

constexpr Key flag_key(std::string_view name, bool Config::*field, std::string_view meaning) {
  return {.name = name, .kind = Kind::kFlag, .presence = Presence::kDefaulted, .flag = field, .meaning = meaning};
}

// Names that messages quote besides the key's own row.
constexpr std::string_view kStore = "store";
constexpr std::string_view kDatabase = "database";
constexpr std::string_view kCrlValidityHours = "crl_validity_hours";
constexpr std::string_view kCrlRepublishHours = "crl_republish_hours_before_expiry";
constexpr std::string_view kApiListener = "api_listener";
constexpr std::string_view kApiTlsCertificate = "api_tls_certificate";
constexpr std::string_view kApiTlsKey = "api_tls_key";
constexpr std::string_view kApiClientCertificates = "api_client_certificates";

// The members of `store`.
constexpr std::string_view kStoreDriver = "driver";
constexpr std::string_view kStorePath = "path";

struct NamedDriver {
  std::string_view name;
  StoreDriver driver;
};
constexpr NamedDriver kStoreDrivers[] = {{"sqlite", StoreDriver::kSqlite}};

// Every key of nimbus.yaml, in the order render_config writes them and the README lists them.
constexpr Key kKeys[] = {
    text_key("organization", &Config::organization, Presence::kRequired,
             "Organisation name used in default CA subjects (`O=`)."),
    text_key("base_url", &Config::base_url, Presence::kRequired,
             "http URL under which AIA, CDP, OCSP and SCEP are published, e.g. `http://pki.example.net`. "
             "Written into every certificate; changing it later does not change certificates already issued."),
    {.name = kStore,
     .kind = Kind::kStore,
     .presence = Presence::kReadOnly,
     .meaning = "Where the deployment's records are kept: a mapping of `driver` (`sqlite`, the only driver so "
                "far, and the default) and `path` (the store's file, relative to the data directory or "
                "absolute). Takes the place of `database`; if both name a file, it must be the same one."},
    text_key(kDatabase, &Config::database, Presence::kDefaulted,
             "The SQLite store, relative to the data directory or absolute: the older spelling of "
             "`store.path`, still read, and what `nimbus init` writes."),
    text_key("keys_directory", &Config::keys_directory, Presence::kDefaulted,
             "Where encrypted CA keys are kept (0700; files 0600), relative to the data directory or absolute. "
             "A key file that group or others may read or write is refused, a directory open to them warned "
             "about (see File permissions)."),
    text_key(kKeyPassphraseFileKey, &Config::key_passphrase_file, Presence::kOptional,
             "File (mode 0600 or stricter) holding the passphrase that encrypts CA keys, relative to the data "
             "directory or absolute. `NIMBUS_KEY_PASSPHRASE`, when set, takes precedence."),
    number_key("certificate_backdate_minutes", &Config::certificate_backdate_minutes, 0, 60,
               "End-entity certificates start this many minutes before they are issued, for devices whose "
               "clocks run slow."),
    number_key(kCrlValidityHours, &Config::crl_validity_hours, 1, 8760,
               "How long each published CRL is valid (nextUpdate − thisUpdate)."),
    number_key(kCrlRepublishHours, &Config::crl_republish_hours_before_expiry, 0, 8759,
               "A new CRL is published once the current one has this many hours left, so that clients caching "
               "until nextUpdate always find a fresh one. Less than `crl_validity_hours`; `0` means half of it."),
    flag_key("crl_keep_expired_entries", &Config::crl_keep_expired_entries,
             "`true` keeps revoked certificates on the CRL after they expire; `false` drops them, as RFC 5280 "
             "allows."),
    flag_key("scep_allow_des3", &Config::scep_allow_des3,
             "`true` lets SCEP clients encrypt with DES-EDE3-CBC, for old clients that know nothing better; "
             "`false` offers and accepts AES-128-CBC and AES-256-CBC only."),
    flag_key("scep_allow_des", &Config::scep_allow_des,
             "`true` also lets SCEP clients encrypt with single DES-CBC (56-bit keys, broken), for clients that "
             "offer nothing else, such as micromdm scepclient 2.1; loads OpenSSL's legacy provider. Never "
             "advertised in GetCACaps."),
    flag_key("scep_allow_sha1", &Config::scep_allow_sha1,
             "`true` accepts SCEP messages signed with SHA-1, for old clients; `false` accepts SHA-256, SHA-384 "
             "and SHA-512 only. (Certificate requests follow their profile's `hash`, which never allows SHA-1.)"),
    text_key("listen_address", &Config::listen_address, Presence::kDefaulted,
             "Address `nimbus serve` listens on for HTTP (AIA, CDP, OCSP, health, metrics). Put a reverse proxy "
             "or load balancer in front, or set `0.0.0.0`."),
    number_key("listen_port", &Config::listen_port, 1, 65535, "Its TCP port."),
    number_key("http_workers", &Config::http_workers, 0, 256,
               "Threads serving HTTP requests; `0` for one per CPU core."),
    number_key("http_max_body_bytes", &Config::http_max_body_bytes, 1024, 16 << 20,
               "Larger request bodies are refused with 413."),
    number_key("http_request_timeout_seconds", &Config::http_request_timeout_seconds, 1, 3600,
               "A client has this long to send a whole request before its connection is closed (slow or "
               "half-open clients)."),
    number_key("http_keep_alive_seconds", &Config::http_keep_alive_seconds, 1, 3600,
               "An idle keep-alive connection is closed after this long."),
    number_key("http_max_connections", &Config::http_max_connections, 0, 1'000'000,
               "Open HTTP connections at most. Near the limit the connection idle longest is closed for each new "
               "one, so that new clients are served while any connection is merely idle; beyond it, with none "
               "idle, a new connection gets 503. `0` sizes it to the open-file limit (which `nimbus serve` raises "
               "to its hard limit) less 256 descriptors kept for the store, keys and logs, at most 16384."),
    number_key("http_max_connections_per_address", &Config::http_max_connections_per_address, 0, 1'000'000,
               "Open HTTP connections from one client address at most; more get 429 without affecting other "
               "clients. `0` for no limit (a proxy in front that connects from one address)."),
    text_key(kApiListener, &Config::api_listener, Presence::kDefaulted,
             "Where the REST API (`/api/v1`) and the web console are served: `tls` on a listener of their own "
             "that speaks HTTPS only (`api_listen_address`, `api_listen_port`), and not on the plain listener; "
             "`public` on the plain HTTP listener with AIA, CDP and OCSP, for a TLS-terminating proxy in front "
             "(browsers keep the console's Secure cookie only over https or on localhost)."),
    text_key("api_listen_address", &Config::api_listen_address, Presence::kDefaulted,
             "Address of the HTTPS listener of the API and console (`api_listener: tls`)."),
    number_key("api_listen_port", &Config::api_listen_port, 1, 65535, "Its TCP port."),
    text_key(kApiTlsCertificate, &Config::api_tls_certificate, Presence::kDefaulted,
             "The certificate the HTTPS listener proves itself with: `auto`, issued by the deployment's "
             "issuing CA (or its root when it has none) for the host of `base_url`, kept under `api/` in the "
             "data directory and issued again 30 days before it expires; or a PEM file holding the certificate "
             "and then its chain, relative to the data directory or absolute."),
    text_key(kApiTlsKey, &Config::api_tls_key, Presence::kOptional,
             "With a certificate file: the PEM file of its private key (mode 0600), encrypted or not."),
    text_key("api_tls_key_passphrase_file", &Config::api_tls_key_passphrase_file, Presence::kOptional,
             "File (mode 0600) holding the passphrase of an encrypted `api_tls_key`."),
    text_key(kApiClientCertificates, &Config::api_client_certificates, Presence::kDefaulted,
             "Mutual TLS on the HTTPS listener: `off`; `optional` (a client may present a certificate, which "
             "must then verify); `required` (a client without a certificate that verifies is refused in the "
             "handshake). A presented certificate must be issued by one of `api_client_authorities` and not "
             "revoked; API tokens are still needed on top."),
    text_key("api_client_authorities", &Config::api_client_authorities, Presence::kOptional,
             "Ids of the authorities whose certificates clients may present, separated by commas; every "
             "authority of the deployment when empty."),
    {.name = "radius",
     .kind = Kind::kSection,
     .presence = Presence::kOptional,
     .section = &Config::radius,
     .meaning = "The RADIUS server `nimbus serve` runs: a mapping of the settings under RADIUS settings below. "
                "Without it no RADIUS server runs."},
};

// Each key names a field of its kind, names are unique, and only text can be required or optional.
constexpr bool keys_are_consistent() {
  for (const Key& key : kKeys) {
    bool field = (key.kind == Kind::kText && key.text != nullptr) ||
                 (key.kind == Kind::kNumber && key.number != nullptr && key.min <= key.max) ||
                 (key.kind == Kind::kFlag && key.flag != nullptr) ||
                 (key.kind == Kind::kStore && key.presence == Presence::kReadOnly) ||
                 (key.kind == Kind::kSection && key.section != nullptr && key.presence == Presence::kOptional);
    bool text_only = key.presence == Presence::kRequired || (key.presence == Presence::kOptional && key.kind != Kind::kSection);
    if (!field || (text_only && key.kind != Kind::kText) || key.meaning.empty()) return false;
    int same_name = 0;
    for (const Key& other : kKeys) same_name += other.name == key.name ? 1 : 0;
    if (same_name != 1) return false;
  }
  return true;
}
static_assert(keys_are_consistent());

const Key* find_key(std::string_view name) {
  for (const Key& key : kKeys) {
    if (key.name == name) return &key;
  }
  return nullptr;
}

std::string driver_names() {
  std::string names;
  for (const NamedDriver& each : kStoreDrivers) {
    if (!names.empty()) names += ", ";
    names += each.name;
  }
  return names;
}

// ---- Reading ------------------------------------------------------------------------------------

Error invalid(const std::filesystem::path& file, std::string_view why) {
  return Error(ErrorCode::kInvalidArgument, fmt::format("{}: {}", file.string(), why));
}

// What the reader saw beside the fields: which keys were given, and `store.path`, which is
// reconciled with `database` once the whole file is read.
struct Given {
  std::set<std::string, std::less<>> keys;
  std::optional<std::string> store_path;
};

Result<int> whole_number(const std::filesystem::path& file, const Key& key, const std::string& value) {
  int number = -1;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), number);
  if (ec != std::errc() || end != value.data() + value.size() || number < key.min || number > key.max) {
    return invalid(file, fmt::format("{} must be a whole number from {} to {}", key.name, key.min, key.max));
  }
  return number;
}

Status read_store(const std::filesystem::path& file, const YAML::Node& node, Config& config, Given& given) {
  if (!node.IsMap()) {
    return invalid(file, fmt::format("'{}' must be a mapping of {} and {}, e.g. {{{}: sqlite, {}: nimbus.db}}", kStore,
                                     kStoreDriver, kStorePath, kStoreDriver, kStorePath));
  }
  for (const auto& member : node) {
    std::string name = member.first.as<std::string>("");
    if (name != kStoreDriver && name != kStorePath) {
      return invalid(file, fmt::format("unknown setting '{}.{}' ({} has {} and {})", kStore, name, kStore,
                                       kStoreDriver, kStorePath));
    }
    if (!member.second.IsScalar()) return invalid(file, fmt::format("'{}.{}' must be a string", kStore, name));
    std::string value = member.second.as<std::string>();
    if (name == kStorePath) {
      if (value.empty()) return invalid(file, fmt::format("{}.{} is empty", kStore, kStorePath));
      given.store_path = value;
      continue;
    }
    const NamedDriver* driver = nullptr;
    for (const NamedDriver& each : kStoreDrivers) {
      if (each.name == value) driver = &each;
    }
    if (driver == nullptr) {
      return invalid(file, fmt::format("{}.{} '{}' is not supported; the drivers are: {}", kStore, kStoreDriver, value,
                                       driver_names()));
    }
    config.store_driver = driver->driver;
  }
  return ok_status();
}

Status read_key(const std::filesystem::path& file, const Key& key, const YAML::Node& node, Config& config,
                Given& given) {
  if (key.kind == Kind::kStore) return read_store(file, node, config, given);
  if (key.kind == Kind::kSection) {
    if (!node.IsMap()) return invalid(file, fmt::format("'{}' must be a mapping of settings", key.name));
    config.*key.section = std::make_shared<const YAML::Node>(node);
    return ok_status();
  }
  if (!node.IsScalar()) return invalid(file, fmt::format("'{}' must be a string", key.name));
  std::string value = node.as<std::string>();
  switch (key.kind) {
    case Kind::kText: config.*key.text = value; break;
    case Kind::kNumber: {
      NIMBUS_ASSIGN_OR_RETURN(config.*key.number, whole_number(file, key, value));
      break;
    }
    case Kind::kFlag:
      if (value != "true" && value != "false") return invalid(file, fmt::format("{} must be true or false", key.name));
      config.*key.flag = value == "true";
      break;
    case Kind::kStore:
    case Kind::kSection: break;
  }
  return ok_status();
}

// `store.path` and `database` are two spellings of one setting: either may be given, or both if
// they name the same file.
Status reconcile_store_path(const std::filesystem::path& file, const Given& given, Config& config) {
  if (!given.store_path) return ok_status();
  if (given.keys.contains(kDatabase) &&
      std::filesystem::path(config.database).lexically_normal() !=
          std::filesystem::path(*given.store_path).lexically_normal()) {
    return invalid(file, fmt::format("{}.{} ('{}') and {} ('{}') name different stores; keep {}.{} and remove {}",
                                     kStore, kStorePath, *given.store_path, kDatabase, config.database, kStore,
                                     kStorePath, kDatabase));
  }
  config.database = *given.store_path;
  return ok_status();
}

Status check_settings(const std::filesystem::path& file, const Config& config) {
  if (config.crl_republish_hours_before_expiry >= config.crl_validity_hours) {
    return invalid(file, fmt::format("{} ({}) must be less than {} ({})", kCrlRepublishHours,
                                     config.crl_republish_hours_before_expiry, kCrlValidityHours,
                                     config.crl_validity_hours));
  }
  if (config.api_listener != "tls" && config.api_listener != "public") {
    return invalid(file, fmt::format("{} must be tls or public, not '{}'", kApiListener, config.api_listener));
  }
  if (config.api_client_certificates != "off" && config.api_client_certificates != "optional" &&
      config.api_client_certificates != "required") {
    return invalid(file, fmt::format("{} must be off, optional or required, not '{}'", kApiClientCertificates,
                                     config.api_client_certificates));
  }
  if (config.api_client_certificates != "off" && config.api_listener != "tls") {
    return invalid(file, fmt::format("{}: {} needs {}: tls (a proxy in front ends the TLS)", kApiClientCertificates,
                                     config.api_client_certificates, kApiListener));
  }
  if (config.api_tls_certificate.empty()) {
    return invalid(file, fmt::format("{} is empty: give auto or a PEM file", kApiTlsCertificate));
  }
  if ((config.api_tls_certificate == "auto") != config.api_tls_key.empty()) {
    return invalid(file, config.api_tls_key.empty()
                             ? fmt::format("{} names a file: give its key in {}", kApiTlsCertificate, kApiTlsKey)
                             : fmt::format("{} is given, but {} is auto", kApiTlsKey, kApiTlsCertificate));
  }
  for (const Key& key : kKeys) {
    if (key.presence == Presence::kRequired && (config.*key.text).empty()) {
      return invalid(file, fmt::format("'{}' is required", key.name));
    }
  }
  return ok_status();
}

// ---- Writing and documenting --------------------------------------------------------------------

void write_key(YAML::Emitter& out, const Key& key, const Config& config) {
  if (key.presence == Presence::kReadOnly) return;
  if (key.kind == Kind::kSection) {
    if (!(config.*key.section)) return;
  } else if (key.presence == Presence::kOptional && (config.*key.text).empty()) {
    return;
  }
  out << YAML::Key << std::string(key.name) << YAML::Value;
  switch (key.kind) {
    case Kind::kText: out << config.*key.text; break;
    case Kind::kNumber: out << config.*key.number; break;
    case Kind::kFlag: out << (config.*key.flag ? "true" : "false"); break;
    case Kind::kSection: out << *(config.*key.section); break;
    case Kind::kStore: break;
  }
}

std::string meaning(const Key& key) {
  std::string text(key.meaning);
  if (key.kind == Kind::kNumber) text += fmt::format(" {} to {}.", key.min, key.max);
  if (key.presence == Presence::kRequired) text += " Required.";
  return text;
}

std::string default_value(const Key& key) {
  const Config defaults;
  switch (key.kind) {
    case Kind::kText:
      if (key.presence == Presence::kRequired) return "—";
      return (defaults.*key.text).empty() ? "none" : fmt::format("`{}`", defaults.*key.text);
    case Kind::kNumber: return fmt::format("`{}`", defaults.*key.number);
    case Kind::kFlag: return defaults.*key.flag ? "`true`" : "`false`";
    case Kind::kSection: return "none";
    case Kind::kStore:
      return fmt::format("`{{{}: {}, {}: {}}}`", kStoreDriver, store_driver_name(defaults.store_driver), kStorePath,
                         defaults.database);
  }
  return "";
}

}  // namespace

std::string_view store_driver_name(StoreDriver driver) {
  for (const NamedDriver& each : kStoreDrivers) {
    if (each.driver == driver) return each.name;
  }
  return "unknown";
}

std::filesystem::path Config::store_path(const std::filesystem::path& data_dir) const {
  return resolve_path(data_dir, database);
}

Result<Config> load_config(const std::filesystem::path& data_dir) {
  std::filesystem::path path = data_dir / kConfigFileName;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return Error(ErrorCode::kNotFound,
                 fmt::format("no Nimbus deployment in '{}' ({} is missing): run 'nimbus init --data {}' "
                             "or point --data / NIMBUS_DATA at an existing one",
                             data_dir.string(), kConfigFileName, data_dir.string()));
  }
  return load_config_file(path);
}

Result<Config> load_config_file(const std::filesystem::path& path) {
  NIMBUS_ASSIGN_OR_RETURN(Bytes text, read_file(path, 1u << 20));
  auto document = yaml::load_single_document(std::string_view(reinterpret_cast<const char*>(text.data()), text.size()),
                                             "configuration");
  if (!document.ok()) {
    return Error(ErrorCode::kMalformed, fmt::format("{}: {}", path.string(), document.error().message()));
  }
  const YAML::Node& root = *document;
  if (!root.IsMap()) {
    return Error(ErrorCode::kMalformed, fmt::format("{}: expected a mapping of settings", path.string()));
  }

  Config config;
  Given given;
  for (const auto& entry : root) {
    std::string name = entry.first.as<std::string>("");
    const Key* key = find_key(name);
    if (key == nullptr) {
      return invalid(path, fmt::format("unknown setting '{}' (see the configuration reference in README.md)", name));
    }
    NIMBUS_TRY(read_key(path, *key, entry.second, config, given));
    given.keys.insert(name);
  }
  NIMBUS_TRY(check_settings(path, config));
  NIMBUS_TRY(reconcile_store_path(path, given, config));
  return config;
}

std::string render_config(const Config& config) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Comment("Nimbus PKI configuration; every key is described in README.md");
  for (const Key& key : kKeys) write_key(out, key, config);
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

std::vector<KeyReference> configuration_reference() {
  std::vector<KeyReference> reference;
  for (const Key& key : kKeys) reference.push_back({std::string(key.name), meaning(key), default_value(key)});
  return reference;
}

std::filesystem::path resolve_path(const std::filesystem::path& data_dir, const std::string& path) {
  std::filesystem::path p(path);
  return p.is_absolute() ? p : data_dir / p;
}

}  // namespace nimbus::config
