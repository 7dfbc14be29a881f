// Asking an OCSP responder (RFC 6960) about one certificate, and judging its answer.
#pragma once

#include <optional>
#include <string>

#include "core/bytes.h"
#include "core/result.h"
#include "core/time.h"
#include "x509/certificate.h"
#include "x509/ocsp_cert_id.h"
#include "x509/revocation_reason.h"

namespace nimbus::verify {

// What a responder said about one certificate, after its signature and authority were checked.
struct OcspAnswer {
  enum class Status { kGood, kRevoked, kUnknown };
  Status status = Status::kUnknown;
  std::optional<x509::RevocationReason> reason;  // revoked only, when the responder gave one
  std::optional<Timestamp> revoked_at;
  Timestamp this_update;
  std::optional<Timestamp> next_update;
  std::string responder;  // the signer's subject

  // Why the answer cannot be used at `at` (thisUpdate in the future, nextUpdate past), or nullopt.
  std::optional<std::string> stale_at(Timestamp at) const;
};

// A request for `subject`, issued by `issuer`: a SHA-1 CertID and no nonce, as RFC 5019
// prescribes, so that responders can answer from pre-signed responses and answers can be cached.
// Immutable after make(); thread-safe to read.
class OcspQuery {
 public:
  static Result<OcspQuery> make(const x509::Certificate& subject, const x509::Certificate& issuer);

  const Bytes& request_der() const { return request_der_; }
  // Identifies the question for caches: the DER of the CertID.
  const Bytes& cert_id_der() const { return id_.der(); }

  // Checks a DER OCSPResponse as the answer to this query at `at`: response status successful,
  // a basic response whose signature verifies under its signer, a signer that is the issuer
  // itself or a certificate the issuer issued for OCSP signing (id-kp-OCSPSigning) and that is
  // valid at `at`, and a SingleResponse for this CertID. The time window is left to the caller
  // (OcspAnswer::stale_at), so that cached answers are judged the same way.
  Result<OcspAnswer> judge(ByteView response_der, const x509::Certificate& issuer, Timestamp at) const;

 private:
  OcspQuery(x509::OcspCertId id, Bytes request_der) : id_(std::move(id)), request_der_(std::move(request_der)) {}
  x509::OcspCertId id_;
  Bytes request_der_;
};

}  // namespace nimbus::verify
