// FetchSession: the fetching done for one verification. It holds the time budget shared by
// every fetch of the verification and remembers which URLs already failed, so that a URL that
// timed out for one element is not waited on again for the next. One verification, one thread.
#pragma once

#include <chrono>
#include <map>
#include <string>

#include "verify/evidence.h"
#include "verify/fetcher.h"

namespace nimbus::verify {

struct FetchLimits {
  std::chrono::milliseconds timeout{10000};          // one URL
  std::chrono::milliseconds budget{60000};           // every fetch of one verification together
  std::size_t max_bytes = std::size_t{128} << 20;    // one answer (a CRL of a million entries is ~50 MB)
};

class FetchSession {
 public:
  // `fetcher` may be null: URL fetching is off, and every fetch ends kNotFetched.
  FetchSession(UrlFetcher* fetcher, const FetchLimits& limits);

  // Fetches `request.url` (its timeout and size bound are set here) unless URL fetching is off,
  // the budget is spent, or the URL already failed in this session. The record of what happened
  // has outcome kOk when the body may be used; the caller refines it (kBadData, kRejected) and
  // keeps it.
  FetchResponse fetch(FetchRequest request, FetchPurpose purpose, FetchRecord& record);

  bool fetching_enabled() const { return fetcher_ != nullptr; }

 private:
  UrlFetcher* fetcher_;
  FetchLimits limits_;
  std::chrono::steady_clock::time_point deadline_;
  std::map<std::string, FetchResponse, std::less<>> failed_;
};

}  // namespace nimbus::verify
