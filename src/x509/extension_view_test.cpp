#include "x509/extension_view.h"

#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include <gtest/gtest.h>

#include "x509/extensions.h"
#include "testing/test_support.h"

namespace nimbus::x509 {
namespace {

using nimbus::testing::must;

// An extension of type `oid` whose value is an encoded NULL: the view reads only the type and the
// critical flag, never the value.
crypto::X509ExtensionPtr extension_of(const char* oid, bool critical = false) {
  const unsigned char null_der[] = {0x05, 0x00};
  crypto::Asn1ObjectPtr type(OBJ_txt2obj(oid, 1));
  crypto::Asn1OctetStringPtr value(ASN1_OCTET_STRING_new());
  if (!type || !value || ASN1_OCTET_STRING_set(value.get(), null_der, sizeof null_der) != 1) return nullptr;
  return crypto::X509ExtensionPtr(X509_EXTENSION_create_by_OBJ(nullptr, type.get(), critical ? 1 : 0, value.get()));
}

TEST(ExtensionView, TellsTheTypesNimbusReads) {
  const std::pair<crypto::X509ExtensionPtr, ExtensionType> table[] = {
      {must(authority_key_id_extension(Bytes{1, 2, 3})), ExtensionType::kAuthorityKeyIdentifier},
      {must(subject_alt_name_extension({{AltNameType::kDns, "a.test"}}, false)), ExtensionType::kSubjectAltName},
      {must(crl_number_extension(4)), ExtensionType::kCrlNumber},
      {extension_of("2.5.29.27"), ExtensionType::kDeltaCrlIndicator},
      {extension_of("2.5.29.28"), ExtensionType::kIssuingDistributionPoint},
      {extension_of("2.5.29.46"), ExtensionType::kFreshestCrl},
      {extension_of("2.5.29.21"), ExtensionType::kReasonCode},
      {extension_of("2.5.29.24"), ExtensionType::kInvalidityDate},
      {extension_of("2.5.29.23"), ExtensionType::kHoldInstructionCode},
      {extension_of("2.5.29.29"), ExtensionType::kCertificateIssuer},
      {extension_of("1.3.6.1.4.1.55555.1"), ExtensionType::kOther},
      {must(basic_constraints_extension(true, std::nullopt)), ExtensionType::kOther},
  };
  for (const auto& [extension, type] : table) {
    ASSERT_NE(extension, nullptr) << static_cast<int>(type);
    EXPECT_EQ(ExtensionView(extension.get()).type(), type) << ExtensionView(extension.get()).oid();
  }
}

TEST(ExtensionView, CriticalityOidAndName) {
  crypto::X509ExtensionPtr delta = extension_of("2.5.29.27", /*critical=*/true);
  ASSERT_NE(delta, nullptr);
  ExtensionView view(delta.get());
  EXPECT_TRUE(view.critical());
  EXPECT_EQ(view.oid(), "2.5.29.27");
  EXPECT_EQ(view.short_name(), "deltaCRL");

  crypto::X509ExtensionPtr number = must(crl_number_extension(4));
  EXPECT_FALSE(ExtensionView(number.get()).critical());
  EXPECT_EQ(ExtensionView(number.get()).short_name(), "crlNumber");
}

TEST(ExtensionView, ATypeOpenSslDoesNotKnowHasItsOidButNoName) {
  crypto::X509ExtensionPtr unknown = extension_of("1.3.6.1.4.1.55555.1", /*critical=*/true);
  ASSERT_NE(unknown, nullptr);
  ExtensionView view(unknown.get());
  EXPECT_EQ(view.type(), ExtensionType::kOther);
  EXPECT_EQ(view.oid(), "1.3.6.1.4.1.55555.1");
  EXPECT_EQ(view.short_name(), "");
  EXPECT_TRUE(view.critical());
}

}  // namespace
}  // namespace nimbus::x509
