#include "crypto/key_store.h"

#include <fmt/format.h>

#include "core/file.h"
#include "crypto/random.h"

namespace nimbus::crypto {

namespace {
constexpr std::string_view kFileScheme = "file:";
constexpr unsigned kKeyFileMode = 0600;
// A key file that group or others can read can be copied and attacked offline; one they can write
// can be swapped for a key of their own. Either is refused, as OpenSSH refuses such keys.
constexpr unsigned kKeyFileOpenToOthers = 066;

// The label as it may appear in a file name: letters, digits, '-' and '_' only, so a label can
// never leave the directory or hide the file.
std::string file_name_label(std::string_view label) {
  std::string out;
  for (char c : label.substr(0, 64)) {
    bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    out.push_back(safe ? c : '-');
  }
  return out.empty() ? "key" : out;
}
}  // namespace

FileKeyStore::FileKeyStore(std::filesystem::path directory, PassphraseSource passphrase_source)
    : directory_(std::move(directory)), passphrase_source_(std::move(passphrase_source)) {}

Result<std::string_view> FileKeyStore::passphrase() const {
  if (!passphrase_) {
    NIMBUS_ASSIGN_OR_RETURN(Secret secret, passphrase_source_());
    if (secret.empty()) {
      return Error(ErrorCode::kFailedPrecondition, "the key passphrase is empty");
    }
    passphrase_ = std::move(secret);
  }
  return passphrase_->reveal();
}

Result<GeneratedKey> FileKeyStore::generate(const KeySpec& spec, std::string_view label) {
  NIMBUS_ASSIGN_OR_RETURN(std::string_view secret, passphrase());
  NIMBUS_TRY(create_private_directory(directory_));
  NIMBUS_ASSIGN_OR_RETURN(PrivateKey key, PrivateKey::generate(spec));
  NIMBUS_ASSIGN_OR_RETURN(std::string pem, key.to_encrypted_pem(secret));
  NIMBUS_ASSIGN_OR_RETURN(Bytes suffix, random_bytes(4));
  std::string name = fmt::format("{}-{}.key", file_name_label(label), to_hex(suffix));
  NIMBUS_TRY(write_file_atomic(directory_ / name, as_bytes(pem), kKeyFileMode));
  return GeneratedKey{std::string(kFileScheme) + name, std::move(key)};
}

Result<std::filesystem::path> FileKeyStore::resolve(std::string_view reference) const {
  if (!reference.starts_with(kFileScheme)) {
    return Error(ErrorCode::kUnsupported,
                 fmt::format("key reference '{}' is not a file key; this store holds file keys only",
                             reference));
  }
  std::string_view name = reference.substr(kFileScheme.size());
  if (name.empty() || name.find('/') != std::string_view::npos || name.starts_with(".")) {
    return Error(ErrorCode::kMalformed, fmt::format("key reference '{}' is malformed", reference));
  }
  return directory_ / std::string(name);
}

Result<PrivateKey> FileKeyStore::load(std::string_view reference) const {
  NIMBUS_ASSIGN_OR_RETURN(std::filesystem::path path, resolve(reference));
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return Error(ErrorCode::kNotFound, fmt::format("key file '{}' is missing", path.string()));
  }
  NIMBUS_ASSIGN_OR_RETURN(unsigned mode, file_mode(path));
  if ((mode & kKeyFileOpenToOthers) != 0) {
    return Error(ErrorCode::kPermissionDenied,
                 fmt::format("key file '{}' is readable or writable by group or others (mode {:o}); run 'chmod 600 {}'",
                             path.string(), mode, path.string()));
  }
  NIMBUS_ASSIGN_OR_RETURN(std::string_view secret, passphrase());
  NIMBUS_ASSIGN_OR_RETURN(Bytes pem, read_file(path, 1u << 20));
  auto key = PrivateKey::from_encrypted_pem(pem, secret);
  if (!key.ok()) return std::move(key).error().with_context(fmt::format("key file '{}'", path.string()));
  return key;
}

Status FileKeyStore::discard(std::string_view reference) {
  NIMBUS_ASSIGN_OR_RETURN(std::filesystem::path path, resolve(reference));
  std::error_code ec;
  std::filesystem::remove(path, ec);
  if (ec) {
    return Error(ErrorCode::kIoError,
                 fmt::format("cannot remove key file '{}': {}", path.string(), ec.message()));
  }
  return ok_status();
}

Status FileKeyStore::check_unlock() const {
  std::error_code ec;
  if (!std::filesystem::is_directory(directory_, ec)) return ok_status();
  for (const auto& entry : std::filesystem::directory_iterator(directory_, ec)) {
    if (entry.path().extension() != ".key") continue;
    NIMBUS_TRY(load(std::string(kFileScheme) + entry.path().filename().string()));
    return ok_status();
  }
  return ok_status();
}

}  // namespace nimbus::crypto
