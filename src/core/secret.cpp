#include "core/secret.h"

#include <openssl/crypto.h>

#include <algorithm>

#include <fmt/format.h>

#include "core/file.h"

namespace nimbus {

Secret::~Secret() { wipe(); }

Secret& Secret::operator=(const Secret& other) {
  if (this != &other) {
    wipe();
    value_ = other.value_;
  }
  return *this;
}

Secret::Secret(Secret&& other) noexcept : value_(std::move(other.value_)) { other.wipe(); }

Secret& Secret::operator=(Secret&& other) noexcept {
  if (this != &other) {
    wipe();
    value_ = std::move(other.value_);
    other.wipe();
  }
  return *this;
}

void Secret::wipe() {
  // Wipe the whole capacity: a shrunk string may still hold old bytes past its size.
  value_.resize(value_.capacity());
  OPENSSL_cleanse(value_.data(), value_.size());
  value_.clear();
}

Result<Secret> read_secret_file(const std::filesystem::path& path, std::string_view what) {
  NIMBUS_ASSIGN_OR_RETURN(unsigned mode, file_mode(path));
  if ((mode & 077) != 0) {
    return Error(ErrorCode::kPermissionDenied,
                 fmt::format("{} '{}' is readable by other users (mode {:o}); run 'chmod 600 {}'", what, path.string(),
                             mode, path.string()));
  }
  NIMBUS_ASSIGN_OR_RETURN(Bytes content, read_file(path, 4096));
  Secret secret(std::string(content.begin(), content.end()));
  std::fill(content.begin(), content.end(), 0);
  std::string_view text = secret.reveal();
  if (text.ends_with("\r\n")) {
    text.remove_suffix(2);
  } else if (text.ends_with('\n')) {
    text.remove_suffix(1);
  }
  if (text.empty()) return Error(ErrorCode::kInvalidArgument, fmt::format("{} '{}' is empty", what, path.string()));
  return Secret(std::string(text));
}

}  // namespace nimbus
