// CheckedCrl: a CRL that has been checked against its issuer's certificate and indexed by serial
// number, so that a CRL of a million entries is parsed and its signature verified once and then
// answers each lookup in constant time.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "core/result.h"
#include "core/time.h"
#include "x509/certificate.h"
#include "x509/crl.h"
#include "x509/revocation_reason.h"

namespace nimbus::verify {

struct CrlRevocation {
  Timestamp revoked_at;
  // kUnspecified when the entry has no reasonCode. A delta CRL's removeFromCRL (8) is not a
  // revocation: see removed_from_crl.
  x509::RevocationReason reason = x509::RevocationReason::kUnspecified;
  bool removed_from_crl = false;
};

// Immutable once built; thread-safe to read; cheap to share through shared_ptr.
class CheckedCrl {
 public:
  // Checks `crl` as `issuer`'s CRL, independently of time: its signature under the issuer's key,
  // its issuer name, its authority key identifier (when both sides carry one), and its scope
  // (indirect CRLs, CRLs partitioned by reason and attribute CRLs are refused: Nimbus would not
  // know what they leave out), refuses unknown critical extensions on the CRL and its entries,
  // and indexes the entries. kRejected-worthy problems come back as kPolicyViolation with the
  // reason; `expect_delta` says whether a delta CRL (RFC 5280 5.2.4) or a complete one is wanted.
  static Result<std::shared_ptr<const CheckedCrl>> check(const x509::CertificateRevocationList& crl,
                                                         const x509::Certificate& issuer, bool expect_delta);

  Timestamp this_update() const { return this_update_; }
  std::optional<Timestamp> next_update() const { return next_update_; }
  std::optional<std::uint64_t> number() const { return number_; }
  std::optional<std::uint64_t> base_number() const { return base_number_; }  // delta CRLs only
  bool is_delta() const { return base_number_.has_value(); }
  std::size_t size() const { return entries_.size(); }
  // Freshest CRL URLs the CRL itself names (RFC 5280 5.2.6).
  const std::vector<std::string>& freshest_crl_urls() const { return freshest_urls_; }

  // Why this CRL cannot answer for `subject` (whose CRL distribution point URLs are given), or
  // nullopt when it can: an issuing distribution point limited to user or CA certificates, or
  // naming distribution points none of which the certificate names (RFC 5280 6.3.3 b).
  std::optional<std::string> scope_mismatch(const x509::Certificate& subject,
                                            const std::vector<std::string>& subject_cdp_urls) const;

  // Why the CRL cannot be used at `at` (before thisUpdate, or past nextUpdate), or nullopt.
  std::optional<std::string> stale_at(Timestamp at) const;

  // The entry for `serial` (as Certificate::serial() gives it), if the CRL lists it.
  std::optional<CrlRevocation> find(ByteView serial) const;

  // What this object holds in memory, for the cache's bound.
  std::size_t memory_bytes() const;

  // "CRL #12 of CN=..., 3 entries, thisUpdate ..., nextUpdate ..." (made once, when checked).
  const std::string& describe() const { return description_; }

 private:
  // A serial is held in 20 octets, the most RFC 5280 allows; a longer (non-conforming) one is
  // held as the first 20 octets of its SHA-256 and marked by a length of kHashedSerial.
  static constexpr std::uint8_t kHashedSerial = 0xff;
  struct Entry {
    std::array<std::uint8_t, 20> serial;
    std::uint8_t length;
    std::uint8_t reason;
    std::int64_t revoked_at;
  };
  static Entry key_of(ByteView serial);
  static std::uint64_t hash_of(const Entry& entry);
  static bool same_serial(const Entry& a, const Entry& b);
  void build_index();

  std::string issuer_;
  Timestamp this_update_;
  std::optional<Timestamp> next_update_;
  std::optional<std::uint64_t> number_;
  std::optional<std::uint64_t> base_number_;
  std::vector<std::string> freshest_urls_;
  std::vector<std::string> distribution_point_urls_;  // of the issuing distribution point
  bool only_user_certificates_ = false;
  bool only_ca_certificates_ = false;
  std::vector<Entry> entries_;
  std::vector<std::uint32_t> slots_;  // open addressing: index + 1 into entries_, 0 when empty
  std::string description_;
};

}  // namespace nimbus::verify
