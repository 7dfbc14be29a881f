// Whether a certificate request is acceptable under a profile: its proof of possession, its key
// and its signature hash. Its subject and extensions are not consulted: the profile decides those.
#pragma once

#include "core/result.h"
#include "profile/profile.h"
#include "x509/csr.h"

namespace nimbus::profile {

// kPolicyViolation naming the rule: "key: RSA 1024 bits is below the profile's minimum of 2048",
// "hash: the request is signed with SHA-1, which the profile does not allow (sha256, sha384)",
// "key: curve P-521 is not allowed (p256, p384)", "the request's signature does not verify".
Status check_request(const Profile& profile, const x509::CertificateRequest& request);

// The key rules alone, for keys Nimbus generates itself (server-side key generation).
Status check_key(const Profile& profile, const crypto::PublicKey& key);

}  // namespace nimbus::profile
