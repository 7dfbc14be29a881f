// Checking that a certificate chains to a self-signed root, with OpenSSL's verifier.
//
// This is the narrow check `ca import-cert` needs. Full path building with fetching and revocation
// for relying parties belongs to src/verify/.
#pragma once

#include <vector>

#include "core/result.h"
#include "core/time.h"
#include "x509/certificate.h"

namespace nimbus::x509 {

// Succeeds if `certificate` verifies (signatures, validity at `at`, CA constraints) up to one of the
// self-signed certificates in `chain`, using the others as intermediates. kPolicyViolation with
// OpenSSL's reason otherwise; kInvalidArgument if `chain` holds no self-signed root.
Status verify_chain_to_root(const Certificate& certificate, const std::vector<Certificate>& chain,
                            Timestamp at);

}  // namespace nimbus::x509
