// PublicationUrls: where relying parties find what a Nimbus authority publishes.
//
// One base URL, one layout, used both to write URLs into certificates and (later) to route the
// requests that arrive for them, so the two can never disagree.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace nimbus::ca {

class PublicationUrls {
 public:
  // Checks and normalises a base URL: http only (clients fetch AIA and CDP before they can
  // validate a TLS server, and Windows does not follow https CDPs reliably), a host, no query or
  // fragment; a trailing '/' is dropped.
  static Result<PublicationUrls> from_base(std::string_view base_url);

  const std::string& base() const { return base_; }
  std::string aia(std::string_view authority_id) const;   // {base}/aia/{id}.crt
  std::string cdp(std::string_view authority_id) const;   // {base}/cdp/{id}.crl
  std::string ocsp(std::string_view authority_id) const;  // {base}/ocsp/{id}
  std::string scep(std::string_view authority_id) const;  // {base}/scep/{id}

 private:
  explicit PublicationUrls(std::string base) : base_(std::move(base)) {}
  std::string base_;
};

}  // namespace nimbus::ca
