// RateLimiter: a token bucket per API token, so that one script in a loop cannot starve the
// others or the public endpoints that share the node's workers. Each key starts with `burst`
// requests and earns `per_second` more each second, up to `burst`.
//
// Memory is bounded: past `max_keys`, the buckets that have refilled completely (their keys are idle)
// are forgotten, since a full bucket is what a new key starts with anyway.
//
// Thread-safety: take() may be called from any thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace nimbus::api {

struct RateLimit {
  double per_second = 20;
  double burst = 100;
};

class RateLimiter {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;

  explicit RateLimiter(RateLimit limit, std::size_t max_keys = 10'000, Clock clock = std::chrono::steady_clock::now);

  struct Decision {
    bool allowed = true;
    int retry_after_seconds = 0;  // when refused: whole seconds until one request is earned (at least 1)
  };
  // Spends one request of `key`'s bucket, or refuses when it is empty.
  Decision take(std::string_view key);

 private:
  struct Bucket {
    double available = 0;
    std::chrono::steady_clock::time_point updated;
  };
  void refill(Bucket& bucket, std::chrono::steady_clock::time_point now) const;
  void forget_idle(std::chrono::steady_clock::time_point now);

  RateLimit limit_;
  std::size_t max_keys_;
  Clock clock_;
  std::mutex mutex_;
  std::map<std::string, Bucket, std::less<>> buckets_;
};

}  // namespace nimbus::api
