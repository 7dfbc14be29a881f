#include "radius/service/settings.h"

#include <fstream>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "radius/dictionary.h"
#include "testing/test_support.h"

namespace nimbus::radius {
namespace {

using nimbus::testing::TempDir;
using nimbus::testing::write_text;

class RadiusSettingsTest : public ::testing::Test {
 protected:
  void SetUp() override { write_text(dir_ / "vpn.secret", "s3cret-of-the-vpn\n", 0600); }

  // The `radius` mapping of a nimbus.yaml whose first line is `radius:`.
  Result<RadiusSettings> read(const std::string& body) const {
    YAML::Node root = YAML::Load("radius:\n" + body);
    return read_radius_settings(root["radius"], dir_.path());
  }
  std::string error_of(const std::string& body) const {
    auto settings = read(body);
    EXPECT_FALSE(settings.ok()) << body;
    return settings.ok() ? "" : settings.error().message();
  }

  static constexpr const char* kClients =
      "  clients:\n"
      "    - {name: vpn-gateway, address: 10.0.0.0/8, secret_file: vpn.secret}\n";
  TempDir dir_;
};

TEST_F(RadiusSettingsTest, DefaultsAreStrictAndLocal) {
  auto settings = read(kClients);
  ASSERT_TRUE(settings.ok()) << settings.error().message();
  EXPECT_EQ(settings->listen, "127.0.0.1:1812");
  EXPECT_TRUE(settings->accounting_listen.empty());
  ASSERT_EQ(settings->clients.size(), 1u);
  EXPECT_EQ(settings->clients[0].name, "vpn-gateway");
  EXPECT_EQ(settings->clients[0].secret.reveal(), "s3cret-of-the-vpn");
  EXPECT_TRUE(settings->server_certificate.automatic);
  EXPECT_TRUE(settings->revocation.weakened().empty());
  EXPECT_EQ(settings->fetch_budget, std::chrono::seconds(5));
  EXPECT_EQ(settings->fragment_size, 1000);
  EXPECT_EQ(settings->tls_min_version, "1.2");
  EXPECT_EQ(settings->decision_log, (dir_ / "radius-decisions.log").string());
}

TEST_F(RadiusSettingsTest, EverySettingIsRead) {
  auto settings = read(std::string(kClients) +
                       "  listen: 192.0.2.1:11812\n"
                       "  accounting_listen: 192.0.2.1:11813\n"
                       "  trust: [nimbus-demo-root-ca, roots/]\n"
                       "  server_certificate: {cert: server.pem, key: server.key, key_passphrase_file: pass}\n"
                       "  revocation: {no_revocation_check: false, ignore_no_revocation_check: true,\n"
                       "               ignore_revocation_offline: true, no_root_revocation_check: true,\n"
                       "               fetch_budget_seconds: 3}\n"
                       "  tls_min_version: '1.3'\n"
                       "  fragment_size: 1400\n"
                       "  max_conversations: 10\n"
                       "  max_conversations_per_client: 5\n"
                       "  conversation_timeout_seconds: 20\n"
                       "  workers: 3\n"
                       "  decision_log: /var/log/nimbus/decisions.log\n"
                       "  policies:\n"
                       "    - name: vlan\n"
                       "      when: {nas: vpn-gateway, nas_address: 10.1.0.0/16, issuing_ca: ca-1, profile: user-vpn,\n"
                       "             eku: 1.3.6.1.5.5.7.3.2, subject: 'CN=*', san: '*@corp.example.net',\n"
                       "             time: '22:00-06:00'}\n"
                       "      grant: false\n"
                       "      attributes: {Tunnel-Type: VLAN, Tunnel-Private-Group-Id: '42'}\n");
  ASSERT_TRUE(settings.ok()) << settings.error().message();
  EXPECT_EQ(settings->accounting_listen, "192.0.2.1:11813");
  EXPECT_EQ(settings->trust, (std::vector<std::string>{"nimbus-demo-root-ca", "roots/"}));
  EXPECT_FALSE(settings->server_certificate.automatic);
  EXPECT_EQ(settings->server_certificate.key, dir_ / "server.key");
  EXPECT_EQ(settings->revocation.weakened().size(), 3u);
  EXPECT_EQ(settings->fetch_budget, std::chrono::seconds(3));
  EXPECT_EQ(settings->tls_min_version, "1.3");
  EXPECT_EQ(settings->fragment_size, 1400);
  EXPECT_EQ(settings->max_conversations, 10);
  EXPECT_EQ(settings->max_conversations_per_client, 5);
  EXPECT_EQ(settings->conversation_timeout, std::chrono::seconds(20));
  EXPECT_EQ(settings->workers, 3);
  EXPECT_EQ(settings->decision_log, "/var/log/nimbus/decisions.log");
  ASSERT_EQ(settings->policies.size(), 1u);
  const NetworkPolicySettings& policy = settings->policies[0];
  EXPECT_FALSE(policy.grant);
  EXPECT_EQ(policy.when.profile, std::vector<std::string>{"user-vpn"});
  ASSERT_TRUE(policy.when.time.has_value());
  EXPECT_EQ(policy.when.time->first, 22 * 60);
  EXPECT_EQ(policy.when.time->second, 6 * 60);
  EXPECT_EQ(policy.attributes.size(), 2u);
}

TEST_F(RadiusSettingsTest, ErrorsNameTheSettingAndItsLine) {
  EXPECT_EQ(error_of(std::string(kClients) + "  listne: 127.0.0.1:1812\n"),
            "line 4: radius.listne: unknown setting (see README.md)");
  EXPECT_EQ(error_of("  clients:\n    - {name: a, address: 10.0.0.1/8, secret: x}\n"),
            "line 3: radius.clients[0].address: '10.0.0.1/8' has host bits set below its /8 prefix");
  EXPECT_EQ(error_of("  clients:\n    - {name: a, address: 10.0.0.0/33, secret: x}\n"),
            "line 3: radius.clients[0].address: '10.0.0.0/33' is not an address or CIDR range");
  EXPECT_EQ(error_of("  clients:\n    - {name: a, address: 10.0.0.1}\n"),
            "line 3: radius.clients[0]: needs exactly one of secret and secret_file");
  EXPECT_EQ(error_of("  clients:\n    - {name: a, address: 10.0.0.1, secret: x}\n"
                     "    - {name: a, address: 10.0.0.2, secret: y}\n"),
            "line 4: radius.clients[1].name: 'a' is also the name of the client on line 3");
  EXPECT_EQ(error_of("  listen: 127.0.0.1:1812\n"), "line 2: radius.clients: must list at least one NAS client");
  EXPECT_EQ(error_of(std::string(kClients) + "  revocation: {ignore_revocation_offline: yes}\n"),
            "line 4: radius.revocation.ignore_revocation_offline: must be true or false");
  EXPECT_EQ(error_of(std::string(kClients) + "  fragment_size: 50\n"),
            "line 4: radius.fragment_size: must be a whole number from 100 to 4000");
  EXPECT_EQ(error_of(std::string(kClients) + "  policies:\n    - {name: p, when: {nass: x}}\n"),
            "line 5: radius.policies[0].when.nass: unknown setting (see README.md)");
  EXPECT_EQ(error_of(std::string(kClients) + "  policies:\n    - {name: p, when: {time: '9-17'}}\n"),
            "line 5: radius.policies[0].when.time: must be a window HH:MM-HH:MM, e.g. 08:00-18:30");
  std::string unknown_attribute = error_of(std::string(kClients) + "  policies:\n    - {name: p, attributes: {VLAN: 4}}\n");
  EXPECT_TRUE(unknown_attribute.starts_with("line 5: radius.policies[0].attributes.VLAN: 'VLAN' is not a reply "
                                            "attribute Nimbus sends; it sends Service-Type, "))
      << unknown_attribute;
  EXPECT_EQ(error_of(std::string(kClients) + "  policies:\n    - {name: p, attributes: {Session-Timeout: soon}}\n"),
            "line 5: radius.policies[0].attributes.Session-Timeout: Session-Timeout must be a whole number from 0 to "
            "4294967295");
  EXPECT_EQ(error_of(std::string(kClients) + "  server_certificate: {cert: a.pem}\n"),
            "line 4: radius.server_certificate: needs both cert and key");
}

TEST_F(RadiusSettingsTest, SecretFilesOthersMayReadAreRefusedAndNeverQuoted) {
  write_text(dir_ / "open.secret", "visible-secret\n", 0644);
  std::string error = error_of("  clients:\n    - {name: a, address: 10.0.0.1, secret_file: open.secret}\n");
  EXPECT_NE(error.find("radius.clients[0].secret_file"), std::string::npos) << error;
  EXPECT_NE(error.find("chmod 600"), std::string::npos) << error;
  EXPECT_EQ(error.find("visible-secret"), std::string::npos) << error;
  EXPECT_NE(error_of("  clients:\n    - {name: a, address: 10.0.0.1, secret_file: missing.secret}\n")
                .find("radius.clients[0].secret_file"),
            std::string::npos);
}

// The rows of the README's "RADIUS settings" table.
std::vector<RadiusSettingReference> readme_rows() {
  std::ifstream in(std::filesystem::path(__FILE__).parent_path() / "../../../README.md");
  std::vector<RadiusSettingReference> rows;
  bool in_section = false;
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("#")) in_section = line == "### RADIUS settings";
    if (!in_section || !line.starts_with("| `") || !line.ends_with(" |")) continue;
    std::string row = line.substr(2, line.size() - 4);
    std::size_t first = row.find(" | "), last = row.rfind(" | ");
    if (first == std::string::npos || first == last) {
      ADD_FAILURE() << "not a row of three cells: " << line;
      continue;
    }
    std::string key = row.substr(0, first);
    rows.push_back({key.substr(1, key.size() - 2), row.substr(first + 3, last - first - 3), row.substr(last + 3)});
  }
  return rows;
}

TEST(RadiusSettingsReference, IsTheReadmeTable) {
  std::vector<RadiusSettingReference> readme = readme_rows();
  ASSERT_FALSE(readme.empty()) << "no RADIUS settings table in README.md";
  std::vector<RadiusSettingReference> reference = radius_settings_reference();
  for (std::size_t i = 0; i < std::max(readme.size(), reference.size()); ++i) {
    auto row = [](const std::vector<RadiusSettingReference>& rows, std::size_t i) {
      return i < rows.size() ? fmt::format("| `{}` | {} | {} |", rows[i].key, rows[i].meaning, rows[i].default_value)
                             : std::string("(none)");
    };
    EXPECT_EQ(row(readme, i), row(reference, i)) << "row " << i + 1 << " (README, then settings.cpp)";
  }
}

TEST(RadiusSettingsReference, TheReadmeListsEveryReplyAttribute) {
  std::ifstream in(std::filesystem::path(__FILE__).parent_path() / "../../../README.md");
  std::string readme((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // Paragraphs are wrapped: compare with line breaks as spaces.
  std::replace(readme.begin(), readme.end(), '\n', ' ');
  for (const std::string& line : reply_attribute_descriptions()) {
    EXPECT_NE(readme.find(line), std::string::npos) << line;
  }
}

}  // namespace
}  // namespace nimbus::radius
