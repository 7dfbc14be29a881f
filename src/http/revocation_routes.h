// The routes relying parties use to check Nimbus certificates: AIA (CA certificates), CDP (CRLs)
// and OCSP (RFC 6960 over HTTP, RFC 5019 GET and POST), plus health and metrics.
#pragma once

#include <functional>

#include "core/result.h"
#include "core/time.h"
#include "http/caching.h"
#include "http/metrics.h"
#include "http/router.h"
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

// Adds GET /aia/{ca}.crt, GET /cdp/{ca}.crl, POST /ocsp/{ca}, GET /ocsp/{ca}/{request...},
// GET /healthz and GET /metrics to `router`, and registers the OCSP and CRL metrics. The handlers
// keep a copy of `routes`; the objects it refers to must outlive the router.
Status add_revocation_routes(Router& router, const RevocationRoutes& routes);

}  // namespace nimbus::http
