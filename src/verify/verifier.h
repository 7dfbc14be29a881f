// Verifier: the one entry point for checking a client certificate the way a RADIUS server does.
//
// It builds the path (PathBuilder), checks the revocation of every element but the anchor (and
// the anchor unless no_root_revocation_check) with a RevocationChecker, and decides (decide()).
// What differs between `nimbus verify`, the RADIUS server and the tests is only what they pass in:
// the trust anchors, where fetched data comes from (a UrlFetcher, or none), the shared cache, and
// the policy. This is the trust-domain seam: nothing here knows whether a certificate came from a
// file, a store or a URL.
//
// Thread-safe: verify() is const and may run on many threads at once when the fetcher and the
// cache are thread-safe (CurlFetcher and RevocationCache are).
#pragma once

#include <string>
#include <vector>

#include "core/time.h"
#include "verify/evidence.h"
#include "verify/fetch_session.h"
#include "verify/path_builder.h"
#include "verify/policy.h"
#include "verify/revocation_cache.h"
#include "verify/revocation_checker.h"
#include "verify/trust_anchors.h"
#include "x509/key_purposes.h"

namespace nimbus::verify {

struct VerifyOptions {
  Timestamp at = now_utc();                        // the validation time
  std::string required_eku{x509::kClientAuthOid};  // dotted OID the end entity must carry
  RevocationPolicy policy;                         // strict by default
};

// Everything one verification found, and what it decided.
struct Report {
  Timestamp validation_time;
  VerifyOptions options;
  bool urlfetch = false;
  FetchLimits limits;
  std::vector<ChainElement> elements;  // [0] is the end entity
  bool complete = false;
  bool trusted = false;
  Verdict verdict;
};

class Verifier {
 public:
  // `fetcher` null: nothing is fetched (every URL is recorded as not fetched). `cache` null: no
  // caching between verifications. Both, when given, must outlive the Verifier.
  Verifier(TrustAnchors anchors, UrlFetcher* fetcher, RevocationCache* cache,
           std::vector<x509::CertificateRevocationList> local_crls = {}, FetchLimits limits = {});
  Verifier(const Verifier&) = delete;
  Verifier& operator=(const Verifier&) = delete;

  Report verify(const x509::Certificate& end_entity, const std::vector<x509::Certificate>& untrusted,
                const VerifyOptions& options) const;

  // Background work for a long-running verifier (the RADIUS server): refreshes the cached CRLs and
  // OCSP answers near their nextUpdate, within the fetch limits. Returns how many were replaced.
  std::size_t refresh_revocation_data(Timestamp now = now_utc()) const;

 private:
  PathBuilder paths_;
  RevocationChecker revocation_;
  UrlFetcher* fetcher_;
  FetchLimits limits_;
};

}  // namespace nimbus::verify
