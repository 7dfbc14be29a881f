// Chain verification with OpenSSL's verifier (X509_verify_cert), keeping every problem it finds.
//
// OpenSSL builds a path from a subject certificate through the untrusted certificates given to a
// certificate of a TrustStore, and checks signatures, validity, basic constraints, key usage and
// name constraints. Here it is told to go on after each problem, so that a failed chain explains
// itself element by element; path building with fetching and policy belongs to src/verify/.
#pragma once

#include <compare>
#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

#include "core/time.h"
#include "x509/certificate.h"
#include "x509/trust_store.h"

namespace nimbus::x509 {

// One reason OpenSSL's verifier gives (an X509_V_ERR_* code).
class ChainError {
 public:
  // The codes grouped as a relying party tells them apart; kOther for the rest.
  enum class Kind {
    kExpired,
    kNotYetValid,
    kBadSignature,     // a signature that does not verify, or an issuer key that does not decode
    kSelfSigned,       // a self-signed certificate that is not trusted, at the subject or above it
    kUntrusted,        // the trusted certificate is not trusted for this use, or rejected
    kIssuerNotFound,   // no issuer among the untrusted or trusted certificates
    kNotACa,
    kPathLength,       // a pathLenConstraint exceeded, or the chain longer than the depth allowed
    kKeyUsage,         // an issuer whose keyUsage does not allow keyCertSign
    kPurpose,          // a certificate not valid for the purpose asked
    kNameConstraints,  // a name outside a permitted subtree, inside an excluded one, or unsupported
    kOutOfMemory,
    kOther,
  };

  explicit ChainError(int code) : code_(code) {}

  Kind kind() const;
  // OpenSSL's text for the code ("certificate has expired"); static, never empty.
  std::string_view message() const;
  int code() const { return code_; }

  auto operator<=>(const ChainError&) const = default;

 private:
  int code_;
};

// A problem at one certificate of the chain; depth 0 is the subject.
struct ChainFault {
  int depth = 0;
  ChainError error{0};

  auto operator<=>(const ChainFault&) const = default;  // by depth, then by code
};

// Where a certificate of the built chain came from.
enum class LinkSource {
  kSubject,    // the certificate verified
  kUntrusted,  // one of the untrusted certificates given
  kTrusted,    // one of the trust store's certificates
};

struct ChainLink {
  Certificate certificate;
  LinkSource source = LinkSource::kSubject;
  // With kUntrusted, the position in the untrusted certificates; with kTrusted, in
  // TrustStore::certificates(). kNotGiven when OpenSSL used a certificate equal to none of those
  // (not expected: it builds only from what it is given); `certificate` is then OpenSSL's own.
  std::size_t index = 0;
  static constexpr std::size_t kNotGiven = static_cast<std::size_t>(-1);
};

struct ChainVerification {
  // The chain as far as OpenSSL built it: [0] the subject, then each issuer, ending at a trusted
  // certificate when it reached one. Empty only when verification could not even start (then
  // `faults` holds kOutOfMemory at depth 0).
  std::vector<ChainLink> chain;
  // Every problem reported, each once, ordered by depth and then by code. Empty when the chain
  // verified.
  std::vector<ChainFault> faults;
};

// Verifies `subject` at time `at` with at most `max_depth` certificates between it and the trusted
// one (OpenSSL's verify depth). `untrusted` may be in any order and may hold certificates that are
// not needed. A certificate at the same time in `untrusted` and in the store is reported as the
// source OpenSSL took it from. Thread-safe: any number may run at once against one store.
ChainVerification verify_chain(const TrustStore& trusted, const Certificate& subject,
                               std::span<const Certificate> untrusted, Timestamp at, int max_depth);

}  // namespace nimbus::x509
