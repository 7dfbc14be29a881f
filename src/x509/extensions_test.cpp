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

TEST(Extensions, OcspNoCheckIsANonCriticalNull) {
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto no_check, ocsp_no_check_extension());
  EXPECT_EQ(nid_of(no_check), NID_id_pkix_OCSP_noCheck);
  char oid[64] = {};
  OBJ_obj2txt(oid, sizeof oid, X509_EXTENSION_get_object(no_check.get()), 1);
  EXPECT_STREQ(oid, "1.3.6.1.5.5.7.48.1.5");
  EXPECT_FALSE(critical(no_check));
  EXPECT_EQ(extension_value(no_check), (Bytes{0x05, 0x00}));
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


// ---- subjectAltName, extendedKeyUsage and the Microsoft SID extension ----

// The DER of `value` as an ASN.1 length: one byte below 128, else 0x81/0x82 and the bytes.
Bytes der_length(std::size_t value) {
  if (value < 0x80) return {static_cast<std::uint8_t>(value)};
  if (value <= 0xff) return {0x81, static_cast<std::uint8_t>(value)};
  return {0x82, static_cast<std::uint8_t>(value >> 8), static_cast<std::uint8_t>(value & 0xff)};
}

// TAG LENGTH CONTENT.
Bytes tlv(std::uint8_t tag, const Bytes& content) {
  Bytes out{tag};
  Bytes length = der_length(content.size());
  out.insert(out.end(), length.begin(), length.end());
  out.insert(out.end(), content.begin(), content.end());
  return out;
}

Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& part : parts) out.insert(out.end(), part.begin(), part.end());
  return out;
}

Bytes text_bytes(std::string_view text) { return Bytes(text.begin(), text.end()); }

std::string oid_text(const ASN1_OBJECT* object) {
  char text[128];
  OBJ_obj2txt(text, sizeof text, object, 1);
  return text;
}

std::string string_of(const ASN1_STRING* value) {
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(value)),
                     static_cast<std::size_t>(ASN1_STRING_length(value)));
}

TEST(Extensions, SubjectAltNameCarriesEachKindOfName) {
  std::vector<AltName> names = {{AltNameType::kUpn, "alice@contoso.com"},
                                {AltNameType::kDns, "host.contoso.com"},
                                {AltNameType::kEmail, "alice@mail.contoso.com"},
                                {AltNameType::kUri, "tag:microsoft.com,2022-09-14:sid:S-1-5-21-1-2-3-1001"}};
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto san, subject_alt_name_extension(names, false));
  EXPECT_EQ(nid_of(san), NID_subject_alt_name);
  EXPECT_FALSE(critical(san));

  crypto::GeneralNamesPtr decoded(static_cast<GENERAL_NAMES*>(X509V3_EXT_d2i(san.get())));
  ASSERT_NE(decoded, nullptr);
  ASSERT_EQ(sk_GENERAL_NAME_num(decoded.get()), 4);

  const GENERAL_NAME* upn = sk_GENERAL_NAME_value(decoded.get(), 0);
  ASSERT_EQ(upn->type, GEN_OTHERNAME);
  EXPECT_EQ(oid_text(upn->d.otherName->type_id), "1.3.6.1.4.1.311.20.2.3");
  ASSERT_EQ(upn->d.otherName->value->type, V_ASN1_UTF8STRING);
  EXPECT_EQ(string_of(upn->d.otherName->value->value.utf8string), "alice@contoso.com");

  const GENERAL_NAME* dns = sk_GENERAL_NAME_value(decoded.get(), 1);
  ASSERT_EQ(dns->type, GEN_DNS);
  EXPECT_EQ(string_of(dns->d.dNSName), "host.contoso.com");
  const GENERAL_NAME* email = sk_GENERAL_NAME_value(decoded.get(), 2);
  ASSERT_EQ(email->type, GEN_EMAIL);
  EXPECT_EQ(string_of(email->d.rfc822Name), "alice@mail.contoso.com");
  const GENERAL_NAME* uri = sk_GENERAL_NAME_value(decoded.get(), 3);
  ASSERT_EQ(uri->type, GEN_URI);
  EXPECT_EQ(string_of(uri->d.uniformResourceIdentifier), "tag:microsoft.com,2022-09-14:sid:S-1-5-21-1-2-3-1001");

  // The UPN exactly as Windows reads it: otherName [0] { OID, [0] EXPLICIT UTF8String }.
  Bytes upn_der = tlv(0xa0, concat({tlv(0x06, {0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x14, 0x02, 0x03}),
                                    tlv(0xa0, tlv(0x0c, text_bytes("alice@contoso.com")))}));
  // Then dNSName [2], rfc822Name [1] and uniformResourceIdentifier [6], all IA5String, implicit.
  EXPECT_EQ(extension_value(san),
            tlv(0x30, concat({upn_der, tlv(0x82, text_bytes("host.contoso.com")),
                              tlv(0x81, text_bytes("alice@mail.contoso.com")),
                              tlv(0x86, text_bytes("tag:microsoft.com,2022-09-14:sid:S-1-5-21-1-2-3-1001"))})));
}

TEST(Extensions, SubjectAltNameIsCriticalOnlyWhenAsked) {
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto critical_san, subject_alt_name_extension({{AltNameType::kDns, "a.test"}}, true));
  EXPECT_TRUE(critical(critical_san));
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto plain_san, subject_alt_name_extension({{AltNameType::kDns, "a.test"}}, false));
  EXPECT_FALSE(critical(plain_san));
  // The flag changes nothing in the value.
  EXPECT_EQ(extension_value(critical_san), extension_value(plain_san));
  EXPECT_EQ(extension_value(plain_san), tlv(0x30, tlv(0x82, text_bytes("a.test"))));
}

TEST(Extensions, SubjectAltNamesReadBackFromACertificate) {
  crypto::PrivateKey key = nimbus::testing::make_key();
  CertificateBuilder builder;
  builder.set_subject(nimbus::testing::dn("CN=alice"))
      .set_issuer(nimbus::testing::dn("CN=issuer"))
      .set_serial({0x01})
      .set_validity(nimbus::testing::at("2026-01-01T00:00:00Z"), nimbus::testing::at("2027-01-01T00:00:00Z"))
      .set_public_key(key.public_key())
      .add_extension(subject_alt_name_extension({{AltNameType::kUpn, "alice@contoso.com"},
                                                 {AltNameType::kDns, "pc.contoso.com"},
                                                 {AltNameType::kEmail, "alice@contoso.com"},
                                                 {AltNameType::kUri, "https://contoso.com/alice"}},
                                                false));
  NIMBUS_ASSERT_OK_AND_ASSIGN(Certificate cert, builder.sign(key, crypto::SignatureDigest::kSha256));
  EXPECT_EQ(subject_alt_names(cert), (std::vector<std::string>{"UPN:alice@contoso.com", "DNS:pc.contoso.com",
                                                               "email:alice@contoso.com",
                                                               "URI:https://contoso.com/alice"}));
}

TEST(Extensions, ExtendedKeyUsageFromDottedOids) {
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto eku, extended_key_usage_extension({"1.3.6.1.5.5.7.3.2", "1.3.6.1.4.1.311.20.2.2"}));
  EXPECT_EQ(nid_of(eku), NID_ext_key_usage);
  EXPECT_FALSE(critical(eku));
  EXPECT_EQ(extension_value(eku),
            tlv(0x30, concat({tlv(0x06, {0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x02}),
                              tlv(0x06, {0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x14, 0x02, 0x02})})));
}

TEST(Extensions, ExtendedKeyUsageRefusesWhatIsNotADottedOid) {
  for (const char* bad : {"not an oid", "clientAuth", ""}) {
    auto refused = extended_key_usage_extension({"1.3.6.1.5.5.7.3.2", bad});
    ASSERT_FALSE(refused.ok()) << "'" << bad << "' was accepted";
    EXPECT_EQ(refused.error().code(), ErrorCode::kInvalidArgument) << refused.error().to_string();
    EXPECT_NE(refused.error().message().find(std::string("'") + bad + "'"), std::string::npos)
        << refused.error().message();
  }
}

TEST(Extensions, SidSecurityExtensionHasTheExactDerWindowsExpects) {
  const std::string sid = "S-1-5-21-1004336348-1177238915-682003330-1001";
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto extension, sid_security_extension(sid));
  EXPECT_EQ(oid_text(X509_EXTENSION_get_object(extension.get())), "1.3.6.1.4.1.311.25.2");
  EXPECT_FALSE(critical(extension));

  // 30 <len> A0 <len> 06 0A 2B 06 01 04 01 82 37 19 02 01 A0 <len> 04 <len> <SID ascii>
  Bytes expected = {0x30, static_cast<std::uint8_t>(sid.size() + 18),
                    0xa0, static_cast<std::uint8_t>(sid.size() + 16),
                    0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x19, 0x02, 0x01,
                    0xa0, static_cast<std::uint8_t>(sid.size() + 2),
                    0x04, static_cast<std::uint8_t>(sid.size())};
  expected.insert(expected.end(), sid.begin(), sid.end());
  EXPECT_EQ(extension_value(extension), expected);
  EXPECT_EQ(extension_value(extension), tlv(0x30, tlv(0xa0, concat({tlv(0x06, {0x2b, 0x06, 0x01, 0x04, 0x01, 0x82,
                                                                             0x37, 0x19, 0x02, 0x01}),
                                                                    tlv(0xa0, tlv(0x04, text_bytes(sid)))}))));
}

TEST(Extensions, SidSecurityExtensionForAShortSid) {
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto extension, sid_security_extension("S-1-5-18"));
  EXPECT_EQ(extension_value(extension),
            (Bytes{0x30, 0x1a, 0xa0, 0x18, 0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x19, 0x02, 0x01,
                   0xa0, 0x0a, 0x04, 0x08, 'S', '-', '1', '-', '5', '-', '1', '8'}));
}

}  // namespace
}  // namespace nimbus::x509
