#include "api/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace nimbus::api {

RateLimiter::RateLimiter(RateLimit limit, std::size_t max_keys, Clock clock)
    : limit_(limit), max_keys_(max_keys), clock_(std::move(clock)) {}

void RateLimiter::refill(Bucket& bucket, std::chrono::steady_clock::time_point now) const {
  const double elapsed = std::chrono::duration<double>(now - bucket.updated).count();
  if (elapsed > 0) bucket.available = std::min(limit_.burst, bucket.available + elapsed * limit_.per_second);
  bucket.updated = std::max(bucket.updated, now);
}

void RateLimiter::forget_idle(std::chrono::steady_clock::time_point now) {
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    refill(it->second, now);
    it = it->second.available >= limit_.burst ? buckets_.erase(it) : std::next(it);
  }
}

RateLimiter::Decision RateLimiter::take(std::string_view key) {
  const auto now = clock_();
  std::lock_guard lock(mutex_);
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_keys_) forget_idle(now);
    // When every remembered key is busy the map grows past max_keys rather than letting a new key
    // through unmetered; each entry is small and tokens are few.
    it = buckets_.emplace(std::string(key), Bucket{limit_.burst, now}).first;
  }
  Bucket& bucket = it->second;
  refill(bucket, now);
  if (bucket.available >= 1) {
    bucket.available -= 1;
    return {true, 0};
  }
  const double wait = limit_.per_second > 0 ? (1 - bucket.available) / limit_.per_second : 3600;
  return {false, std::max(1, static_cast<int>(std::ceil(wait)))};
}

}  // namespace nimbus::api
