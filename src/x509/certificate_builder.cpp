#include "x509/certificate_builder.h"

#include "crypto/openssl_error.h"

namespace nimbus::x509 {

namespace {

// Encoding a key into a certificate costs OpenSSL 3.0 an encoder and a decoder; a key received as
// SubjectPublicKeyInfo (from a CSR) is copied as it came, byte for byte. The certificate then holds
// the key only as encoded data (X509_get0_pubkey returns null), which is why Certificate keeps the
// subject key beside it.
bool install_public_key(X509* cert, const crypto::PublicKey& key) {
  if (key.received_encoded() && crypto::copy_spki(key.spki(), X509_get_X509_PUBKEY(cert))) return true;
  return X509_set_pubkey(cert, key.get()) == 1;
}

}  // namespace

Status set_asn1_time(ASN1_TIME* field, Timestamp t) {
  if (ASN1_TIME_set(field, std::chrono::system_clock::to_time_t(t)) == nullptr) {
    return crypto::openssl_error(ErrorCode::kInvalidArgument, "time out of range for a certificate");
  }
  return ok_status();
}

CertificateBuilder& CertificateBuilder::set_subject(DistinguishedName subject) {
  subject_ = std::move(subject);
  return *this;
}

CertificateBuilder& CertificateBuilder::set_issuer(DistinguishedName issuer) {
  issuer_ = std::move(issuer);
  return *this;
}

CertificateBuilder& CertificateBuilder::set_serial(Bytes serial) {
  serial_ = std::move(serial);
  return *this;
}

CertificateBuilder& CertificateBuilder::set_validity(Timestamp not_before, Timestamp not_after) {
  not_before_ = not_before;
  not_after_ = not_after;
  return *this;
}

CertificateBuilder& CertificateBuilder::set_public_key(crypto::PublicKey key) {
  public_key_ = std::move(key);
  return *this;
}

CertificateBuilder& CertificateBuilder::add_extension(Result<crypto::X509ExtensionPtr> extension) {
  if (!extension.ok()) {
    if (!error_) error_ = std::move(extension).error();
    return *this;
  }
  extensions_.emplace_back(std::move(extension).value().release(), X509_EXTENSION_free);
  return *this;
}

Result<Certificate> CertificateBuilder::assemble() const {
  if (error_) return *error_;
  if (!subject_ || !issuer_ || serial_.empty() || !not_before_ || !not_after_ || !public_key_) {
    return Error(ErrorCode::kInternal,
                 "certificate builder: subject, issuer, serial, validity and key must all be set");
  }
  crypto::X509Ptr cert(X509_new());
  crypto::BignumPtr serial_number(BN_bin2bn(serial_.data(), static_cast<int>(serial_.size()), nullptr));
  bool ok = cert && serial_number && X509_set_version(cert.get(), X509_VERSION_3) == 1 &&
            BN_to_ASN1_INTEGER(serial_number.get(), X509_get_serialNumber(cert.get())) != nullptr &&
            X509_set_subject_name(cert.get(), subject_->get()) == 1 &&
            X509_set_issuer_name(cert.get(), issuer_->get()) == 1 && install_public_key(cert.get(), *public_key_);
  if (!ok) return crypto::openssl_error(ErrorCode::kCryptoError, "assembling the certificate failed");
  NIMBUS_TRY(set_asn1_time(X509_getm_notBefore(cert.get()), *not_before_));
  NIMBUS_TRY(set_asn1_time(X509_getm_notAfter(cert.get()), *not_after_));
  for (const auto& extension : extensions_) {
    if (X509_add_ext(cert.get(), extension.get(), -1) != 1) {
      return crypto::openssl_error(ErrorCode::kCryptoError, "adding an extension failed");
    }
  }
  return Certificate::unsigned_certificate(std::move(cert), *public_key_);
}

Result<Certificate> CertificateBuilder::sign_assembled(const Certificate& to_be_signed,
                                                       const crypto::PrivateKey& issuer_key,
                                                       crypto::SignatureDigest digest) {
  X509* cert = to_be_signed.get();
  if (X509_sign(cert, issuer_key.get(), crypto::evp_digest(digest)) <= 0) {
    return crypto::openssl_error(ErrorCode::kCryptoError, "signing the certificate failed");
  }
  X509_up_ref(cert);
  return Certificate::adopt(crypto::X509Ptr(cert), to_be_signed.public_key());
}

Result<Certificate> CertificateBuilder::sign(const crypto::PrivateKey& issuer_key,
                                             crypto::SignatureDigest digest) const {
  NIMBUS_ASSIGN_OR_RETURN(Certificate to_be_signed, assemble());
  return sign_assembled(to_be_signed, issuer_key, digest);
}

}  // namespace nimbus::x509
