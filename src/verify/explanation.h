// Saying a verification's outcome in words: the verdict sentence an administrator reads first,
// and what to do about a denial. Shared by `nimbus verify` and the RADIUS server's logs.
#pragma once

#include <string>

#include "verify/verifier.h"

namespace nimbus::verify {

// "a RADIUS server with default EAP-TLS settings would DENY this client: reason code 258 (\"...\")
// because the certificate \"CN=Contoso Issuing CA\" has no CRL distribution point and no OCSP
// URL. Windows clients report error 853."
std::string verdict_sentence(const Report& report);

// The cause of a denial, as a clause: "the certificate \"CN=alice\" is revoked since ... according
// to its OCSP responder http://...". Only for a report that was not accepted.
std::string verdict_cause(const Report& report);

// What would turn a denial into an acceptance, strict option first; empty on acceptance.
std::string suggested_fix(const Report& report);

}  // namespace nimbus::verify
