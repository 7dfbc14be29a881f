#include "x509/crl.h"

#include <openssl/pem.h>

#include <fmt/format.h>

#include "crypto/bio.h"
#include "crypto/openssl_error.h"
#include "x509/certificate_builder.h"
#include "x509/extensions.h"

namespace nimbus::x509 {

CertificateRevocationList CertificateRevocationList::adopt(crypto::X509CrlPtr crl) {
  auto shared = std::make_shared<Shared>();
  unsigned char* der = nullptr;
  int size = i2d_X509_CRL(crl.get(), &der);
  if (size > 0) {
    shared->der.assign(der, der + size);
    OPENSSL_free(der);
  }
  shared->crl = std::move(crl);
  return CertificateRevocationList(std::move(shared));
}

Result<CertificateRevocationList> CertificateRevocationList::parse(ByteView data) {
  if (crypto::looks_like_pem(data)) {
    crypto::BioPtr in = crypto::memory_reader(data);
    crypto::X509CrlPtr crl(PEM_read_bio_X509_CRL(in.get(), nullptr, nullptr, nullptr));
    if (!crl) return crypto::openssl_error(ErrorCode::kMalformed, "not a PEM X509 CRL");
    return adopt(std::move(crl));
  }
  const unsigned char* cursor = data.data();
  crypto::X509CrlPtr crl(d2i_X509_CRL(nullptr, &cursor, static_cast<long>(data.size())));
  if (!crl) return crypto::openssl_error(ErrorCode::kMalformed, "not a DER-encoded X.509 CRL");
  if (cursor != data.data() + data.size()) {
    return Error(ErrorCode::kMalformed, "unexpected bytes follow the CRL");
  }
  return adopt(std::move(crl));
}

std::string CertificateRevocationList::pem() const {
  crypto::BioPtr out = crypto::memory_writer();
  PEM_write_bio_X509_CRL(out.get(), get());
  return crypto::bio_text(out.get());
}

DistinguishedName CertificateRevocationList::issuer() const {
  return DistinguishedName::from_openssl(X509_CRL_get_issuer(get()));
}

Timestamp CertificateRevocationList::this_update() const {
  return to_timestamp(X509_CRL_get0_lastUpdate(get()));
}

std::optional<Timestamp> CertificateRevocationList::next_update() const {
  const ASN1_TIME* next = X509_CRL_get0_nextUpdate(get());
  if (next == nullptr) return std::nullopt;
  return to_timestamp(next);
}

std::optional<std::uint64_t> CertificateRevocationList::number() const {
  crypto::Asn1IntegerPtr number(static_cast<ASN1_INTEGER*>(
      X509_CRL_get_ext_d2i(get(), NID_crl_number, nullptr, nullptr)));
  if (!number) return std::nullopt;
  std::uint64_t value = 0;
  if (ASN1_INTEGER_get_uint64(&value, number.get()) != 1) {
    crypto::clear_openssl_errors();
    return std::nullopt;
  }
  return value;
}

Bytes CertificateRevocationList::authority_key_id() const {
  crypto::AuthorityKeyIdPtr aki(static_cast<AUTHORITY_KEYID*>(
      X509_CRL_get_ext_d2i(get(), NID_authority_key_identifier, nullptr, nullptr)));
  if (!aki || aki->keyid == nullptr) return {};
  const unsigned char* data = ASN1_STRING_get0_data(aki->keyid);
  return Bytes(data, data + ASN1_STRING_length(aki->keyid));
}

std::size_t CertificateRevocationList::revoked_count() const {
  STACK_OF(X509_REVOKED)* revoked = X509_CRL_get_REVOKED(get());
  return revoked == nullptr ? 0 : static_cast<std::size_t>(sk_X509_REVOKED_num(revoked));
}

bool CertificateRevocationList::is_signed_by(const crypto::PublicKey& issuer_key) const {
  int verified = X509_CRL_verify(get(), issuer_key.get());
  if (verified != 1) crypto::clear_openssl_errors();
  return verified == 1;
}

namespace {

Status add_entry(X509_CRL* crl, const RevokedCertificate& entry) {
  crypto::X509RevokedPtr revoked(X509_REVOKED_new());
  crypto::BignumPtr serial(BN_bin2bn(entry.serial.data(), static_cast<int>(entry.serial.size()), nullptr));
  crypto::Asn1IntegerPtr serial_number(serial ? BN_to_ASN1_INTEGER(serial.get(), nullptr) : nullptr);
  crypto::Asn1TimePtr date(ASN1_TIME_new());
  if (!revoked || !serial_number || !date) {
    return crypto::openssl_error(ErrorCode::kCryptoError, "out of memory building a CRL entry");
  }
  NIMBUS_TRY(set_asn1_time(date.get(), entry.revoked_at));
  if (X509_REVOKED_set_serialNumber(revoked.get(), serial_number.get()) != 1 ||
      X509_REVOKED_set_revocationDate(revoked.get(), date.get()) != 1) {
    return crypto::openssl_error(ErrorCode::kCryptoError, "building a CRL entry failed");
  }
  if (entry.reason != RevocationReason::kUnspecified) {
    // RFC 5280 5.3.1: the reason code SHOULD be absent rather than "unspecified".
    crypto::OpenSslPtr<ASN1_ENUMERATED, ASN1_ENUMERATED_free> code(ASN1_ENUMERATED_new());
    ASN1_ENUMERATED_set(code.get(), static_cast<long>(entry.reason));
    if (X509_REVOKED_add1_ext_i2d(revoked.get(), NID_crl_reason, code.get(), 0, 0) != 1) {
      return crypto::openssl_error(ErrorCode::kCryptoError, "adding a CRL reason code failed");
    }
  }
  if (X509_CRL_add0_revoked(crl, revoked.get()) != 1) {
    return crypto::openssl_error(ErrorCode::kCryptoError, "adding a CRL entry failed");
  }
  revoked.release();
  return ok_status();
}

}  // namespace

Result<CertificateRevocationList> sign_crl(const Certificate& issuer, const crypto::PrivateKey& key,
                                           const CrlContents& contents) {
  crypto::X509CrlPtr crl(X509_CRL_new());
  crypto::Asn1TimePtr this_update(ASN1_TIME_new());
  crypto::Asn1TimePtr next_update(ASN1_TIME_new());
  if (!crl || !this_update || !next_update || X509_CRL_set_version(crl.get(), X509_CRL_VERSION_2) != 1 ||
      X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(issuer.get())) != 1) {
    return crypto::openssl_error(ErrorCode::kCryptoError, "assembling the CRL failed");
  }
  NIMBUS_TRY(set_asn1_time(this_update.get(), contents.this_update));
  NIMBUS_TRY(set_asn1_time(next_update.get(), contents.next_update));
  X509_CRL_set1_lastUpdate(crl.get(), this_update.get());
  X509_CRL_set1_nextUpdate(crl.get(), next_update.get());
  for (const RevokedCertificate& entry : contents.revoked) NIMBUS_TRY(add_entry(crl.get(), entry));

  Bytes key_id = issuer.subject_key_id();
  if (key_id.empty()) key_id = key_identifier(issuer.public_key());
  NIMBUS_ASSIGN_OR_RETURN(crypto::X509ExtensionPtr aki, authority_key_id_extension(key_id));
  NIMBUS_ASSIGN_OR_RETURN(crypto::X509ExtensionPtr number, crl_number_extension(contents.number));
  if (X509_CRL_add_ext(crl.get(), aki.get(), -1) != 1 ||
      X509_CRL_add_ext(crl.get(), number.get(), -1) != 1) {
    return crypto::openssl_error(ErrorCode::kCryptoError, "adding CRL extensions failed");
  }
  X509_CRL_sort(crl.get());
  if (X509_CRL_sign(crl.get(), key.get(), crypto::evp_digest(key.preferred_digest())) <= 0) {
    return crypto::openssl_error(ErrorCode::kCryptoError, "signing the CRL failed");
  }
  return CertificateRevocationList::adopt(std::move(crl));
}

}  // namespace nimbus::x509
