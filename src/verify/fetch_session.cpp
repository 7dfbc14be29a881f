#include "verify/fetch_session.h"

#include <algorithm>

#include <fmt/format.h>

namespace nimbus::verify {

namespace {

bool supported_scheme(std::string_view url) {
  for (std::string_view scheme : {"http://", "https://", "ldap://", "ldaps://"}) {
    if (url.size() > scheme.size() && url.substr(0, scheme.size()) == scheme) return true;
  }
  return false;
}

}  // namespace

FetchSession::FetchSession(UrlFetcher* fetcher, const FetchLimits& limits)
    : fetcher_(fetcher), limits_(limits), deadline_(std::chrono::steady_clock::now() + limits.budget) {}

FetchResponse FetchSession::fetch(FetchRequest request, FetchPurpose purpose, FetchRecord& record) {
  record.url = request.url;
  record.purpose = purpose;
  FetchResponse response;
  auto finish = [&]() -> FetchResponse {
    record.outcome = response.outcome;
    record.http_status = response.http_status;
    record.elapsed = response.elapsed;
    record.detail = response.detail;
    return std::move(response);
  };
  if (fetcher_ == nullptr) {
    response.detail = "URL retrieval is off (nimbus verify --urlfetch turns it on)";
    return finish();
  }
  if (!supported_scheme(request.url)) {
    response.detail = "only http, https, ldap and ldaps URLs are fetched";
    return finish();
  }
  if (auto failed = failed_.find(request.url); failed != failed_.end()) {
    response = failed->second;
    response.elapsed = std::chrono::milliseconds(0);
    response.detail = fmt::format("failed earlier in this verification: {}", failed->second.detail);
    return finish();
  }
  auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - std::chrono::steady_clock::now());
  if (remaining.count() <= 0) {
    response.detail = fmt::format("the verification's fetch budget ({} s) is spent",
                                  std::chrono::duration_cast<std::chrono::seconds>(limits_.budget).count());
    return finish();
  }
  request.timeout = std::min(limits_.timeout, remaining);
  request.max_bytes = limits_.max_bytes;
  response = fetcher_->fetch(request);
  if (response.outcome == FetchOutcome::kTimeout && response.detail.empty()) {
    response.detail = fmt::format("no answer within {} ms", request.timeout.count());
  }
  if (response.outcome != FetchOutcome::kOk) {
    FetchResponse remembered = response;
    remembered.body.clear();
    failed_.emplace(request.url, std::move(remembered));
  }
  return finish();
}

}  // namespace nimbus::verify
