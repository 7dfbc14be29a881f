// Publishing CRLs: gathering an authority's revocations, numbering, signing and storing its CRL.
#pragma once

#include <optional>
#include <string>

#include "core/result.h"
#include "core/time.h"
#include "crypto/key.h"
#include "store/store.h"
#include "x509/certificate.h"

namespace nimbus::revocation {

// How long a CRL is valid (nextUpdate - thisUpdate) unless configured otherwise.
inline constexpr Duration kDefaultCrlValidity = std::chrono::hours(7 * 24);

// What goes into a CRL and when it is replaced.
struct CrlPolicy {
  Duration validity = kDefaultCrlValidity;
  // A new CRL is published once this much of the current one's validity remains, so that relying
  // parties that cache until nextUpdate always find a fresh one (default: at half life).
  Duration republish_before_expiry = kDefaultCrlValidity / 2;
  // RFC 5280 lets a CA drop an entry once the certificate has expired; CRLs stay small that way.
  bool keep_expired_entries = false;
};

// True when `current` should be replaced at `now` under `policy` (also when there is none).
bool crl_due(const std::optional<store::CrlRecord>& current, Timestamp now, const CrlPolicy& policy);

struct CrlAuthority {
  std::string id;
  x509::Certificate certificate;
  crypto::PrivateKey key;
};

// Signs a CRL listing every certificate `authority` issued that is revoked, with a freshly
// allocated CRL number, and stores it — all within the caller's transaction, so that the number,
// the revocations it reflects and the stored CRL commit together or not at all.
Result<store::CrlRecord> publish_crl(store::StoreWriter& transaction, const CrlAuthority& authority,
                                     Timestamp now, const CrlPolicy& policy = {});

}  // namespace nimbus::revocation
