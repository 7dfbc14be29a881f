#include "radius/service/request_cache.h"

namespace nimbus::radius {

namespace {
// A request worked on longer than this (a verification waiting on its fetch budget, at most a
// minute) is forgotten so that a retransmission can be served.
constexpr auto kInProgressLimit = std::chrono::seconds(90);
}  // namespace

std::string RequestCache::key_of(const std::string& source, std::uint8_t identifier,
                                 const Authenticator& authenticator) {
  std::string key = source;
  key.push_back('\0');
  key.push_back(static_cast<char>(identifier));
  key.append(reinterpret_cast<const char*>(authenticator.data()), authenticator.size());
  return key;
}

RequestCache::Lookup RequestCache::arrive(const std::string& source, std::uint8_t identifier,
                                          const Authenticator& authenticator) {
  std::string key = key_of(source, identifier, authenticator);
  auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mutex_);
  auto it = entries_.find(key);
  if (it != entries_.end() && it->second.expires > now) {
    if (!it->second.answer) return {Seen::kInProgress, {}};
    return {Seen::kAnswered, *it->second.answer};
  }
  if (it != entries_.end()) {
    entries_.erase(it);
  }
  if (entries_.size() < max_entries_) entries_.emplace(std::move(key), Entry{std::nullopt, now + kInProgressLimit});
  return {Seen::kNew, {}};
}

void RequestCache::answered(const std::string& source, std::uint8_t identifier, const Authenticator& authenticator,
                            Bytes answer) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(key_of(source, identifier, authenticator));
  if (it == entries_.end()) return;
  it->second.answer = std::move(answer);
  it->second.expires = std::chrono::steady_clock::now() + lifetime_;
}

void RequestCache::abandon(const std::string& source, std::uint8_t identifier, const Authenticator& authenticator) {
  std::lock_guard lock(mutex_);
  entries_.erase(key_of(source, identifier, authenticator));
}

std::size_t RequestCache::expire(std::chrono::steady_clock::time_point now) {
  std::lock_guard lock(mutex_);
  std::size_t expired = 0;
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (it->second.expires <= now) {
      it = entries_.erase(it);
      ++expired;
    } else {
      ++it;
    }
  }
  return expired;
}

std::size_t RequestCache::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace nimbus::radius
