// Certificate: a parsed X.509 certificate as an immutable value.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "core/result.h"
#include "core/time.h"
#include "crypto/handles.h"
#include "crypto/key.h"
#include "x509/extension_view.h"
#include "x509/name.h"

namespace nimbus::x509 {

// Key usage bits, numbered as in RFC 5280 section 4.2.1.3.
enum class KeyUsage : unsigned {
  kDigitalSignature = 0,
  kNonRepudiation = 1,
  kKeyEncipherment = 2,
  kDataEncipherment = 3,
  kKeyAgreement = 4,
  kKeyCertSign = 5,
  kCrlSign = 6,
};

struct BasicConstraints {
  bool ca = false;
  std::optional<long> path_length;
  bool critical = false;
};

// What the flags OpenSSL computed when it decoded a certificate say of its extendedKeyUsage (see
// Certificate::extended_key_usage_flags).
struct ExtendedKeyUsageFlags {
  bool present = false;      // the certificate has the extension; the others are false without it
  bool client_auth = false;  // id-kp-clientAuth is listed
  bool any_purpose = false;  // anyExtendedKeyUsage is listed
};

// Copies share one parsed certificate and its DER; all accessors are const and thread-safe.
class Certificate {
 public:
  // Exactly one DER certificate; trailing bytes are an error.
  static Result<Certificate> from_der(ByteView der);
  // PEM or DER, holding exactly one certificate: a second one (a second CERTIFICATE block, or DER
  // certificates one after another) is refused with the count. Other PEM blocks are skipped.
  static Result<Certificate> parse(ByteView data);
  // Every certificate in a PEM bundle (in order), or the one certificate of a DER file.
  static Result<std::vector<Certificate>> parse_all(ByteView data);
  // Takes ownership of a certificate OpenSSL produced. `subject_key` is the key the certificate was
  // built with, when OpenSSL holds it only as encoded SubjectPublicKeyInfo (see
  // CertificateBuilder::assemble); public_key() returns it.
  static Certificate adopt(crypto::X509Ptr cert, std::optional<crypto::PublicKey> subject_key = std::nullopt);
  // Wraps a certificate that is assembled but not yet signed, so that it can be inspected (linted)
  // with the same accessors; its der() is empty. See CertificateBuilder::assemble.
  static Certificate unsigned_certificate(crypto::X509Ptr cert, crypto::PublicKey subject_key);

  const Bytes& der() const { return shared_->der; }
  std::string pem() const;

  DistinguishedName subject() const;
  DistinguishedName issuer() const;
  Bytes serial() const;             // big-endian magnitude, as encoded
  std::string serial_hex() const;   // lower-case hex of serial()
  Timestamp not_before() const;
  Timestamp not_after() const;
  Bytes sha1_thumbprint() const;
  Bytes sha256_thumbprint() const;
  crypto::PublicKey public_key() const;
  std::string signature_algorithm() const;  // "sha256WithRSAEncryption", "ecdsa-with-SHA384", ...

  bool is_self_issued() const;  // subject == issuer
  std::optional<BasicConstraints> basic_constraints() const;
  bool has_key_usage_extension() const;
  bool has_key_usage(KeyUsage usage) const;
  bool key_usage_critical() const;
  Bytes subject_key_id() const;    // empty when absent
  Bytes authority_key_id() const;  // keyIdentifier; empty when absent
  // The URIs of the CRL distribution points, Freshest CRL (delta CRLs, RFC 5280 4.2.1.15), and
  // the AIA caIssuers and OCSP access descriptions. Decoded once per certificate, on first use:
  // a verifier asks for them on every verification.
  const std::vector<std::string>& crl_distribution_urls() const { return locations().crl; }
  const std::vector<std::string>& freshest_crl_urls() const { return locations().freshest_crl; }
  const std::vector<std::string>& ca_issuers_urls() const { return locations().ca_issuers; }
  const std::vector<std::string>& ocsp_urls() const { return locations().ocsp; }

  // True if `issuer_key` verifies this certificate's signature.
  bool is_signed_by(const crypto::PublicKey& issuer_key) const;

  // The same certificate: equal encodings, as X509_cmp decides (it compares the SHA-1 digests
  // OpenSSL keeps of both first, so this is cheap).
  bool operator==(const Certificate& other) const;

  // The version as RFC 5280 numbers it: 1, 2 or 3 (the encoded value plus one).
  long version() const;
  // Whether the serial number is encoded as a negative INTEGER; serial() is only the magnitude.
  bool serial_is_negative() const;
  bool has_subject_alt_name_extension() const;
  bool subject_alt_name_critical() const;  // of the first subjectAltName extension
  // The extensions in their encoded order; a view lives no longer than the certificate.
  std::size_t extension_count() const;
  ExtensionView extension(std::size_t index) const;  // index < extension_count()

  // Read from the flags OpenSSL computed when it decoded the certificate, without decoding
  // anything again: for the checks made on every verification. Not for an unsigned certificate,
  // whose flags OpenSSL may have computed before its last extension was added (the accessors
  // above decode instead).
  bool is_ca() const;  // basicConstraints cA
  // Subject equal to issuer, the authority key identifier (when present) naming its own key, and
  // keyUsage (when present) allowing keyCertSign. The signature is not checked.
  bool looks_self_signed() const;
  ExtendedKeyUsageFlags extended_key_usage_flags() const;
  // sha1_thumbprint() as OpenSSL keeps it from decoding, so that nothing is hashed again;
  // nullopt if OpenSSL cannot give it.
  std::optional<Bytes> cached_sha1_thumbprint() const;

  // The certificate as OpenSSL's verifier and PKCS#12 writer need it: with its public key decoded
  // inside the X509. A certificate the builder made from a received key holds that key only as
  // encoded SubjectPublicKeyInfo (decoding costs OpenSSL 3.0 a decoder); this decodes it from der().
  Result<Certificate> with_decoded_key() const;

  X509* get() const { return shared_->cert.get(); }

 private:
  struct Locations {
    std::vector<std::string> crl;
    std::vector<std::string> freshest_crl;
    std::vector<std::string> ca_issuers;
    std::vector<std::string> ocsp;
  };
  struct Shared {
    crypto::X509Ptr cert;
    Bytes der;
    std::optional<crypto::PublicKey> subject_key;
    mutable std::once_flag locations_decoded;
    mutable Locations locations;
  };
  const Locations& locations() const;
  explicit Certificate(std::shared_ptr<const Shared> shared) : shared_(std::move(shared)) {}
  std::shared_ptr<const Shared> shared_;
};

// The extendedKeyUsage purposes of a certificate as dotted OIDs; empty when absent.
std::vector<std::string> extended_key_usages(const Certificate& certificate);

// The subjectAltName entries of a certificate as "DNS:host", "email:a@b", "URI:...", "UPN:a@b",
// or "othername:<oid>" for other otherNames.
std::vector<std::string> subject_alt_names(const Certificate& certificate);

// ASN1_TIME to a Timestamp (UTC); time_t-range times only.
Timestamp to_timestamp(const ASN1_TIME* time);

}  // namespace nimbus::x509
