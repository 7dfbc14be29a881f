// The routes relying parties use to check Nimbus certificates: AIA (CA certificates), CDP (CRLs)
// and OCSP (RFC 6960 over HTTP, RFC 5019 GET and POST), and the service that attaches them to a
// node.
#pragma once

#include <functional>

#include "core/result.h"
#include "core/time.h"
#include "http/caching.h"
#include "http/metrics.h"
#include "http/router.h"
#include "node/node.h"
#include "node/service.h"
#include "revocation/ocsp_responder.h"
#include "revocation/publication.h"

namespace nimbus::http {

struct RevocationRoutes {
  revocation::Publication& publication;
  revocation::OcspResponder& responder;
  MetricsRegistry& metrics;
  std::function<Timestamp()> clock = now_utc;
  CachePolicy cache_policy = {};
};

// Adds GET /aia/{ca}.crt, GET /cdp/{ca}.crl, POST /ocsp/{ca} and GET /ocsp/{ca}/{request...} to
// `router`, and registers the OCSP and CRL metrics. The handlers keep a copy of `routes`; the
// objects it refers to must outlive the router.
Status add_revocation_routes(Router& router, const RevocationRoutes& routes);

// AIA, CDP and OCSP for every authority of the node it is attached to.
class RevocationService final : public node::Service {
 public:
  // `node` must outlive the service.
  explicit RevocationService(node::Node& node) : node_(node) {}

  std::string_view name() const override { return "revocation"; }
  Status add_routes(Router& router) override;
  // One line per authority: its AIA, CDP and OCSP URLs.
  std::vector<std::string> describe(std::string_view base_url) const override;

 private:
  node::Node& node_;
};

}  // namespace nimbus::http
