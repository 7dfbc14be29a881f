// Secret: a passphrase or other secret string that is wiped from memory when dropped and cannot be
// formatted or logged by accident (it has no stream or fmt operator).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "core/result.h"

namespace nimbus {

class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}
  ~Secret();
  Secret(const Secret& other) : value_(other.value_) {}
  Secret& operator=(const Secret& other);
  Secret(Secret&& other) noexcept;
  Secret& operator=(Secret&& other) noexcept;

  std::string_view reveal() const { return value_; }
  bool empty() const { return value_.empty(); }
  std::size_t size() const { return value_.size(); }

 private:
  void wipe();
  std::string value_;
};

// Reads a file holding one secret (a passphrase, a RADIUS shared secret): refuses one that group or
// others may read or write (chmod 600), an empty one, or one larger than 4 KiB; drops one trailing
// newline. `what` names the file in errors ("passphrase file"); the secret never appears in them.
Result<Secret> read_secret_file(const std::filesystem::path& path, std::string_view what);

}  // namespace nimbus
