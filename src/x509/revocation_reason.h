// CRLReason (RFC 5280 section 5.3.1): the codes, and the names users type.
#pragma once

#include <string_view>

#include "core/result.h"

namespace nimbus::x509 {

enum class RevocationReason {
  kUnspecified = 0,
  kKeyCompromise = 1,
  kCaCompromise = 2,
  kAffiliationChanged = 3,
  kSuperseded = 4,
  kCessationOfOperation = 5,
  kCertificateHold = 6,
  // 7 is unused; 8 (removeFromCRL) only appears in delta CRLs, which Nimbus does not issue.
  kPrivilegeWithdrawn = 9,
  kAaCompromise = 10,
};

// "keyCompromise", "cACompromise", ... as RFC 5280 spells them.
std::string_view revocation_reason_name(RevocationReason reason);

// Accepts the RFC 5280 spelling, case-insensitively; lists the accepted names on error.
Result<RevocationReason> parse_revocation_reason(std::string_view text);

// The reason for a stored code; kMalformed for codes that are not CRLReasons.
Result<RevocationReason> revocation_reason_from_code(int code);

}  // namespace nimbus::x509
