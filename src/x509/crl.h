// CertificateRevocationList: X.509 v2 CRLs, parsed and built.
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
#include "crypto/handles.h"
#include "crypto/key.h"
#include "x509/certificate.h"
#include "x509/extension_view.h"
#include "x509/name.h"
#include "x509/revocation_reason.h"

namespace nimbus::x509 {

struct RevokedCertificate {
  Bytes serial;
  Timestamp revoked_at;
  RevocationReason reason = RevocationReason::kUnspecified;
};

// A CRL's issuing distribution point (RFC 5280 5.2.5), as far as Nimbus reads it.
struct IssuingDistributionPoint {
  std::vector<std::string> urls;  // the URIs of a fullName distributionPoint; none without one
  bool only_user_certificates = false;
  bool only_ca_certificates = false;
  bool only_some_reasons = false;
  bool indirect_crl = false;
  bool only_attribute_certificates = false;
};

// One entry of a parsed CRL, read in place: a CRL of a million entries is read without copying
// them. Borrows from the CRL, which must outlive the view.
class CrlEntryView {
 public:
  ByteView serial() const;  // big-endian magnitude, as encoded; as long as the CRL lives
  Timestamp revoked_at() const;
  // The reasonCode's value as encoded, which may lie outside RFC 5280's range; nullopt when the
  // entry has none, or one that does not decode or exceeds 64 bits.
  std::optional<std::int64_t> reason_code() const;
  std::size_t extension_count() const;
  ExtensionView extension(std::size_t index) const;  // index < extension_count()

 private:
  friend class CertificateRevocationList;
  explicit CrlEntryView(const X509_REVOKED* entry) : entry_(entry) {}
  const X509_REVOKED* entry_;
};

// Immutable; copies share the parsed CRL. Thread-safe to read.
class CertificateRevocationList {
 public:
  // PEM ("X509 CRL") or DER, holding exactly one CRL: a second one (a second PEM block, or DER CRLs
  // one after another) is refused with the count, other trailing bytes too; PEM blocks of other
  // kinds around the CRL are skipped.
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

  // Whether the CRL's issuer name is `ca`'s subject name, compared as OpenSSL compares names
  // (X509_NAME_cmp) and without copying either. Says nothing of who signed it: see is_signed_by.
  bool issuer_matches(const Certificate& ca) const;
  // Whether the CRL carries a Delta CRL Indicator (RFC 5280 5.2.4), whatever its value.
  bool has_delta_crl_indicator() const;
  // The base CRL number of the Delta CRL Indicator, when there is one that fits 64 bits.
  std::optional<std::uint64_t> delta_base_number() const;
  // nullopt without the extension; kMalformed when it is present but does not decode, or repeated.
  Result<std::optional<IssuingDistributionPoint>> issuing_distribution_point() const;
  // The fullName URIs of the Freshest CRL extension (RFC 5280 5.2.6); empty without it.
  std::vector<std::string> freshest_crl_urls() const;
  // The CRL's own extensions (not its entries'), in encoded order; views live no longer than it.
  std::size_t extension_count() const;
  ExtensionView extension(std::size_t index) const;  // index < extension_count()
  CrlEntryView entry(std::size_t index) const;       // index < revoked_count(), in encoded order

  X509_CRL* get() const { return shared_->crl.get(); }

 private:
  struct Shared {
    crypto::X509CrlPtr crl;
    Bytes der;
  };
  explicit CertificateRevocationList(std::shared_ptr<const Shared> shared) : shared_(std::move(shared)) {}
  std::shared_ptr<const Shared> shared_;
};

// What a CRL says besides its entries; the issuer comes from the issuing CA's certificate.
struct CrlHeader {
  std::uint64_t number = 0;
  Timestamp this_update;
  Timestamp next_update;
};

// Everything a CRL says.
struct CrlContents : CrlHeader {
  std::vector<RevokedCertificate> revoked;
};

// A CRL's entries held compactly for encoding: a few dozen bytes each and no allocation per
// entry, so that a publisher can collect millions straight from a store query. Entries may be
// added in any order.
class CrlEntries {
 public:
  // RFC 5280 4.1.2.2: serial numbers are at most 20 octets.
  static constexpr std::size_t kMaxSerialOctets = 20;

  void reserve(std::size_t count) { entries_.reserve(count); }
  // `serial` is the unsigned big-endian value; leading zero octets do not count towards the limit.
  // Refuses a longer serial, a reason outside RFC 5280's range, and a time no CRL can express.
  Status add(ByteView serial, Timestamp revoked_at, RevocationReason reason);
  std::size_t size() const { return entries_.size(); }

  // One entry as the encoder writes it.
  struct Entry {
    std::array<std::uint8_t, kMaxSerialOctets> magnitude;  // the first magnitude_size octets
    std::uint8_t magnitude_size;
    std::uint8_t reason;  // 0: no reasonCode extension
    std::uint16_t year;
    std::uint8_t month, day, hours, minutes, seconds;
  };

 private:
  friend Result<Bytes> sign_crl_der(const Certificate& issuer, const crypto::PrivateKey& key,
                                    const CrlHeader& header, CrlEntries entries);
  std::vector<Entry> entries_;
  std::size_t encoded_size_ = 0;  // of every entry's SEQUENCE, headers included
  bool sorted_ = true;
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
// The same from a header and compact entries, which are sorted in place.
Result<Bytes> sign_crl_der(const Certificate& issuer, const crypto::PrivateKey& key, const CrlHeader& header,
                           CrlEntries entries);

}  // namespace nimbus::x509
