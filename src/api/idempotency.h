// Idempotency keys: a client that creates or issues sends `Idempotency-Key: <key>`, and a retry with
// the same key (after a timeout, a dropped connection) gets the first answer again, marked
// `Idempotent-Replayed: true`, instead of a second enrollment or certificate.
//
// A key belongs to the token that sent it and to one request: the same key with another method,
// path or body is refused (kAlreadyExists), since answering it with the first response would hide
// the change. Only successful answers are kept; a refused request changed nothing and may simply be
// sent again. Entries are kept in memory for `retention`, at most `max_entries` of them (the oldest
// go first): a retry comes within minutes, not after a restart.
//
// Thread-safety: every member may be called from any thread. Callers serialise the requests of
// one key themselves (the API runs its writes one at a time), so two retries never both run.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "http/message.h"

namespace nimbus::api {

inline constexpr std::size_t kMaxIdempotencyKeyLength = 255;

// Checks a key as a client sent it: 1-255 visible ASCII characters. kInvalidArgument naming the
// Idempotency-Key header otherwise.
Status check_idempotency_key(std::string_view key);

// What makes two requests the same one: method, path and body (hex SHA-256).
std::string request_fingerprint(const http::Request& request);

class IdempotencyKeys {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;

  explicit IdempotencyKeys(std::chrono::seconds retention = std::chrono::hours(24), std::size_t max_entries = 10'000,
                           Clock clock = std::chrono::steady_clock::now);

  // The answer kept for `key` of `owner`, if the same request was answered before; nothing when the
  // key is new; kAlreadyExists when it was used for a different request.
  Result<std::optional<http::Response>> recall(std::string_view owner, std::string_view key,
                                               std::string_view fingerprint);

  // Keeps a successful answer (2xx; others are ignored) for retries.
  void remember(std::string_view owner, std::string_view key, std::string fingerprint, const http::Response& response);

  // Records that the request was answered with something that must not be sent twice (a private
  // key): a retry is refused (kAlreadyExists) rather than answered again or run again.
  void remember_answered_once(std::string_view owner, std::string_view key, std::string fingerprint);

  std::size_t size() const;

 private:
  struct Entry {
    std::string fingerprint;
    std::optional<http::Response> response;  // nothing: answered once, not to be replayed
    std::chrono::steady_clock::time_point stored;
  };
  void forget_expired(std::chrono::steady_clock::time_point now);
  void keep(std::string_view owner, std::string_view key, Entry entry);

  std::chrono::seconds retention_;
  std::size_t max_entries_;
  Clock clock_;
  mutable std::mutex mutex_;
  std::map<std::string, Entry, std::less<>> entries_;  // by owner + '\n' + key
  std::multimap<std::chrono::steady_clock::time_point, std::string> by_age_;
};

}  // namespace nimbus::api
