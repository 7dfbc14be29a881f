// UrlFetcher: where the verifier gets AIA certificates, CRLs and OCSP answers from. The verifier
// only ever sees this interface, so tests hand it a map of URLs and the RADIUS server and
// `nimbus verify` hand it libcurl (CurlFetcher).
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/bytes.h"
#include "verify/evidence.h"

namespace nimbus::verify {

struct FetchRequest {
  std::string url;
  // A POST body (OCSP requests) with its content type; a GET when absent.
  std::optional<Bytes> post_body;
  std::string content_type;
  std::chrono::milliseconds timeout{10000};
  std::size_t max_bytes = 0;  // a larger answer ends as kRejected
  // More request headers (name, value), for callers that sign what they send.
  std::vector<std::pair<std::string, std::string>> headers;
  // Off for a request whose answer must come from the URL asked, as a webhook's must.
  bool follow_redirects = true;
};

struct FetchResponse {
  // kOk when a complete answer with status 200 arrived; otherwise kHttpError, kTimeout,
  // kUnreachable, kRejected (too large) or kNotFetched (a scheme this fetcher does not speak).
  FetchOutcome outcome = FetchOutcome::kNotFetched;
  std::optional<int> http_status;
  Bytes body;  // with kOk the answer; with kHttpError what the server sent with its status (its reason)
  std::string detail;
  std::chrono::milliseconds elapsed{0};
  // The answer's headers, names in lower case (the last of a repeated one); http(s) only.
  std::map<std::string, std::string> headers;
};

// Implementations are safe to call from several threads at once.
class UrlFetcher {
 public:
  virtual ~UrlFetcher() = default;
  virtual FetchResponse fetch(const FetchRequest& request) = 0;

 protected:
  UrlFetcher() = default;
  UrlFetcher(const UrlFetcher&) = delete;
  UrlFetcher& operator=(const UrlFetcher&) = delete;
};

}  // namespace nimbus::verify
