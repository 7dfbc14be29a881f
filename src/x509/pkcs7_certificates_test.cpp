#include "x509/pkcs7_certificates.h"

#include <gtest/gtest.h>

#include "testing/test_support.h"

namespace nimbus::x509 {
namespace {

using nimbus::testing::must;

TEST(CertsOnlyPkcs7, HoldsTheCertificatesInTheirOrder) {
  nimbus::testing::TestChain chain = nimbus::testing::make_chain();
  std::vector<Certificate> certificates = {chain.leaf.certificate, chain.intermediate.certificate};
  Bytes der = must(certs_only_pkcs7(certificates));
  std::vector<Certificate> read = must(certificates_from_pkcs7(der));
  ASSERT_EQ(read.size(), 2u);
  EXPECT_EQ(read[0], chain.leaf.certificate);
  EXPECT_EQ(read[1], chain.intermediate.certificate);
}

TEST(CertsOnlyPkcs7, RefusesACrlThatIsNotOne) {
  nimbus::testing::TestChain chain = nimbus::testing::make_chain();
  EXPECT_FALSE(certs_only_pkcs7({chain.leaf.certificate}, {Bytes{0x30, 0x00}}).ok());
}

}  // namespace
}  // namespace nimbus::x509
