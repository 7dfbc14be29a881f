// Building OCSPResponses (RFC 6960 4.2): signed successful answers, and the unsigned error ones.
#pragma once

#include "core/bytes.h"
#include "core/result.h"
#include "crypto/handles.h"
#include "crypto/key.h"
#include "x509/certificate.h"
#include "x509/ocsp_request.h"
#include "x509/ocsp_response.h"

namespace nimbus::x509 {

// A successful response with a BasicOCSPResponse, in the RFC 5019 profile: responderID byKey,
// the signer's certificate in certs, producedAt the time of signing (the system clock, which
// OpenSSL reads). Add the SingleResponses, echo the nonce, then sign once. Move-only; not
// thread-safe.
class OcspResponseBuilder {
 public:
  OcspResponseBuilder();

  // Appends a SingleResponse. A revoked one needs revoked_at; a reason is written when given
  // (RFC 5280 5.3.1 wants none for unspecified: that is the caller's to leave out). singleExtensions
  // are not written: kInvalidArgument when `single` has any.
  Status add(const OcspSingleResponse& single);

  // Copies the nonce extension of `request` as received (RFC 9654 2.1: the response carries the
  // same value); nothing when it has none.
  Status echo_nonce(const OcspRequest& request);

  // Signs with `key`, certified by `signer`, over `digest`, and returns the OCSPResponse's DER.
  // The builder is spent afterwards.
  Result<Bytes> sign(const Certificate& signer, const crypto::PrivateKey& key, crypto::SignatureDigest digest);

 private:
  crypto::OcspBasicResponsePtr basic_;
};

// OCSPResponse ::= SEQUENCE { responseStatus ENUMERATED } without responseBytes, which is all an
// error response carries (RFC 6960 4.2.1). For any status but kSuccessful. Constant bytes, so that
// refusing a request never depends on OpenSSL.
Bytes ocsp_error_response(OcspResponseStatus status);

}  // namespace nimbus::x509
