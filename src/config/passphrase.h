// Finding the passphrase that unlocks CA keys: NIMBUS_KEY_PASSPHRASE, else key_passphrase_file.
#pragma once

#include <filesystem>
#include <optional>

#include "core/result.h"
#include "core/secret.h"

namespace nimbus::config {

inline constexpr const char* kPassphraseEnvironmentVariable = "NIMBUS_KEY_PASSPHRASE";
inline constexpr std::size_t kMinimumPassphraseLength = 12;

// The passphrase from the environment, if set and non-empty.
std::optional<Secret> passphrase_from_environment();

// Reads a passphrase file: refuses one that group or others can read (chmod 600), an empty one, or
// one larger than 4 KiB; drops one trailing newline.
Result<Secret> read_passphrase_file(const std::filesystem::path& path);

// The environment's passphrase, else the file's (if `file` is set), else kFailedPrecondition
// explaining both ways to provide one.
Result<Secret> resolve_passphrase(const std::optional<std::filesystem::path>& file);

// A new passphrase must be at least kMinimumPassphraseLength bytes.
Status check_new_passphrase(const Secret& passphrase);

}  // namespace nimbus::config
