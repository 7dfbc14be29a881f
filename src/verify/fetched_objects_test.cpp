#include "verify/fetched_objects.h"

#include <openssl/pem.h>
#include <openssl/pkcs7.h>

#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "crypto/base64.h"
#include "crypto/bio.h"
#include "crypto/handles.h"
#include "verify/verify_test_pki.h"

namespace nimbus::verify {
namespace {

using namespace nimbus::verify::testing;
using nimbus::testing::make_certificate;
using nimbus::testing::make_key;

// A certs-only SignedData as CAs publish at .p7c URLs: no signers, inner content id-data.
crypto::Pkcs7Ptr certs_only(const std::vector<x509::Certificate>& certificates) {
  crypto::Pkcs7Ptr bundle(PKCS7_new());
  if (!bundle || PKCS7_set_type(bundle.get(), NID_pkcs7_signed) != 1 ||
      PKCS7_content_new(bundle.get(), NID_pkcs7_data) != 1) {
    throw std::runtime_error("building a PKCS#7 bundle");
  }
  for (const x509::Certificate& certificate : certificates) {
    if (PKCS7_add_certificate(bundle.get(), certificate.get()) != 1) throw std::runtime_error("adding a certificate");
  }
  return bundle;
}

Bytes pkcs7_der(const std::vector<x509::Certificate>& certificates) {
  crypto::Pkcs7Ptr bundle = certs_only(certificates);
  unsigned char* der = nullptr;
  int size = i2d_PKCS7(bundle.get(), &der);
  if (size <= 0) throw std::runtime_error("encoding a PKCS#7 bundle");
  crypto::OpenSslBufferPtr owned(der);
  return Bytes(der, der + size);
}

Bytes pkcs7_pem(const std::vector<x509::Certificate>& certificates) {
  crypto::Pkcs7Ptr bundle = certs_only(certificates);
  crypto::BioPtr out = crypto::memory_writer();
  if (PEM_write_bio_PKCS7(out.get(), bundle.get()) != 1) throw std::runtime_error("writing a PEM PKCS#7 bundle");
  return crypto::bio_contents(out.get());
}

Bytes pem_bundle(const std::vector<x509::Certificate>& certificates) {
  std::string text;
  for (const x509::Certificate& certificate : certificates) text += certificate.pem();
  return Bytes(text.begin(), text.end());
}

// `count` distinct CA certificates under one root, sharing a key so that making them is quick.
std::vector<x509::Certificate> many_certificates(const TestCa& root, std::size_t count) {
  crypto::PrivateKey key = make_key();
  std::vector<x509::Certificate> certificates;
  for (std::size_t i = 0; i < count; ++i) {
    CertificateOptions options;
    options.subject = "CN=Cross Certificate " + std::to_string(i + 1) + ", O=Nimbus Tests";
    certificates.push_back(make_certificate(options, key, &root));
  }
  return certificates;
}

std::vector<Bytes> ders_of(const std::vector<x509::Certificate>& certificates) {
  std::vector<Bytes> ders;
  for (const x509::Certificate& certificate : certificates) ders.push_back(certificate.der());
  return ders;
}

Bytes text_bytes(std::string_view text) { return Bytes(text.begin(), text.end()); }

class FetchedObjectsTest : public ::testing::Test {
 protected:
  TestPki pki_ = make_pki();
  std::vector<x509::Certificate> pair() const { return {pki_.issuing.certificate, pki_.root.certificate}; }
};

TEST_F(FetchedObjectsTest, OneDerCertificate) {
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto certificates, parse_issuer_certificates(pki_.issuing.certificate.der()));
  ASSERT_EQ(certificates.size(), 1u);
  EXPECT_EQ(certificates[0].der(), pki_.issuing.certificate.der());
}

TEST_F(FetchedObjectsTest, PemBundleOfTwoInOrder) {
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto certificates, parse_issuer_certificates(pem_bundle(pair())));
  EXPECT_EQ(ders_of(certificates), ders_of(pair()));
}

TEST_F(FetchedObjectsTest, Pkcs7CertsOnlyBundleInDer) {
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto certificates, parse_issuer_certificates(pkcs7_der(pair())));
  EXPECT_EQ(ders_of(certificates), ders_of(pair()));
}

TEST_F(FetchedObjectsTest, Pkcs7CertsOnlyBundleInPem) {
  Bytes pem = pkcs7_pem(pair());
  ASSERT_NE(std::string(pem.begin(), pem.end()).find("-----BEGIN PKCS7-----"), std::string::npos);
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto certificates, parse_issuer_certificates(pem));
  EXPECT_EQ(ders_of(certificates), ders_of(pair()));
}

TEST_F(FetchedObjectsTest, EmptyGarbageAndTruncatedAreMalformed) {
  NIMBUS_EXPECT_ERROR(parse_issuer_certificates(Bytes{}), ErrorCode::kMalformed);
  NIMBUS_EXPECT_ERROR(parse_issuer_certificates(text_bytes("<html><body>Not Found</body></html>")),
                      ErrorCode::kMalformed);
  Bytes noise(300);
  for (std::size_t i = 0; i < noise.size(); ++i) noise[i] = static_cast<std::uint8_t>(i * 37 + 11);
  NIMBUS_EXPECT_ERROR(parse_issuer_certificates(noise), ErrorCode::kMalformed);

  Bytes truncated = pki_.issuing.certificate.der();
  truncated.resize(truncated.size() - 10);
  NIMBUS_EXPECT_ERROR(parse_issuer_certificates(truncated), ErrorCode::kMalformed);
  Bytes truncated_bundle = pkcs7_der(pair());
  truncated_bundle.resize(truncated_bundle.size() / 2);
  NIMBUS_EXPECT_ERROR(parse_issuer_certificates(truncated_bundle), ErrorCode::kMalformed);
  Bytes trailing = pki_.issuing.certificate.der();
  trailing.push_back(0x00);
  NIMBUS_EXPECT_ERROR(parse_issuer_certificates(trailing), ErrorCode::kMalformed);
  // A CRL where a certificate was expected.
  NIMBUS_EXPECT_ERROR(parse_issuer_certificates(crl_for(pki_.issuing, {})), ErrorCode::kMalformed);
}

TEST_F(FetchedObjectsTest, BundlesAreBoundedAtSixteenCertificates) {
  ASSERT_EQ(kMaxIssuerBundleCertificates, 16u);
  std::vector<x509::Certificate> seventeen = many_certificates(pki_.root, 17);
  std::vector<x509::Certificate> sixteen(seventeen.begin(), seventeen.begin() + 16);

  NIMBUS_EXPECT_ERROR(parse_issuer_certificates(pem_bundle(seventeen)), ErrorCode::kMalformed);
  NIMBUS_EXPECT_ERROR(parse_issuer_certificates(pkcs7_der(seventeen)), ErrorCode::kMalformed);
  NIMBUS_EXPECT_ERROR(parse_issuer_certificates(pkcs7_pem(seventeen)), ErrorCode::kMalformed);

  for (const Bytes& body : {pem_bundle(sixteen), pkcs7_der(sixteen), pkcs7_pem(sixteen)}) {
    auto certificates = parse_issuer_certificates(body);
    NIMBUS_ASSERT_OK(certificates);
    EXPECT_EQ(certificates->size(), 16u);
  }
}

TEST_F(FetchedObjectsTest, CrlInDerAndPem) {
  Bytes der = crl_for(pki_.issuing, {revoked(pki_.leaf.certificate)});
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto from_der, parse_fetched_crl(der));
  EXPECT_EQ(from_der.der(), der);
  EXPECT_EQ(from_der.revoked_count(), 1u);
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto from_pem, parse_fetched_crl(text_bytes(from_der.pem())));
  EXPECT_EQ(from_pem.der(), der);
}

TEST_F(FetchedObjectsTest, CrlEmptyOrGarbageIsMalformed) {
  NIMBUS_EXPECT_ERROR(parse_fetched_crl(Bytes{}), ErrorCode::kMalformed);
  NIMBUS_EXPECT_ERROR(parse_fetched_crl(text_bytes("garbage, not a CRL")), ErrorCode::kMalformed);
  NIMBUS_EXPECT_ERROR(parse_fetched_crl(pki_.issuing.certificate.der()), ErrorCode::kMalformed);
}

// libcurl renders an LDAP search result one way with its OpenLDAP backend (lib/openldap.c, as on
// Debian: LDIF, "::" before base64) and another with lib/ldap.c (winldap and builds without
// OpenLDAP: ";binary" attributes in base64 after a single colon). Both must decode.
std::string openldap_rendering(std::string_view attribute, ByteView value, std::string_view eol = "\n") {
  return "DN: cn=Verify Test Issuing CA,cn=CDP,cn=Public Key Services,dc=pki,dc=test" + std::string(eol) + "\t" +
         std::string(attribute) + ":: " + crypto::base64_encode(value) + std::string(eol) + std::string(eol);
}

std::string legacy_rendering(std::string_view attribute, ByteView value, std::string_view eol = "\n") {
  return "DN: cn=x" + std::string(eol) + "\t" + std::string(attribute) + ": " + crypto::base64_encode(value) +
         std::string(eol) + std::string(eol);
}

TEST_F(FetchedObjectsTest, LdapAnswerFromLibcurlsOpenLdapBackend) {
  Bytes crl = crl_for(pki_.issuing, {revoked(pki_.leaf.certificate)});
  NIMBUS_ASSERT_OK_AND_ASSIGN(Bytes value,
                              decode_ldap_answer(text_bytes(openldap_rendering("certificateRevocationList;binary", crl))));
  EXPECT_EQ(value, crl);
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto parsed, parse_fetched_crl(value));
  EXPECT_EQ(parsed.revoked_count(), 1u);
}

TEST_F(FetchedObjectsTest, LdapAnswerFromLibcurlsLegacyBackend) {
  Bytes crl = crl_for(pki_.issuing, {revoked(pki_.leaf.certificate)});
  std::string answer = legacy_rendering("certificateRevocationList;binary", crl);
  ASSERT_EQ(answer.substr(0, 44), "DN: cn=x\n\tcertificateRevocationList;binary: ");
  NIMBUS_ASSERT_OK_AND_ASSIGN(Bytes value, decode_ldap_answer(text_bytes(answer)));
  EXPECT_EQ(value, crl);
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto parsed, parse_fetched_crl(value));
  EXPECT_EQ(parsed.revoked_count(), 1u);
}

TEST_F(FetchedObjectsTest, LdapAnswerWithCrlfLineEnds) {
  Bytes certificate = pki_.issuing.certificate.der();
  for (const std::string& answer : {openldap_rendering("cACertificate;binary", certificate, "\r\n"),
                                    legacy_rendering("cACertificate;binary", certificate, "\r\n")}) {
    SCOPED_TRACE(answer.substr(0, 40));
    NIMBUS_ASSERT_OK_AND_ASSIGN(Bytes value, decode_ldap_answer(text_bytes(answer)));
    EXPECT_EQ(value, certificate);
  }
}

TEST_F(FetchedObjectsTest, LdapAnswerWithAPrintableValueGivesItAsIs) {
  NIMBUS_ASSERT_OK_AND_ASSIGN(Bytes value,
                              decode_ldap_answer(text_bytes("DN: cn=x\n\tdescription: Issuing CA CRL\n\n")));
  EXPECT_EQ(std::string(value.begin(), value.end()), "Issuing CA CRL");
}

TEST_F(FetchedObjectsTest, LdapAnswerWithoutAnAttributeIsMalformed) {
  NIMBUS_EXPECT_ERROR(decode_ldap_answer(text_bytes("DN: cn=x\n\n")), ErrorCode::kMalformed);
  NIMBUS_EXPECT_ERROR(decode_ldap_answer(Bytes{}), ErrorCode::kMalformed);
  // An attribute line without a value holds no value either.
  NIMBUS_EXPECT_ERROR(decode_ldap_answer(text_bytes("DN: cn=x\n\tcertificateRevocationList;binary\n\n")),
                      ErrorCode::kMalformed);
  NIMBUS_EXPECT_ERROR(decode_ldap_answer(text_bytes("DN: cn=x\r\n\tcertificateRevocationList;binary: \r\n\r\n")),
                      ErrorCode::kMalformed);
}

TEST_F(FetchedObjectsTest, LdapAnswerWhoseValueIsNotBase64IsMalformed) {
  for (std::string_view answer : {"DN: cn=x\n\tcertificateRevocationList;binary:: not*base64!\n\n",
                                  "DN: cn=x\n\tcertificateRevocationList;binary: not*base64!\n\n",
                                  "DN: cn=x\n\tcertificateRevocationList;binary:: \n\n"}) {
    SCOPED_TRACE(answer);
    auto result = decode_ldap_answer(text_bytes(answer));
    NIMBUS_ASSERT_ERROR(result, ErrorCode::kMalformed);
    EXPECT_NE(result.error().message().find("certificateRevocationList;binary"), std::string::npos)
        << result.error().message();
  }
}

}  // namespace
}  // namespace nimbus::verify
