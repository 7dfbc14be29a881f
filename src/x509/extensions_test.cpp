#include "x509/extensions.h"

#include <openssl/x509v3.h>

#include <gtest/gtest.h>

#include "testing/test_support.h"

namespace nimbus::x509 {
namespace {

Bytes extension_value(const crypto::X509ExtensionPtr& extension) {
  const ASN1_OCTET_STRING* data = X509_EXTENSION_get_data(extension.get());
  return Bytes(ASN1_STRING_get0_data(data), ASN1_STRING_get0_data(data) + ASN1_STRING_length(data));
}

int nid_of(const crypto::X509ExtensionPtr& extension) {
  return OBJ_obj2nid(X509_EXTENSION_get_object(extension.get()));
}

bool critical(const crypto::X509ExtensionPtr& extension) {
  return X509_EXTENSION_get_critical(extension.get()) == 1;
}

TEST(Extensions, BasicConstraintsIsCriticalForCas) {
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto ca, basic_constraints_extension(true, std::nullopt));
  EXPECT_EQ(nid_of(ca), NID_basic_constraints);
  EXPECT_TRUE(critical(ca));
  EXPECT_EQ(extension_value(ca), (Bytes{0x30, 0x03, 0x01, 0x01, 0xff}));

  NIMBUS_ASSERT_OK_AND_ASSIGN(auto pathlen, basic_constraints_extension(true, 0));
  EXPECT_EQ(extension_value(pathlen), (Bytes{0x30, 0x06, 0x01, 0x01, 0xff, 0x02, 0x01, 0x00}));

  NIMBUS_ASSERT_OK_AND_ASSIGN(auto leaf, basic_constraints_extension(false, std::nullopt));
  EXPECT_FALSE(critical(leaf));
  EXPECT_EQ(extension_value(leaf), (Bytes{0x30, 0x00}));  // cA FALSE is the DEFAULT: omitted
}

TEST(Extensions, KeyUsageIsCriticalWithDerMinimalBits) {
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto ca, key_usage_extension({KeyUsage::kKeyCertSign, KeyUsage::kCrlSign}));
  EXPECT_EQ(nid_of(ca), NID_key_usage);
  EXPECT_TRUE(critical(ca));
  // BIT STRING, 1 unused bit, 0000 0110.
  EXPECT_EQ(extension_value(ca), (Bytes{0x03, 0x02, 0x01, 0x06}));

  NIMBUS_ASSERT_OK_AND_ASSIGN(auto signature, key_usage_extension({KeyUsage::kDigitalSignature}));
  EXPECT_EQ(extension_value(signature), (Bytes{0x03, 0x02, 0x07, 0x80}));
}

TEST(Extensions, KeyIdentifiersAreNonCritical) {
  Bytes id(20, 0xab);
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto ski, subject_key_id_extension(id));
  EXPECT_EQ(nid_of(ski), NID_subject_key_identifier);
  EXPECT_FALSE(critical(ski));
  Bytes expected_ski = {0x04, 20};
  expected_ski.insert(expected_ski.end(), id.begin(), id.end());
  EXPECT_EQ(extension_value(ski), expected_ski);

  NIMBUS_ASSERT_OK_AND_ASSIGN(auto aki, authority_key_id_extension(id));
  EXPECT_EQ(nid_of(aki), NID_authority_key_identifier);
  EXPECT_FALSE(critical(aki));
  // SEQUENCE { [0] keyIdentifier } and nothing else.
  Bytes expected_aki = {0x30, 22, 0x80, 20};
  expected_aki.insert(expected_aki.end(), id.begin(), id.end());
  EXPECT_EQ(extension_value(aki), expected_aki);
}

TEST(Extensions, KeyIdentifierIsStableAndPerKey) {
  crypto::PrivateKey a = nimbus::testing::make_key();
  crypto::PrivateKey b = nimbus::testing::make_key();
  EXPECT_EQ(key_identifier(a.public_key()).size(), 20u);
  EXPECT_EQ(key_identifier(a.public_key()), key_identifier(a.public_key()));
  EXPECT_NE(key_identifier(a.public_key()), key_identifier(b.public_key()));
}

TEST(Extensions, CrlNumber) {
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto one, crl_number_extension(1));
  EXPECT_EQ(nid_of(one), NID_crl_number);
  EXPECT_FALSE(critical(one));
  EXPECT_EQ(extension_value(one), (Bytes{0x02, 0x01, 0x01}));
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto big, crl_number_extension(0x80));
  EXPECT_EQ(extension_value(big), (Bytes{0x02, 0x02, 0x00, 0x80}));
}

TEST(Extensions, AuthorityInfoAccessAndCdpCarryTheUrls) {
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto aia, authority_info_access_extension({"http://a/aia/x.crt"}, {"http://a/ocsp/x"}));
  EXPECT_EQ(nid_of(aia), NID_info_access);
  EXPECT_FALSE(critical(aia));
  crypto::AuthorityInfoAccessPtr info(static_cast<AUTHORITY_INFO_ACCESS*>(X509V3_EXT_d2i(aia.get())));
  ASSERT_NE(info, nullptr);
  ASSERT_EQ(sk_ACCESS_DESCRIPTION_num(info.get()), 2);
  EXPECT_EQ(OBJ_obj2nid(sk_ACCESS_DESCRIPTION_value(info.get(), 0)->method), NID_ad_OCSP);
  EXPECT_EQ(OBJ_obj2nid(sk_ACCESS_DESCRIPTION_value(info.get(), 1)->method), NID_ad_ca_issuers);

  NIMBUS_ASSERT_OK_AND_ASSIGN(auto cdp, crl_distribution_points_extension({"http://a/cdp/x.crl", "http://b/x.crl"}));
  EXPECT_EQ(nid_of(cdp), NID_crl_distribution_points);
  EXPECT_FALSE(critical(cdp));
  crypto::CrlDistPointsPtr points(static_cast<CRL_DIST_POINTS*>(X509V3_EXT_d2i(cdp.get())));
  ASSERT_NE(points, nullptr);
  ASSERT_EQ(sk_DIST_POINT_num(points.get()), 2);  // one DistributionPoint per URL
  for (int i = 0; i < 2; ++i) {
    DIST_POINT* point = sk_DIST_POINT_value(points.get(), i);
    EXPECT_EQ(point->reasons, nullptr);
    EXPECT_EQ(point->CRLissuer, nullptr);
    ASSERT_NE(point->distpoint, nullptr);
    EXPECT_EQ(point->distpoint->type, 0);
    EXPECT_EQ(sk_GENERAL_NAME_num(point->distpoint->name.fullname), 1);
  }
}

}  // namespace
}  // namespace nimbus::x509
