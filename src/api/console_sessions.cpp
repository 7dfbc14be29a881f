#include "api/console_sessions.h"

#include "core/bytes.h"
#include "crypto/digest.h"
#include "crypto/random.h"

namespace nimbus::api {

namespace {

constexpr std::size_t kSecretBytes = 32;

std::string lookup_key(std::string_view id) { return to_hex(crypto::sha256(as_bytes(id))); }

Result<Secret> random_secret() {
  NIMBUS_ASSIGN_OR_RETURN(Bytes bytes, crypto::random_bytes(kSecretBytes));
  return Secret(to_hex(bytes));
}

}  // namespace

ConsoleSessions::ConsoleSessions(std::chrono::seconds idle, std::chrono::seconds lifetime, std::size_t max_sessions,
                                 Clock clock)
    : idle_(idle), lifetime_(lifetime), max_sessions_(max_sessions), clock_(std::move(clock)) {}

Result<NewConsoleSession> ConsoleSessions::open(const std::string& token_id) {
  NIMBUS_ASSIGN_OR_RETURN(Secret id, random_secret());
  NIMBUS_ASSIGN_OR_RETURN(Secret csrf, random_secret());
  std::lock_guard lock(mutex_);
  const auto now = clock_();
  forget_expired(now);
  if (sessions_.size() >= max_sessions_) {
    // The one used longest ago makes room: a bound on memory, not a way to end a busy session.
    auto oldest = sessions_.begin();
    for (auto it = sessions_.begin(); it != sessions_.end(); ++it) {
      if (it->second.last_used < oldest->second.last_used) oldest = it;
    }
    sessions_.erase(oldest);
  }
  ConsoleSession session{token_id, csrf, now + lifetime_};
  sessions_.emplace(lookup_key(id.reveal()), Entry{session, now});
  return NewConsoleSession{std::move(id), std::move(session)};
}

std::optional<ConsoleSession> ConsoleSessions::find(std::string_view id) {
  std::lock_guard lock(mutex_);
  const auto now = clock_();
  forget_expired(now);
  auto found = sessions_.find(lookup_key(id));
  if (found == sessions_.end()) return std::nullopt;
  found->second.last_used = now;
  return found->second.session;
}

bool ConsoleSessions::csrf_matches(const ConsoleSession& session, std::string_view presented) {
  return constant_time_equal(as_bytes(session.csrf_token.reveal()), as_bytes(presented));
}

void ConsoleSessions::close(std::string_view id) {
  std::lock_guard lock(mutex_);
  sessions_.erase(lookup_key(id));
}

void ConsoleSessions::forget_expired(std::chrono::system_clock::time_point now) {
  std::erase_if(sessions_, [&](const auto& entry) {
    return now >= entry.second.session.expires_at || now - entry.second.last_used >= idle_;
  });
}

std::optional<std::string_view> session_cookie(std::string_view header) {
  while (!header.empty()) {
    std::size_t end = header.find(';');
    std::string_view pair = header.substr(0, end);
    header = end == std::string_view::npos ? std::string_view() : header.substr(end + 1);
    while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
    std::size_t equals = pair.find('=');
    if (equals != std::string_view::npos && pair.substr(0, equals) == kSessionCookie) {
      std::string_view value = pair.substr(equals + 1);
      while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
      if (!value.empty()) return value;
    }
  }
  return std::nullopt;
}

}  // namespace nimbus::api
