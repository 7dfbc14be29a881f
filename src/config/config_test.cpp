#include "config/config.h"

#include <gtest/gtest.h>

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

TEST(Config, MissingFileIsNotFound) {
  TempDir dir;
  auto loaded = load_config(dir.path());
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(loaded.error().message().find("nimbus init"), std::string::npos);
}

TEST(ResolvePath, RelativeToTheDataDirectoryUnlessAbsolute) {
  EXPECT_EQ(resolve_path("/var/lib/nimbus", "nimbus.db"), std::filesystem::path("/var/lib/nimbus/nimbus.db"));
  EXPECT_EQ(resolve_path("/var/lib/nimbus", "keys/ca"), std::filesystem::path("/var/lib/nimbus/keys/ca"));
  EXPECT_EQ(resolve_path("/var/lib/nimbus", "/etc/nimbus/pass"), std::filesystem::path("/etc/nimbus/pass"));
  EXPECT_EQ(resolve_path("data", "nimbus.db"), std::filesystem::path("data/nimbus.db"));
}

}  // namespace
}  // namespace nimbus::config
