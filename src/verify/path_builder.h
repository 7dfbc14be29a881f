// PathBuilder: from an end-entity certificate to a trust anchor.
//
// OpenSSL's verifier builds the path from the certificates at hand and checks signatures,
// validity, basic constraints, key usage and name constraints; every problem it finds is kept,
// per element, instead of stopping at the first. When the path stops at a certificate whose issuer
// is not at hand, the certificates its AIA caIssuers URLs point to are fetched and the path is
// built again. Bounded: at most kMaxDepth certificates in a path, kMaxIssuerFetches caIssuers
// fetches per verification, each URL fetched once.
#pragma once

#include <string>
#include <vector>

#include "core/time.h"
#include "verify/evidence.h"
#include "verify/fetch_session.h"
#include "verify/trust_anchors.h"
#include "x509/certificate.h"

namespace nimbus::verify {

struct BuiltPath {
  std::vector<ChainElement> elements;  // [0] is the end entity
  bool complete = false;  // ends at a self-signed certificate
  bool trusted = false;   // ends at a trust anchor
};

class PathBuilder {
 public:
  static constexpr int kMaxDepth = 8;
  static constexpr int kMaxIssuerFetches = 8;

  explicit PathBuilder(TrustAnchors anchors) : anchors_(std::move(anchors)) {}

  // `required_eku` (a dotted OID) must be in the end entity's EKU; CA certificates that carry an
  // EKU must allow it too (or anyExtendedKeyUsage), as Windows requires.
  BuiltPath build(const x509::Certificate& end_entity, const std::vector<x509::Certificate>& untrusted,
                  Timestamp at, const std::string& required_eku, FetchSession& session) const;

  const TrustAnchors& anchors() const { return anchors_; }

 private:
  TrustAnchors anchors_;
};

}  // namespace nimbus::verify
