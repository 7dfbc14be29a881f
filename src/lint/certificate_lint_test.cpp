#include "lint/certificate_lint.h"

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <functional>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "x509/certificate_builder.h"
#include "x509/extensions.h"
#include "testing/test_support.h"

namespace nimbus::lint {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using nimbus::testing::at;
using nimbus::testing::CertificateOptions;
using nimbus::testing::dn;
using nimbus::testing::kDay;
using nimbus::testing::kYear;
using nimbus::testing::make_key;
using nimbus::testing::must;
using nimbus::testing::TestCa;
using x509::AltName;
using x509::AltNameType;
using x509::KeyUsage;

constexpr std::string_view kClientAuth = "1.3.6.1.5.5.7.3.2";
constexpr std::string_view kServerAuth = "1.3.6.1.5.5.7.3.1";
constexpr std::string_view kEmailProtection = "1.3.6.1.5.5.7.3.4";

// Everything an end-entity certificate is made of, correct by default; each test changes one thing.
struct Leaf {
  std::optional<x509::DistinguishedName> subject;  // CN=alice when unset
  std::optional<x509::DistinguishedName> issuer;   // the CA's subject when unset
  Bytes serial = Bytes(16, 0x5a);
  Timestamp not_before = at("2026-03-01T00:00:00Z");
  Timestamp not_after = at("2027-03-01T00:00:00Z");
  std::optional<crypto::PublicKey> key;  // a fresh P-256 key when unset
  std::optional<bool> basic_constraints_ca;  // no basicConstraints when unset
  std::optional<std::vector<KeyUsage>> key_usage = std::vector<KeyUsage>{KeyUsage::kDigitalSignature};
  bool key_usage_critical = true;
  std::optional<std::vector<std::string>> extended_key_usage = std::vector<std::string>{std::string(kClientAuth)};
  bool subject_key_id = true;
  std::optional<Bytes> authority_key_id;  // the CA's SKI when unset
  bool omit_authority_key_id = false;
  std::vector<AltName> alt_names = {{AltNameType::kUpn, "alice@contoso.com"}};
  bool alt_names_critical = false;
  std::vector<std::string> cdp = {"http://pki.test/cdp/issuing.crl"};
  std::vector<std::string> ca_issuers = {"http://pki.test/aia/issuing.crt"};
  std::vector<std::string> ocsp = {"http://pki.test/ocsp/issuing"};
  // Called on the builder after everything else is added (extra extensions).
  std::function<void(x509::CertificateBuilder&)> extra;
};

class CertificateLintTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    CertificateOptions options;
    options.subject = "CN=Lint Issuing CA, O=Nimbus Tests";
    options.not_before = at("2026-01-01T00:00:00Z");
    options.not_after = at("2031-01-01T00:00:00Z");
    options.path_length = 0;
    ca_ = new TestCa(nimbus::testing::make_ca(options));
  }
  static void TearDownTestSuite() {
    delete ca_;
    ca_ = nullptr;
  }

  const x509::Certificate& ca() const { return ca_->certificate; }
  LintContext context(crypto::SignatureDigest digest = crypto::SignatureDigest::kSha256) const {
    return LintContext{ca(), digest};
  }

  x509::Certificate assemble(const Leaf& leaf) const {
    crypto::PublicKey key = leaf.key ? *leaf.key : make_key("ec:p256").public_key();
    x509::CertificateBuilder builder;
    builder.set_subject(leaf.subject ? *leaf.subject : dn("CN=alice"))
        .set_issuer(leaf.issuer ? *leaf.issuer : ca().subject())
        .set_serial(leaf.serial)
        .set_validity(leaf.not_before, leaf.not_after)
        .set_public_key(key);
    if (leaf.basic_constraints_ca) builder.add_extension(x509::basic_constraints_extension(*leaf.basic_constraints_ca, std::nullopt));
    if (leaf.key_usage) {
      auto extension = x509::key_usage_extension(*leaf.key_usage);
      if (extension.ok() && !leaf.key_usage_critical) X509_EXTENSION_set_critical(extension->get(), 0);
      builder.add_extension(std::move(extension));
    }
    if (leaf.extended_key_usage) builder.add_extension(x509::extended_key_usage_extension(*leaf.extended_key_usage));
    if (leaf.subject_key_id) builder.add_extension(x509::subject_key_id_extension(x509::key_identifier(key)));
    if (!leaf.omit_authority_key_id) {
      builder.add_extension(x509::authority_key_id_extension(leaf.authority_key_id ? *leaf.authority_key_id
                                                                                   : ca().subject_key_id()));
    }
    if (!leaf.ca_issuers.empty() || !leaf.ocsp.empty()) {
      builder.add_extension(x509::authority_info_access_extension(leaf.ca_issuers, leaf.ocsp));
    }
    if (!leaf.cdp.empty()) builder.add_extension(x509::crl_distribution_points_extension(leaf.cdp));
    if (!leaf.alt_names.empty()) {
      builder.add_extension(x509::subject_alt_name_extension(leaf.alt_names, leaf.alt_names_critical));
    }
    if (leaf.extra) leaf.extra(builder);
    return must(builder.assemble(), "assembling a test certificate");
  }

  std::vector<std::string> findings(const Leaf& leaf,
                                    crypto::SignatureDigest digest = crypto::SignatureDigest::kSha256) const {
    return lint_end_entity(assemble(leaf), context(digest));
  }

  static TestCa* ca_;
};

TestCa* CertificateLintTest::ca_ = nullptr;

x509::DistinguishedName empty_name() {
  crypto::X509NamePtr name(X509_NAME_new());
  return x509::DistinguishedName::from_openssl(name.get());
}

// ---- What passes ----

TEST_F(CertificateLintTest, ACorrectCertificateHasNoFindings) {
  Leaf leaf;
  x509::Certificate cert = assemble(leaf);
  EXPECT_THAT(lint_end_entity(cert, context()), ElementsAre());
  NIMBUS_EXPECT_OK(check_end_entity(cert, context()));
  // Every allowed digest.
  EXPECT_THAT(lint_end_entity(cert, context(crypto::SignatureDigest::kSha384)), ElementsAre());
  EXPECT_THAT(lint_end_entity(cert, context(crypto::SignatureDigest::kSha512)), ElementsAre());
}

TEST_F(CertificateLintTest, OtherCorrectShapesHaveNoFindings) {
  Leaf p384;
  p384.key = make_key("ec:p384").public_key();
  EXPECT_THAT(findings(p384), ElementsAre());

  Leaf rsa;
  rsa.key = make_key("rsa:2048").public_key();
  rsa.key_usage = std::vector<KeyUsage>{KeyUsage::kDigitalSignature, KeyUsage::kKeyEncipherment};
  rsa.extended_key_usage = std::vector<std::string>{std::string(kClientAuth), std::string(kServerAuth)};
  EXPECT_THAT(findings(rsa), ElementsAre());

  Leaf agreement;  // ECDH for clientAuth
  agreement.key_usage = std::vector<KeyUsage>{KeyUsage::kKeyAgreement};
  EXPECT_THAT(findings(agreement), ElementsAre());

  Leaf explicit_not_ca;
  explicit_not_ca.basic_constraints_ca = false;
  EXPECT_THAT(findings(explicit_not_ca), ElementsAre());

  Leaf empty_subject;  // RFC 5280 4.2.1.6: allowed with a critical SAN
  empty_subject.subject = empty_name();
  empty_subject.alt_names_critical = true;
  EXPECT_THAT(findings(empty_subject), ElementsAre());

  Leaf no_san;
  no_san.alt_names.clear();
  EXPECT_THAT(findings(no_san), ElementsAre());

  Leaf whole_ca_life;  // exactly the CA's validity is inside it
  whole_ca_life.not_before = ca().not_before();
  whole_ca_life.not_after = ca().not_after();
  EXPECT_THAT(findings(whole_ca_life), ElementsAre());
}

// ---- Structure ----

TEST_F(CertificateLintTest, SerialMustBeSixteenBytes) {
  Leaf short_serial;
  short_serial.serial = Bytes(8, 0x11);
  EXPECT_THAT(findings(short_serial), ElementsAre("serial: 8 bytes; expected 16 random bytes, positive"));

  Leaf long_serial;
  long_serial.serial = Bytes(20, 0x11);
  EXPECT_THAT(findings(long_serial), ElementsAre("serial: 20 bytes; expected 16 random bytes, positive"));

  // A leading zero byte is no byte at all in a DER INTEGER: 15 bytes.
  Leaf leading_zero;
  leading_zero.serial = Bytes(16, 0x11);
  leading_zero.serial[0] = 0x00;
  EXPECT_THAT(findings(leading_zero), ElementsAre("serial: 15 bytes; expected 16 random bytes, positive"));

  // 16 bytes with the top bit set need a 17th (0x00) byte in DER to stay positive.
  Leaf top_bit;
  top_bit.serial = Bytes(16, 0x11);
  top_bit.serial[0] = 0x80;
  EXPECT_THAT(findings(top_bit), ElementsAre("serial: 16 bytes; expected 16 random bytes, positive"));
}

// RFC 5280 4.1.2.2: the serial number MUST be a positive integer. A negative one whose magnitude is
// 16 bytes with the top bit clear looks, byte for byte, like a good serial.
TEST_F(CertificateLintTest, SerialMustBePositive) {
  Leaf leaf;
  leaf.serial = Bytes(16, 0x22);
  x509::Certificate cert = assemble(leaf);
  crypto::BignumPtr magnitude(BN_bin2bn(leaf.serial.data(), static_cast<int>(leaf.serial.size()), nullptr));
  ASSERT_NE(magnitude, nullptr);
  BN_set_negative(magnitude.get(), 1);
  ASSERT_NE(BN_to_ASN1_INTEGER(magnitude.get(), X509_get_serialNumber(cert.get())), nullptr);
  ASSERT_EQ(ASN1_STRING_type(X509_get0_serialNumber(cert.get())), V_ASN1_NEG_INTEGER);
  EXPECT_THAT(lint_end_entity(cert, context()),
              ElementsAre("serial: negative, 16 bytes; expected 16 random bytes, positive"));
  NIMBUS_EXPECT_ERROR(check_end_entity(cert, context()), ErrorCode::kInternal);
}

TEST_F(CertificateLintTest, VersionMustBeThree) {
  x509::Certificate cert = assemble(Leaf{});
  ASSERT_EQ(X509_set_version(cert.get(), X509_VERSION_1), 1);
  EXPECT_THAT(lint_end_entity(cert, context()), ElementsAre("version: not an X.509 v3 certificate"));
}

TEST_F(CertificateLintTest, NotBeforeMustBeBeforeNotAfter) {
  Leaf leaf;
  leaf.not_after = leaf.not_before;
  EXPECT_THAT(findings(leaf), ElementsAre("validity: notBefore is not before notAfter"));
}

TEST_F(CertificateLintTest, AnExtensionMayAppearOnlyOnce) {
  Leaf leaf;
  leaf.extra = [](x509::CertificateBuilder& builder) {
    builder.add_extension(x509::subject_alt_name_extension({{AltNameType::kDns, "other.test"}}, false));
  };
  EXPECT_THAT(findings(leaf), ElementsAre("extensions: subjectAltName appears twice"));

  // A repeated extension that the other rules read also hides its value from them (OpenSSL will
  // not choose between two); the repetition is reported either way.
  Leaf twice_ski;
  twice_ski.extra = [](x509::CertificateBuilder& builder) {
    builder.add_extension(x509::subject_key_id_extension(Bytes(20, 0x01)));
  };
  EXPECT_THAT(findings(twice_ski), ::testing::Contains("extensions: subjectKeyIdentifier appears twice"));
}

// ---- Issuer ----

TEST_F(CertificateLintTest, ValidityMustLieWithinTheCas) {
  Leaf outlives;
  outlives.not_after = ca().not_after() + std::chrono::seconds(1);
  EXPECT_THAT(findings(outlives), ElementsAre("validity: outside the issuing CA's validity"));

  Leaf predates;
  predates.not_before = ca().not_before() - std::chrono::seconds(1);
  EXPECT_THAT(findings(predates), ElementsAre("validity: outside the issuing CA's validity"));
}

TEST_F(CertificateLintTest, IssuerMustBeTheCasSubject) {
  Leaf leaf;
  leaf.issuer = dn("CN=Some Other CA, O=Nimbus Tests");
  EXPECT_THAT(findings(leaf), ElementsAre("issuer: not the issuing CA's subject"));
}

TEST_F(CertificateLintTest, AuthorityKeyIdMustBeTheCasKeyId) {
  Leaf wrong;
  wrong.authority_key_id = Bytes(20, 0x42);
  EXPECT_THAT(findings(wrong), ElementsAre("authorityKeyIdentifier: missing or not the issuing CA's key identifier"));

  Leaf missing;
  missing.omit_authority_key_id = true;
  EXPECT_THAT(findings(missing), ElementsAre("authorityKeyIdentifier: missing or not the issuing CA's key identifier"));
}

TEST_F(CertificateLintTest, SubjectKeyIdIsRequired) {
  Leaf leaf;
  leaf.subject_key_id = false;
  EXPECT_THAT(findings(leaf), ElementsAre("subjectKeyIdentifier: missing"));
}

// ---- Key and digest ----

TEST_F(CertificateLintTest, WeakOrUnusualKeysAreRefused) {
  EVP_PKEY* rsa_1024 = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(1024));
  ASSERT_NE(rsa_1024, nullptr);
  Leaf weak;
  weak.key = crypto::PublicKey(crypto::EvpPkeyPtr(rsa_1024));
  EXPECT_THAT(findings(weak), ElementsAre("public key: rsa:1024 is not allowed (RSA >= 2048, P-256, P-384)"));

  EVP_PKEY* p521 = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-521");
  ASSERT_NE(p521, nullptr);
  Leaf big_curve;
  big_curve.key = crypto::PublicKey(crypto::EvpPkeyPtr(p521));
  std::vector<std::string> found = findings(big_curve);
  ASSERT_EQ(found.size(), 1u) << ::testing::PrintToString(found);
  EXPECT_THAT(found[0], HasSubstr("public key: ec:"));
  EXPECT_THAT(found[0], HasSubstr("is not allowed (RSA >= 2048, P-256, P-384)"));
}

// SignatureDigest has no SHA-1 member (Nimbus never signs with it); a value outside the three it
// does have stands for "anything else", which is what the rule guards against.
TEST_F(CertificateLintTest, DigestMustBeSha2) {
  auto not_sha2 = static_cast<crypto::SignatureDigest>(3);
  EXPECT_THAT(findings(Leaf{}, not_sha2), ElementsAre("signature: the digest is not SHA-256/384/512"));
}

// ---- Usage ----

TEST_F(CertificateLintTest, CaTrueIsRefused) {
  Leaf leaf;
  leaf.basic_constraints_ca = true;
  EXPECT_THAT(findings(leaf), ElementsAre("basicConstraints: CA:TRUE in an end-entity certificate"));
}

TEST_F(CertificateLintTest, KeyUsageMustBePresentAndCritical) {
  // emailProtection, so that no purpose rule reads the missing usage as well.
  Leaf missing;
  missing.key_usage.reset();
  missing.extended_key_usage = std::vector<std::string>{std::string(kEmailProtection)};
  EXPECT_THAT(findings(missing), ElementsAre("keyUsage: missing or not critical"));

  Leaf not_critical;
  not_critical.key_usage_critical = false;
  EXPECT_THAT(findings(not_critical), ElementsAre("keyUsage: missing or not critical"));

  // With clientAuth the missing usage also leaves the purpose without a usage.
  Leaf missing_with_client_auth;
  missing_with_client_auth.key_usage.reset();
  EXPECT_THAT(findings(missing_with_client_auth),
              ElementsAre("keyUsage: missing or not critical",
                          "extendedKeyUsage: clientAuth needs digitalSignature or keyAgreement"));
}

TEST_F(CertificateLintTest, CaKeyUsagesAreRefused) {
  Leaf cert_sign;
  cert_sign.key_usage = std::vector<KeyUsage>{KeyUsage::kDigitalSignature, KeyUsage::kKeyCertSign};
  EXPECT_THAT(findings(cert_sign), ElementsAre("keyUsage: keyCertSign or cRLSign in an end-entity certificate"));

  Leaf crl_sign;
  crl_sign.key_usage = std::vector<KeyUsage>{KeyUsage::kDigitalSignature, KeyUsage::kCrlSign};
  EXPECT_THAT(findings(crl_sign), ElementsAre("keyUsage: keyCertSign or cRLSign in an end-entity certificate"));
}

TEST_F(CertificateLintTest, KeyEnciphermentNeedsAnRsaKey) {
  Leaf leaf;
  leaf.key_usage = std::vector<KeyUsage>{KeyUsage::kDigitalSignature, KeyUsage::kKeyEncipherment};
  EXPECT_THAT(findings(leaf), ElementsAre("keyUsage: keyEncipherment with an EC key"));
}

TEST_F(CertificateLintTest, KeyAgreementNeedsAnEcKey) {
  Leaf leaf;
  leaf.key = make_key("rsa:2048").public_key();
  leaf.key_usage = std::vector<KeyUsage>{KeyUsage::kDigitalSignature, KeyUsage::kKeyAgreement};
  EXPECT_THAT(findings(leaf), ElementsAre("keyUsage: keyAgreement with an RSA key"));
}

TEST_F(CertificateLintTest, ExtendedKeyUsageIsRequired) {
  Leaf leaf;
  leaf.extended_key_usage.reset();
  EXPECT_THAT(findings(leaf), ElementsAre("extendedKeyUsage: missing"));
}

TEST_F(CertificateLintTest, ClientAuthNeedsDigitalSignatureOrKeyAgreement) {
  Leaf leaf;
  leaf.key_usage = std::vector<KeyUsage>{KeyUsage::kNonRepudiation};
  EXPECT_THAT(findings(leaf), ElementsAre("extendedKeyUsage: clientAuth needs digitalSignature or keyAgreement"));

  // keyEncipherment alone (RSA key transport) is not enough for clientAuth.
  Leaf rsa;
  rsa.key = make_key("rsa:2048").public_key();
  rsa.key_usage = std::vector<KeyUsage>{KeyUsage::kKeyEncipherment};
  EXPECT_THAT(findings(rsa), ElementsAre("extendedKeyUsage: clientAuth needs digitalSignature or keyAgreement"));
}

TEST_F(CertificateLintTest, ServerAuthNeedsAUsableKeyUsage) {
  Leaf leaf;
  leaf.key_usage = std::vector<KeyUsage>{KeyUsage::kNonRepudiation};
  leaf.extended_key_usage = std::vector<std::string>{std::string(kServerAuth)};
  EXPECT_THAT(findings(leaf),
              ElementsAre("extendedKeyUsage: serverAuth needs digitalSignature, keyEncipherment or keyAgreement"));
}

// ---- Names ----

TEST_F(CertificateLintTest, AnEmptySubjectNeedsASubjectAltName) {
  Leaf leaf;
  leaf.subject = empty_name();
  leaf.alt_names.clear();
  EXPECT_THAT(findings(leaf), ElementsAre("subject: empty and no subjectAltName"));
}

TEST_F(CertificateLintTest, WithAnEmptySubjectTheSubjectAltNameMustBeCritical) {
  Leaf leaf;
  leaf.subject = empty_name();
  leaf.alt_names_critical = false;
  EXPECT_THAT(findings(leaf), ElementsAre("subjectAltName: must be critical when the subject is empty"));
}

// ---- Revocation pointers ----

TEST_F(CertificateLintTest, CrlDistributionPointIsRequiredAndHttp) {
  Leaf missing;
  missing.cdp.clear();
  EXPECT_THAT(findings(missing), ElementsAre("cRLDistributionPoints: missing or not http"));

  Leaf https;
  https.cdp = {"https://pki.test/cdp/issuing.crl"};
  EXPECT_THAT(findings(https), ElementsAre("cRLDistributionPoints: missing or not http"));

  Leaf one_of_two_https;
  one_of_two_https.cdp = {"http://pki.test/cdp/issuing.crl", "https://pki.test/cdp/issuing.crl"};
  EXPECT_THAT(findings(one_of_two_https), ElementsAre("cRLDistributionPoints: missing or not http"));

  Leaf ldap;
  ldap.cdp = {"ldap://dc.contoso.com/CN=issuing,CN=CDP"};
  EXPECT_THAT(findings(ldap), ElementsAre("cRLDistributionPoints: missing or not http"));
}

TEST_F(CertificateLintTest, OcspAndCaIssuersAreRequiredAndHttp) {
  Leaf no_ocsp;
  no_ocsp.ocsp.clear();
  EXPECT_THAT(findings(no_ocsp), ElementsAre("authorityInfoAccess: OCSP missing or not http"));

  Leaf no_ca_issuers;
  no_ca_issuers.ca_issuers.clear();
  EXPECT_THAT(findings(no_ca_issuers), ElementsAre("authorityInfoAccess: caIssuers missing or not http"));

  Leaf https_ocsp;
  https_ocsp.ocsp = {"https://pki.test/ocsp/issuing"};
  EXPECT_THAT(findings(https_ocsp), ElementsAre("authorityInfoAccess: OCSP missing or not http"));

  Leaf no_aia;
  no_aia.ocsp.clear();
  no_aia.ca_issuers.clear();
  EXPECT_THAT(findings(no_aia), ElementsAre("authorityInfoAccess: caIssuers missing or not http",
                                            "authorityInfoAccess: OCSP missing or not http"));
}

// ---- check_end_entity ----

TEST_F(CertificateLintTest, CheckEndEntityListsEveryFindingAsInternal) {
  Leaf leaf;
  leaf.cdp.clear();
  leaf.basic_constraints_ca = true;
  leaf.serial = Bytes(8, 0x33);
  x509::Certificate cert = assemble(leaf);
  std::vector<std::string> found = lint_end_entity(cert, context());
  EXPECT_THAT(found, ElementsAre("serial: 8 bytes; expected 16 random bytes, positive",
                                 "basicConstraints: CA:TRUE in an end-entity certificate",
                                 "cRLDistributionPoints: missing or not http"));

  Status checked = check_end_entity(cert, context());
  ASSERT_FALSE(checked.ok());
  EXPECT_EQ(checked.error().code(), ErrorCode::kInternal);
  EXPECT_EQ(checked.error().message(),
            "the certificate failed pre-issuance checks and was not signed: "
            "serial: 8 bytes; expected 16 random bytes, positive; "
            "basicConstraints: CA:TRUE in an end-entity certificate; "
            "cRLDistributionPoints: missing or not http");
}

// The lint reads a certificate that is assembled but not signed; signing it afterwards works and
// gives the same answer.
TEST_F(CertificateLintTest, LintsTheUnsignedCertificateTheIssuerThenSigns) {
  x509::Certificate to_be_signed = assemble(Leaf{});
  EXPECT_TRUE(to_be_signed.der().empty());
  NIMBUS_ASSERT_OK(check_end_entity(to_be_signed, context()));
  NIMBUS_ASSERT_OK_AND_ASSIGN(x509::Certificate signed_cert,
                              x509::CertificateBuilder::sign_assembled(to_be_signed, ca_->key,
                                                                       crypto::SignatureDigest::kSha256));
  EXPECT_TRUE(signed_cert.is_signed_by(ca().public_key()));
  EXPECT_THAT(lint_end_entity(signed_cert, context()), ElementsAre());
}

}  // namespace
}  // namespace nimbus::lint
