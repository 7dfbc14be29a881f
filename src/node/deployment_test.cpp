#include "node/deployment.h"

#include <sys/stat.h>

#include <sstream>

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "config/config.h"
#include "testing/test_support.h"

namespace nimbus::node {
namespace {

using nimbus::testing::dn;
using nimbus::testing::must;
using nimbus::testing::TempDir;
using nimbus::testing::write_text;

// Keeps what is logged while it lives, in place of the default logger.
class CapturedLog {
 public:
  CapturedLog() : previous_(spdlog::default_logger()) {
    auto logger = std::make_shared<spdlog::logger>("captured", std::make_shared<spdlog::sinks::ostream_sink_st>(stream_));
    logger->set_pattern("%l %v");
    spdlog::set_default_logger(logger);
  }
  ~CapturedLog() { spdlog::set_default_logger(previous_); }
  CapturedLog(const CapturedLog&) = delete;
  CapturedLog& operator=(const CapturedLog&) = delete;

  std::vector<std::string> lines() const {
    std::vector<std::string> out;
    std::istringstream in(stream_.str());
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
  }

 private:
  std::ostringstream stream_;
  std::shared_ptr<spdlog::logger> previous_;
};

// A deployment with one root CA: its configuration (0600), keys directory (0700) and key on disk.
class DeploymentPermissionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    write_text(dir_ / "passphrase", "a passphrase long enough for the deployment test\n", 0600);
    write_text(config_file(),
               "organization: Deployment Test\nbase_url: http://pki.deployment.test\nkey_passphrase_file: passphrase\n",
               0600);
    auto deployment = must(Deployment::create(dir_.path(), must(config::load_config(dir_.path()))));
    must(deployment->authorities("test").create_root({"permissions-root", dn("CN=Permissions Test Root"),
                                                      must(crypto::KeySpec::parse("ec:p384")),
                                                      std::chrono::hours(24 * 365)}));
  }

  std::filesystem::path config_file() const { return dir_ / std::string(config::kConfigFileName); }
  std::filesystem::path keys_directory() const { return dir_ / "keys"; }
  std::filesystem::path key_file() const {
    for (const auto& entry : std::filesystem::directory_iterator(keys_directory())) return entry.path();
    throw std::runtime_error("no key file");
  }

  std::string config_warning() const {
    return fmt::format("warning configuration file '{}' is writable by group or others (mode 664), who could "
                       "redirect the CA keys and the URLs in certificates; run 'chmod go-w {}'",
                       config_file().string(), config_file().string());
  }
  std::string keys_warning() const {
    return fmt::format("warning keys directory '{}' is open to group or others (mode 750); run 'chmod 700 {}'",
                       keys_directory().string(), keys_directory().string());
  }

  TempDir dir_;
};

TEST_F(DeploymentPermissionsTest, PrivateModesGiveNoWarning) {
  CapturedLog log;
  auto deployment = must(Deployment::open(dir_.path()));
  NIMBUS_EXPECT_OK(deployment->keys().check_unlock());
  EXPECT_EQ(log.lines(), std::vector<std::string>{});
}

TEST_F(DeploymentPermissionsTest, WarnsOnceWhenKeysAreFirstUsedNotWhenOnlyTheStoreIsRead) {
  ASSERT_EQ(::chmod(config_file().c_str(), 0664), 0);
  ASSERT_EQ(::chmod(keys_directory().c_str(), 0750), 0);
  CapturedLog log;
  auto deployment = must(Deployment::open(dir_.path()));
  NIMBUS_EXPECT_OK(deployment->store().list_authorities());
  EXPECT_EQ(log.lines(), std::vector<std::string>{}) << "reading the store uses no key";

  NIMBUS_EXPECT_OK(deployment->keys().check_unlock());
  EXPECT_EQ(log.lines(), (std::vector<std::string>{config_warning(), keys_warning()}));

  // Again in the same process: other key stores, and the deployment opened anew (SIGHUP).
  auto thread_keys = deployment->open_key_store();
  NIMBUS_EXPECT_OK(thread_keys->check_unlock());
  auto reopened = must(Deployment::open(dir_.path()));
  NIMBUS_EXPECT_OK(reopened->keys().check_unlock());
  EXPECT_EQ(log.lines().size(), 2u);
}

// nimbus serve opens a key store for its CRL thread at start, before anything is signed.
TEST_F(DeploymentPermissionsTest, OpeningAKeyStoreForAThreadWarnsAtOnce) {
  ASSERT_EQ(::chmod(keys_directory().c_str(), 0750), 0);
  CapturedLog log;
  auto deployment = must(Deployment::open(dir_.path()));
  auto keys = deployment->open_key_store();
  EXPECT_EQ(log.lines(), std::vector<std::string>{keys_warning()});
}

// `nimbus serve --config FILE`: the file that was read is the one looked at.
TEST_F(DeploymentPermissionsTest, LooksAtTheConfigurationFileThatWasRead) {
  std::filesystem::path other = dir_ / "elsewhere.yaml";
  std::filesystem::copy_file(config_file(), other);
  ASSERT_EQ(::chmod(other.c_str(), 0666), 0);
  ASSERT_EQ(::chmod(config_file().c_str(), 0666), 0);
  CapturedLog log;
  auto deployment = must(Deployment::open(dir_.path(), other));
  NIMBUS_EXPECT_OK(deployment->keys().check_unlock());
  ASSERT_EQ(log.lines().size(), 1u);
  EXPECT_NE(log.lines()[0].find("'" + other.string() + "'"), std::string::npos) << log.lines()[0];
}

TEST_F(DeploymentPermissionsTest, RefusesAKeyFileOthersCanRead) {
  ASSERT_EQ(::chmod(key_file().c_str(), 0644), 0);
  auto deployment = must(Deployment::open(dir_.path()));
  Status unlocked = deployment->keys().check_unlock();
  ASSERT_FALSE(unlocked.ok());
  EXPECT_EQ(unlocked.error().code(), ErrorCode::kPermissionDenied);
  EXPECT_NE(unlocked.error().message().find("run 'chmod 600 " + key_file().string() + "'"), std::string::npos)
      << unlocked.error().message();
}

}  // namespace
}  // namespace nimbus::node
