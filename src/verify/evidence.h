// What a verification found, element by element: the problems OpenSSL's chain checks reported,
// each URL fetched and how it went, and the revocation result. Plain values, safe to copy between
// threads.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.h"
#include "x509/certificate.h"
#include "x509/revocation_reason.h"

namespace nimbus::verify {

// Problems an element of a chain can have, beyond revocation. Stable names (for --json): the
// second column.
#define NIMBUS_CHAIN_PROBLEMS(X)            \
  X(kExpired, "expired")                    \
  X(kNotYetValid, "not_yet_valid")          \
  X(kBadSignature, "bad_signature")         \
  X(kUntrustedRoot, "untrusted_root")       \
  X(kIssuerNotFound, "issuer_not_found")    \
  X(kNotACa, "not_a_ca")                    \
  X(kPathLength, "path_length")             \
  X(kKeyUsage, "key_usage")                 \
  X(kWrongEku, "wrong_eku")                 \
  X(kNameConstraints, "name_constraints")   \
  X(kOther, "other")

enum class ProblemCode {
#define NIMBUS_PROBLEM_ENUM(code, name) code,
  NIMBUS_CHAIN_PROBLEMS(NIMBUS_PROBLEM_ENUM)
#undef NIMBUS_PROBLEM_ENUM
};
std::string_view problem_code_name(ProblemCode code);

struct Problem {
  ProblemCode code;
  std::string text;  // "certificate has expired (notAfter 2026-01-01T00:00:00Z)"
};

// Why a URL was fetched.
enum class FetchPurpose { kCaIssuers, kCrl, kDeltaCrl, kOcsp };
std::string_view fetch_purpose_name(FetchPurpose purpose);  // "ca_issuers", "crl", "delta_crl", "ocsp"

// How a fetch ended. Only kOk and kCached delivered data that was then used.
enum class FetchOutcome {
  kOk,           // fetched and accepted
  kCached,       // answered from the cache without a fetch
  kHttpError,    // the server answered with an error: an HTTP status other than 200, an LDAP search error
  kTimeout,      // no complete answer within the timeout
  kUnreachable,  // no connection (refused, no route, unresolvable name)
  kBadData,      // an answer that does not parse
  kRejected,     // parsed, but unusable: bad signature, wrong issuer, stale, out of scope, too large
  kNotFetched,   // URL fetching is off, the scheme is not supported, or a limit was reached
};
std::string_view fetch_outcome_name(FetchOutcome outcome);  // "ok", "cached", "http_error", ...

struct FetchRecord {
  std::string url;
  FetchPurpose purpose = FetchPurpose::kCrl;
  FetchOutcome outcome = FetchOutcome::kNotFetched;
  std::optional<int> http_status;
  std::chrono::milliseconds elapsed{0};
  std::string detail;  // what was wrong, or what was found ("CRL #12, 3 entries, next update ...")
};

// The revocation state of one element: exactly one of these.
enum class RevocationStatus {
  kGood,
  kRevoked,
  kNoInformation,  // no CRL distribution point and no OCSP URL
  kOffline,        // URLs present, but none gave a usable answer
  kNotChecked,     // the policy says not to check, or the element's issuer is unknown
};
std::string_view revocation_status_name(RevocationStatus status);  // "good", "revoked", "no_information", ...

enum class RevocationMethod { kNone, kOcsp, kCrl };
std::string_view revocation_method_name(RevocationMethod method);  // "", "ocsp", "crl"

struct RevocationResult {
  RevocationStatus status = RevocationStatus::kNotChecked;
  RevocationMethod method = RevocationMethod::kNone;
  std::string url;  // the source of a good or revoked answer
  std::optional<x509::RevocationReason> reason;
  std::optional<Timestamp> revoked_at;
  // Whether this result takes part in the decision. False for a self-signed anchor without any
  // revocation URL: nothing can revoke a root but its removal from the trust store, and RADIUS
  // servers do not require revocation information for it.
  bool counts = true;
  std::string detail;
};

// Where an element of the chain came from.
enum class ElementSource { kInput, kUntrusted, kAia, kTrust };
std::string_view element_source_name(ElementSource source);  // "input", "untrusted", "aia", "trust"

struct ChainElement {
  x509::Certificate certificate;
  ElementSource source = ElementSource::kInput;
  bool is_anchor = false;  // a trust anchor (always the last element)
  std::vector<Problem> problems;
  RevocationResult revocation;
  std::vector<FetchRecord> fetches;
};

}  // namespace nimbus::verify
