// OCSPResponse (RFC 6960 4.2): parsed from what a responder sent, and checked against its signer.
//
// Parsing is strict DER (der_reader.h), with the leniencies of ocsp_request.h. Nothing here
// decides whether an answer may be believed: find_signer, is_signed_by and
// check_ocsp_responder_authority are the pieces a client puts together (see verify/ocsp_query).
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "core/bytes.h"
#include "core/result.h"
#include "core/time.h"
#include "x509/certificate.h"
#include "x509/name.h"
#include "x509/ocsp_cert_id.h"
#include "x509/ocsp_fields.h"
#include "x509/revocation_reason.h"

namespace nimbus::x509 {

// OCSPResponseStatus (RFC 6960 4.2.1), with its codes. A parsed response may hold a value that is
// not listed (4 is unused); ocsp_status_name tells them apart.
enum class OcspResponseStatus {
  kSuccessful = 0,
  kMalformedRequest = 1,
  kInternalError = 2,
  kTryLater = 3,
  kSigRequired = 5,
  kUnauthorized = 6,
};

// "successful", "malformedRequest", ... as RFC 6960 spells them; "" for an unlisted value.
std::string_view ocsp_status_name(OcspResponseStatus status);

// CertStatus (RFC 6960 4.2.1).
enum class OcspCertStatus { kGood, kRevoked, kUnknown };

// One SingleResponse: what the responder says about one CertID.
struct OcspSingleResponse {
  explicit OcspSingleResponse(OcspCertId id) : cert_id(std::move(id)) {}

  OcspCertId cert_id;
  OcspCertStatus status = OcspCertStatus::kUnknown;
  std::optional<Timestamp> revoked_at;  // revoked: revocationTime (always present then)
  // revoked: revocationReason, when given. Parsed, it is the code as sent, which may be one
  // RFC 5280 does not name (7, or above 10).
  std::optional<RevocationReason> reason;
  Timestamp this_update;
  std::optional<Timestamp> next_update;
  std::vector<OcspExtension> extensions;  // singleExtensions
};

// BasicOCSPResponse (RFC 6960 4.2.1) of a successful response. A value: copies are independent;
// reading is thread-safe.
class OcspBasicResponse {
 public:
  // responderID: byName, or byKey (the SHA-1 of the responder's subjectPublicKey value).
  const std::optional<DistinguishedName>& responder_name() const { return responder_name_; }
  ByteView responder_key_hash() const { return responder_key_hash_; }
  Timestamp produced_at() const { return produced_at_; }
  const std::vector<OcspSingleResponse>& responses() const { return responses_; }
  // responseExtensions.
  const std::vector<OcspExtension>& extensions() const { return extensions_; }
  // The nonce of the first nonce extension (ocsp_nonce_value), when there is one.
  std::optional<Bytes> nonce() const;
  // The certificates the response carries, in order (certs).
  const std::vector<Certificate>& certificates() const { return certificates_; }

  // The first SingleResponse for `id` (OcspCertId::operator==), or null.
  const OcspSingleResponse* find(const OcspCertId& id) const;

  // The certificate responderID names: the first of `candidates`, then of certificates(), whose
  // subject is responder_name(), or whose key hashes to responder_key_hash(). (The order is
  // OpenSSL's OCSP_resp_get0_signer's.) It is not checked to have signed anything.
  std::optional<Certificate> find_signer(const std::vector<Certificate>& candidates) const;

  // True when `signer`'s key verifies the signature over tbsResponseData as received.
  bool is_signed_by(const Certificate& signer) const;

 private:
  friend class OcspResponse;
  OcspBasicResponse() = default;
  // The contents of a BasicOCSPResponse.
  static Result<OcspBasicResponse> read(der::Reader& basic);

  Bytes tbs_;  // tbsResponseData, as received
  Bytes signature_algorithm_;  // the AlgorithmIdentifier, as received
  Bytes signature_;            // the BIT STRING, as received
  std::optional<DistinguishedName> responder_name_;
  Bytes responder_key_hash_;
  Timestamp produced_at_;
  std::vector<OcspSingleResponse> responses_;
  std::vector<OcspExtension> extensions_;
  std::vector<Certificate> certificates_;
};

// A parsed OCSPResponse. A value: copies are independent; reading is thread-safe.
class OcspResponse {
 public:
  // Exactly one DER OCSPResponse; kMalformed, naming the field and offset, otherwise. The
  // responseBytes of a successful response are parsed when they are a BasicOCSPResponse
  // (id-pkix-ocsp-basic); those of other types, and of error responses, are skipped.
  static Result<OcspResponse> parse(ByteView der);

  OcspResponseStatus status() const { return status_; }
  // The BasicOCSPResponse: only of a successful response whose responseBytes are one.
  const std::optional<OcspBasicResponse>& basic() const { return basic_; }
  const Bytes& der() const { return der_; }

 private:
  OcspResponse() = default;

  Bytes der_;
  OcspResponseStatus status_ = OcspResponseStatus::kInternalError;
  std::optional<OcspBasicResponse> basic_;
};

// RFC 6960 4.2.2.2: who may answer for certificates `issuer` issued. `responder` must be `issuer`
// itself, or a certificate `issuer` issued and signed, with id-kp-OCSPSigning among its extended
// key usages, valid at `at`. kPolicyViolation, saying which condition fails, otherwise. The
// responder's own revocation is not checked (id-pkix-ocsp-nocheck is the common case).
Status check_ocsp_responder_authority(const Certificate& responder, const Certificate& issuer, Timestamp at);

}  // namespace nimbus::x509
