// CurlFetcher: UrlFetcher over libcurl, for http, https, ldap and ldaps URLs.
//
// Every fetch has a deadline (the request's timeout covers connecting, sending and receiving),
// follows at most three redirects within those schemes, and stops reading past max_bytes. LDAP
// answers arrive in libcurl's text form; the binary attribute a CRL or certificate lives in is
// decoded from it (see decode_ldap_answer). Thread-safe: each fetch uses its own handle.
#pragma once

#include <string>

#include "verify/fetcher.h"

namespace nimbus::verify {

class CurlFetcher final : public UrlFetcher {
 public:
  // The user agent names the caller in the access logs of the servers it fetches from.
  explicit CurlFetcher(std::string user_agent = "nimbus-verify/" NIMBUS_VERSION);
  FetchResponse fetch(const FetchRequest& request) override;

 private:
  std::string user_agent_;
};

}  // namespace nimbus::verify
