// KeyStore: where CA and signer private keys live.
//
// Issuance code asks a KeyStore for a key by its reference and never learns where or how the key
// is kept. A file-based store (encrypted PKCS#8) is the default; a PKCS#11 store for HSMs
// implements the same interface and hands back keys whose EVP_PKEY signs inside the token.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "core/secret.h"
#include "crypto/key.h"

namespace nimbus::crypto {

// A freshly generated key and the reference under which the store keeps it.
struct GeneratedKey {
  std::string reference;  // opaque to callers; stored with the authority
  PrivateKey key;
};

class KeyStore {
 public:
  virtual ~KeyStore() = default;

  // Generates a key of `spec` and keeps it. `label` names it for operators (a CA id); it is not
  // secret and need not be unique.
  virtual Result<GeneratedKey> generate(const KeySpec& spec, std::string_view label) = 0;

  // Opens a key this store generated. A wrong passphrase is kBadPassphrase; a missing key kNotFound.
  virtual Result<PrivateKey> load(std::string_view reference) const = 0;

  // Forgets a key that was generated but never put to use, when the operation that needed it fails.
  virtual Status discard(std::string_view reference) = 0;

  // Succeeds when the store's secret opens the keys it already holds (or it holds none), so that a
  // mistyped passphrase is caught before a new key is encrypted under it.
  virtual Status check_unlock() const = 0;

 protected:
  KeyStore() = default;
  KeyStore(const KeyStore&) = delete;
  KeyStore& operator=(const KeyStore&) = delete;
};

// Keys as encrypted PKCS#8 files (mode 0600) in one directory (mode 0700). References have the form
// "file:<name>.key", relative to the directory; names are random, so concurrent creations never
// collide. A key file that group or others may read or write is refused (kPermissionDenied, with the
// chmod that fixes it) before its passphrase is asked for. The passphrase is asked of
// `passphrase_source` the first time a key is used, so that commands which touch no key need none.
// Not thread-safe.
class FileKeyStore final : public KeyStore {
 public:
  using PassphraseSource = std::function<Result<Secret>()>;

  FileKeyStore(std::filesystem::path directory, PassphraseSource passphrase_source);

  Result<GeneratedKey> generate(const KeySpec& spec, std::string_view label) override;
  Result<PrivateKey> load(std::string_view reference) const override;
  Status discard(std::string_view reference) override;
  Status check_unlock() const override;

 private:
  Result<std::filesystem::path> resolve(std::string_view reference) const;
  Result<std::string_view> passphrase() const;

  std::filesystem::path directory_;
  PassphraseSource passphrase_source_;
  mutable std::optional<Secret> passphrase_;
};

}  // namespace nimbus::crypto
