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
  NIMBUS_ASSIGN_OR_RETURN(unsigned mode, file_mode(path));
  if ((mode & 077) != 0) {
    return Error(ErrorCode::kPermissionDenied,
                 fmt::format("passphrase file '{}' is readable by other users (mode {:o}); run 'chmod 600 {}'",
                             path.string(), mode, path.string()));
  }
  NIMBUS_ASSIGN_OR_RETURN(Bytes content, read_file(path, 4096));
  Secret passphrase(std::string(content.begin(), content.end()));
  std::fill(content.begin(), content.end(), 0);
  std::string_view text = passphrase.reveal();
  if (text.ends_with("\r\n")) text.remove_suffix(2);
  else if (text.ends_with('\n')) text.remove_suffix(1);
  if (text.empty()) {
    return Error(ErrorCode::kInvalidArgument, fmt::format("passphrase file '{}' is empty", path.string()));
  }
  return Secret(std::string(text));
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
