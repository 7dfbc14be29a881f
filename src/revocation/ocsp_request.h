// Parsing and checking an OCSPRequest (RFC 6960 4.1) from an untrusted client, before anything
// is looked up: what the responder needs to know of each CertID, and the nonce.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "core/bytes.h"
#include "core/result.h"
#include "x509/ocsp_request.h"

namespace nimbus::revocation {

// RFC 9654 (which obsoletes RFC 8954 and its 32-octet limit): a nonce is 1 to 128 octets, and a
// responder MUST answer malformedRequest to a request whose nonce is empty or longer.
inline constexpr std::size_t kMaxOcspNonceLength = x509::kMaxOcspNonceLength;
// RFC 5019 clients ask about one certificate; a handful covers a chain. More is refused so that one
// request cannot make the responder do unbounded lookups.
inline constexpr std::size_t kMaxOcspRequestCertificates = 16;
// Real requests are a few hundred bytes; this bounds the parse.
inline constexpr std::size_t kMaxOcspRequestSize = 64 * 1024;

// One CertID as the client sent it.
struct OcspCertId {
  int hash_nid = 0;            // OpenSSL NID of hashAlgorithm (NID_sha1, ...); NID_undef if unknown
  Bytes issuer_name_hash;
  Bytes issuer_key_hash;
  Bytes serial;                // big-endian magnitude, as Certificate::serial() gives it
  bool negative_serial = false;  // never one Nimbus issued
  Bytes der;                   // the CertID as received: identifies it in the response cache
};

// A request that parsed and passed the checks.
class OcspRequest {
 public:
  // kMalformed, with the reason, for anything but exactly one DER OCSPRequest asking about 1 to
  // kMaxOcspRequestCertificates certificates, whose nonce (if any) is 1 to `max_nonce_length`
  // octets, and which carries no critical extension other than the nonce. Never crashes on any
  // input. A request signature is neither required nor checked.
  static Result<OcspRequest> parse(ByteView der, std::size_t max_nonce_length = kMaxOcspNonceLength);

  const std::vector<OcspCertId>& cert_ids() const { return cert_ids_; }
  // The nonce value (without its OCTET STRING wrapping), when the request has one.
  const std::optional<Bytes>& nonce() const { return nonce_; }

  // The request as parsed, whose CertIDs (in the order of cert_ids()) and nonce extension the
  // response echoes exactly.
  const x509::OcspRequest& parsed() const { return parsed_; }

 private:
  explicit OcspRequest(x509::OcspRequest parsed) : parsed_(std::move(parsed)) {}
  x509::OcspRequest parsed_;
  std::vector<OcspCertId> cert_ids_;
  std::optional<Bytes> nonce_;
};

}  // namespace nimbus::revocation
