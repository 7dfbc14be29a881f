// The EAP-TLS revocation policy of a RADIUS server, and the decision it reaches on a chain.
//
// The four knobs are the ones Windows NPS has for EAP-TLS (DWORD values under
// HKLM\SYSTEM\CurrentControlSet\Services\RasMan\PPP\EAP\13), named plainly. Every default is the
// strict choice, as it is on NPS; each knob that weakens it says so.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "verify/evidence.h"
#include "verify/reason_codes.h"

namespace nimbus::verify {

struct RevocationPolicy {
  // NoRevocationCheck: no revocation check of any certificate. Weakens: a revoked client is let in.
  bool no_revocation_check = false;
  // IgnoreNoRevocationCheck: accept when a certificate below the anchor has no CDP and no OCSP
  // URL (the failure behind reason code 258). Weakens: such a certificate can never be revoked.
  bool ignore_no_revocation_check = false;
  // IgnoreRevocationOffline: accept when the revocation sources of a certificate do not answer
  // usably (reason code 259). Weakens: whoever can block a CRL server can use a revoked certificate.
  bool ignore_revocation_offline = false;
  // NoRootRevocationCheck: do not check the trust anchor's revocation; the rest still is.
  bool no_root_revocation_check = false;

  // The knobs that are set, by name ("ignore_no_revocation_check"); empty for the defaults.
  std::vector<std::string> weakened() const;
};

struct Verdict {
  bool accepted = false;
  ReasonCode reason = ReasonCode::kAccepted;
  std::optional<std::size_t> faulty_element;  // index into the chain
};

// The decision on a built and revocation-checked chain. When a chain has several faults the one
// reported is chosen in this order (first wins; within a rank, the element nearest the end entity):
//   1. an issuer could not be found                     287 CERT_E_CHAINING
//   2. the chain ends at an untrusted root              265 SEC_E_UNTRUSTED_ROOT
//   3. a signature or constraint is broken              266 SEC_E_ILLEGAL_MESSAGE
//   4. an element is revoked                            256 CRYPT_E_REVOKED
//   5. an element is expired or not yet valid           268 SEC_E_CERT_EXPIRED
//   6. the end entity (or a CA) lacks the required EKU  283 CERT_E_PURPOSE
//   7. an element has no revocation information         258 CRYPT_E_NO_REVOCATION_CHECK
//   8. an element's revocation sources are offline      259 CRYPT_E_REVOCATION_OFFLINE
// Trust comes first because nothing else about an untrusted chain means anything; a revocation
// outranks expiry because it is the finding an administrator must act on.
Verdict decide(const std::vector<ChainElement>& elements, const RevocationPolicy& policy);

}  // namespace nimbus::verify
