// OCSPRequest (RFC 6960 4.1): parsed from what a client sent, or built to send to a responder.
//
// Parsing is strict DER (see der_reader.h) with two leniencies OpenSSL shares, because encoders
// that write them exist: DEFAULT values written out (version v1, critical FALSE), and an empty
// Extensions list. A request signature is read for its structure only; nothing checks it, and
// responders following RFC 5019 do not ask for one.
#pragma once

#include <optional>
#include <vector>

#include "core/bytes.h"
#include "core/result.h"
#include "x509/ocsp_cert_id.h"
#include "x509/ocsp_fields.h"

namespace nimbus::x509 {

// One Request of the requestList: a CertID and its singleRequestExtensions.
struct OcspSingleRequest {
  OcspCertId cert_id;
  std::vector<OcspExtension> extensions;
};

// A value; copies are independent, and reading is thread-safe.
class OcspRequest {
 public:
  // Exactly one DER OCSPRequest; kMalformed, naming the field and offset, otherwise. Any number
  // of CertIDs (none too) and any extensions: what a responder accepts is for it to decide.
  static Result<OcspRequest> parse(ByteView der);

  // A request for `cert_ids` (at least one), with a nonce extension (RFC 9654) when `nonce` is
  // given, unsigned and without requestorName, as RFC 5019 clients send it.
  static Result<OcspRequest> build(std::vector<OcspCertId> cert_ids, std::optional<Bytes> nonce = std::nullopt);

  // The DER, as received or as built.
  const Bytes& der() const { return der_; }

  const std::vector<OcspSingleRequest>& requests() const { return requests_; }
  // requestExtensions.
  const std::vector<OcspExtension>& extensions() const { return extensions_; }
  // The first nonce extension, or null.
  const OcspExtension* nonce_extension() const;
  // Its nonce (ocsp_nonce_value), when there is one.
  std::optional<Bytes> nonce() const;
  // True when the request carries optionalSignature.
  bool is_signed() const { return signed_; }

 private:
  OcspRequest() = default;

  Bytes der_;
  std::vector<OcspSingleRequest> requests_;
  std::vector<OcspExtension> extensions_;
  bool signed_ = false;
};

}  // namespace nimbus::x509
