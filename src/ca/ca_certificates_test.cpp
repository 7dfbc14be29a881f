#include "ca/ca_certificates.h"

#include <gtest/gtest.h>

#include "x509/chain_check.h"
#include "x509/extensions.h"
#include "testing/test_support.h"

namespace nimbus::ca {
namespace {

using nimbus::testing::at;
using nimbus::testing::CertificateOptions;
using nimbus::testing::dn;
using nimbus::testing::make_ca;
using nimbus::testing::make_key;
using nimbus::testing::TestCa;

PublicationUrls urls() { return PublicationUrls::from_base("http://pki.test").value(); }

CaCertificateFields fields(std::string_view subject, Bytes serial = {0x11, 0x22}) {
  return CaCertificateFields{dn(subject), std::move(serial), at("2026-01-01T00:00:00Z"), at("2036-01-01T00:00:00Z")};
}

TEST(SignRootCertificate, FollowsTheRootRules) {
  crypto::PrivateKey key = make_key("ec:p384");
  NIMBUS_ASSERT_OK_AND_ASSIGN(x509::Certificate root, sign_root_certificate(fields("CN=Root, O=T"), "the-root", key, urls()));
  EXPECT_TRUE(root.is_self_issued());
  EXPECT_TRUE(root.is_signed_by(key.public_key()));
  EXPECT_EQ(root.serial_hex(), "1122");
  EXPECT_EQ(root.not_before(), at("2026-01-01T00:00:00Z"));
  EXPECT_EQ(root.not_after(), at("2036-01-01T00:00:00Z"));
  EXPECT_EQ(root.signature_algorithm(), "ecdsa-with-SHA384");
  auto constraints = root.basic_constraints();
  ASSERT_TRUE(constraints.has_value());
  EXPECT_TRUE(constraints->ca);
  EXPECT_TRUE(constraints->critical);
  EXPECT_FALSE(constraints->path_length.has_value());
  EXPECT_TRUE(root.key_usage_critical());
  EXPECT_TRUE(root.has_key_usage(x509::KeyUsage::kKeyCertSign));
  EXPECT_TRUE(root.has_key_usage(x509::KeyUsage::kCrlSign));
  EXPECT_FALSE(root.has_key_usage(x509::KeyUsage::kDigitalSignature));
  EXPECT_EQ(root.subject_key_id(), x509::key_identifier(key.public_key()));
  EXPECT_EQ(root.crl_distribution_urls(), std::vector<std::string>{"http://pki.test/cdp/the-root.crl"});
  EXPECT_TRUE(root.ca_issuers_urls().empty());
  EXPECT_TRUE(root.ocsp_urls().empty());
  EXPECT_EQ(X509_get_ext_count(root.get()), 4);
}

TEST(SignIssuingCertificate, FollowsTheIssuingRules) {
  crypto::PrivateKey root_key = make_key("ec:p384");
  NIMBUS_ASSERT_OK_AND_ASSIGN(x509::Certificate root, sign_root_certificate(fields("CN=Root, O=T"), "the-root", root_key, urls()));
  crypto::PrivateKey issuing_key = make_key("ec:p256");
  NIMBUS_ASSERT_OK_AND_ASSIGN(
      x509::Certificate issuing,
      sign_issuing_certificate(fields("CN=Issuing, O=T", {0x33}), issuing_key.public_key(),
                               IssuingParent{"the-root", root, root_key}, urls()));
  EXPECT_EQ(issuing.issuer().to_string(), "CN=Root, O=T");
  EXPECT_EQ(issuing.subject().to_string(), "CN=Issuing, O=T");
  EXPECT_TRUE(issuing.public_key() == issuing_key.public_key());
  EXPECT_TRUE(issuing.is_signed_by(root_key.public_key()));
  EXPECT_EQ(issuing.signature_algorithm(), "ecdsa-with-SHA384");  // the parent's preferred digest
  auto constraints = issuing.basic_constraints();
  ASSERT_TRUE(constraints.has_value());
  EXPECT_TRUE(constraints->ca);
  EXPECT_TRUE(constraints->critical);
  EXPECT_EQ(constraints->path_length, std::optional<long>(0));
  EXPECT_TRUE(issuing.key_usage_critical());
  EXPECT_TRUE(issuing.has_key_usage(x509::KeyUsage::kKeyCertSign));
  EXPECT_TRUE(issuing.has_key_usage(x509::KeyUsage::kCrlSign));
  EXPECT_EQ(issuing.subject_key_id(), x509::key_identifier(issuing_key.public_key()));
  EXPECT_EQ(issuing.authority_key_id(), root.subject_key_id());
  EXPECT_EQ(issuing.ca_issuers_urls(), std::vector<std::string>{"http://pki.test/aia/the-root.crt"});
  EXPECT_TRUE(issuing.ocsp_urls().empty());
  EXPECT_EQ(issuing.crl_distribution_urls(), std::vector<std::string>{"http://pki.test/cdp/the-root.crl"});
  NIMBUS_EXPECT_OK(x509::verify_chain_to_root(issuing, {root}, at("2027-01-01T00:00:00Z")));
}

TEST(SignIssuingCertificate, AkiFallsBackToTheParentKeyIdentifier) {
  CertificateOptions options;
  options.key_ids = false;
  TestCa parent = make_ca(options);
  ASSERT_TRUE(parent.certificate.subject_key_id().empty());
  crypto::PrivateKey key = make_key();
  NIMBUS_ASSERT_OK_AND_ASSIGN(x509::Certificate issuing,
                              sign_issuing_certificate(fields("CN=Issuing"), key.public_key(),
                                                       IssuingParent{"p", parent.certificate, parent.key}, urls()));
  EXPECT_EQ(issuing.authority_key_id(), x509::key_identifier(parent.key.public_key()));
}

x509::Certificate external_ca(const CertificateOptions& options) { return make_ca(options).certificate; }

TEST(CheckImportedCaCertificate, AcceptsACaWithCdp) {
  CertificateOptions options;
  options.cdp = {"http://enterprise.test/root.crl"};
  NIMBUS_EXPECT_OK(check_imported_ca_certificate(external_ca(options)));
  options.key_usage = false;  // keyUsage is optional
  NIMBUS_EXPECT_OK(check_imported_ca_certificate(external_ca(options)));
}

TEST(CheckImportedCaCertificate, RefusesACertificateWithoutCdpMentioningReasonCode258) {
  CertificateOptions options;
  auto status = check_imported_ca_certificate(external_ca(options));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), ErrorCode::kPolicyViolation);
  EXPECT_NE(status.error().message().find("258"), std::string::npos) << status.error().message();
  EXPECT_NE(status.error().message().find("CDP"), std::string::npos);
}

TEST(CheckImportedCaCertificate, RefusesANonCa) {
  CertificateOptions options;
  options.ca = false;
  options.cdp = {"http://enterprise.test/root.crl"};
  auto status = check_imported_ca_certificate(external_ca(options));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), ErrorCode::kPolicyViolation);
  EXPECT_NE(status.error().message().find("CA:TRUE"), std::string::npos) << status.error().message();
}

TEST(CheckImportedCaCertificate, RefusesKeyUsageWithoutKeyCertSign) {
  crypto::PrivateKey key = make_key();
  x509::CertificateBuilder builder;
  builder.set_subject(dn("CN=x")).set_issuer(dn("CN=x")).set_serial({1})
      .set_validity(at("2026-01-01T00:00:00Z"), at("2030-01-01T00:00:00Z")).set_public_key(key.public_key())
      .add_extension(x509::basic_constraints_extension(true, 0))
      .add_extension(x509::key_usage_extension({x509::KeyUsage::kCrlSign, x509::KeyUsage::kDigitalSignature}))
      .add_extension(x509::crl_distribution_points_extension({"http://enterprise.test/root.crl"}));
  NIMBUS_ASSERT_OK_AND_ASSIGN(x509::Certificate cert, builder.sign(key, crypto::SignatureDigest::kSha256));
  auto status = check_imported_ca_certificate(cert);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message().find("keyCertSign"), std::string::npos) << status.error().message();
}

TEST(CheckImportedCaCertificate, ListsEveryProblem) {
  CertificateOptions options;
  options.ca = false;  // and no CDP
  auto status = check_imported_ca_certificate(external_ca(options));
  ASSERT_FALSE(status.ok());
  const std::string& message = status.error().message();
  EXPECT_NE(message.find("CA:TRUE"), std::string::npos) << message;
  EXPECT_NE(message.find("keyCertSign"), std::string::npos) << message;  // the leaf KU is digitalSignature
  EXPECT_NE(message.find("258"), std::string::npos) << message;
}

}  // namespace
}  // namespace nimbus::ca
