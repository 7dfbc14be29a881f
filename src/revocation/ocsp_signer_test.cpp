#include "revocation/ocsp_signer.h"

#include <openssl/x509v3.h>

#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "revocation/ocsp_test_fixture.h"

namespace nimbus::revocation {
namespace {

using testing::kYear;
using testing::must;
using testing::OcspFixture;

class OcspSignerTest : public OcspFixture {};

TEST_F(OcspSignerTest, SignerCertificateHasTheDelegatedResponderProfile) {
  NIMBUS_ASSERT_OK_AND_ASSIGN(OcspSigner signer, signers_->signer_for("issuing"));
  const x509::Certificate& cert = signer.certificate;

  EXPECT_EQ(signer.authority_id, "issuing");
  EXPECT_EQ(cert.subject().to_string(), "CN=OCSP Test Issuing CA OCSP Responder, O=Nimbus Tests");
  EXPECT_EQ(cert.issuer().to_string(), issuing().subject().to_string());
  EXPECT_TRUE(cert.is_signed_by(issuing().public_key()));
  EXPECT_EQ(cert.serial().size(), 16u);
  EXPECT_EQ(cert.public_key().spec_string(), "ec:p256");
  EXPECT_TRUE(signer.key.public_key() == cert.public_key());

  EXPECT_EQ(x509::extended_key_usages(cert), std::vector<std::string>{"1.3.6.1.5.5.7.3.9"});
  EXPECT_TRUE(cert.has_key_usage(x509::KeyUsage::kDigitalSignature));
  EXPECT_FALSE(cert.has_key_usage(x509::KeyUsage::kKeyCertSign));
  EXPECT_TRUE(cert.key_usage_critical());
  ASSERT_TRUE(cert.basic_constraints().has_value());
  EXPECT_FALSE(cert.basic_constraints()->ca);
  int no_check = X509_get_ext_by_NID(cert.get(), NID_id_pkix_OCSP_noCheck, -1);
  ASSERT_GE(no_check, 0);
  const ASN1_OCTET_STRING* value = X509_EXTENSION_get_data(X509_get_ext(cert.get(), no_check));
  EXPECT_EQ(Bytes(ASN1_STRING_get0_data(value), ASN1_STRING_get0_data(value) + ASN1_STRING_length(value)),
            (Bytes{0x05, 0x00}));
  EXPECT_EQ(cert.subject_key_id(), x509::key_identifier(cert.public_key()));
  EXPECT_EQ(cert.authority_key_id(), issuing().subject_key_id());
  EXPECT_TRUE(cert.crl_distribution_urls().empty());
  EXPECT_TRUE(cert.ocsp_urls().empty());
  // OpenSSL agrees that it may sign OCSP responses.
  EXPECT_EQ(X509_check_purpose(cert.get(), X509_PURPOSE_OCSP_HELPER, 0), 1);
  EXPECT_NE(X509_get_extended_key_usage(cert.get()) & XKU_OCSP_SIGN, 0u);

  EXPECT_EQ(cert.not_before(), now_.load() - std::chrono::minutes(5));
  EXPECT_EQ(cert.not_after(), now_.load() + 30 * testing::kDay);
}

TEST_F(OcspSignerTest, SignerIsRecordedWithItsCertificateAndAnAuditEvent) {
  NIMBUS_ASSERT_OK_AND_ASSIGN(OcspSigner signer, signers_->signer_for("issuing"));
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto record, store_->find_certificate(signer.certificate.serial_hex()));
  ASSERT_TRUE(record.has_value());
  EXPECT_EQ(record->issuer_id, "issuing");
  EXPECT_FALSE(record->authority_id.has_value());
  EXPECT_EQ(record->der, signer.certificate.der());

  NIMBUS_ASSERT_OK_AND_ASSIGN(auto current, store_->current_ocsp_signer("issuing"));
  ASSERT_TRUE(current.has_value());
  EXPECT_EQ(current->serial, signer.certificate.serial_hex());
  EXPECT_EQ(current->certificate_der, signer.certificate.der());
  EXPECT_EQ(current->not_after, signer.certificate.not_after());
  EXPECT_EQ(audit_count("ocsp_signer.issue"), 1u);
}

TEST_F(OcspSignerTest, LaterCallsAndNewProcessesReuseTheStoredSigner) {
  NIMBUS_ASSERT_OK_AND_ASSIGN(OcspSigner first, signers_->signer_for("issuing"));
  NIMBUS_ASSERT_OK_AND_ASSIGN(OcspSigner again, signers_->signer_for("issuing"));
  EXPECT_EQ(again.certificate.der(), first.certificate.der());

  OcspSigners restarted(*store_, *keys_, clock());
  NIMBUS_ASSERT_OK_AND_ASSIGN(OcspSigner loaded, restarted.signer_for("issuing"));
  EXPECT_EQ(loaded.certificate.der(), first.certificate.der());
  EXPECT_TRUE(loaded.key.public_key() == first.certificate.public_key());
  EXPECT_EQ(audit_count("ocsp_signer.issue"), 1u);
}

TEST_F(OcspSignerTest, RenewedWhenLessThanAThirdOfItsLifeRemains) {
  NIMBUS_ASSERT_OK_AND_ASSIGN(OcspSigner first, signers_->signer_for("issuing"));
  now_ = now_.load() + 19 * testing::kDay;
  NIMBUS_ASSERT_OK_AND_ASSIGN(OcspSigner still, signers_->signer_for("issuing"));
  EXPECT_EQ(still.certificate.serial_hex(), first.certificate.serial_hex());

  now_ = now_.load() + 2 * testing::kDay;  // 9 days of 30 left
  NIMBUS_ASSERT_OK_AND_ASSIGN(OcspSigner renewed, signers_->signer_for("issuing"));
  EXPECT_NE(renewed.certificate.serial_hex(), first.certificate.serial_hex());
  EXPECT_EQ(renewed.certificate.not_after(), now_.load() + 30 * testing::kDay);
  EXPECT_EQ(audit_count("ocsp_signer.issue"), 2u);
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto current, store_->current_ocsp_signer("issuing"));
  EXPECT_EQ(current->serial, renewed.certificate.serial_hex());
  // The old signer stays on record: answers it signed may still be cached by clients.
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto old, store_->find_certificate(first.certificate.serial_hex()));
  EXPECT_TRUE(old.has_value());
}

TEST_F(OcspSignerTest, RenewalAheadOfNeedReplacesOnlyLoadedSignersThatAreDue) {
  NIMBUS_ASSERT_OK_AND_ASSIGN(OcspSigner first, signers_->signer_for("issuing"));
  EXPECT_TRUE(signers_->renew_due().empty());  // 30 days left of 30

  now_ = now_.load() + 21 * testing::kDay;  // 9 days left
  EXPECT_EQ(signers_->renew_due(), std::vector<std::string>{"issuing"});
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto current, store_->current_ocsp_signer("issuing"));
  EXPECT_NE(current->serial, first.certificate.serial_hex());
  NIMBUS_ASSERT_OK_AND_ASSIGN(OcspSigner served, signers_->signer_for("issuing"));
  EXPECT_EQ(served.certificate.serial_hex(), current->serial);
  EXPECT_TRUE(signers_->renew_due().empty());
  EXPECT_EQ(audit_count("ocsp_signer.issue"), 2u);
}

TEST_F(OcspSignerTest, RenewalAheadOfNeedIssuesNothingForAnAuthorityNobodyAskedAbout) {
  now_ = now_.load() + 21 * testing::kDay;
  EXPECT_TRUE(signers_->renew_due().empty());
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto current, store_->current_ocsp_signer("issuing"));
  EXPECT_FALSE(current.has_value());
  EXPECT_EQ(audit_count("ocsp_signer.issue"), 0u);
}

TEST_F(OcspSignerTest, RenewalAheadOfNeedAdoptsASignerAnotherProcessRenewed) {
  NIMBUS_ASSERT_OK(signers_->signer_for("issuing"));
  now_ = now_.load() + 21 * testing::kDay;
  OcspSigners other_process(*store_, *keys_, clock());
  NIMBUS_ASSERT_OK_AND_ASSIGN(OcspSigner theirs, other_process.signer_for("issuing"));

  EXPECT_EQ(signers_->renew_due(), std::vector<std::string>{"issuing"});
  NIMBUS_ASSERT_OK_AND_ASSIGN(OcspSigner ours, signers_->signer_for("issuing"));
  EXPECT_EQ(ours.certificate.serial_hex(), theirs.certificate.serial_hex());
  EXPECT_EQ(audit_count("ocsp_signer.issue"), 2u);
}

TEST_F(OcspSignerTest, AFailedRenewalKeepsTheCurrentSignerServing) {
  NIMBUS_ASSERT_OK_AND_ASSIGN(OcspSigner first, signers_->signer_for("issuing"));
  now_ = now_.load() + 21 * testing::kDay;
  store_->fail_writes = true;
  EXPECT_TRUE(signers_->renew_due().empty());
  store_->fail_writes = false;
  NIMBUS_ASSERT_OK_AND_ASSIGN(OcspSigner current, signers_->signer_for("issuing"));
  EXPECT_EQ(current.certificate.serial_hex(), first.certificate.serial_hex());
  // A valid signer serves, so the authority is not failing.
  EXPECT_TRUE(signers_->failures().empty());
  // Still due: once the pause after the failure ends, the next request issues the successor.
  now_ = now_.load() + std::chrono::seconds(61);
  NIMBUS_ASSERT_OK_AND_ASSIGN(OcspSigner next, signers_->signer_for("issuing"));
  EXPECT_NE(next.certificate.serial_hex(), first.certificate.serial_hex());
}

TEST_F(OcspSignerTest, ValidityEndsWithTheCaAndACappedSignerIsNotReissuedOverAndOver) {
  auto short_lived = authorities_->create_issuing(ca::NewIssuing{
      "short", "root", testing::dn("CN=Short CA"), must(crypto::KeySpec::parse("ec:p256")), 10 * testing::kDay});
  NIMBUS_ASSERT_OK(short_lived);
  x509::Certificate ca_certificate = must(x509::Certificate::from_der(*short_lived->certificate_der));
  NIMBUS_ASSERT_OK_AND_ASSIGN(OcspSigner signer, signers_->signer_for("short"));
  EXPECT_EQ(signer.certificate.not_after(), ca_certificate.not_after());
  EXPECT_EQ(signer.certificate.not_before(), ca_certificate.not_before());

  now_ = now_.load() + 8 * testing::kDay;  // a fifth of its life left, but no new one could last longer
  NIMBUS_ASSERT_OK_AND_ASSIGN(OcspSigner kept, signers_->signer_for("short"));
  EXPECT_EQ(kept.certificate.serial_hex(), signer.certificate.serial_hex());

  now_ = now_.load() + 3 * testing::kDay;  // the CA has expired
  NIMBUS_EXPECT_ERROR(signers_->signer_for("short"), ErrorCode::kFailedPrecondition);
}

TEST_F(OcspSignerTest, AnRsaCaGetsAnRsa2048Signer) {
  NIMBUS_ASSERT_OK(authorities_->create_issuing(ca::NewIssuing{"rsa-ca", "root", testing::dn("CN=RSA CA"),
                                                               must(crypto::KeySpec::parse("rsa:2048")), kYear}));
  NIMBUS_ASSERT_OK_AND_ASSIGN(OcspSigner signer, signers_->signer_for("rsa-ca"));
  EXPECT_EQ(signer.certificate.public_key().spec_string(), "rsa:2048");
  EXPECT_EQ(signer.certificate.subject().to_string(), "CN=RSA CA OCSP Responder");
}

TEST_F(OcspSignerTest, ALongCaNameIsShortenedToFitTheCommonNameLimit) {
  std::string long_name(60, 'x');
  NIMBUS_ASSERT_OK(authorities_->create_issuing(ca::NewIssuing{"long", "root", testing::dn("CN=" + long_name),
                                                               must(crypto::KeySpec::parse("ec:p256")), kYear}));
  NIMBUS_ASSERT_OK_AND_ASSIGN(OcspSigner signer, signers_->signer_for("long"));
  EXPECT_EQ(signer.certificate.subject().common_name(), std::string(49, 'x') + " OCSP Responder");
}

TEST_F(OcspSignerTest, RefusesPendingAndUnknownAuthorities) {
  NIMBUS_ASSERT_OK(authorities_->create_issuing_for_external_parent(
      ca::NewExternalIssuing{"pending", testing::dn("CN=Pending CA"), must(crypto::KeySpec::parse("ec:p256"))}));
  NIMBUS_EXPECT_ERROR(signers_->signer_for("pending"), ErrorCode::kFailedPrecondition);
  NIMBUS_EXPECT_ERROR(signers_->signer_for("nope"), ErrorCode::kNotFound);
}

TEST_F(OcspSignerTest, PausedAndRevokedAuthoritiesStillGetASigner) {
  NIMBUS_ASSERT_OK(authorities_->pause("issuing"));
  NIMBUS_EXPECT_OK(signers_->signer_for("issuing"));
  NIMBUS_ASSERT_OK(authorities_->revoke("issuing", x509::RevocationReason::kCessationOfOperation));
  OcspSigners fresh(*store_, *keys_, clock());
  NIMBUS_EXPECT_OK(fresh.signer_for("issuing"));
}

TEST_F(OcspSignerTest, AFailedCommitLeavesNoKeyBehind) {
  std::size_t keys_before = nimbus::testing::file_names(dir_ / "keys").size();
  store_->fail_writes = true;
  NIMBUS_EXPECT_ERROR(signers_->signer_for("issuing"), ErrorCode::kStoreError);
  EXPECT_EQ(nimbus::testing::file_names(dir_ / "keys").size(), keys_before);
  store_->fail_writes = false;
  now_ = now_.load() + std::chrono::seconds(61);
  NIMBUS_EXPECT_OK(signers_->signer_for("issuing"));
}

TEST_F(OcspSignerTest, AFailureIsAnsweredAtOnceUntilItsRetryIsDueAndThenCleared) {
  store_->fail_writes = true;
  NIMBUS_EXPECT_ERROR(signers_->signer_for("issuing"), ErrorCode::kStoreError);
  std::vector<OcspSignerFailure> failing = signers_->failures();
  ASSERT_EQ(failing.size(), 1u);
  EXPECT_EQ(failing[0].authority_id, "issuing");
  EXPECT_NE(failing[0].message.find("injected commit failure"), std::string::npos);
  EXPECT_EQ(failing[0].since, now_.load());

  // The store would work now, but no attempt is made before the pause ends.
  store_->fail_writes = false;
  now_ = now_.load() + std::chrono::seconds(59);
  NIMBUS_EXPECT_ERROR(signers_->signer_for("issuing"), ErrorCode::kStoreError);
  EXPECT_EQ(audit_count("ocsp_signer.issue"), 0u);

  now_ = now_.load() + std::chrono::seconds(2);
  NIMBUS_EXPECT_OK(signers_->signer_for("issuing"));
  EXPECT_TRUE(signers_->failures().empty());
}

TEST_F(OcspSignerTest, ConcurrentFirstCallsIssueOneSigner) {
  std::vector<std::thread> threads;
  std::vector<std::string> serials(8);
  std::atomic<int> failures = 0;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      auto signer = signers_->signer_for("issuing");
      if (signer.ok()) {
        serials[i] = signer->certificate.serial_hex();
      } else {
        ++failures;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(std::set<std::string>(serials.begin(), serials.end()).size(), 1u);
  EXPECT_EQ(audit_count("ocsp_signer.issue"), 1u);
}

TEST(OcspSignerRenewal, DueWhenLessThanAThirdRemainsUnlessCappedByTheCa) {
  nimbus::testing::CertificateOptions options;
  options.ca = false;
  options.not_before = nimbus::testing::at("2026-01-01T00:00:00Z");
  options.not_after = nimbus::testing::at("2026-01-31T00:00:00Z");
  x509::Certificate signer = nimbus::testing::make_certificate(options, nimbus::testing::make_key());
  Timestamp ca_end = nimbus::testing::at("2030-01-01T00:00:00Z");
  EXPECT_FALSE(ocsp_signer_due_for_renewal(signer, ca_end, nimbus::testing::at("2026-01-21T00:00:00Z")));
  EXPECT_TRUE(ocsp_signer_due_for_renewal(signer, ca_end, nimbus::testing::at("2026-01-21T00:00:01Z")));
  EXPECT_TRUE(ocsp_signer_due_for_renewal(signer, ca_end, nimbus::testing::at("2026-02-01T00:00:00Z")));
  // Capped by the CA: kept until it expires.
  Timestamp capped = options.not_after;
  EXPECT_FALSE(ocsp_signer_due_for_renewal(signer, capped, nimbus::testing::at("2026-01-30T00:00:00Z")));
  EXPECT_TRUE(ocsp_signer_due_for_renewal(signer, capped, nimbus::testing::at("2026-01-31T00:00:00Z")));
}

}  // namespace
}  // namespace nimbus::revocation
