// Publishing CRLs: gathering an authority's revocations, numbering, signing and storing its CRL.
#pragma once

#include <string>

#include "core/result.h"
#include "core/time.h"
#include "crypto/key.h"
#include "store/store.h"
#include "x509/certificate.h"

namespace nimbus::revocation {

// How long a CRL is valid (nextUpdate - thisUpdate) unless configured otherwise.
inline constexpr Duration kDefaultCrlValidity = std::chrono::hours(7 * 24);

struct CrlAuthority {
  std::string id;
  x509::Certificate certificate;
  crypto::PrivateKey key;
};

// Signs a CRL listing every certificate `authority` issued that is revoked, with a freshly
// allocated CRL number, and stores it — all within the caller's transaction, so that the number,
// the revocations it reflects and the stored CRL commit together or not at all.
Result<store::CrlRecord> publish_crl(store::StoreWriter& transaction, const CrlAuthority& authority,
                                     Timestamp now, Duration validity = kDefaultCrlValidity);

}  // namespace nimbus::revocation
