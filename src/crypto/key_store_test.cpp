#include "crypto/key_store.h"

#include <sys/stat.h>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "core/file.h"
#include "testing/test_support.h"

namespace nimbus::crypto {
namespace {

using nimbus::testing::file_names;
using nimbus::testing::TempDir;

constexpr std::string_view kPassphrase = "key store test passphrase";

FileKeyStore::PassphraseSource fixed(std::string passphrase, int* calls = nullptr) {
  return [passphrase, calls]() -> Result<Secret> {
    if (calls != nullptr) ++*calls;
    return Secret(passphrase);
  };
}

KeySpec p256() { return KeySpec::parse("ec:p256").value(); }

TEST(FileKeyStore, GeneratesEncryptedKeyFilesWithPrivateModes) {
  TempDir dir;
  std::filesystem::path keys_dir = dir / "keys";
  FileKeyStore store(keys_dir, fixed(std::string(kPassphrase)));
  NIMBUS_ASSERT_OK_AND_ASSIGN(GeneratedKey generated, store.generate(p256(), "issuing-1"));

  EXPECT_EQ(generated.reference.rfind("file:issuing-1-", 0), 0u) << generated.reference;
  EXPECT_TRUE(generated.reference.ends_with(".key")) << generated.reference;
  std::string name = generated.reference.substr(5);
  ASSERT_EQ(file_names(keys_dir), std::vector<std::string>{name});

  NIMBUS_ASSERT_OK_AND_ASSIGN(unsigned dir_mode, file_mode(keys_dir));
  NIMBUS_ASSERT_OK_AND_ASSIGN(unsigned file_mode_bits, file_mode(keys_dir / name));
  EXPECT_EQ(dir_mode, 0700u);
  EXPECT_EQ(file_mode_bits, 0600u);

  std::string pem = nimbus::testing::read_text(keys_dir / name);
  EXPECT_NE(pem.find("ENCRYPTED PRIVATE KEY"), std::string::npos);
  NIMBUS_ASSERT_OK_AND_ASSIGN(PrivateKey decrypted, PrivateKey::from_encrypted_pem(as_bytes(pem), kPassphrase));
  EXPECT_TRUE(decrypted.public_key() == generated.key.public_key());
}

TEST(FileKeyStore, LoadsWhatItGenerated) {
  TempDir dir;
  std::string reference;
  PublicKey expected = nimbus::testing::make_key().public_key();
  {
    FileKeyStore store(dir / "keys", fixed(std::string(kPassphrase)));
    NIMBUS_ASSERT_OK_AND_ASSIGN(GeneratedKey generated, store.generate(KeySpec::parse("ec:p384").value(), "root"));
    reference = generated.reference;
    expected = generated.key.public_key();
  }
  FileKeyStore reopened(dir / "keys", fixed(std::string(kPassphrase)));
  NIMBUS_ASSERT_OK_AND_ASSIGN(PrivateKey loaded, reopened.load(reference));
  EXPECT_TRUE(loaded.public_key() == expected);
  EXPECT_EQ(loaded.public_key().spec_string(), "ec:p384");
}

TEST(FileKeyStore, ReferencesAreUniqueForTheSameLabel) {
  TempDir dir;
  FileKeyStore store(dir / "keys", fixed(std::string(kPassphrase)));
  NIMBUS_ASSERT_OK_AND_ASSIGN(GeneratedKey a, store.generate(p256(), "same"));
  NIMBUS_ASSERT_OK_AND_ASSIGN(GeneratedKey b, store.generate(p256(), "same"));
  EXPECT_NE(a.reference, b.reference);
  EXPECT_EQ(file_names(dir / "keys").size(), 2u);
}

TEST(FileKeyStore, WrongPassphraseIsBadPassphrase) {
  TempDir dir;
  FileKeyStore writer(dir / "keys", fixed(std::string(kPassphrase)));
  NIMBUS_ASSERT_OK_AND_ASSIGN(GeneratedKey generated, writer.generate(p256(), "ca"));

  FileKeyStore reader(dir / "keys", fixed("not the passphrase"));
  auto loaded = reader.load(generated.reference);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().code(), ErrorCode::kBadPassphrase);
  // The error says which file, and never the passphrase.
  EXPECT_NE(loaded.error().message().find(generated.reference.substr(5)), std::string::npos);
  EXPECT_EQ(loaded.error().message().find("not the passphrase"), std::string::npos);
}

TEST(FileKeyStore, CheckUnlockCatchesAWrongPassphraseWhenKeysExist) {
  TempDir dir;
  FileKeyStore writer(dir / "keys", fixed(std::string(kPassphrase)));
  NIMBUS_ASSERT_OK(writer.generate(p256(), "ca"));

  FileKeyStore right(dir / "keys", fixed(std::string(kPassphrase)));
  NIMBUS_EXPECT_OK(right.check_unlock());
  FileKeyStore wrong(dir / "keys", fixed("mistyped passphrase"));
  NIMBUS_EXPECT_ERROR(wrong.check_unlock(), ErrorCode::kBadPassphrase);
}

TEST(FileKeyStore, CheckUnlockSucceedsWithoutKeysAndWithoutAskingForThePassphrase) {
  TempDir dir;
  int calls = 0;
  FileKeyStore missing_dir(dir / "keys", fixed("anything", &calls));
  NIMBUS_EXPECT_OK(missing_dir.check_unlock());
  std::filesystem::create_directory(dir / "keys");
  nimbus::testing::write_text(dir / "keys" / "README", "not a key");
  NIMBUS_EXPECT_OK(missing_dir.check_unlock());
  EXPECT_EQ(calls, 0);
}

TEST(FileKeyStore, AsksForThePassphraseOnceAndOnlyWhenAKeyIsUsed) {
  TempDir dir;
  int calls = 0;
  FileKeyStore store(dir / "keys", fixed(std::string(kPassphrase), &calls));
  EXPECT_EQ(calls, 0);
  NIMBUS_ASSERT_OK_AND_ASSIGN(GeneratedKey a, store.generate(p256(), "a"));
  NIMBUS_ASSERT_OK(store.load(a.reference));
  NIMBUS_ASSERT_OK(store.generate(p256(), "b"));
  NIMBUS_ASSERT_OK(store.check_unlock());
  EXPECT_EQ(calls, 1);
}

TEST(FileKeyStore, PropagatesThePassphraseSourceError) {
  TempDir dir;
  FileKeyStore store(dir / "keys", []() -> Result<Secret> {
    return Error(ErrorCode::kFailedPrecondition, "no key passphrase: set NIMBUS_KEY_PASSPHRASE");
  });
  auto generated = store.generate(p256(), "ca");
  ASSERT_FALSE(generated.ok());
  EXPECT_EQ(generated.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(generated.error().message().find("NIMBUS_KEY_PASSPHRASE"), std::string::npos);
  // Nothing was created: not even the directory.
  EXPECT_FALSE(std::filesystem::exists(dir / "keys"));

  // With a key on disk, load and check_unlock report the same error.
  FileKeyStore writer(dir / "keys", fixed(std::string(kPassphrase)));
  NIMBUS_ASSERT_OK_AND_ASSIGN(GeneratedKey key, writer.generate(p256(), "ca"));
  NIMBUS_EXPECT_ERROR(store.load(key.reference), ErrorCode::kFailedPrecondition);
  NIMBUS_EXPECT_ERROR(store.check_unlock(), ErrorCode::kFailedPrecondition);
}

TEST(FileKeyStore, RefusesAnEmptyPassphrase) {
  TempDir dir;
  FileKeyStore store(dir / "keys", fixed(""));
  NIMBUS_EXPECT_ERROR(store.generate(p256(), "ca"), ErrorCode::kFailedPrecondition);
  EXPECT_TRUE(file_names(dir / "keys").empty());
}

// As OpenSSH refuses a private key others can read: the key file's mode is checked before the
// passphrase is asked for, so a copied file is refused whether or not the passphrase is at hand.
TEST(FileKeyStore, RefusesAKeyFileGroupOrOthersCanReadOrWrite) {
  TempDir dir;
  std::string reference;
  {
    FileKeyStore store(dir / "keys", fixed(std::string(kPassphrase)));
    NIMBUS_ASSERT_OK_AND_ASSIGN(GeneratedKey generated, store.generate(p256(), "issuing"));
    reference = generated.reference;
  }
  std::filesystem::path file = dir / "keys" / reference.substr(5);
  for (unsigned mode : {0640u, 0604u, 0620u, 0602u, 0644u, 0666u}) {
    ASSERT_EQ(::chmod(file.c_str(), mode), 0);
    int calls = 0;
    FileKeyStore store(dir / "keys", fixed(std::string(kPassphrase), &calls));
    auto loaded = store.load(reference);
    ASSERT_FALSE(loaded.ok()) << std::oct << mode;
    EXPECT_EQ(loaded.error().code(), ErrorCode::kPermissionDenied);
    EXPECT_EQ(loaded.error().message(),
              fmt::format("key file '{}' is readable or writable by group or others (mode {:o}); run 'chmod 600 {}'",
                          file.string(), mode, file.string()));
    EXPECT_EQ(calls, 0) << "the passphrase was asked for a key that is refused";
    NIMBUS_EXPECT_ERROR(store.check_unlock(), ErrorCode::kPermissionDenied);
  }
  // Only the owner's bits matter: 0400 (read-only) and 0700 are private.
  for (unsigned mode : {0400u, 0700u, 0600u}) {
    ASSERT_EQ(::chmod(file.c_str(), mode), 0);
    FileKeyStore store(dir / "keys", fixed(std::string(kPassphrase)));
    NIMBUS_EXPECT_OK(store.load(reference));
  }
}

TEST(FileKeyStore, MissingKeyIsNotFound) {
  TempDir dir;
  FileKeyStore store(dir / "keys", fixed(std::string(kPassphrase)));
  NIMBUS_EXPECT_ERROR(store.load("file:nothing-here.key"), ErrorCode::kNotFound);
}

TEST(FileKeyStore, DiscardRemovesTheKeyFile) {
  TempDir dir;
  FileKeyStore store(dir / "keys", fixed(std::string(kPassphrase)));
  NIMBUS_ASSERT_OK_AND_ASSIGN(GeneratedKey kept, store.generate(p256(), "kept"));
  NIMBUS_ASSERT_OK_AND_ASSIGN(GeneratedKey dropped, store.generate(p256(), "dropped"));
  NIMBUS_ASSERT_OK(store.discard(dropped.reference));
  EXPECT_EQ(file_names(dir / "keys"), std::vector<std::string>{kept.reference.substr(5)});
  NIMBUS_EXPECT_ERROR(store.load(dropped.reference), ErrorCode::kNotFound);
  NIMBUS_EXPECT_OK(store.load(kept.reference));
  // Discarding what is already gone is not an error.
  NIMBUS_EXPECT_OK(store.discard(dropped.reference));
}

TEST(FileKeyStore, RefusesMalformedReferences) {
  TempDir dir;
  std::filesystem::create_directory(dir / "keys");
  nimbus::testing::write_text(dir / "x", "outside the key directory");
  FileKeyStore store(dir / "keys", fixed(std::string(kPassphrase)));

  for (const char* reference : {"file:../x", "file:", "file:a/b.key", "file:/etc/passwd", "file:.hidden.key",
                                "file:..", "file:."}) {
    NIMBUS_EXPECT_ERROR(store.load(reference), ErrorCode::kMalformed);
    NIMBUS_EXPECT_ERROR(store.discard(reference), ErrorCode::kMalformed);
  }
  for (const char* reference : {"pkcs11:..", "pkcs11:token=ca;object=root", "../x", "", "FILE:a.key", "x.key"}) {
    NIMBUS_EXPECT_ERROR(store.load(reference), ErrorCode::kUnsupported);
    NIMBUS_EXPECT_ERROR(store.discard(reference), ErrorCode::kUnsupported);
  }
  EXPECT_TRUE(std::filesystem::exists(dir / "x"));
}

// generate() takes any label ("not secret and need not be unique"); whatever it is, the key must
// land inside the key directory and the reference handed back must open it again.
TEST(FileKeyStore, AnyLabelGivesAKeyInsideTheDirectoryThatLoadsBack) {
  for (const char* label : {"../escape", ".hidden", "a/b", ""}) {
    TempDir dir;
    std::filesystem::create_directory(dir / "keys");
    FileKeyStore store(dir / "keys", fixed(std::string(kPassphrase)));
    auto generated = store.generate(p256(), label);
    if (!generated.ok()) continue;  // refusing the label is fine
    EXPECT_EQ(file_names(dir.path()), std::vector<std::string>{"keys"})
        << "label '" << label << "' wrote outside the key directory: " << generated->reference;
    auto loaded = store.load(generated->reference);
    EXPECT_TRUE(loaded.ok()) << "label '" << label << "': reference " << generated->reference
                             << " does not load: " << loaded.error().to_string();
    NIMBUS_EXPECT_OK(store.check_unlock());
  }
}

}  // namespace
}  // namespace nimbus::crypto
