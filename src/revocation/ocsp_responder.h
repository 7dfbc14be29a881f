// The OCSP responder (RFC 6960), following the RFC 5019 lightweight profile: answers one CA's
// status questions from the store, signs with the CA's delegated signer, and caches what it signed.
//
// Choices where the RFCs leave room:
//  - A CertID whose issuer hashes do not match the CA addressed gets status "unknown" (RFC 6960
//    2.2); a request none of whose CertIDs is for that CA is answered "unauthorized" (RFC 5019
//    2.2.3: the responder cannot answer authoritatively). Note that OpenSSL clients reject a
//    delegated response mixing issuers; such requests are rare and get what the RFC says.
//  - A serial the CA never issued is "unknown" (the store keeps every certificate a CA signs, so
//    absence is knowledge; RFC 6960 2.2 also allows "revoked", which we do not use). Expired
//    certificates are answered with their stored status; nothing is archived away.
//  - A revocation with reason unspecified (0) carries no revocationReason (RFC 5280 5.3.1).
//  - CertIDs hashed with SHA-1 (what clients send), SHA-256, SHA-384 or SHA-512 are matched.
//  - A nonce is echoed and the answer never cached; an empty one or one longer than
//    max_nonce_length (RFC 9654: 128) is malformedRequest. A request signature is ignored.
//  - responderID is byKey; the signer certificate travels in every response; SHA-256 (SHA-384 for
//    a P-384 signer) signs.
//  - producedAt is set by OpenSSL from the system clock; thisUpdate and nextUpdate come from the
//    injected clock (the same in production).
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/bytes.h"
#include "core/result.h"
#include "core/time.h"
#include "revocation/ocsp_request.h"
#include "revocation/ocsp_signer.h"
#include "store/store.h"
#include "x509/ocsp_cert_id.h"
#include "x509/ocsp_response.h"

namespace nimbus::revocation {

// What the responder needs to know of an authority to answer for it.
struct OcspAuthority {
  std::shared_ptr<const Bytes> certificate_der;
  std::uint64_t crl_number = 0;  // moves on with every revocation (each one republishes the CRL)
};
// Where that comes from. Unset, the store is read on every request; `nimbus serve` passes its
// in-memory publication instead, so that answering from the cache touches no database. nullopt
// means no such authority (or none with a certificate yet).
using OcspAuthorityLookup = std::function<Result<std::optional<OcspAuthority>>(const std::string& authority_id)>;

struct OcspResponderOptions {
  // nextUpdate - thisUpdate of every answer. Clients keep an answer until its nextUpdate, so this is
  // how long a client that asked just before a revocation may go on believing "good". One hour
  // keeps that window short while letting a busy fleet be served mostly from the cache.
  Duration response_validity = std::chrono::hours(1);
  // A cached answer is served until it is this old, then signed afresh, so that clients never get
  // an answer about to pass its nextUpdate (RFC 5019 6.1). Must not exceed response_validity.
  Duration cache_refresh_after = std::chrono::minutes(30);
  // Answers kept at most (about 2 KB each); when full, an arbitrary one is dropped for a new one.
  std::size_t max_cached_responses = 100'000;
  // RFC 9654's bound; 32 reproduces RFC 8954.
  std::size_t max_nonce_length = kMaxOcspNonceLength;
  OcspAuthorityLookup authorities;
};

// OCSPResponseStatus (RFC 6960 4.2.1), with its codes.
using OcspResponseStatus = x509::OcspResponseStatus;

// "successful", "malformedRequest", ... as RFC 6960 spells them: for logs and metric labels.
std::string_view ocsp_response_status_name(OcspResponseStatus status);

// One response and what the HTTP layer and metrics need to know about it.
struct OcspAnswer {
  OcspResponseStatus status = OcspResponseStatus::kInternalError;
  Bytes der;  // the OCSPResponse; for errors, just the status (no responseBytes)
  // How many CertIDs were answered each way (all zero unless successful).
  int good = 0;
  int revoked = 0;
  int unknown = 0;
  // Of a successful answer: for HTTP caching (RFC 5019 6.2: Last-Modified, Expires, max-age).
  std::optional<Timestamp> this_update;
  std::optional<Timestamp> next_update;
  bool from_cache = false;
  // Why the request was refused, for logs; empty when successful. Never contains secrets.
  std::string refusal;
};

// Thread-safe: respond and invalidate may be called from any number of threads at once. The store
// and signers must outlive the responder.
class OcspResponder {
 public:
  using Clock = std::function<Timestamp()>;

  OcspResponder(store::Store& store, OcspSigners& signers, Clock clock = now_utc, OcspResponderOptions options = {});
  OcspResponder(const OcspResponder&) = delete;
  OcspResponder& operator=(const OcspResponder&) = delete;

  // Answers `request_der`, an OCSPRequest sent to the responder of `authority_id`. Never fails:
  // every problem becomes an error response (malformedRequest, unauthorized for an unknown or
  // pending authority or one the request is not about, internalError when the store or signing
  // fails). Logs no refusal: the caller, who knows who asked, logs `refusal` once per request.
  OcspAnswer respond(const std::string& authority_id, ByteView request_der);

  // Forgets the cached answers of an authority, so that a revocation shows at once. Answers are
  // also re-signed by themselves when the authority's CRL number moves on (every revocation
  // republishes the CRL); call this when a status changes without a new CRL.
  void invalidate(const std::string& authority_id);

  // The number of cached answers (for metrics and tests).
  std::size_t cached_responses() const;

 private:
  // Identifies the revocation state an answer was computed from: answers from an older state are
  // not served.
  struct Generation {
    std::uint64_t invalidations = 0;  // invalidate() calls for the authority
    std::uint64_t crl_number = 0;     // the authority's last CRL number in the store
    bool operator==(const Generation&) const = default;
  };
  struct CachedAnswer {
    Bytes der;
    Timestamp this_update;
    Timestamp next_update;
    Generation generation;
    int good = 0;
    int revoked = 0;
    int unknown = 0;
  };
  // What the CertIDs of a CA's certificates hash its name and key to, per digest.
  struct IssuerHashes {
    Bytes certificate_der;
    x509::OcspIssuer issuer;
  };

  Result<OcspAnswer> answer(const std::string& authority_id, const OcspRequest& request);
  Result<std::optional<OcspAuthority>> lookup_authority(const std::string& authority_id);
  Result<std::shared_ptr<const IssuerHashes>> issuer_hashes(const std::string& authority_id, const Bytes& certificate_der);
  std::uint64_t invalidations(const std::string& authority_id);
  std::optional<OcspAnswer> cached(const std::string& key, const Generation& generation, Timestamp now);
  void remember(const std::string& authority_id, std::string key, const OcspAnswer& answer, const Generation& generation);

  store::Store& store_;
  OcspSigners& signers_;
  Clock clock_;
  OcspResponderOptions options_;

  mutable std::mutex mutex_;  // guards the three maps below
  std::unordered_map<std::string, CachedAnswer> cache_;
  std::unordered_map<std::string, std::uint64_t> invalidations_;
  std::unordered_map<std::string, std::shared_ptr<const IssuerHashes>> issuers_;
};

}  // namespace nimbus::revocation
