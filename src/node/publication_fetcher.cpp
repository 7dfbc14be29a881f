#include "node/publication_fetcher.h"

#include <chrono>

#include <fmt/format.h>

namespace nimbus::node {

namespace {

using verify::FetchOutcome;
using verify::FetchResponse;

// The authority id in "{kind}/{id}{suffix}", or empty when `path` has another shape.
std::string_view authority_in(std::string_view path, std::string_view kind, std::string_view suffix) {
  if (!path.starts_with(kind) || !path.ends_with(suffix) || path.size() <= kind.size() + suffix.size()) return {};
  std::string_view id = path.substr(kind.size(), path.size() - kind.size() - suffix.size());
  return id.find('/') == std::string_view::npos ? id : std::string_view();
}

FetchResponse delivered(Bytes body, std::chrono::steady_clock::time_point started) {
  FetchResponse response;
  response.outcome = FetchOutcome::kOk;
  response.http_status = 200;
  response.body = std::move(body);
  response.detail = "answered by this node";
  response.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
  return response;
}

FetchResponse not_found(std::string_view path) {
  FetchResponse response;
  response.outcome = FetchOutcome::kHttpError;
  response.http_status = 404;
  response.detail = fmt::format("this node publishes nothing at /{}", path);
  return response;
}

}  // namespace

PublicationFetcher::PublicationFetcher(std::string base_url, revocation::Publication& publication,
                                       revocation::OcspResponder& responder, verify::UrlFetcher* next)
    : prefix_(std::move(base_url) + "/"), publication_(publication), responder_(responder), next_(next) {}

FetchResponse PublicationFetcher::fetch(const verify::FetchRequest& request) {
  if (std::string_view(request.url).starts_with(prefix_)) {
    return answer_locally(std::string_view(request.url).substr(prefix_.size()), request);
  }
  if (next_ == nullptr) {
    FetchResponse response;
    response.detail = "only this node's own URLs are fetched";
    return response;
  }
  return next_->fetch(request);
}

FetchResponse PublicationFetcher::answer_locally(std::string_view path, const verify::FetchRequest& request) {
  auto started = std::chrono::steady_clock::now();
  if (request.post_body) {
    std::string_view id = authority_in(path, "ocsp/", "");
    if (id.empty()) return not_found(path);
    revocation::OcspAnswer answer = responder_.respond(std::string(id), *request.post_body);
    return delivered(std::move(answer.der), started);
  }
  std::string_view id = authority_in(path, "cdp/", ".crl");
  Result<revocation::PublishedObject> object = Error(ErrorCode::kNotFound, "");
  if (!id.empty()) {
    object = publication_.crl(std::string(id));
  } else if (id = authority_in(path, "aia/", ".crt"); !id.empty()) {
    object = publication_.ca_certificate(std::string(id));
  }
  if (!object.ok()) return not_found(path);
  return delivered(*object->der, started);
}

}  // namespace nimbus::node
