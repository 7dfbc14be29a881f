// Rules that hold for every certificate Nimbus signs, wherever it is signed: CA certificates
// (ca/), end-entity certificates (ca/issuance) and delegated OCSP signing certificates
// (revocation/).
#pragma once

#include <chrono>

#include "core/time.h"

namespace nimbus::pki {

// Clocks disagree: a certificate's notBefore is set this far before the moment it is signed, so that
// a relying party or device whose clock runs a little slow accepts it at once. End-entity
// certificates take `certificate_backdate_minutes` from the configuration, which defaults to this;
// CA and OCSP signing certificates always use it. Never earlier than the issuer's own notBefore.
inline constexpr Duration kClockSkewAllowance = std::chrono::minutes(5);

}  // namespace nimbus::pki
