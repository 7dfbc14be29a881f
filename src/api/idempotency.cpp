#include "api/idempotency.h"

#include <fmt/format.h>

#include "core/bytes.h"
#include "crypto/digest.h"

namespace nimbus::api {

namespace {

std::string entry_name(std::string_view owner, std::string_view key) {
  std::string name(owner);
  name += '\n';
  name += key;
  return name;
}

}  // namespace

Status check_idempotency_key(std::string_view key) {
  if (key.empty() || key.size() > kMaxIdempotencyKeyLength) {
    return Error(ErrorCode::kInvalidArgument,
                 fmt::format("an Idempotency-Key has 1 to {} characters", kMaxIdempotencyKeyLength))
        .at_field("Idempotency-Key");
  }
  for (char c : key) {
    if (c < 0x21 || c > 0x7e) {
      return Error(ErrorCode::kInvalidArgument, "an Idempotency-Key is visible ASCII, without spaces")
          .at_field("Idempotency-Key");
    }
  }
  return ok_status();
}

std::string request_fingerprint(const http::Request& request) {
  // Lengths first, so that no choice of method, path and body reads as another's.
  std::string material = fmt::format("{}:{}:{}:{}:", request.method.size(), request.method, request.path.size(),
                                     request.path);
  material.append(reinterpret_cast<const char*>(request.body.data()), request.body.size());
  return to_hex(crypto::sha256(as_bytes(material)));
}

IdempotencyKeys::IdempotencyKeys(std::chrono::seconds retention, std::size_t max_entries, Clock clock)
    : retention_(retention), max_entries_(max_entries), clock_(std::move(clock)) {}

Result<std::optional<http::Response>> IdempotencyKeys::recall(std::string_view owner, std::string_view key,
                                                              std::string_view fingerprint) {
  std::lock_guard lock(mutex_);
  forget_expired(clock_());
  auto found = entries_.find(entry_name(owner, key));
  if (found == entries_.end()) return std::optional<http::Response>();
  if (found->second.fingerprint != fingerprint) {
    return Error(ErrorCode::kAlreadyExists,
                 "this Idempotency-Key was used for a different request; use a new key for a new request")
        .at_field("Idempotency-Key");
  }
  if (!found->second.response) {
    return Error(ErrorCode::kAlreadyExists,
                 "this request was answered already, with a private key that is not kept; make a new request "
                 "with a new Idempotency-Key")
        .at_field("Idempotency-Key");
  }
  http::Response replay = *found->second.response;
  replay.set_header("Idempotent-Replayed", "true");
  return std::optional<http::Response>(std::move(replay));
}

void IdempotencyKeys::remember(std::string_view owner, std::string_view key, std::string fingerprint,
                               const http::Response& response) {
  if (response.status < 200 || response.status > 299) return;
  keep(owner, key, Entry{std::move(fingerprint), response, {}});
}

void IdempotencyKeys::remember_answered_once(std::string_view owner, std::string_view key, std::string fingerprint) {
  keep(owner, key, Entry{std::move(fingerprint), std::nullopt, {}});
}

void IdempotencyKeys::keep(std::string_view owner, std::string_view key, Entry entry) {
  std::lock_guard lock(mutex_);
  const auto now = clock_();
  forget_expired(now);
  std::string name = entry_name(owner, key);
  if (entries_.contains(name)) return;
  while (!by_age_.empty() && entries_.size() >= max_entries_) {
    entries_.erase(by_age_.begin()->second);
    by_age_.erase(by_age_.begin());
  }
  entry.stored = now;
  by_age_.emplace(now, name);
  entries_.emplace(std::move(name), std::move(entry));
}

std::size_t IdempotencyKeys::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

void IdempotencyKeys::forget_expired(std::chrono::steady_clock::time_point now) {
  while (!by_age_.empty() && now - by_age_.begin()->first >= retention_) {
    entries_.erase(by_age_.begin()->second);
    by_age_.erase(by_age_.begin());
  }
}

}  // namespace nimbus::api
