#include "config/config.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "testing/test_support.h"

namespace nimbus::config {
namespace {

using nimbus::testing::TempDir;
using nimbus::testing::write_text;

TEST(Config, RenderAndLoadRoundTrip) {
  TempDir dir;
  Config config;
  config.organization = "Contoso, Inc.: Research # Lab";
  config.base_url = "http://pki.contoso.example";
  config.database = "state/nimbus.db";
  config.keys_directory = "/srv/nimbus/keys";
  config.key_passphrase_file = "secrets/passphrase";
  std::string text = render_config(config);
  write_text(dir / "nimbus.yaml", text, 0644);
  NIMBUS_ASSERT_OK_AND_ASSIGN(Config loaded, load_config(dir.path()));
  EXPECT_EQ(loaded.organization, config.organization);
  EXPECT_EQ(loaded.base_url, config.base_url);
  EXPECT_EQ(loaded.database, config.database);
  EXPECT_EQ(loaded.keys_directory, config.keys_directory);
  EXPECT_EQ(loaded.key_passphrase_file, config.key_passphrase_file);
  EXPECT_NE(text.find("#"), std::string::npos);  // it carries a comment
  EXPECT_TRUE(text.ends_with("\n"));
}

TEST(Config, RoundTripsNonAsciiAndYamlLookalikes) {
  TempDir dir;
  for (const char* organization : {"Soci\xC3\xA9t\xC3\xA9 G\xC3\xA9n\xC3\xA9rale", "yes", "null", "123", "- dash",
                                   "'quoted'", "\"double\"", "a: b", "{braces}", "[list]", "trailing space ",
                                   "two\nlines", "tab\there", "#hash", "&anchor", "*alias", "!tag", "%percent"}) {
    Config config;
    config.organization = organization;
    config.base_url = "http://pki.example.net";
    write_text(dir / "nimbus.yaml", render_config(config), 0644);
    auto loaded = load_config(dir.path());
    ASSERT_TRUE(loaded.ok()) << organization << ": " << loaded.error().to_string();
    EXPECT_EQ(loaded->organization, organization);
  }
}

TEST(Config, DefaultsAndOptionalPassphraseFile) {
  TempDir dir;
  Config config;
  config.organization = "Contoso";
  config.base_url = "http://pki.example.net";
  std::string text = render_config(config);
  EXPECT_EQ(text.find("key_passphrase_file"), std::string::npos);
  write_text(dir / "nimbus.yaml", text, 0644);
  NIMBUS_ASSERT_OK_AND_ASSIGN(Config loaded, load_config(dir.path()));
  EXPECT_EQ(loaded.database, "nimbus.db");
  EXPECT_EQ(loaded.keys_directory, "keys");
  EXPECT_EQ(loaded.key_passphrase_file, "");

  write_text(dir / "nimbus.yaml", "organization: Contoso\nbase_url: http://pki.example.net\n", 0644);
  NIMBUS_ASSERT_OK_AND_ASSIGN(Config minimal, load_config(dir.path()));
  EXPECT_EQ(minimal.database, "nimbus.db");
  EXPECT_EQ(minimal.keys_directory, "keys");
}

TEST(Config, CrlSettingsRoundTripAndAreChecked) {
  TempDir dir;
  Config config;
  config.organization = "Contoso";
  config.base_url = "http://pki.example.net";
  config.crl_validity_hours = 48;
  config.crl_republish_hours_before_expiry = 12;
  config.crl_keep_expired_entries = true;
  write_text(dir / "nimbus.yaml", render_config(config), 0644);
  NIMBUS_ASSERT_OK_AND_ASSIGN(Config loaded, load_config(dir.path()));
  EXPECT_EQ(loaded.crl_validity_hours, 48);
  EXPECT_EQ(loaded.crl_republish_hours_before_expiry, 12);
  EXPECT_TRUE(loaded.crl_keep_expired_entries);

  const std::string base = "organization: Contoso\nbase_url: http://pki.example.net\n";
  write_text(dir / "nimbus.yaml", base, 0644);
  NIMBUS_ASSERT_OK_AND_ASSIGN(Config defaults, load_config(dir.path()));
  EXPECT_EQ(defaults.crl_validity_hours, 168);
  EXPECT_EQ(defaults.crl_republish_hours_before_expiry, 0);
  EXPECT_FALSE(defaults.crl_keep_expired_entries);

  for (const char* bad : {"crl_validity_hours: 0", "crl_validity_hours: 9000", "crl_validity_hours: 1.5",
                          "crl_validity_hours: 24\ncrl_republish_hours_before_expiry: 24",
                          "crl_keep_expired_entries: yes", "crl_republish_hours_before_expiry: -1"}) {
    write_text(dir / "nimbus.yaml", base + bad + "\n", 0644);
    auto refused = load_config(dir.path());
    ASSERT_FALSE(refused.ok()) << bad;
    EXPECT_EQ(refused.error().code(), ErrorCode::kInvalidArgument) << bad;
    EXPECT_NE(refused.error().message().find("crl_"), std::string::npos) << refused.error().message();
  }
}

TEST(Config, ServerSettingsRoundTripAndAreChecked) {
  TempDir dir;
  Config config;
  config.organization = "Contoso";
  config.base_url = "http://pki.example.net";
  config.listen_address = "0.0.0.0";
  config.listen_port = 18080;
  config.http_workers = 4;
  config.http_max_body_bytes = 4096;
  config.http_request_timeout_seconds = 3;
  config.http_keep_alive_seconds = 30;
  write_text(dir / "server.yaml", render_config(config), 0644);
  NIMBUS_ASSERT_OK_AND_ASSIGN(Config loaded, load_config_file(dir / "server.yaml"));
  EXPECT_EQ(loaded.listen_address, "0.0.0.0");
  EXPECT_EQ(loaded.listen_port, 18080);
  EXPECT_EQ(loaded.http_workers, 4);
  EXPECT_EQ(loaded.http_max_body_bytes, 4096);
  EXPECT_EQ(loaded.http_request_timeout_seconds, 3);
  EXPECT_EQ(loaded.http_keep_alive_seconds, 30);

  const std::string base = "organization: Contoso\nbase_url: http://pki.example.net\n";
  for (const char* bad : {"listen_port: 0", "listen_port: 70000", "http_workers: -1", "http_max_body_bytes: 10",
                          "http_request_timeout_seconds: 0", "http_keep_alive_seconds: forever"}) {
    write_text(dir / "nimbus.yaml", base + bad + "\n", 0644);
    auto refused = load_config(dir.path());
    ASSERT_FALSE(refused.ok()) << bad;
    EXPECT_EQ(refused.error().code(), ErrorCode::kInvalidArgument) << bad;
  }
}

TEST(Config, RefusesApiListenerSettingsThatDoNotFit) {
  TempDir dir;
  const std::string base = "organization: Contoso\nbase_url: http://pki.example.net\n";
  struct Case {
    const char* settings;
    const char* named;  // what the message must name
  };
  for (const Case& bad : {Case{"api_listener: https", "api_listener must be tls or public"},
                          Case{"api_client_certificates: yes", "must be off, optional or required"},
                          Case{"api_listener: public\napi_client_certificates: required", "needs api_listener: tls"},
                          Case{"api_tls_certificate: api.pem", "give its key in api_tls_key"},
                          Case{"api_tls_key: api.key", "api_tls_certificate is auto"},
                          Case{"api_tls_certificate: ''", "give auto or a PEM file"}}) {
    write_text(dir / "nimbus.yaml", base + bad.settings + "\n", 0644);
    auto refused = load_config(dir.path());
    ASSERT_FALSE(refused.ok()) << bad.settings;
    EXPECT_EQ(refused.error().code(), ErrorCode::kInvalidArgument) << bad.settings;
    EXPECT_NE(refused.error().message().find(bad.named), std::string::npos) << refused.error().message();
  }
  write_text(dir / "nimbus.yaml",
             base + "api_listener: tls\napi_tls_certificate: api.pem\napi_tls_key: api.key\n"
                    "api_client_certificates: optional\napi_client_authorities: a, b\n",
             0644);
  auto loaded_or = load_config(dir.path());
  ASSERT_TRUE(loaded_or.ok()) << loaded_or.error().to_string();
  const Config& loaded = *loaded_or;
  EXPECT_EQ(loaded.api_tls_certificate, "api.pem");
  EXPECT_EQ(loaded.api_client_certificates, "optional");
  EXPECT_EQ(loaded.api_client_authorities, "a, b");
}

TEST(Config, RefusesUnknownKeys) {
  TempDir dir;
  write_text(dir / "nimbus.yaml", "organization: Contoso\nbase_url: http://pki.example.net\nbase_ulr: typo\n", 0644);
  auto loaded = load_config(dir.path());
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(loaded.error().message().find("'base_ulr'"), std::string::npos) << loaded.error().message();
}

TEST(Config, RefusesMissingRequiredKeys) {
  TempDir dir;
  write_text(dir / "nimbus.yaml", "base_url: http://pki.example.net\n", 0644);
  auto no_organization = load_config(dir.path());
  ASSERT_FALSE(no_organization.ok());
  EXPECT_EQ(no_organization.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(no_organization.error().message().find("'organization' is required"), std::string::npos)
      << no_organization.error().message();

  write_text(dir / "nimbus.yaml", "organization: Contoso\n", 0644);
  auto no_base = load_config(dir.path());
  ASSERT_FALSE(no_base.ok());
  EXPECT_NE(no_base.error().message().find("'base_url' is required"), std::string::npos) << no_base.error().message();

  write_text(dir / "nimbus.yaml", "organization: ''\nbase_url: http://pki.example.net\n", 0644);
  NIMBUS_EXPECT_ERROR(load_config(dir.path()), ErrorCode::kInvalidArgument);
}

TEST(Config, RefusesNonStringValues) {
  TempDir dir;
  for (const char* text : {"organization: [a, b]\nbase_url: http://x\n", "organization: {a: b}\nbase_url: http://x\n"}) {
    write_text(dir / "nimbus.yaml", text, 0644);
    auto loaded = load_config(dir.path());
    ASSERT_FALSE(loaded.ok()) << text;
    EXPECT_EQ(loaded.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(loaded.error().message().find("must be a string"), std::string::npos) << loaded.error().message();
  }
}

TEST(Config, RefusesWhatIsNotAMappingOrNotYaml) {
  TempDir dir;
  for (const char* text : {"", "- organization\n- base_url\n", "just a string\n"}) {
    write_text(dir / "nimbus.yaml", text, 0644);
    NIMBUS_EXPECT_ERROR(load_config(dir.path()), ErrorCode::kMalformed);
  }
  write_text(dir / "nimbus.yaml", "organization: Contoso\nbase_url: [unclosed\n", 0644);
  auto broken = load_config(dir.path());
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.error().code(), ErrorCode::kMalformed);
  EXPECT_NE(broken.error().message().find("line"), std::string::npos) << broken.error().message();
}

TEST(Config, RefusesDeepNestingAndASecondDocumentWithTheFileAndLine) {
  TempDir dir;
  std::string deep = "organization: Contoso\nbase_url: http://pki.example.net\nstore: ";
  for (int i = 0; i < 500; ++i) deep += "{path: ";
  write_text(dir / "nimbus.yaml", deep + "x" + std::string(500, '}') + "\n", 0600);
  auto refused = load_config(dir.path());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), ErrorCode::kMalformed);
  EXPECT_EQ(refused.error().message(),
            (dir / "nimbus.yaml").string() + ": line 3: nesting deeper than 64 levels of lists and mappings");

  write_text(dir / "nimbus.yaml", "organization: Contoso\n---\nbase_url: http://pki.example.net\n", 0600);
  refused = load_config(dir.path());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), ErrorCode::kMalformed);
  EXPECT_EQ(refused.error().message(), (dir / "nimbus.yaml").string() +
                                           ": line 2: the configuration ends before this line; a configuration is "
                                           "exactly one YAML document");
}

TEST(Config, MissingFileIsNotFound) {
  TempDir dir;
  auto loaded = load_config(dir.path());
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(loaded.error().message().find("nimbus init"), std::string::npos);
}

// ---- What `nimbus init` writes ------------------------------------------------------------------

TEST(Config, RendersEveryDefaultedKeyInTheTablesOrder) {
  Config config;
  config.organization = "Contoso";
  config.base_url = "http://pki.example.net";
  EXPECT_EQ(render_config(config),
            "# Nimbus PKI configuration; every key is described in README.md\n"
            "organization: Contoso\n"
            "base_url: http://pki.example.net\n"
            "database: nimbus.db\n"
            "keys_directory: keys\n"
            "certificate_backdate_minutes: 5\n"
            "crl_validity_hours: 168\n"
            "crl_republish_hours_before_expiry: 0\n"
            "crl_keep_expired_entries: false\n"
      "scep_allow_des3: false\n"
      "scep_allow_des: false\n"
      "scep_allow_sha1: false\n"
            "listen_address: 127.0.0.1\n"
            "listen_port: 8080\n"
            "http_workers: 0\n"
            "http_max_body_bytes: 65536\n"
            "http_request_timeout_seconds: 10\n"
            "http_keep_alive_seconds: 60\n"
            "http_max_connections: 0\n"
            "http_max_connections_per_address: 256\n"
            "api_listener: tls\n"
            "api_listen_address: 127.0.0.1\n"
            "api_listen_port: 8443\n"
            "api_tls_certificate: auto\n"
            "api_client_certificates: off\n");

  config.key_passphrase_file = "secrets/passphrase";
  config.crl_keep_expired_entries = true;
  std::string text = render_config(config);
  EXPECT_NE(text.find("keys_directory: keys\nkey_passphrase_file: secrets/passphrase\ncertificate_backdate_minutes"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("crl_keep_expired_entries: true\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("store"), std::string::npos) << text;
}

// ---- store --------------------------------------------------------------------------------------

const std::string kRequired = "organization: Contoso\nbase_url: http://pki.example.net\n";

Result<Config> load_text(const TempDir& dir, const std::string& text) {
  write_text(dir / "nimbus.yaml", kRequired + text, 0644);
  return load_config(dir.path());
}

TEST(Config, StoreNamesTheDriverAndThePath) {
  TempDir dir;
  NIMBUS_ASSERT_OK_AND_ASSIGN(Config block, load_text(dir, "store:\n  driver: sqlite\n  path: state/records.db\n"));
  EXPECT_EQ(block.store_driver, StoreDriver::kSqlite);
  EXPECT_EQ(block.database, "state/records.db");
  EXPECT_EQ(block.store_path("/var/lib/nimbus"), std::filesystem::path("/var/lib/nimbus/state/records.db"));

  NIMBUS_ASSERT_OK_AND_ASSIGN(Config absolute, load_text(dir, "store: {path: /srv/nimbus/records.db}\n"));
  EXPECT_EQ(absolute.store_path("/var/lib/nimbus"), std::filesystem::path("/srv/nimbus/records.db"));

  // Both members have defaults: the driver is sqlite, the path that of `database`.
  NIMBUS_ASSERT_OK_AND_ASSIGN(Config empty, load_text(dir, "store: {}\n"));
  EXPECT_EQ(empty.store_driver, StoreDriver::kSqlite);
  EXPECT_EQ(empty.database, "nimbus.db");
  NIMBUS_ASSERT_OK_AND_ASSIGN(Config driver_only, load_text(dir, "store: {driver: sqlite}\ndatabase: old.db\n"));
  EXPECT_EQ(driver_only.database, "old.db");

  NIMBUS_ASSERT_OK_AND_ASSIGN(Config neither, load_text(dir, ""));
  EXPECT_EQ(neither.store_driver, StoreDriver::kSqlite);
  EXPECT_EQ(neither.store_path("/var/lib/nimbus"), std::filesystem::path("/var/lib/nimbus/nimbus.db"));
  EXPECT_EQ(store_driver_name(StoreDriver::kSqlite), "sqlite");
}

TEST(Config, DatabaseKeepsWorkingAndIsWrittenForStorePath) {
  TempDir dir;
  NIMBUS_ASSERT_OK_AND_ASSIGN(Config old, load_text(dir, "database: legacy/nimbus.db\n"));
  EXPECT_EQ(old.store_path("/data"), std::filesystem::path("/data/legacy/nimbus.db"));

  // A configuration read from `store` is written with `database`, and reads back the same.
  NIMBUS_ASSERT_OK_AND_ASSIGN(Config from_store, load_text(dir, "store: {driver: sqlite, path: state/x.db}\n"));
  std::string text = render_config(from_store);
  EXPECT_NE(text.find("\ndatabase: state/x.db\n"), std::string::npos) << text;
  write_text(dir / "nimbus.yaml", text, 0644);
  NIMBUS_ASSERT_OK_AND_ASSIGN(Config again, load_config(dir.path()));
  EXPECT_EQ(again.database, "state/x.db");
}

TEST(Config, StoreAndDatabaseMustAgree) {
  TempDir dir;
  struct Agreeing {
    const char* text;
    const char* store;
  };
  for (const Agreeing& each : {Agreeing{"database: a.db\nstore: {path: a.db}\n", "/data/a.db"},
                               Agreeing{"store: {path: ./state/a.db}\ndatabase: state/a.db\n", "/data/state/a.db"}}) {
    auto loaded = load_text(dir, each.text);
    ASSERT_TRUE(loaded.ok()) << each.text << loaded.error().to_string();
    EXPECT_EQ(loaded->store_path("/data").lexically_normal(), std::filesystem::path(each.store)) << each.text;
  }
  for (const char* disagreeing : {"database: a.db\nstore: {driver: sqlite, path: b.db}\n",
                                  "store: {path: b.db}\ndatabase: a.db\n", "store: {path: /srv/a.db}\ndatabase: a.db\n"}) {
    auto refused = load_text(dir, disagreeing);
    ASSERT_FALSE(refused.ok()) << disagreeing;
    EXPECT_EQ(refused.error().code(), ErrorCode::kInvalidArgument);
    const std::string& message = refused.error().message();
    EXPECT_NE(message.find("store.path ('"), std::string::npos) << message;
    EXPECT_NE(message.find("database ('a.db')"), std::string::npos) << message;
    EXPECT_NE(message.find("different stores"), std::string::npos) << message;
  }
}

TEST(Config, RefusesUnknownStoreDriversNamingTheAcceptedOnes) {
  TempDir dir;
  for (const char* driver : {"postgresql", "SQLite", "sqlite3", "''"}) {
    auto refused = load_text(dir, fmt::format("store: {{driver: {}, path: nimbus.db}}\n", driver));
    ASSERT_FALSE(refused.ok()) << driver;
    EXPECT_EQ(refused.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(refused.error().message().find("store.driver"), std::string::npos) << refused.error().message();
    EXPECT_NE(refused.error().message().find("the drivers are: sqlite"), std::string::npos)
        << refused.error().message();
  }
}

TEST(Config, RefusesMalformedStore) {
  TempDir dir;
  struct Case {
    const char* text;
    const char* says;
  };
  for (const Case& each : {Case{"store: nimbus.db\n", "'store' must be a mapping of driver and path"},
                           Case{"store:\n", "'store' must be a mapping"},
                           Case{"store: [sqlite, nimbus.db]\n", "'store' must be a mapping"},
                           Case{"store: {driver: sqlite, file: x.db}\n", "unknown setting 'store.file'"},
                           Case{"store: {path: [a, b]}\n", "'store.path' must be a string"},
                           Case{"store: {driver: {name: sqlite}}\n", "'store.driver' must be a string"},
                           Case{"store: {path: ''}\n", "store.path is empty"}}) {
    auto refused = load_text(dir, each.text);
    ASSERT_FALSE(refused.ok()) << each.text;
    EXPECT_EQ(refused.error().code(), ErrorCode::kInvalidArgument) << each.text;
    EXPECT_NE(refused.error().message().find(each.says), std::string::npos) << refused.error().message();
  }
}

// ---- The configuration reference ----------------------------------------------------------------

// The rows of the README's "Configuration reference" table.
std::vector<KeyReference> readme_reference() {
  std::ifstream in(std::filesystem::path(__FILE__).parent_path() / "../../README.md");
  std::vector<KeyReference> rows;
  bool in_section = false;
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("#")) in_section = line == "## Configuration reference";  // its own table, not a subsection's
    if (!in_section || !line.starts_with("| `") || !line.ends_with(" |")) continue;
    std::vector<std::string> cells;
    std::string row = line.substr(2, line.size() - 4);
    for (std::size_t start = 0;;) {
      std::size_t bar = row.find(" | ", start);
      cells.push_back(row.substr(start, bar == std::string::npos ? std::string::npos : bar - start));
      if (bar == std::string::npos) break;
      start = bar + 3;
    }
    if (cells.size() != 3 || cells[0].size() < 2) {
      ADD_FAILURE() << "not a row of three cells: " << line;
      continue;
    }
    rows.push_back({cells[0].substr(1, cells[0].size() - 2), cells[1], cells[2]});
  }
  return rows;
}

TEST(ConfigurationReference, IsTheReadmeTable) {
  std::vector<KeyReference> readme = readme_reference();
  ASSERT_FALSE(readme.empty()) << "no configuration reference found in README.md";
  std::vector<KeyReference> reference = configuration_reference();
  for (std::size_t i = 0; i < std::max(readme.size(), reference.size()); ++i) {
    auto row = [](const std::vector<KeyReference>& rows, std::size_t i) {
      return i < rows.size() ? fmt::format("| `{}` | {} | {} |", rows[i].key, rows[i].meaning, rows[i].default_value)
                             : std::string("(none)");
    };
    EXPECT_EQ(row(readme, i), row(reference, i)) << "row " << i + 1 << " of the table (README, then config.cpp)";
  }
}

TEST(ConfigurationReference, NamesEveryKeyTheReaderAndWriterKnow) {
  std::vector<std::string> documented;
  for (const KeyReference& row : configuration_reference()) documented.push_back(row.key);

  // Every written key is documented, and every documented key but `store` is written.
  Config config;
  config.organization = "Contoso";
  config.base_url = "http://pki.example.net";
  config.key_passphrase_file = "passphrase";
  config.api_tls_certificate = "api.pem";
  config.api_tls_key = "api.key";
  config.api_tls_key_passphrase_file = "api.passphrase";
  config.api_client_authorities = "contoso-issuing-ca";
  config.radius = std::make_shared<const YAML::Node>(YAML::Load("{listen: '127.0.0.1:1812'}"));
  std::vector<std::string> written;
  for (const auto& entry : YAML::Load(render_config(config))) written.push_back(entry.first.as<std::string>());
  std::vector<std::string> expected = documented;
  std::erase(expected, "store");
  EXPECT_EQ(written, expected);

  // Every documented key is accepted on its own, with the value the writer gives it.
  TempDir dir;
  YAML::Node rendered = YAML::Load(render_config(config));
  for (const std::string& key : documented) {
    std::string value = key == "store"    ? "{driver: sqlite}"
                        : key == "radius" ? "{listen: '127.0.0.1:1812'}"
                                          : rendered[key].as<std::string>();
    if (key == "organization" || key == "base_url") continue;
    // A certificate file and its key come together.
    std::string partner = key == "api_tls_certificate" ? "api_tls_key: api.key\n"
                          : key == "api_tls_key"       ? "api_tls_certificate: api.pem\n"
                                                       : "";
    auto loaded = load_text(dir, fmt::format("{}: {}\n{}", key, value, partner));
    EXPECT_TRUE(loaded.ok()) << key << ": " << loaded.error().to_string();
  }
  auto unknown = load_text(dir, "stores: {driver: sqlite}\n");
  EXPECT_FALSE(unknown.ok());
}

TEST(ConfigRadiusSection, IsKeptAsWrittenForItsServiceAndWrittenBack) {
  TempDir dir;
  auto absent = load_text(dir, "organization: Contoso\nbase_url: http://pki.example.net\n");
  ASSERT_TRUE(absent.ok());
  EXPECT_EQ(absent->radius, nullptr);
  EXPECT_EQ(render_config(*absent).find("radius"), std::string::npos);

  auto present = load_text(dir, "organization: Contoso\nbase_url: http://pki.example.net\n"
                                "radius:\n  listen: 127.0.0.1:11812\n  clients: []\n");
  ASSERT_TRUE(present.ok()) << present.error().to_string();
  ASSERT_NE(present->radius, nullptr);
  EXPECT_EQ((*present->radius)["listen"].as<std::string>(), "127.0.0.1:11812");
  EXPECT_GT((*present->radius)["listen"].Mark().line, 2) << "line numbers survive, for the service's errors";
  Config copy = *present;
  copy.radius = nullptr;
  EXPECT_NE(present->radius, nullptr) << "copies do not share the section";
  YAML::Node written = YAML::Load(render_config(*present));
  EXPECT_EQ(written["radius"]["listen"].as<std::string>(), "127.0.0.1:11812");

  auto scalar = load_text(dir, "organization: Contoso\nbase_url: http://pki.example.net\nradius: on\n");
  ASSERT_FALSE(scalar.ok());
  EXPECT_NE(scalar.error().message().find("'radius' must be a mapping of settings"), std::string::npos);
}

TEST(ResolvePath, RelativeToTheDataDirectoryUnlessAbsolute) {
  EXPECT_EQ(resolve_path("/var/lib/nimbus", "nimbus.db"), std::filesystem::path("/var/lib/nimbus/nimbus.db"));
  EXPECT_EQ(resolve_path("/var/lib/nimbus", "keys/ca"), std::filesystem::path("/var/lib/nimbus/keys/ca"));
  EXPECT_EQ(resolve_path("/var/lib/nimbus", "/etc/nimbus/pass"), std::filesystem::path("/etc/nimbus/pass"));
  EXPECT_EQ(resolve_path("data", "nimbus.db"), std::filesystem::path("data/nimbus.db"));
}

}  // namespace
}  // namespace nimbus::config
