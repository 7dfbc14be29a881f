// Error: the one error value every Nimbus operation returns.
//
// An error has a stable code (for exit statuses, metrics and scripts) and a message that says what
// went wrong, where, and when it helps, what to do about it. Messages never contain key material or
// passphrases.
#pragma once

#include <string>
#include <string_view>

namespace nimbus {

// The error table. Each row: code, stable name, whether it means "we failed" rather than
// "the input or request was refused".
//
// A rejection (is_failure == false) is the normal answer to bad input: a malformed file, a request
// that breaks a rule. A failure (is_failure == true) means the system could not do what it should
// have been able to do — an I/O error, an OpenSSL internal error, a bug — and deserves an alarm.
#define NIMBUS_ERROR_CODES(X)                                  \
  X(kInvalidArgument, "invalid_argument", false)               \
  X(kMalformed, "malformed", false)                            \
  X(kUnsupported, "unsupported", false)                        \
  X(kPolicyViolation, "policy_violation", false)               \
  X(kNotFound, "not_found", false)                             \
  X(kAlreadyExists, "already_exists", false)                   \
  X(kFailedPrecondition, "failed_precondition", false)         \
  X(kBadPassphrase, "bad_passphrase", false)                   \
  X(kPermissionDenied, "permission_denied", false)             \
  X(kIoError, "io_error", true)                                \
  X(kStoreError, "store_error", true)                          \
  X(kCryptoError, "crypto_error", true)                        \
  X(kInternal, "internal", true)

enum class ErrorCode {
#define NIMBUS_ERROR_ENUM(code, name, failure) code,
  NIMBUS_ERROR_CODES(NIMBUS_ERROR_ENUM)
#undef NIMBUS_ERROR_ENUM
};

// The stable, documented name of a code ("policy_violation").
std::string_view error_code_name(ErrorCode code);

// True when the code means the system failed, false when it means a request was refused.
bool error_code_is_failure(ErrorCode code);

class Error {
 public:
  Error(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  bool is_failure() const { return error_code_is_failure(code_); }

  // Prefixes the message with context from a caller: "loading CA 'root': <message>".
  Error&& with_context(std::string_view context) &&;

  // The input at fault, when the error is about one (a request member or parameter: "validity"),
  // so that an API can name it apart from the message. Empty otherwise.
  const std::string& field() const { return field_; }
  Error&& at_field(std::string field) &&;

  // "policy_violation: <message>"
  std::string to_string() const;

 private:
  ErrorCode code_;
  std::string message_;
  std::string field_;
};

}  // namespace nimbus
