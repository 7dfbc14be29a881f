// RevocationChecker: the revocation status of one certificate, given its issuer.
//
// OCSP is asked first when the certificate names a responder (it is fresher and its answers are
// small); the CRLs named by its CRL distribution points are the fallback, with the delta CRLs its
// Freshest CRL extension (or its CRL's) names. CRLs the administrator supplies are consulted
// before any URL. Each element ends in exactly one status, with every fetch recorded as evidence.
//
// Concurrent misses for one CRL are coalesced: when several verifications need a CRL the cache does
// not hold, one fetches and checks it and the others wait for its result, success or failure (a
// CRL of a million entries costs seconds and hundreds of megabytes to check; a CDP that is down
// costs each waiter one wait, not one timeout after another).
//
// Thread-safe when its cache is; each call takes the FetchSession of its own verification.
#pragma once

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "core/time.h"
#include "verify/evidence.h"
#include "verify/fetch_session.h"
#include "verify/revocation_cache.h"
#include "x509/certificate.h"
#include "x509/crl.h"

namespace nimbus::verify {

class RevocationChecker {
 public:
  // `cache` may be null (nothing is kept between verifications). `local_crls` are tried first.
  RevocationChecker(RevocationCache* cache, std::vector<x509::CertificateRevocationList> local_crls);

  // The status of `subject` at `at`; the fetches it made are appended to `fetches`.
  RevocationResult check(const x509::Certificate& subject, const x509::Certificate& issuer, Timestamp at,
                         FetchSession& session, std::vector<FetchRecord>& fetches) const;

  // Fetches again the cached CRLs and OCSP answers that are near their nextUpdate
  // (RevocationCache::to_refresh), so that verifications find current ones in the cache; returns
  // how many were replaced. One that cannot be fetched or checked stays cached until its
  // nextUpdate, and is logged.
  std::size_t refresh_cached(Timestamp now, FetchSession& session) const;

 private:
  struct Attempt;
  std::optional<RevocationResult> ask_responder(const std::string& url, const x509::Certificate& subject,
                                                const x509::Certificate& issuer, Timestamp at, FetchSession& session,
                                                Attempt& attempt) const;
  std::optional<RevocationResult> consult_crl(const std::string& url, const x509::Certificate& subject,
                                              const x509::Certificate& issuer, Timestamp at, FetchSession& session,
                                              Attempt& attempt) const;
  std::optional<RevocationResult> consult_local_crls(const x509::Certificate& subject, const x509::Certificate& issuer,
                                                     Timestamp at, Attempt& attempt) const;
  std::shared_ptr<const CheckedCrl> obtain_crl(const std::string& url, const x509::Certificate& issuer,
                                               bool delta, Timestamp at, FetchSession& session,
                                               Attempt& attempt) const;
  std::optional<OcspAnswer> fetch_ocsp(const std::string& url, const OcspQuery& query, const x509::Certificate& subject,
                                       const x509::Certificate& issuer, Timestamp at, FetchSession& session,
                                       FetchRecord& record) const;
  std::shared_ptr<const CheckedCrl> fetch_crl(const std::string& url, const x509::Certificate& issuer, bool delta,
                                              Timestamp at, FetchSession& session, FetchRecord& record) const;

  // A local CRL checked against one issuer: checking a large CRL costs far more than a
  // verification, so each (CRL, issuer) pair is checked once.
  struct LocalCheck {
    std::shared_ptr<const CheckedCrl> crl;  // null when refused
    std::string problem;
  };
  LocalCheck check_local(std::size_t index, const x509::Certificate& issuer) const;

  // One CRL being fetched for the cache, and what came of it.
  struct Flight {
    bool done = false;
    std::shared_ptr<const CheckedCrl> crl;
    FetchRecord record;
  };

  RevocationCache* cache_;
  std::vector<x509::CertificateRevocationList> local_crls_;
  mutable std::mutex flights_mutex_;
  mutable std::condition_variable flight_landed_;
  mutable std::map<std::string, std::shared_ptr<Flight>> flights_;  // by URL, issuer and kind
  mutable std::mutex local_mutex_;
  mutable std::map<std::pair<std::size_t, Bytes>, LocalCheck> local_checks_;
};

}  // namespace nimbus::verify
