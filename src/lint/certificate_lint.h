// Linting an end-entity certificate before it is signed.
//
// The issuance engine builds certificates from profiles; these checks restate, independently, the
// rules every certificate must meet (RFC 5280 and Nimbus's own: AIA and CDP always present). A
// finding means a bug in Nimbus or a profile the validator let through, so issuance stops: such a
// certificate must never reach a client.
#pragma once

#include <string>
#include <vector>

#include "core/result.h"
#include "crypto/key.h"
#include "x509/certificate.h"

namespace nimbus::lint {

struct LintContext {
  const x509::Certificate& issuer;    // the issuing CA's certificate
  crypto::SignatureDigest digest;     // the digest the certificate will be signed with
};

// Every rule that fails, one finding each ("keyUsage: keyCertSign in an end-entity certificate").
std::vector<std::string> lint_end_entity(const x509::Certificate& to_be_signed, const LintContext& context);

// kInternal listing the findings, or ok when there are none.
Status check_end_entity(const x509::Certificate& to_be_signed, const LintContext& context);

}  // namespace nimbus::lint
