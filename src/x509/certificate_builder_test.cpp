#include "x509/certificate_builder.h"

#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <stdexcept>

#include <gtest/gtest.h>

#include "x509/extensions.h"
#include "testing/test_support.h"

namespace nimbus::x509 {
namespace {

using nimbus::testing::at;
using nimbus::testing::dn;
using nimbus::testing::make_key;
using nimbus::testing::make_request;

CertificateBuilder complete_builder(const crypto::PrivateKey& key) {
  CertificateBuilder builder;
  builder.set_subject(dn("CN=Subject, O=Nimbus Tests"))
      .set_issuer(dn("CN=Issuer, O=Nimbus Tests"))
      .set_serial(Bytes{0x01, 0x02, 0x03})
      .set_validity(at("2026-01-01T00:00:00Z"), at("2027-01-01T00:00:00Z"))
      .set_public_key(key.public_key());
  return builder;
}

TEST(CertificateBuilder, SignsAVersion3CertificateWithExactlyTheFieldsSet) {
  crypto::PrivateKey key = make_key("ec:p256");
  NIMBUS_ASSERT_OK_AND_ASSIGN(Certificate cert, complete_builder(key).sign(key, crypto::SignatureDigest::kSha256));
  EXPECT_EQ(X509_get_version(cert.get()), X509_VERSION_3);
  EXPECT_EQ(cert.subject().to_string(), "CN=Subject, O=Nimbus Tests");
  EXPECT_EQ(cert.issuer().to_string(), "CN=Issuer, O=Nimbus Tests");
  EXPECT_EQ(cert.serial(), (Bytes{0x01, 0x02, 0x03}));
  EXPECT_EQ(cert.serial_hex(), "010203");
  EXPECT_EQ(cert.not_before(), at("2026-01-01T00:00:00Z"));
  EXPECT_EQ(cert.not_after(), at("2027-01-01T00:00:00Z"));
  EXPECT_TRUE(cert.public_key() == key.public_key());
  EXPECT_EQ(cert.signature_algorithm(), "ecdsa-with-SHA256");
  // The builder adds nothing of its own.
  EXPECT_EQ(X509_get_ext_count(cert.get()), 0);
  EXPECT_FALSE(cert.basic_constraints().has_value());
  EXPECT_TRUE(cert.is_signed_by(key.public_key()));
}

TEST(CertificateBuilder, UsesTheRequestedDigest) {
  crypto::PrivateKey ec = make_key("ec:p384");
  NIMBUS_ASSERT_OK_AND_ASSIGN(Certificate sha384, complete_builder(ec).sign(ec, crypto::SignatureDigest::kSha384));
  EXPECT_EQ(sha384.signature_algorithm(), "ecdsa-with-SHA384");
  NIMBUS_ASSERT_OK_AND_ASSIGN(Certificate sha512, complete_builder(ec).sign(ec, crypto::SignatureDigest::kSha512));
  EXPECT_EQ(sha512.signature_algorithm(), "ecdsa-with-SHA512");

  crypto::PrivateKey rsa = make_key("rsa:2048");
  NIMBUS_ASSERT_OK_AND_ASSIGN(Certificate rsa_cert, complete_builder(rsa).sign(rsa, crypto::SignatureDigest::kSha256));
  EXPECT_EQ(rsa_cert.signature_algorithm(), "sha256WithRSAEncryption");
  EXPECT_TRUE(rsa_cert.is_signed_by(rsa.public_key()));
}

TEST(CertificateBuilder, SignsWithTheIssuerKeyNotTheSubjectKey) {
  crypto::PrivateKey subject_key = make_key();
  crypto::PrivateKey issuer_key = make_key();
  NIMBUS_ASSERT_OK_AND_ASSIGN(Certificate cert,
                              complete_builder(subject_key).sign(issuer_key, crypto::SignatureDigest::kSha256));
  EXPECT_TRUE(cert.public_key() == subject_key.public_key());
  EXPECT_TRUE(cert.is_signed_by(issuer_key.public_key()));
  EXPECT_FALSE(cert.is_signed_by(subject_key.public_key()));
}

TEST(CertificateBuilder, RefusesWhenARequiredFieldIsMissing) {
  crypto::PrivateKey key = make_key();
  auto sign = [&](CertificateBuilder builder) { return builder.sign(key, crypto::SignatureDigest::kSha256); };
  CertificateBuilder no_subject;
  no_subject.set_issuer(dn("CN=i")).set_serial({1}).set_validity(at("2026-01-01T00:00:00Z"), at("2027-01-01T00:00:00Z"))
      .set_public_key(key.public_key());
  NIMBUS_EXPECT_ERROR(sign(no_subject), ErrorCode::kInternal);

  CertificateBuilder no_serial = complete_builder(key);
  no_serial.set_serial({});
  NIMBUS_EXPECT_ERROR(sign(no_serial), ErrorCode::kInternal);

  CertificateBuilder no_key;
  no_key.set_subject(dn("CN=s")).set_issuer(dn("CN=i")).set_serial({1})
      .set_validity(at("2026-01-01T00:00:00Z"), at("2027-01-01T00:00:00Z"));
  NIMBUS_EXPECT_ERROR(sign(no_key), ErrorCode::kInternal);

  CertificateBuilder no_validity;
  no_validity.set_subject(dn("CN=s")).set_issuer(dn("CN=i")).set_serial({1}).set_public_key(key.public_key());
  NIMBUS_EXPECT_ERROR(sign(no_validity), ErrorCode::kInternal);
}

TEST(CertificateBuilder, ReturnsTheFirstExtensionError) {
  crypto::PrivateKey key = make_key();
  CertificateBuilder builder = complete_builder(key);
  builder.add_extension(Error(ErrorCode::kCryptoError, "first"))
      .add_extension(basic_constraints_extension(true, std::nullopt))
      .add_extension(Error(ErrorCode::kInvalidArgument, "second"));
  auto cert = builder.sign(key, crypto::SignatureDigest::kSha256);
  ASSERT_FALSE(cert.ok());
  EXPECT_EQ(cert.error().code(), ErrorCode::kCryptoError);
  EXPECT_EQ(cert.error().message(), "first");
}

TEST(CertificateBuilder, KeepsExtensionsInTheOrderAdded) {
  crypto::PrivateKey key = make_key();
  CertificateBuilder builder = complete_builder(key);
  builder.add_extension(key_usage_extension({KeyUsage::kDigitalSignature}))
      .add_extension(basic_constraints_extension(false, std::nullopt))
      .add_extension(subject_key_id_extension(key_identifier(key.public_key())));
  NIMBUS_ASSERT_OK_AND_ASSIGN(Certificate cert, builder.sign(key, crypto::SignatureDigest::kSha256));
  ASSERT_EQ(X509_get_ext_count(cert.get()), 3);
  EXPECT_EQ(OBJ_obj2nid(X509_EXTENSION_get_object(X509_get_ext(cert.get(), 0))), NID_key_usage);
  EXPECT_EQ(OBJ_obj2nid(X509_EXTENSION_get_object(X509_get_ext(cert.get(), 1))), NID_basic_constraints);
  EXPECT_EQ(OBJ_obj2nid(X509_EXTENSION_get_object(X509_get_ext(cert.get(), 2))), NID_subject_key_identifier);
}

TEST(CertificateBuilder, IsReusable) {
  crypto::PrivateKey key = make_key();
  CertificateBuilder builder = complete_builder(key);
  NIMBUS_ASSERT_OK_AND_ASSIGN(Certificate first, builder.sign(key, crypto::SignatureDigest::kSha256));
  builder.set_serial({0x09});
  NIMBUS_ASSERT_OK_AND_ASSIGN(Certificate second, builder.sign(key, crypto::SignatureDigest::kSha256));
  EXPECT_EQ(first.serial_hex(), "010203");
  EXPECT_EQ(second.serial_hex(), "09");
}

TEST(SetAsn1Time, UsesUtcTimeBefore2050AndGeneralizedTimeFrom2050) {
  crypto::Asn1TimePtr time(ASN1_TIME_new());
  NIMBUS_ASSERT_OK(set_asn1_time(time.get(), at("2049-12-31T23:59:59Z")));
  EXPECT_EQ(ASN1_STRING_type(time.get()), V_ASN1_UTCTIME);
  EXPECT_EQ(to_timestamp(time.get()), at("2049-12-31T23:59:59Z"));
  NIMBUS_ASSERT_OK(set_asn1_time(time.get(), at("2050-01-01T00:00:00Z")));
  EXPECT_EQ(ASN1_STRING_type(time.get()), V_ASN1_GENERALIZEDTIME);
  EXPECT_EQ(to_timestamp(time.get()), at("2050-01-01T00:00:00Z"));
}

TEST(CertificateBuilder, EncodesValidityAcross2050) {
  crypto::PrivateKey key = make_key();
  CertificateBuilder builder = complete_builder(key);
  builder.set_validity(at("2026-01-01T00:00:00Z"), at("2066-01-01T00:00:00Z"));
  NIMBUS_ASSERT_OK_AND_ASSIGN(Certificate cert, builder.sign(key, crypto::SignatureDigest::kSha256));
  EXPECT_EQ(cert.not_after(), at("2066-01-01T00:00:00Z"));
  EXPECT_EQ(ASN1_STRING_type(X509_get0_notBefore(cert.get())), V_ASN1_UTCTIME);
  EXPECT_EQ(ASN1_STRING_type(X509_get0_notAfter(cert.get())), V_ASN1_GENERALIZEDTIME);
}

crypto::PrivateKey make_rsa_pss_key() {
  crypto::EvpPkeyCtxPtr context(EVP_PKEY_CTX_new_from_name(nullptr, "RSA-PSS", nullptr));
  EVP_PKEY* key = nullptr;
  if (!context || EVP_PKEY_keygen_init(context.get()) != 1 ||
      EVP_PKEY_CTX_set_rsa_keygen_bits(context.get(), 2048) != 1 || EVP_PKEY_keygen(context.get(), &key) != 1) {
    throw std::runtime_error("generating an RSA-PSS key failed");
  }
  return crypto::PrivateKey(crypto::EvpPkeyPtr(key));
}

// A key received in a CSR is copied into the certificate as it came rather than re-encoded; the
// result must be indistinguishable from the slow path, for every key type and SPKI parameter form.
class ReceivedKeyTest : public ::testing::TestWithParam<const char*> {};

TEST_P(ReceivedKeyTest, CertificateCarriesTheRequestsSubjectPublicKeyInfoByteForByte) {
  std::string spec = GetParam();
  crypto::PrivateKey subject = spec == "rsa-pss" ? make_rsa_pss_key() : make_key(spec);
  // The reference encoding, made from the key by OpenSSL's encoder.
  Bytes expected = subject.public_key().spki_der();
  CertificateRequest request = make_request(subject);
  crypto::PublicKey received = request.public_key();
  ASSERT_TRUE(received.received_encoded());
  crypto::PrivateKey issuer = make_key("ec:p256");

  NIMBUS_ASSERT_OK_AND_ASSIGN(Certificate fast, complete_builder(issuer).set_public_key(received).sign(
                                                    issuer, crypto::SignatureDigest::kSha256));
  NIMBUS_ASSERT_OK_AND_ASSIGN(Certificate slow, complete_builder(issuer).set_public_key(subject.public_key()).sign(
                                                    issuer, crypto::SignatureDigest::kSha256));
  EXPECT_EQ(received.spki_der(), expected);
  EXPECT_EQ(slow.public_key().spki_der(), expected);
  EXPECT_EQ(key_identifier(received), key_identifier(subject.public_key()));
  EXPECT_TRUE(fast.public_key() == subject.public_key());
  EXPECT_TRUE(fast.is_signed_by(issuer.public_key()));

  // Decoded from its DER, the certificate holds the same key, and OpenSSL sees it.
  NIMBUS_ASSERT_OK_AND_ASSIGN(Certificate reparsed, Certificate::from_der(fast.der()));
  EXPECT_TRUE(reparsed.public_key() == subject.public_key());
  unsigned char* der = nullptr;
  int size = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(reparsed.get()), &der);
  ASSERT_GT(size, 0);
  EXPECT_EQ(Bytes(der, der + size), expected);
  OPENSSL_free(der);
  NIMBUS_ASSERT_OK_AND_ASSIGN(Certificate decoded, fast.with_decoded_key());
  EXPECT_NE(X509_get0_pubkey(decoded.get()), nullptr);
  EXPECT_EQ(decoded.der(), fast.der());
}

INSTANTIATE_TEST_SUITE_P(KeyTypes, ReceivedKeyTest, ::testing::Values("rsa:2048", "ec:p256", "ec:p384", "rsa-pss"));

}  // namespace
}  // namespace nimbus::x509
