// CertificateRevocationList: X.509 v2 CRLs, parsed and built.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "core/result.h"
#include "core/time.h"
#include "crypto/handles.h"
#include "crypto/key.h"
#include "x509/certificate.h"
#include "x509/name.h"
#include "x509/revocation_reason.h"

namespace nimbus::x509 {

struct RevokedCertificate {
  Bytes serial;
  Timestamp revoked_at;
  RevocationReason reason = RevocationReason::kUnspecified;
};

// Immutable; copies share the parsed CRL. Thread-safe to read.
class CertificateRevocationList {
 public:
  // PEM ("X509 CRL") or DER; trailing bytes are an error.
  static Result<CertificateRevocationList> parse(ByteView data);
  static CertificateRevocationList adopt(crypto::X509CrlPtr crl);

  const Bytes& der() const { return shared_->der; }
  std::string pem() const;
  DistinguishedName issuer() const;
  Timestamp this_update() const;
  std::optional<Timestamp> next_update() const;
  std::optional<std::uint64_t> number() const;
  Bytes authority_key_id() const;
  std::size_t revoked_count() const;
  bool is_signed_by(const crypto::PublicKey& issuer_key) const;

  X509_CRL* get() const { return shared_->crl.get(); }

 private:
  struct Shared {
    crypto::X509CrlPtr crl;
    Bytes der;
  };
  explicit CertificateRevocationList(std::shared_ptr<const Shared> shared) : shared_(std::move(shared)) {}
  std::shared_ptr<const Shared> shared_;
};

// Everything a CRL says; the issuer comes from the issuing CA's certificate.
struct CrlContents {
  std::uint64_t number = 0;
  Timestamp this_update;
  Timestamp next_update;
  std::vector<RevokedCertificate> revoked;
};

// Builds and signs a v2 CRL with the CRL Number and Authority Key Identifier extensions
// (RFC 5280 section 5.2.1, 5.2.3). Entries carry a reasonCode unless unspecified (5.3.1).
// Entries may come in any order; they are written in ascending serial order, as X509_CRL_sort
// would.
Result<CertificateRevocationList> sign_crl(const Certificate& issuer, const crypto::PrivateKey& key,
                                           const CrlContents& contents);
// The same CRL as DER only, for publishers: it is encoded directly, never held as an X509_CRL,
// so that a million entries take a fraction of a second and tens of megabytes rather than an object
// tree of hundreds of megabytes, and nothing parses back what was just written.
Result<Bytes> sign_crl_der(const Certificate& issuer, const crypto::PrivateKey& key, const CrlContents& contents);

}  // namespace nimbus::x509
