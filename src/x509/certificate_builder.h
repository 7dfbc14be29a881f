// CertificateBuilder: assembles and signs a new certificate.
//
// The builder holds exactly what the caller sets; it adds nothing of its own. Rules about what a
// certificate must contain live with the callers (ca/ for CA certificates, the issuance engine for
// leaves), which decide the fields, and in the lint that checks the result before it is signed.
#pragma once

#include <optional>
#include <vector>

#include "core/bytes.h"
#include "core/result.h"
#include "core/time.h"
#include "crypto/handles.h"
#include "crypto/key.h"
#include "x509/certificate.h"
#include "x509/name.h"

namespace nimbus::x509 {

class CertificateBuilder {
 public:
  CertificateBuilder& set_subject(DistinguishedName subject);
  CertificateBuilder& set_issuer(DistinguishedName issuer);
  CertificateBuilder& set_serial(Bytes serial);
  CertificateBuilder& set_validity(Timestamp not_before, Timestamp not_after);
  CertificateBuilder& set_public_key(crypto::PublicKey key);

  // Adds an extension; an error from building it is kept and returned by sign().
  CertificateBuilder& add_extension(Result<crypto::X509ExtensionPtr> extension);

  // Produces the X.509 v3 certificate signed with `issuer_key` using `digest` (PKCS#1 v1.5 for RSA,
  // ECDSA for EC). Fails if a required field is unset.
  Result<Certificate> sign(const crypto::PrivateKey& issuer_key, crypto::SignatureDigest digest) const;

  // The certificate with every field set but not signed (Certificate::unsigned_certificate), for
  // checks that must pass before a signature exists.
  Result<Certificate> assemble() const;

  // Signs what assemble() produced. `to_be_signed` is consumed: do not use it afterwards.
  static Result<Certificate> sign_assembled(const Certificate& to_be_signed, const crypto::PrivateKey& issuer_key,
                                            crypto::SignatureDigest digest);

 private:
  std::optional<DistinguishedName> subject_;
  std::optional<DistinguishedName> issuer_;
  Bytes serial_;
  std::optional<Timestamp> not_before_;
  std::optional<Timestamp> not_after_;
  std::optional<crypto::PublicKey> public_key_;
  std::vector<std::shared_ptr<X509_EXTENSION>> extensions_;
  std::optional<Error> error_;
};

// Sets an ASN1_TIME field from a Timestamp (UTCTime before 2050, GeneralizedTime after, per RFC 5280).
Status set_asn1_time(ASN1_TIME* field, Timestamp t);

}  // namespace nimbus::x509
