#include "x509/ocsp_cert_id.h"

#include <openssl/ocsp.h>

#include <gtest/gtest.h>

#include "crypto/digest.h"
#include "testing/test_support.h"
#include "x509/der_writer.h"
#include "x509/extensions.h"

namespace nimbus::x509 {
namespace {

using nimbus::testing::make_chain;
using nimbus::testing::must;
using nimbus::testing::TestChain;

Bytes openssl_der(OCSP_CERTID* id) {
  unsigned char* der = nullptr;
  int size = i2d_OCSP_CERTID(id, &der);
  crypto::OpenSslBufferPtr owned(der);
  if (size <= 0) throw std::runtime_error("i2d_OCSP_CERTID failed");
  return Bytes(der, der + size);
}

// OpenSSL's CertID for `certificate` under `issuer`.
Bytes openssl_cert_id(const Certificate& certificate, const Certificate& issuer, const EVP_MD* md) {
  crypto::OcspCertIdPtr id(OCSP_cert_to_id(md, certificate.get(), issuer.get()));
  return openssl_der(id.get());
}

// A CertID put together from its fields: hashAlgorithm with `parameters` (whole elements), the
// hashes, and the contents of the serialNumber INTEGER.
Bytes raw_cert_id(ByteView oid, const Bytes& parameters, const Bytes& name_hash, const Bytes& key_hash,
                  const Bytes& serial) {
  Bytes algorithm;
  der::append_element(algorithm, der::kObjectIdentifier, oid);
  algorithm.insert(algorithm.end(), parameters.begin(), parameters.end());
  Bytes contents;
  der::append_element(contents, der::kSequence, algorithm);
  der::append_element(contents, der::kOctetString, name_hash);
  der::append_element(contents, der::kOctetString, key_hash);
  der::append_element(contents, der::kInteger, serial);
  return der::element(der::kSequence, contents);
}

const Bytes kSha1Oid = {0x2b, 0x0e, 0x03, 0x02, 0x1a};
const Bytes kMd5Oid = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x02, 0x05};
const Bytes kNull = {0x05, 0x00};

class OcspCertIdTest : public ::testing::Test {
 protected:
  TestChain chain_ = make_chain();
  const Certificate& leaf() const { return chain_.leaf.certificate; }
  const Certificate& issuer() const { return chain_.intermediate.certificate; }
  const Certificate& root() const { return chain_.root.certificate; }
};

TEST_F(OcspCertIdTest, ForACertificateIsWhatOpensslMakesWithEachAlgorithm) {
  struct Case {
    OcspHashAlgorithm algorithm;
    const EVP_MD* md;
    int nid;
    const char* oid;
  };
  for (const Case& c : {Case{OcspHashAlgorithm::kSha1, EVP_sha1(), NID_sha1, "1.3.14.3.2.26"},
                        Case{OcspHashAlgorithm::kSha256, EVP_sha256(), NID_sha256, "2.16.840.1.101.3.4.2.1"},
                        Case{OcspHashAlgorithm::kSha384, EVP_sha384(), NID_sha384, "2.16.840.1.101.3.4.2.2"},
                        Case{OcspHashAlgorithm::kSha512, EVP_sha512(), NID_sha512, "2.16.840.1.101.3.4.2.3"}}) {
    NIMBUS_ASSERT_OK_AND_ASSIGN(OcspCertId id, OcspCertId::for_certificate(leaf(), issuer(), c.algorithm));
    EXPECT_EQ(id.der(), openssl_cert_id(leaf(), issuer(), c.md)) << c.oid;
    EXPECT_EQ(id.hash_algorithm(), c.algorithm);
    EXPECT_EQ(id.hash_algorithm_oid(), c.oid);
    EXPECT_EQ(id.hash_nid(), c.nid);
  }
}

TEST_F(OcspCertIdTest, FieldsReadBack) {
  NIMBUS_ASSERT_OK_AND_ASSIGN(OcspCertId id, OcspCertId::for_certificate(leaf(), issuer()));
  EXPECT_EQ(Bytes(id.issuer_name_hash().begin(), id.issuer_name_hash().end()), crypto::sha1(issuer().subject().der()));
  EXPECT_EQ(Bytes(id.issuer_key_hash().begin(), id.issuer_key_hash().end()), key_identifier(issuer().public_key()));
  EXPECT_EQ(id.serial(), leaf().serial());
  EXPECT_FALSE(id.negative_serial());

  NIMBUS_ASSERT_OK_AND_ASSIGN(OcspCertId parsed, OcspCertId::parse(id.der()));
  EXPECT_EQ(parsed.der(), id.der());
  EXPECT_EQ(parsed, id);
}

TEST_F(OcspCertIdTest, ForASerialIsWhatOpensslMakesFromTheIssuer) {
  for (const Bytes& serial : {Bytes{0x01}, Bytes{0x7f, 0x00, 0x12}, Bytes{0x80, 0x01}, Bytes{0x00, 0x00, 0x42}}) {
    NIMBUS_ASSERT_OK_AND_ASSIGN(OcspCertId id, OcspCertId::for_serial(issuer(), serial));
    crypto::BignumPtr number(BN_bin2bn(serial.data(), static_cast<int>(serial.size()), nullptr));
    crypto::Asn1IntegerPtr integer(BN_to_ASN1_INTEGER(number.get(), nullptr));
    crypto::OcspCertIdPtr expected(OCSP_cert_id_new(EVP_sha1(), X509_get_subject_name(issuer().get()),
                                                    X509_get0_pubkey_bitstr(issuer().get()), integer.get()));
    EXPECT_EQ(id.der(), openssl_der(expected.get())) << to_hex(serial);
  }
  NIMBUS_ASSERT_OK_AND_ASSIGN(OcspCertId zero, OcspCertId::for_serial(issuer(), Bytes{}));
  EXPECT_EQ(zero.serial(), Bytes{0x00});
}

TEST_F(OcspCertIdTest, MatchesItsCertificateAndIssuerOnly) {
  for (OcspHashAlgorithm algorithm : {OcspHashAlgorithm::kSha1, OcspHashAlgorithm::kSha384}) {
    NIMBUS_ASSERT_OK_AND_ASSIGN(OcspCertId id, OcspCertId::for_certificate(leaf(), issuer(), algorithm));
    EXPECT_TRUE(id.matches(leaf(), issuer()));
    EXPECT_FALSE(id.matches(leaf(), root()));
    EXPECT_FALSE(id.matches(issuer(), root()));
    EXPECT_FALSE(id.matches(issuer(), issuer()));
  }
  NIMBUS_ASSERT_OK_AND_ASSIGN(OcspCertId by_serial, OcspCertId::for_serial(issuer(), leaf().serial()));
  EXPECT_TRUE(by_serial.matches(leaf(), issuer()));
}

TEST_F(OcspCertIdTest, EqualityIgnoresHashParametersButNotTheAlgorithmOrSerial) {
  NIMBUS_ASSERT_OK_AND_ASSIGN(OcspCertId id, OcspCertId::for_certificate(leaf(), issuer()));
  Bytes name(id.issuer_name_hash().begin(), id.issuer_name_hash().end());
  Bytes key(id.issuer_key_hash().begin(), id.issuer_key_hash().end());
  Bytes serial(id.serial_number().begin(), id.serial_number().end());
  NIMBUS_ASSERT_OK_AND_ASSIGN(OcspCertId without_null, OcspCertId::parse(raw_cert_id(kSha1Oid, {}, name, key, serial)));
  EXPECT_NE(without_null.der(), id.der());
  EXPECT_EQ(without_null, id);
  EXPECT_TRUE(without_null.matches(leaf(), issuer()));

  Bytes other_serial = serial;
  other_serial.back() ^= 0x01;
  NIMBUS_ASSERT_OK_AND_ASSIGN(OcspCertId other, OcspCertId::parse(raw_cert_id(kSha1Oid, kNull, name, key, other_serial)));
  EXPECT_FALSE(other == id);
  NIMBUS_ASSERT_OK_AND_ASSIGN(OcspCertId md5, OcspCertId::parse(raw_cert_id(kMd5Oid, kNull, name, key, serial)));
  EXPECT_FALSE(md5 == id);
  EXPECT_FALSE(md5.hash_algorithm().has_value());
  EXPECT_EQ(md5.hash_nid(), NID_md5);
  EXPECT_EQ(md5.hash_algorithm_oid(), "1.2.840.113549.2.5");
  EXPECT_FALSE(md5.matches(leaf(), issuer()));
}

TEST_F(OcspCertIdTest, NegativeSerialsReadAsTheirMagnitude) {
  Bytes hash(20, 0x11);
  for (auto [contents, magnitude] : std::vector<std::pair<Bytes, Bytes>>{{{0xff}, {0x01}},
                                                                        {{0x80}, {0x80}},
                                                                        {{0xff, 0x00}, {0x01, 0x00}},
                                                                        {{0xff, 0x7f}, {0x81}},
                                                                        {{0x00, 0x80}, {0x80}},
                                                                        {{0x00}, {0x00}}}) {
    NIMBUS_ASSERT_OK_AND_ASSIGN(OcspCertId id, OcspCertId::parse(raw_cert_id(kSha1Oid, kNull, hash, hash, contents)));
    EXPECT_EQ(id.negative_serial(), (contents[0] & 0x80) != 0) << to_hex(contents);
    EXPECT_EQ(id.serial(), magnitude) << to_hex(contents);
  }
}

TEST_F(OcspCertIdTest, MalformedCertIdsAreRefusedWithTheirField) {
  NIMBUS_ASSERT_OK_AND_ASSIGN(OcspCertId id, OcspCertId::for_certificate(leaf(), issuer()));
  const Bytes& valid = id.der();
  for (std::size_t size = 0; size < valid.size(); ++size) {
    NIMBUS_EXPECT_ERROR(OcspCertId::parse(ByteView(valid).first(size)), ErrorCode::kMalformed);
  }
  Bytes trailing = valid;
  trailing.push_back(0x00);
  auto with_trailing = OcspCertId::parse(trailing);
  ASSERT_FALSE(with_trailing.ok());
  EXPECT_EQ(with_trailing.error().message(), "1 bytes follow the CertID");

  Bytes hash(20, 0x22);
  Bytes octet_serial = raw_cert_id(kSha1Oid, kNull, hash, hash, {0x01});
  octet_serial[octet_serial.size() - 3] = der::kOctetString;
  auto wrong_tag = OcspCertId::parse(octet_serial);
  ASSERT_FALSE(wrong_tag.ok());
  EXPECT_NE(wrong_tag.error().message().find("CertID.serialNumber: expected INTEGER, found OCTET STRING"),
            std::string::npos)
      << wrong_tag.error().message();

  auto padded = OcspCertId::parse(raw_cert_id(kSha1Oid, kNull, hash, hash, {0x00, 0x01}));
  ASSERT_FALSE(padded.ok());
  EXPECT_NE(padded.error().message().find("not minimally encoded"), std::string::npos);
  NIMBUS_EXPECT_ERROR(OcspCertId::parse(raw_cert_id(kSha1Oid, Bytes{0x05, 0x00, 0x05, 0x00}, hash, hash, {0x01})),
                      ErrorCode::kMalformed);
  NIMBUS_EXPECT_ERROR(OcspCertId::parse(leaf().der()), ErrorCode::kMalformed);
  NIMBUS_EXPECT_ERROR(OcspCertId::parse(must(crypto::random_bytes(64))), ErrorCode::kMalformed);
}

TEST_F(OcspCertIdTest, AnIssuerRecognisesItsCertIdsInEveryAlgorithm) {
  NIMBUS_ASSERT_OK_AND_ASSIGN(OcspIssuer issuing, OcspIssuer::from_certificate(issuer()));
  NIMBUS_ASSERT_OK_AND_ASSIGN(OcspIssuer rooted, OcspIssuer::from_certificate(root()));
  for (OcspHashAlgorithm algorithm : {OcspHashAlgorithm::kSha1, OcspHashAlgorithm::kSha256, OcspHashAlgorithm::kSha384,
                                      OcspHashAlgorithm::kSha512}) {
    NIMBUS_ASSERT_OK_AND_ASSIGN(OcspCertId id, OcspCertId::for_certificate(leaf(), issuer(), algorithm));
    EXPECT_TRUE(issuing.issued(id));
    EXPECT_FALSE(rooted.issued(id));
    NIMBUS_ASSERT_OK_AND_ASSIGN(OcspCertId unknown_serial, OcspCertId::for_serial(issuer(), Bytes{0x42}, algorithm));
    EXPECT_TRUE(issuing.issued(unknown_serial));
  }
  NIMBUS_ASSERT_OK_AND_ASSIGN(OcspCertId id, OcspCertId::for_certificate(leaf(), issuer()));
  Bytes name(id.issuer_name_hash().begin(), id.issuer_name_hash().end());
  Bytes key(id.issuer_key_hash().begin(), id.issuer_key_hash().end());
  NIMBUS_ASSERT_OK_AND_ASSIGN(OcspCertId md5, OcspCertId::parse(raw_cert_id(kMd5Oid, kNull, name, key, {0x01})));
  EXPECT_FALSE(issuing.issued(md5));
  Bytes other_key = key;
  other_key[0] ^= 0xff;
  NIMBUS_ASSERT_OK_AND_ASSIGN(OcspCertId wrong_key, OcspCertId::parse(raw_cert_id(kSha1Oid, kNull, name, other_key, {0x01})));
  EXPECT_FALSE(issuing.issued(wrong_key));
}

}  // namespace
}  // namespace nimbus::x509
