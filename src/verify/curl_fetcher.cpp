#include "verify/curl_fetcher.h"

#include <curl/curl.h>

#include <cctype>
#include <memory>
#include <mutex>
#include <utility>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/log_text.h"
#include "verify/fetched_objects.h"

namespace nimbus::verify {

namespace {

constexpr const char* kSchemes = "http,https,ldap,ldaps";

struct CurlEasyDeleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
struct CurlListDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

struct Sink {
  Bytes* body;
  std::size_t max_bytes;
  bool overflowed = false;
};

std::size_t collect(char* data, std::size_t size, std::size_t count, void* user) {
  auto* sink = static_cast<Sink*>(user);
  std::size_t length = size * count;
  if (sink->max_bytes != 0 && sink->body->size() + length > sink->max_bytes) {
    sink->overflowed = true;
    return 0;  // makes libcurl stop with CURLE_WRITE_ERROR
  }
  sink->body->insert(sink->body->end(), data, data + length);
  return length;
}

// The headers of the answer that ends the exchange: a status line (after a redirect or a 100
// Continue) starts them afresh. More than kMaxHeaderBytes of them stops the transfer.
constexpr std::size_t kMaxHeaderBytes = 16 * 1024;

struct HeaderSink {
  std::map<std::string, std::string>* headers;
  std::size_t bytes = 0;
};

std::string_view trimmed(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r' || text.back() == '\n')) {
    text.remove_suffix(1);
  }
  return text;
}

std::size_t collect_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* sink = static_cast<HeaderSink*>(user);
  std::size_t length = size * count;
  sink->bytes += length;
  if (sink->bytes > kMaxHeaderBytes) return 0;
  std::string_view line(data, length);
  if (line.starts_with("HTTP/")) {
    sink->headers->clear();
    return length;
  }
  std::size_t colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) return length;
  std::string name(line.substr(0, colon));
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  (*sink->headers)[name] = std::string(trimmed(line.substr(colon + 1)));
  return length;
}

bool is_ldap(std::string_view url) { return url.starts_with("ldap://") || url.starts_with("ldaps://"); }

FetchOutcome outcome_of(CURLcode code) {
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT: return FetchOutcome::kTimeout;
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT: return FetchOutcome::kNotFetched;
    // The directory answered, with an error (no such object, insufficient access): an answer,
    // like an HTTP status, not a network failure.
    case CURLE_LDAP_SEARCH_FAILED: return FetchOutcome::kHttpError;
    default: return FetchOutcome::kUnreachable;
  }
}

}  // namespace

CurlFetcher::CurlFetcher(std::string user_agent) : user_agent_(std::move(user_agent)) {
  static std::once_flag initialised;
  std::call_once(initialised, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

FetchResponse CurlFetcher::fetch(const FetchRequest& request) {
  FetchResponse response;
  auto started = std::chrono::steady_clock::now();
  auto finish = [&]() -> FetchResponse {
    response.elapsed =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
    spdlog::debug("fetch {}: {} {} ({} ms) {}", loggable(request.url), fetch_outcome_name(response.outcome),
                  response.http_status.value_or(0), response.elapsed.count(), loggable(response.detail));
    return std::move(response);
  };

  std::unique_ptr<CURL, CurlEasyDeleter> curl(curl_easy_init());
  if (!curl) {
    response.outcome = FetchOutcome::kUnreachable;
    response.detail = "libcurl could not make a handle";
    return finish();
  }
  Sink sink{&response.body, request.max_bytes};
  char error_text[CURL_ERROR_SIZE] = {};
  CURL* handle = curl.get();
  curl_easy_setopt(handle, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, kSchemes);
  curl_easy_setopt(handle, CURLOPT_REDIR_PROTOCOLS_STR, kSchemes);
  curl_easy_setopt(handle, CURLOPT_FOLLOWLOCATION, request.follow_redirects ? 1L : 0L);
  curl_easy_setopt(handle, CURLOPT_MAXREDIRS, 3L);
  curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
  curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(request.timeout.count()));
  curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);  // threads: no SIGALRM for DNS timeouts
  curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(handle, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, error_text);
  HeaderSink header_sink{&response.headers};
  curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, collect_header);
  curl_easy_setopt(handle, CURLOPT_HEADERDATA, &header_sink);
  curl_easy_setopt(handle, CURLOPT_USERAGENT, user_agent_.c_str());
  if (request.max_bytes != 0) {
    curl_easy_setopt(handle, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(request.max_bytes));
  }
  std::unique_ptr<curl_slist, CurlListDeleter> headers;
  auto add_header = [&](const std::string& line) {
    curl_slist* longer = curl_slist_append(headers.get(), line.c_str());
    if (longer != nullptr) {
      (void)headers.release();
      headers.reset(longer);
    }
  };
  if (request.post_body) add_header(fmt::format("Content-Type: {}", request.content_type));
  for (const auto& [name, value] : request.headers) add_header(fmt::format("{}: {}", name, value));
  if (headers) curl_easy_setopt(handle, CURLOPT_HTTPHEADER, headers.get());
  if (request.post_body) {
    curl_easy_setopt(handle, CURLOPT_POSTFIELDS, request.post_body->data());
    curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.post_body->size()));
  }

  CURLcode code = curl_easy_perform(handle);
  if (sink.overflowed || code == CURLE_FILESIZE_EXCEEDED) {
    response.outcome = FetchOutcome::kRejected;
    response.detail = fmt::format("the answer is larger than {} bytes", request.max_bytes);
    response.body.clear();
    return finish();
  }
  if (code != CURLE_OK) {
    response.outcome = outcome_of(code);
    response.detail = error_text[0] != '\0' ? error_text : curl_easy_strerror(code);
    response.body.clear();
    return finish();
  }
  if (is_ldap(request.url)) {
    auto decoded = decode_ldap_answer(response.body);
    if (!decoded.ok()) {
      response.outcome = FetchOutcome::kBadData;
      response.detail = decoded.error().message();
      response.body.clear();
      return finish();
    }
    response.body = std::move(decoded).value();
    response.outcome = FetchOutcome::kOk;
    return finish();
  }
  long status = 0;
  curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
  response.http_status = static_cast<int>(status);
  if (status != 200) {
    response.outcome = FetchOutcome::kHttpError;
    response.detail = fmt::format("HTTP status {}", status);
    return finish();
  }
  response.outcome = FetchOutcome::kOk;
  return finish();
}

}  // namespace nimbus::verify
