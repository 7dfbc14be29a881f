#include "config/passphrase.h"

#include <cstdlib>

#include <fmt/format.h>

#include "config/config.h"
#include "core/file.h"

namespace nimbus::config {

std::optional<Secret> passphrase_from_environment() {
  const char* value = std::getenv(kPassphraseEnvironmentVariable);
  if (value == nullptr || *value == '\0') return std::nullopt;
  return Secret(value);
}

Result<Secret> read_passphrase_file(const std::filesystem::path& path) {
  return read_secret_file(path, "passphrase file");
}

Result<Secret> resolve_passphrase(const std::optional<std::filesystem::path>& file) {
  if (auto from_environment = passphrase_from_environment()) return std::move(*from_environment);
  if (file) return read_passphrase_file(*file);
  return Error(ErrorCode::kFailedPrecondition,
               fmt::format("no key passphrase: set {} or {} in {}", kPassphraseEnvironmentVariable,
                           kKeyPassphraseFileKey, kConfigFileName));
}

Status check_new_passphrase(const Secret& passphrase) {
  if (passphrase.size() < kMinimumPassphraseLength) {
    return Error(ErrorCode::kPolicyViolation,
                 fmt::format("the key passphrase is shorter than {} characters; CA keys deserve a longer one",
                             kMinimumPassphraseLength));
  }
  return ok_status();
}

}  // namespace nimbus::config
