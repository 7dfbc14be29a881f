#include "x509/certificate.h"

#include <openssl/x509.h>

#include <algorithm>

#include <gtest/gtest.h>

#include "crypto/digest.h"
#include "x509/extensions.h"
#include "testing/test_support.h"

namespace nimbus::x509 {
namespace {

using nimbus::testing::at;
using nimbus::testing::CertificateOptions;
using nimbus::testing::make_ca;
using nimbus::testing::make_certificate;
using nimbus::testing::make_key;
using nimbus::testing::TestCa;

struct Fixture {
  TestCa root;
  TestCa issuing;
};

Fixture make_fixture() {
  CertificateOptions root_options;
  root_options.subject = "CN=Cert Test Root, O=Nimbus Tests";
  TestCa root = make_ca(root_options, nullptr, "ec:p384");

  CertificateOptions issuing_options;
  issuing_options.subject = "CN=Cert Test Issuing, O=Nimbus Tests";
  issuing_options.path_length = 0;
  issuing_options.cdp = {"http://pki.test/cdp/root.crl", "http://backup.test/root.crl"};
  issuing_options.ca_issuers = {"http://pki.test/aia/root.crt"};
  issuing_options.ocsp = {"http://pki.test/ocsp/root"};
  issuing_options.serial = {0x7a, 0x01, 0x02, 0x03};
  issuing_options.not_before = at("2026-02-01T10:00:00Z");
  issuing_options.not_after = at("2031-02-01T10:00:00Z");
  TestCa issuing = make_ca(issuing_options, &root);
  return Fixture{root, issuing};
}

TEST(Certificate, ParsesBackFromDer) {
  Fixture f = make_fixture();
  NIMBUS_ASSERT_OK_AND_ASSIGN(Certificate parsed, Certificate::from_der(f.issuing.certificate.der()));
  EXPECT_EQ(parsed.der(), f.issuing.certificate.der());
  EXPECT_EQ(parsed.subject().to_string(), "CN=Cert Test Issuing, O=Nimbus Tests");
  EXPECT_EQ(parsed.issuer().to_string(), "CN=Cert Test Root, O=Nimbus Tests");
  EXPECT_EQ(parsed.serial(), (Bytes{0x7a, 0x01, 0x02, 0x03}));
  EXPECT_EQ(parsed.serial_hex(), "7a010203");
  EXPECT_EQ(parsed.not_before(), at("2026-02-01T10:00:00Z"));
  EXPECT_EQ(parsed.not_after(), at("2031-02-01T10:00:00Z"));
  EXPECT_TRUE(parsed.public_key() == f.issuing.key.public_key());
  EXPECT_EQ(parsed.signature_algorithm(), "ecdsa-with-SHA384");  // signed by the P-384 root
  EXPECT_FALSE(parsed.is_self_issued());
}

TEST(Certificate, ParsesBackFromPemAndDer) {
  Fixture f = make_fixture();
  std::string pem = f.issuing.certificate.pem();
  EXPECT_EQ(pem.rfind("-----BEGIN CERTIFICATE-----\n", 0), 0u);
  NIMBUS_ASSERT_OK_AND_ASSIGN(Certificate from_pem, Certificate::parse(as_bytes(pem)));
  EXPECT_EQ(from_pem.der(), f.issuing.certificate.der());
  NIMBUS_ASSERT_OK_AND_ASSIGN(Certificate from_der, Certificate::parse(f.issuing.certificate.der()));
  EXPECT_EQ(from_der.der(), f.issuing.certificate.der());
}

TEST(Certificate, ParseAllReadsABundleInOrderSkippingOtherBlocks) {
  Fixture f = make_fixture();
  std::string bundle = "Subject: issuing\nsome text a tool wrote before the block\n" + f.issuing.certificate.pem() +
                       "-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n" + f.root.certificate.pem();
  NIMBUS_ASSERT_OK_AND_ASSIGN(std::vector<Certificate> all, Certificate::parse_all(as_bytes(bundle)));
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].der(), f.issuing.certificate.der());
  EXPECT_EQ(all[1].der(), f.root.certificate.der());

  // parse() wants exactly one.
  auto one = Certificate::parse(as_bytes(bundle));
  ASSERT_FALSE(one.ok());
  EXPECT_EQ(one.error().code(), ErrorCode::kMalformed);
  EXPECT_NE(one.error().message().find("holds 2 certificates; exactly one is expected"), std::string::npos)
      << one.error().message();
}

TEST(Certificate, ParseAllOfDerIsTheOneCertificate) {
  Fixture f = make_fixture();
  NIMBUS_ASSERT_OK_AND_ASSIGN(std::vector<Certificate> all, Certificate::parse_all(f.root.certificate.der()));
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].der(), f.root.certificate.der());
}

TEST(Certificate, ParseAllRefusesPemWithoutCertificatesOrDamagedBlocks) {
  Fixture f = make_fixture();
  NIMBUS_EXPECT_ERROR(Certificate::parse_all(as_bytes("-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n")),
                      ErrorCode::kMalformed);
  std::string truncated = f.root.certificate.pem();
  truncated.resize(truncated.size() - 30);  // no END line
  NIMBUS_EXPECT_ERROR(Certificate::parse_all(as_bytes(truncated)), ErrorCode::kMalformed);
  std::string bad_base64 = "-----BEGIN CERTIFICATE-----\n!!!not base64!!!\n-----END CERTIFICATE-----\n";
  NIMBUS_EXPECT_ERROR(Certificate::parse_all(as_bytes(bad_base64)), ErrorCode::kMalformed);
  // A CERTIFICATE block that holds something else.
  std::string not_a_cert = "-----BEGIN CERTIFICATE-----\nMAMCAQE=\n-----END CERTIFICATE-----\n";
  NIMBUS_EXPECT_ERROR(Certificate::parse_all(as_bytes(not_a_cert)), ErrorCode::kMalformed);
  // A good certificate followed by a damaged one fails as a whole.
  NIMBUS_EXPECT_ERROR(Certificate::parse_all(as_bytes(f.root.certificate.pem() + truncated)), ErrorCode::kMalformed);
}

TEST(Certificate, FromDerRejectsTrailingBytes) {
  Fixture f = make_fixture();
  Bytes der = f.root.certificate.der();
  der.push_back(0x00);
  auto one_extra = Certificate::from_der(der);
  ASSERT_FALSE(one_extra.ok());
  EXPECT_EQ(one_extra.error().code(), ErrorCode::kMalformed);
  EXPECT_NE(one_extra.error().message().find("1 unexpected bytes"), std::string::npos) << one_extra.error().message();

  Bytes two = f.root.certificate.der();
  two.insert(two.end(), f.issuing.certificate.der().begin(), f.issuing.certificate.der().end());
  NIMBUS_EXPECT_ERROR(Certificate::from_der(two), ErrorCode::kMalformed);
  NIMBUS_EXPECT_ERROR(Certificate::parse(two), ErrorCode::kMalformed);
}

// A file of two DER certificates one after another is counted, not read as one and some garbage.
TEST(Certificate, ParseCountsDerCertificatesOneAfterAnother) {
  Fixture f = make_fixture();
  Bytes three = f.root.certificate.der();
  for (const Certificate* next : {&f.issuing.certificate, &f.root.certificate}) {
    three.insert(three.end(), next->der().begin(), next->der().end());
  }
  auto parsed = Certificate::parse(three);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().code(), ErrorCode::kMalformed);
  EXPECT_EQ(parsed.error().message(), "holds 3 certificates; exactly one is expected (put each in a file of its own)");

  Bytes garbage = f.root.certificate.der();
  garbage.insert(garbage.end(), {0x30, 0x03, 0x02, 0x01});
  parsed = Certificate::parse(garbage);
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.error().message().find("4 unexpected bytes follow the certificate"), std::string::npos)
      << parsed.error().message();
}

TEST(Certificate, FromDerRejectsGarbage) {
  Fixture f = make_fixture();
  NIMBUS_EXPECT_ERROR(Certificate::from_der(Bytes{}), ErrorCode::kMalformed);
  NIMBUS_EXPECT_ERROR(Certificate::from_der(as_bytes("garbage, not DER")), ErrorCode::kMalformed);
  NIMBUS_EXPECT_ERROR(Certificate::from_der(Bytes{0x30, 0x03, 0x02, 0x01, 0x01}), ErrorCode::kMalformed);
  Bytes truncated = f.root.certificate.der();
  truncated.resize(truncated.size() / 2);
  NIMBUS_EXPECT_ERROR(Certificate::from_der(truncated), ErrorCode::kMalformed);
  NIMBUS_EXPECT_ERROR(Certificate::parse(as_bytes("garbage")), ErrorCode::kMalformed);
}

// An extension that does not decode would otherwise read as absent ("not a CA").
TEST(Certificate, FromDerRefusesAnExtensionThatDoesNotDecode) {
  Fixture f = make_fixture();
  Bytes der = f.root.certificate.der();
  // basicConstraints CA:TRUE is the OCTET STRING 04 05 30 03 01 01 ff; break the BOOLEAN's length.
  const Bytes pattern = {0x04, 0x05, 0x30, 0x03, 0x01, 0x01, 0xff};
  auto where = std::search(der.begin(), der.end(), pattern.begin(), pattern.end());
  ASSERT_NE(where, der.end());
  where[5] = 0x02;
  auto parsed = Certificate::from_der(der);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().code(), ErrorCode::kMalformed);
  EXPECT_NE(parsed.error().message().find("extension"), std::string::npos) << parsed.error().message();
}

TEST(Certificate, ThumbprintsAreDigestsOfTheDer) {
  Fixture f = make_fixture();
  const Certificate& cert = f.issuing.certificate;
  EXPECT_EQ(cert.sha1_thumbprint(), crypto::sha1(cert.der()));
  EXPECT_EQ(cert.sha256_thumbprint(), crypto::sha256(cert.der()));
  EXPECT_EQ(cert.sha1_thumbprint().size(), 20u);
  EXPECT_EQ(cert.sha256_thumbprint().size(), 32u);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  ASSERT_EQ(X509_digest(cert.get(), EVP_sha256(), md, &size), 1);
  EXPECT_EQ(cert.sha256_thumbprint(), Bytes(md, md + size));
}

TEST(Certificate, BasicConstraints) {
  Fixture f = make_fixture();
  auto root = f.root.certificate.basic_constraints();
  ASSERT_TRUE(root.has_value());
  EXPECT_TRUE(root->ca);
  EXPECT_TRUE(root->critical);
  EXPECT_FALSE(root->path_length.has_value());

  auto issuing = f.issuing.certificate.basic_constraints();
  ASSERT_TRUE(issuing.has_value());
  EXPECT_TRUE(issuing->ca);
  ASSERT_TRUE(issuing->path_length.has_value());
  EXPECT_EQ(*issuing->path_length, 0);

  CertificateOptions leaf_options;
  leaf_options.subject = "CN=leaf";
  leaf_options.ca = false;
  TestCa leaf = make_ca(leaf_options, &f.issuing);
  auto leaf_constraints = leaf.certificate.basic_constraints();
  ASSERT_TRUE(leaf_constraints.has_value());
  EXPECT_FALSE(leaf_constraints->ca);
  EXPECT_FALSE(leaf_constraints->critical);
}

TEST(Certificate, KeyUsageBits) {
  Fixture f = make_fixture();
  const Certificate& ca = f.issuing.certificate;
  EXPECT_TRUE(ca.has_key_usage_extension());
  EXPECT_TRUE(ca.key_usage_critical());
  EXPECT_TRUE(ca.has_key_usage(KeyUsage::kKeyCertSign));
  EXPECT_TRUE(ca.has_key_usage(KeyUsage::kCrlSign));
  for (KeyUsage absent : {KeyUsage::kDigitalSignature, KeyUsage::kNonRepudiation, KeyUsage::kKeyEncipherment,
                          KeyUsage::kDataEncipherment, KeyUsage::kKeyAgreement}) {
    EXPECT_FALSE(ca.has_key_usage(absent)) << static_cast<unsigned>(absent);
  }

  // Each bit alone, to catch an off-by-one in the bit layout.
  crypto::PrivateKey key = make_key();
  for (KeyUsage usage : {KeyUsage::kDigitalSignature, KeyUsage::kNonRepudiation, KeyUsage::kKeyEncipherment,
                         KeyUsage::kDataEncipherment, KeyUsage::kKeyAgreement, KeyUsage::kKeyCertSign,
                         KeyUsage::kCrlSign}) {
    CertificateBuilder builder;
    builder.set_subject(nimbus::testing::dn("CN=bits")).set_issuer(nimbus::testing::dn("CN=bits")).set_serial({1})
        .set_validity(at("2026-01-01T00:00:00Z"), at("2027-01-01T00:00:00Z")).set_public_key(key.public_key())
        .add_extension(key_usage_extension({usage}));
    NIMBUS_ASSERT_OK_AND_ASSIGN(Certificate cert, builder.sign(key, crypto::SignatureDigest::kSha256));
    for (unsigned other = 0; other <= 6; ++other) {
      EXPECT_EQ(cert.has_key_usage(static_cast<KeyUsage>(other)), other == static_cast<unsigned>(usage))
          << "set " << static_cast<unsigned>(usage) << ", asked " << other;
    }
  }
}

TEST(Certificate, NoKeyUsageExtensionMeansNoBits) {
  CertificateOptions options;
  options.key_usage = false;
  TestCa ca = make_ca(options);
  EXPECT_FALSE(ca.certificate.has_key_usage_extension());
  EXPECT_FALSE(ca.certificate.key_usage_critical());
  EXPECT_FALSE(ca.certificate.has_key_usage(KeyUsage::kKeyCertSign));
  EXPECT_FALSE(ca.certificate.has_key_usage(KeyUsage::kDigitalSignature));
}

TEST(Certificate, KeyIdentifiers) {
  Fixture f = make_fixture();
  Bytes root_ski = f.root.certificate.subject_key_id();
  ASSERT_EQ(root_ski.size(), 20u);
  EXPECT_EQ(root_ski, key_identifier(f.root.key.public_key()));
  // RFC 5280 method 1: SHA-1 of the subjectPublicKey BIT STRING.
  const ASN1_BIT_STRING* bits = X509_get0_pubkey_bitstr(f.root.certificate.get());
  EXPECT_EQ(root_ski, crypto::sha1(ByteView(ASN1_STRING_get0_data(bits), static_cast<std::size_t>(ASN1_STRING_length(bits)))));
  EXPECT_TRUE(f.root.certificate.authority_key_id().empty());

  EXPECT_EQ(f.issuing.certificate.subject_key_id(), key_identifier(f.issuing.key.public_key()));
  EXPECT_EQ(f.issuing.certificate.authority_key_id(), root_ski);

  CertificateOptions bare;
  bare.key_ids = false;
  TestCa without = make_ca(bare);
  EXPECT_TRUE(without.certificate.subject_key_id().empty());
  EXPECT_TRUE(without.certificate.authority_key_id().empty());
}

TEST(Certificate, PublicationUrls) {
  Fixture f = make_fixture();
  EXPECT_EQ(f.issuing.certificate.crl_distribution_urls(),
            (std::vector<std::string>{"http://pki.test/cdp/root.crl", "http://backup.test/root.crl"}));
  EXPECT_EQ(f.issuing.certificate.ca_issuers_urls(), std::vector<std::string>{"http://pki.test/aia/root.crt"});
  EXPECT_EQ(f.issuing.certificate.ocsp_urls(), std::vector<std::string>{"http://pki.test/ocsp/root"});
  EXPECT_TRUE(f.root.certificate.crl_distribution_urls().empty());
  EXPECT_TRUE(f.root.certificate.ca_issuers_urls().empty());
  EXPECT_TRUE(f.root.certificate.ocsp_urls().empty());
}

TEST(Certificate, IsSignedByItsIssuerOnly) {
  Fixture f = make_fixture();
  EXPECT_TRUE(f.root.certificate.is_signed_by(f.root.key.public_key()));
  EXPECT_TRUE(f.root.certificate.is_self_issued());
  EXPECT_TRUE(f.issuing.certificate.is_signed_by(f.root.certificate.public_key()));
  EXPECT_FALSE(f.issuing.certificate.is_signed_by(f.issuing.key.public_key()));
  EXPECT_FALSE(f.issuing.certificate.is_signed_by(make_key().public_key()));
  EXPECT_FALSE(f.issuing.certificate.is_signed_by(make_key("rsa:2048").public_key()));
}

TEST(Certificate, TamperedCertificateNoLongerVerifies) {
  Fixture f = make_fixture();
  Bytes der = f.issuing.certificate.der();
  // Change a byte of the subject's CN ("Cert Test Issuing" -> "Cert Test Issuinh").
  std::string_view text(reinterpret_cast<const char*>(der.data()), der.size());
  std::size_t where = text.find("Issuing");
  ASSERT_NE(where, std::string_view::npos);
  der[where + 6] = 'h';
  NIMBUS_ASSERT_OK_AND_ASSIGN(Certificate tampered, Certificate::from_der(der));
  EXPECT_EQ(tampered.subject().common_name(), "Cert Test Issuinh");
  EXPECT_FALSE(tampered.is_signed_by(f.root.key.public_key()));
}

TEST(Certificate, AdoptKeepsTheDer) {
  Fixture f = make_fixture();
  crypto::X509Ptr copy(X509_dup(f.root.certificate.get()));
  Certificate adopted = Certificate::adopt(std::move(copy));
  EXPECT_EQ(adopted.der(), f.root.certificate.der());
  Certificate shared = adopted;  // copies share
  EXPECT_EQ(shared.get(), adopted.get());
}

TEST(Certificate, SerialWithTheHighBitSetIsAPositiveMagnitude) {
  crypto::PrivateKey key = make_key();
  CertificateOptions options;
  options.serial = {0x80, 0x00, 0x01};
  x509::Certificate cert = make_certificate(options, key);
  EXPECT_EQ(cert.serial(), (Bytes{0x80, 0x00, 0x01}));
  EXPECT_EQ(cert.serial_hex(), "800001");
  const ASN1_INTEGER* serial = X509_get0_serialNumber(cert.get());
  EXPECT_EQ(ASN1_STRING_type(serial), V_ASN1_INTEGER);  // not V_ASN1_NEG_INTEGER
}

using nimbus::testing::must;

// A certificate as a relying party has it: parsed from its DER, flags computed by OpenSSL then.
Certificate received(const Certificate& built) { return must(Certificate::from_der(built.der()), "parsing back"); }

TEST(Certificate, EqualMeansTheSameEncoding) {
  Fixture f = make_fixture();
  Certificate again = received(f.issuing.certificate);
  EXPECT_NE(again.get(), f.issuing.certificate.get());  // two OpenSSL objects ...
  EXPECT_TRUE(again == f.issuing.certificate);          // ... of one certificate
  EXPECT_FALSE(again == f.root.certificate);
  EXPECT_TRUE(f.root.certificate != f.issuing.certificate);
}

TEST(Certificate, VersionAndSerialSign) {
  Fixture f = make_fixture();
  EXPECT_EQ(f.issuing.certificate.version(), 3);
  EXPECT_FALSE(f.issuing.certificate.serial_is_negative());

  crypto::X509Ptr v1(X509_dup(f.issuing.certificate.get()));
  crypto::Asn1IntegerPtr negative(ASN1_INTEGER_new());
  ASSERT_TRUE(v1 && negative && X509_set_version(v1.get(), X509_VERSION_1) == 1 &&
              ASN1_INTEGER_set_int64(negative.get(), -5) == 1 && X509_set_serialNumber(v1.get(), negative.get()) == 1);
  Certificate odd = Certificate::adopt(std::move(v1));
  EXPECT_EQ(odd.version(), 1);
  EXPECT_TRUE(odd.serial_is_negative());
  EXPECT_EQ(odd.serial(), Bytes{0x05});  // the magnitude only
}

TEST(Certificate, SubjectAltNameCriticality) {
  crypto::PrivateKey key = make_key();
  CertificateOptions options;
  options.ca = false;
  Certificate without = make_certificate(options, key);
  EXPECT_FALSE(without.has_subject_alt_name_extension());
  EXPECT_FALSE(without.subject_alt_name_critical());

  for (bool critical : {false, true}) {
    crypto::X509Ptr copy(X509_dup(without.get()));
    crypto::X509ExtensionPtr san =
        must(subject_alt_name_extension({{AltNameType::kDns, "host.test"}}, critical), "subjectAltName");
    ASSERT_EQ(X509_add_ext(copy.get(), san.get(), -1), 1);
    Certificate with = Certificate::adopt(std::move(copy));
    EXPECT_TRUE(with.has_subject_alt_name_extension());
    EXPECT_EQ(with.subject_alt_name_critical(), critical);
  }
}

TEST(Certificate, ExtensionsInOrderWithTypeCriticalityAndNames) {
  Fixture f = make_fixture();
  const Certificate& cert = f.issuing.certificate;
  ASSERT_EQ(cert.extension_count(), static_cast<std::size_t>(X509_get_ext_count(cert.get())));
  std::vector<std::string> oids;
  for (std::size_t i = 0; i < cert.extension_count(); ++i) oids.push_back(cert.extension(i).oid());
  // As make_certificate adds them: basicConstraints, keyUsage, SKI, AKI, CDP, AIA.
  EXPECT_EQ(oids, (std::vector<std::string>{"2.5.29.19", "2.5.29.15", "2.5.29.14", "2.5.29.35", "2.5.29.31",
                                            "1.3.6.1.5.5.7.1.1"}));
  EXPECT_EQ(cert.extension(0).short_name(), "basicConstraints");
  EXPECT_TRUE(cert.extension(0).critical());
  EXPECT_EQ(cert.extension(0).type(), ExtensionType::kOther);
  EXPECT_EQ(cert.extension(3).type(), ExtensionType::kAuthorityKeyIdentifier);
  EXPECT_FALSE(cert.extension(3).critical());
}

TEST(Certificate, ParsedFlagsForCaSelfSignedAndPurposes) {
  Fixture f = make_fixture();
  Certificate root = received(f.root.certificate);
  Certificate issuing = received(f.issuing.certificate);
  EXPECT_TRUE(root.is_ca());
  EXPECT_TRUE(root.looks_self_signed());
  EXPECT_TRUE(issuing.is_ca());
  EXPECT_FALSE(issuing.looks_self_signed());
  EXPECT_FALSE(issuing.extended_key_usage_flags().present);

  CertificateOptions options;
  options.subject = "CN=client.test";
  options.ca = false;
  options.eku = {"1.3.6.1.5.5.7.3.2"};
  Certificate client = received(make_certificate(options, make_key(), &f.issuing));
  EXPECT_FALSE(client.is_ca());
  ExtendedKeyUsageFlags flags = client.extended_key_usage_flags();
  EXPECT_TRUE(flags.present);
  EXPECT_TRUE(flags.client_auth);
  EXPECT_FALSE(flags.any_purpose);

  options.eku = {"1.3.6.1.5.5.7.3.1", "2.5.29.37.0"};  // serverAuth, anyExtendedKeyUsage
  flags = received(make_certificate(options, make_key(), &f.issuing)).extended_key_usage_flags();
  EXPECT_TRUE(flags.present);
  EXPECT_FALSE(flags.client_auth);
  EXPECT_TRUE(flags.any_purpose);

  // Self-issued, but the authority key identifier names another key: not self-signed.
  CertificateOptions reissued;
  reissued.subject = "CN=Cert Test Issuing, O=Nimbus Tests";
  TestCa other = make_ca(reissued);
  Certificate cross = received(make_certificate(reissued, make_key(), &other));
  EXPECT_TRUE(cross.is_self_issued());
  EXPECT_FALSE(cross.looks_self_signed());
}

TEST(Certificate, CachedSha1ThumbprintIsTheThumbprint) {
  Fixture f = make_fixture();
  for (const Certificate& cert : {f.root.certificate, received(f.issuing.certificate)}) {
    std::optional<Bytes> cached = cert.cached_sha1_thumbprint();
    ASSERT_TRUE(cached.has_value());
    EXPECT_EQ(*cached, cert.sha1_thumbprint());
  }
}

}  // namespace
}  // namespace nimbus::x509
