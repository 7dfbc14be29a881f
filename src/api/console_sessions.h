// Console sessions: the web console signs in once with an API token and then holds a session
// cookie instead, so that the token never lives in the browser's storage.
//
// A session has two secrets, each 256 random bits: its id, sent only as an HttpOnly, Secure,
// SameSite=Strict cookie, and its CSRF token, which the console's script sends in X-CSRF-Token with
// every write (a page of another site can make the browser send the cookie, never the header).
// The store keeps the SHA-256 of each id, so that a lookup's timing says nothing about other ids;
// the CSRF token is compared in constant time. A session lasts `idle` since its last use and
// `lifetime` at most; the token it was made with is checked again on every request, so revoking
// the token ends its sessions.
//
// Thread-safety: every member may be called from any thread.
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
#include "core/secret.h"

namespace nimbus::api {

inline constexpr std::string_view kSessionCookie = "nimbus_session";
inline constexpr std::string_view kCsrfHeader = "X-CSRF-Token";

struct ConsoleSession {
  std::string token_id;  // the API token it was signed in with
  Secret csrf_token;
  std::chrono::system_clock::time_point expires_at;  // of its lifetime, whatever its use
};

struct NewConsoleSession {
  Secret id;  // for the cookie; shown once
  ConsoleSession session;
};

class ConsoleSessions {
 public:
  using Clock = std::function<std::chrono::system_clock::time_point()>;

  explicit ConsoleSessions(std::chrono::seconds idle = std::chrono::minutes(30),
                           std::chrono::seconds lifetime = std::chrono::hours(12), std::size_t max_sessions = 10'000,
                           Clock clock = std::chrono::system_clock::now);

  Result<NewConsoleSession> open(const std::string& token_id);

  // The live session whose id is `id` (its idle time restarts), or nothing.
  std::optional<ConsoleSession> find(std::string_view id);

  // Whether `presented` is the session's CSRF token (constant time).
  static bool csrf_matches(const ConsoleSession& session, std::string_view presented);

  void close(std::string_view id);

  std::chrono::seconds lifetime() const { return lifetime_; }

 private:
  struct Entry {
    ConsoleSession session;
    std::chrono::system_clock::time_point last_used;
  };
  void forget_expired(std::chrono::system_clock::time_point now);

  std::chrono::seconds idle_;
  std::chrono::seconds lifetime_;
  std::size_t max_sessions_;
  Clock clock_;
  std::mutex mutex_;
  std::map<std::string, Entry, std::less<>> sessions_;  // by hex SHA-256 of the id
};

// The session id in a Cookie header ("a=b; nimbus_session=...; c=d"), if any.
std::optional<std::string_view> session_cookie(std::string_view cookie_header);

}  // namespace nimbus::api
