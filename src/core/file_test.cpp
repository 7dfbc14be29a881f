#include "core/file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>

#include <gtest/gtest.h>

#include "testing/test_support.h"

namespace nimbus {
namespace {

using testing::file_names;
using testing::read_text;
using testing::TempDir;

TEST(WriteFileAtomic, CreatesTheFileWithExactlyTheRequestedMode) {
  TempDir dir;
  // A restrictive umask must not change the mode, nor a permissive one widen it.
  mode_t old_umask = ::umask(0077);
  Status written = write_file_atomic(dir / "public.pem", as_bytes("hello"), 0644);
  ::umask(old_umask);
  NIMBUS_ASSERT_OK(written);
  NIMBUS_ASSERT_OK(write_file_atomic(dir / "secret.key", as_bytes("key"), 0600));
  NIMBUS_ASSERT_OK(write_file_atomic(dir / "readonly", as_bytes("r"), 0400));

  NIMBUS_ASSERT_OK_AND_ASSIGN(unsigned public_mode, file_mode(dir / "public.pem"));
  NIMBUS_ASSERT_OK_AND_ASSIGN(unsigned secret_mode, file_mode(dir / "secret.key"));
  NIMBUS_ASSERT_OK_AND_ASSIGN(unsigned readonly_mode, file_mode(dir / "readonly"));
  EXPECT_EQ(public_mode, 0644u);
  EXPECT_EQ(secret_mode, 0600u);
  EXPECT_EQ(readonly_mode, 0400u);
  EXPECT_EQ(read_text(dir / "public.pem"), "hello");
  EXPECT_EQ(read_text(dir / "secret.key"), "key");
}

TEST(WriteFileAtomic, LeavesNoTemporaryFilesBehind) {
  TempDir dir;
  NIMBUS_ASSERT_OK(write_file_atomic(dir / "a", as_bytes("1"), 0600));
  NIMBUS_ASSERT_OK(write_file_atomic(dir / "a", as_bytes("2"), 0600, /*overwrite=*/true));
  NIMBUS_EXPECT_ERROR(write_file_atomic(dir / "a", as_bytes("3"), 0600), ErrorCode::kAlreadyExists);
  EXPECT_EQ(file_names(dir.path()), std::vector<std::string>{"a"});
}

TEST(WriteFileAtomic, RefusesToReplaceAnExistingFile) {
  TempDir dir;
  NIMBUS_ASSERT_OK(write_file_atomic(dir / "ca.key", as_bytes("original"), 0600));
  Status again = write_file_atomic(dir / "ca.key", as_bytes("replacement"), 0644);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code(), ErrorCode::kAlreadyExists);
  EXPECT_FALSE(again.error().is_failure());
  EXPECT_NE(again.error().message().find("ca.key"), std::string::npos);
  EXPECT_EQ(read_text(dir / "ca.key"), "original");
  NIMBUS_ASSERT_OK_AND_ASSIGN(unsigned mode, file_mode(dir / "ca.key"));
  EXPECT_EQ(mode, 0600u);
}

TEST(WriteFileAtomic, RefusesToReplaceADirectoryOrSymlink) {
  TempDir dir;
  std::filesystem::create_directory(dir / "subdir");
  NIMBUS_EXPECT_ERROR(write_file_atomic(dir / "subdir", as_bytes("x"), 0600), ErrorCode::kAlreadyExists);
  testing::write_text(dir / "target", "target");
  std::filesystem::create_symlink(dir / "target", dir / "link");
  NIMBUS_EXPECT_ERROR(write_file_atomic(dir / "link", as_bytes("x"), 0600), ErrorCode::kAlreadyExists);
  EXPECT_EQ(read_text(dir / "target"), "target");
}

TEST(WriteFileAtomic, ReplacesWhenAskedAndAppliesTheNewMode) {
  TempDir dir;
  NIMBUS_ASSERT_OK(write_file_atomic(dir / "crl", as_bytes("old content that is longer"), 0600));
  NIMBUS_ASSERT_OK(write_file_atomic(dir / "crl", as_bytes("new"), 0644, /*overwrite=*/true));
  EXPECT_EQ(read_text(dir / "crl"), "new");
  NIMBUS_ASSERT_OK_AND_ASSIGN(unsigned mode, file_mode(dir / "crl"));
  EXPECT_EQ(mode, 0644u);
}

TEST(WriteFileAtomic, WritesEmptyAndBinaryContent) {
  TempDir dir;
  NIMBUS_ASSERT_OK(write_file_atomic(dir / "empty", ByteView(), 0600));
  Bytes binary = {0x00, 0xff, 0x0a, 0x00, 0x80};
  NIMBUS_ASSERT_OK(write_file_atomic(dir / "binary", binary, 0600));
  NIMBUS_ASSERT_OK_AND_ASSIGN(Bytes empty, read_file(dir / "empty"));
  NIMBUS_ASSERT_OK_AND_ASSIGN(Bytes read_back, read_file(dir / "binary"));
  EXPECT_TRUE(empty.empty());
  EXPECT_EQ(read_back, binary);
}

// A missing path is a mistake in the request (a refusal), not a failure of the system.
TEST(WriteFileAtomic, MissingDirectoryIsNotFound) {
  TempDir dir;
  Status status = write_file_atomic(dir / "no-such-dir" / "file", as_bytes("x"), 0600);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), ErrorCode::kNotFound) << status.error().to_string();
  EXPECT_FALSE(status.error().is_failure());
  EXPECT_FALSE(std::filesystem::exists(dir / "no-such-dir"));
}

TEST(ReadFile, ReadsUpToTheSizeBoundAndRefusesMore) {
  TempDir dir;
  std::string hundred(100, 'x');
  testing::write_text(dir / "f", hundred);
  NIMBUS_ASSERT_OK_AND_ASSIGN(Bytes exact, read_file(dir / "f", 100));
  EXPECT_EQ(exact.size(), 100u);
  auto too_big = read_file(dir / "f", 99);
  ASSERT_FALSE(too_big.ok());
  EXPECT_EQ(too_big.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(too_big.error().message().find("100 bytes"), std::string::npos) << too_big.error().message();
}

TEST(ReadFile, DefaultBoundIsSixteenMebibytes) {
  TempDir dir;
  {
    std::FILE* f = std::fopen((dir / "big").c_str(), "wb");
    ASSERT_NE(f, nullptr);
    ASSERT_EQ(::ftruncate(fileno(f), (16 << 20) + 1), 0);
    std::fclose(f);
  }
  NIMBUS_EXPECT_ERROR(read_file(dir / "big"), ErrorCode::kInvalidArgument);
  ASSERT_EQ(::truncate((dir / "big").c_str(), 16 << 20), 0);
  NIMBUS_ASSERT_OK_AND_ASSIGN(Bytes content, read_file(dir / "big"));
  EXPECT_EQ(content.size(), std::size_t{16} << 20);
}

TEST(ReadFile, MissingFileIsNotFoundNamingThePath) {
  TempDir dir;
  auto result = read_file(dir / "missing.pem");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code(), ErrorCode::kNotFound) << result.error().to_string();
  EXPECT_FALSE(result.error().is_failure());
  // A path through a regular file (ENOTDIR) is just as missing.
  testing::write_text(dir / "file", "x");
  NIMBUS_EXPECT_ERROR(read_file(dir / "file" / "child"), ErrorCode::kNotFound);
  EXPECT_NE(result.error().message().find("missing.pem"), std::string::npos);
  EXPECT_NE(result.error().message().find("No such file"), std::string::npos) << result.error().message();
}

TEST(ReadFile, RefusesADirectory) {
  TempDir dir;
  NIMBUS_EXPECT_ERROR(read_file(dir.path()), ErrorCode::kInvalidArgument);
}

TEST(CreatePrivateDirectory, CreatesParentsAndTheLastComponentWithTheMode) {
  TempDir dir;
  std::filesystem::path keys = dir / "a" / "b" / "keys";
  NIMBUS_ASSERT_OK(create_private_directory(keys));
  EXPECT_TRUE(std::filesystem::is_directory(keys));
  NIMBUS_ASSERT_OK_AND_ASSIGN(unsigned mode, file_mode(keys));
  EXPECT_EQ(mode, 0700u);
  // An existing directory is fine and is left as it is.
  NIMBUS_EXPECT_OK(create_private_directory(keys));
  NIMBUS_ASSERT_OK(create_private_directory(dir / "other", 0750));
  NIMBUS_ASSERT_OK_AND_ASSIGN(unsigned other_mode, file_mode(dir / "other"));
  EXPECT_EQ(other_mode & 0700u, 0700u);
  EXPECT_EQ(other_mode & 0007u, 0u);
}

// The contract is "creates a directory if it does not exist": success must mean there is a directory.
TEST(CreatePrivateDirectory, FailsWhereAFileIsInTheWay) {
  TempDir dir;
  testing::write_text(dir / "file", "x");
  Status status = create_private_directory(dir / "file");
  EXPECT_FALSE(status.ok()) << "reported success, but '" << (dir / "file").string()
                            << "' is a regular file, not a directory (mkdir's EEXIST is taken as success)";
  EXPECT_FALSE(std::filesystem::is_directory(dir / "file"));
}

TEST(FileMode, ReportsPermissionBitsAndNotFoundForMissingFiles) {
  TempDir dir;
  testing::write_text(dir / "f", "x", 0640);
  NIMBUS_ASSERT_OK_AND_ASSIGN(unsigned mode, file_mode(dir / "f"));
  EXPECT_EQ(mode, 0640u);
  NIMBUS_EXPECT_ERROR(file_mode(dir / "missing"), ErrorCode::kNotFound);
}

}  // namespace
}  // namespace nimbus
