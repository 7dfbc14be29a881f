// PublicationFetcher: the node's own revocation state as a revocation source. Requests for the
// deployment's AIA, CDP and OCSP URLs are answered from memory — the Publication and OcspResponder
// that the HTTP routes serve — without a round trip through the network; every other URL goes to
// the next fetcher (libcurl in production). A revocation is therefore seen by the node's RADIUS
// decisions as soon as its OCSP responder sees it.
//
// Thread-safe: the publication and responder are, and so must the next fetcher be.
#pragma once

#include <string>
#include <string_view>

#include "revocation/ocsp_responder.h"
#include "revocation/publication.h"
#include "verify/fetcher.h"

namespace nimbus::node {

class PublicationFetcher final : public verify::UrlFetcher {
 public:
  // `base_url` is the deployment's, as certificates carry it; `next` may be null (other URLs are
  // then not fetched). All three must outlive the fetcher.
  PublicationFetcher(std::string base_url, revocation::Publication& publication,
                     revocation::OcspResponder& responder, verify::UrlFetcher* next);

  verify::FetchResponse fetch(const verify::FetchRequest& request) override;

  // "{base_url}/": what every URL this fetcher answers itself starts with.
  const std::string& prefix() const { return prefix_; }

 private:
  verify::FetchResponse answer_locally(std::string_view path, const verify::FetchRequest& request);

  std::string prefix_;
  revocation::Publication& publication_;
  revocation::OcspResponder& responder_;
  verify::UrlFetcher* next_;
};

}  // namespace nimbus::node
