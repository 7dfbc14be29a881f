#include "config/passphrase.h"

#include <stdlib.h>

#include <gtest/gtest.h>

#include "testing/test_support.h"

namespace nimbus::config {
namespace {

using nimbus::testing::TempDir;
using nimbus::testing::write_text;

// Sets or clears NIMBUS_KEY_PASSPHRASE for one test and puts back what was there.
class PassphraseEnvironment {
 public:
  explicit PassphraseEnvironment(const char* value) {
    if (const char* old = std::getenv(kPassphraseEnvironmentVariable)) saved_ = old;
    if (value != nullptr) {
      ::setenv(kPassphraseEnvironmentVariable, value, 1);
    } else {
      ::unsetenv(kPassphraseEnvironmentVariable);
    }
  }
  ~PassphraseEnvironment() {
    if (saved_) {
      ::setenv(kPassphraseEnvironmentVariable, saved_->c_str(), 1);
    } else {
      ::unsetenv(kPassphraseEnvironmentVariable);
    }
  }
  PassphraseEnvironment(const PassphraseEnvironment&) = delete;
  PassphraseEnvironment& operator=(const PassphraseEnvironment&) = delete;

 private:
  std::optional<std::string> saved_;
};

TEST(ReadPassphraseFile, ReadsAPrivateFileAndDropsOneTrailingNewline) {
  TempDir dir;
  write_text(dir / "pass", "correct horse battery staple\n", 0600);
  NIMBUS_ASSERT_OK_AND_ASSIGN(Secret secret, read_passphrase_file(dir / "pass"));
  EXPECT_EQ(secret.reveal(), "correct horse battery staple");

  write_text(dir / "crlf", "windows line end\r\n", 0600);
  NIMBUS_ASSERT_OK_AND_ASSIGN(Secret crlf, read_passphrase_file(dir / "crlf"));
  EXPECT_EQ(crlf.reveal(), "windows line end");

  write_text(dir / "two", "two newlines\n\n", 0600);
  NIMBUS_ASSERT_OK_AND_ASSIGN(Secret two, read_passphrase_file(dir / "two"));
  EXPECT_EQ(two.reveal(), "two newlines\n");

  write_text(dir / "bare", "  no newline, spaces kept  ", 0400);
  NIMBUS_ASSERT_OK_AND_ASSIGN(Secret bare, read_passphrase_file(dir / "bare"));
  EXPECT_EQ(bare.reveal(), "  no newline, spaces kept  ");
}

TEST(ReadPassphraseFile, RefusesAFileOthersCanRead) {
  TempDir dir;
  for (unsigned mode : {0644u, 0640u, 0604u, 0660u, 0666u}) {
    write_text(dir / "pass", "a good passphrase\n", mode);
    auto secret = read_passphrase_file(dir / "pass");
    ASSERT_FALSE(secret.ok()) << std::oct << mode;
    EXPECT_EQ(secret.error().code(), ErrorCode::kPermissionDenied);
    EXPECT_NE(secret.error().message().find("chmod 600"), std::string::npos) << secret.error().message();
    EXPECT_EQ(secret.error().message().find("a good passphrase"), std::string::npos);
  }
}

TEST(ReadPassphraseFile, RefusesAnEmptyFile) {
  TempDir dir;
  for (const char* content : {"", "\n", "\r\n"}) {
    write_text(dir / "pass", content, 0600);
    auto secret = read_passphrase_file(dir / "pass");
    ASSERT_FALSE(secret.ok()) << "'" << content << "'";
    EXPECT_EQ(secret.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(secret.error().message().find("empty"), std::string::npos);
  }
}

TEST(ReadPassphraseFile, RefusesAFileLargerThanFourKibibytes) {
  TempDir dir;
  write_text(dir / "exact", std::string(4096, 'p'), 0600);
  NIMBUS_EXPECT_OK(read_passphrase_file(dir / "exact"));
  write_text(dir / "big", std::string(4097, 'p'), 0600);
  NIMBUS_EXPECT_ERROR(read_passphrase_file(dir / "big"), ErrorCode::kInvalidArgument);
}

TEST(ReadPassphraseFile, MissingFileIsNotFound) {
  TempDir dir;
  auto secret = read_passphrase_file(dir / "missing");
  ASSERT_FALSE(secret.ok());
  EXPECT_EQ(secret.error().code(), ErrorCode::kNotFound) << secret.error().to_string();
  EXPECT_NE(secret.error().message().find("missing"), std::string::npos);
}

TEST(ResolvePassphrase, EnvironmentTakesPrecedenceOverTheFile) {
  TempDir dir;
  write_text(dir / "pass", "from the file\n", 0600);
  PassphraseEnvironment environment("from the environment");
  NIMBUS_ASSERT_OK_AND_ASSIGN(Secret secret, resolve_passphrase(dir / "pass"));
  EXPECT_EQ(secret.reveal(), "from the environment");
  NIMBUS_ASSERT_OK_AND_ASSIGN(Secret without_file, resolve_passphrase(std::nullopt));
  EXPECT_EQ(without_file.reveal(), "from the environment");
  // Even a file that would be refused is not looked at.
  write_text(dir / "open", "world readable\n", 0644);
  NIMBUS_EXPECT_OK(resolve_passphrase(dir / "open"));
}

TEST(ResolvePassphrase, FallsBackToTheFileWhenTheVariableIsUnsetOrEmpty) {
  TempDir dir;
  write_text(dir / "pass", "from the file\n", 0600);
  {
    PassphraseEnvironment environment(nullptr);
    EXPECT_FALSE(passphrase_from_environment().has_value());
    NIMBUS_ASSERT_OK_AND_ASSIGN(Secret secret, resolve_passphrase(dir / "pass"));
    EXPECT_EQ(secret.reveal(), "from the file");
  }
  {
    PassphraseEnvironment environment("");
    EXPECT_FALSE(passphrase_from_environment().has_value());
    NIMBUS_ASSERT_OK_AND_ASSIGN(Secret secret, resolve_passphrase(dir / "pass"));
    EXPECT_EQ(secret.reveal(), "from the file");
  }
}

TEST(ResolvePassphrase, ExplainsBothWaysWhenThereIsNone) {
  PassphraseEnvironment environment(nullptr);
  auto secret = resolve_passphrase(std::nullopt);
  ASSERT_FALSE(secret.ok());
  EXPECT_EQ(secret.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(secret.error().message().find("NIMBUS_KEY_PASSPHRASE"), std::string::npos);
  EXPECT_NE(secret.error().message().find("key_passphrase_file"), std::string::npos);
}

TEST(ResolvePassphrase, PropagatesAFileProblem) {
  TempDir dir;
  PassphraseEnvironment environment(nullptr);
  write_text(dir / "open", "world readable\n", 0644);
  NIMBUS_EXPECT_ERROR(resolve_passphrase(dir / "open"), ErrorCode::kPermissionDenied);
}

TEST(PassphraseFromEnvironment, ReadsTheVariable) {
  PassphraseEnvironment environment("env passphrase");
  auto secret = passphrase_from_environment();
  ASSERT_TRUE(secret.has_value());
  EXPECT_EQ(secret->reveal(), "env passphrase");
}

TEST(CheckNewPassphrase, RequiresTwelveCharacters) {
  NIMBUS_EXPECT_ERROR(check_new_passphrase(Secret(std::string(11, 'x'))), ErrorCode::kPolicyViolation);
  NIMBUS_EXPECT_ERROR(check_new_passphrase(Secret()), ErrorCode::kPolicyViolation);
  NIMBUS_EXPECT_OK(check_new_passphrase(Secret(std::string(12, 'x'))));
  NIMBUS_EXPECT_OK(check_new_passphrase(Secret(std::string("a much longer passphrase"))));
}

}  // namespace
}  // namespace nimbus::config
