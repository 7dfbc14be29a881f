#include "x509/trust_store.h"

#include <openssl/err.h>

#include <gtest/gtest.h>

#include "testing/test_support.h"
#include "x509/certificate_builder.h"

namespace nimbus::x509 {
namespace {

using nimbus::testing::make_chain;
using nimbus::testing::make_request;
using nimbus::testing::must;
using nimbus::testing::TestChain;

TEST(TrustStore, HoldsTheCertificatesInOrderAndSharesThemOnCopy) {
  TestChain pki = make_chain();
  NIMBUS_ASSERT_OK_AND_ASSIGN(TrustStore store,
                              TrustStore::from({pki.root.certificate, pki.intermediate.certificate}));
  ASSERT_EQ(store.certificates().size(), 2u);
  EXPECT_TRUE(store.certificates()[0] == pki.root.certificate);
  EXPECT_TRUE(store.certificates()[1] == pki.intermediate.certificate);
  ASSERT_NE(store.get(), nullptr);
  TrustStore copy = store;
  EXPECT_EQ(copy.get(), store.get());
  EXPECT_EQ(copy.certificates()[0].get(), store.certificates()[0].get());
}

TEST(TrustStore, ARepeatedCertificateIsHarmless) {
  TestChain pki = make_chain();
  NIMBUS_ASSERT_OK_AND_ASSIGN(TrustStore store, TrustStore::from({pki.root.certificate, pki.root.certificate}));
  EXPECT_EQ(store.certificates().size(), 2u);
  EXPECT_EQ(ERR_peek_error(), 0u);
}

TEST(TrustStore, DecodesAKeyHeldOnlyAsEncodedSubjectPublicKeyInfo) {
  TestChain pki = make_chain();
  // A certificate built from a key received in a request holds that key encoded only (see
  // Certificate::with_decoded_key).
  crypto::PublicKey received = make_request(pki.root.key).public_key();
  CertificateBuilder builder;
  builder.set_subject(pki.root.certificate.subject())
      .set_issuer(pki.root.certificate.subject())
      .set_serial(Bytes{0x01})
      .set_validity(pki.root.certificate.not_before(), pki.root.certificate.not_after())
      .set_public_key(received)
      .add_extension(basic_constraints_extension(true, std::nullopt));
  Certificate built = must(builder.sign(pki.root.key, pki.root.key.preferred_digest()), "signing");
  ASSERT_EQ(X509_get0_pubkey(built.get()), nullptr);
  ERR_clear_error();
  NIMBUS_ASSERT_OK_AND_ASSIGN(TrustStore store, TrustStore::from({built}));
  ASSERT_EQ(store.certificates().size(), 1u);
  EXPECT_TRUE(store.certificates()[0] == built);
  EXPECT_NE(X509_get0_pubkey(store.certificates()[0].get()), nullptr);
}

}  // namespace
}  // namespace nimbus::x509
