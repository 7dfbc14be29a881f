#include "verify/verifier.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "crypto/handles.h"
#include "verify/explanation.h"
#include "verify/verify_test_pki.h"

namespace nimbus::verify {
namespace {

using namespace nimbus::verify::testing;

class VerifierTest : public ::testing::Test {
 protected:
  void SetUp() override { publish(fetcher_, pki_); }

  Report run(const std::vector<x509::Certificate>& untrusted, RevocationPolicy policy = {},
             std::vector<x509::Certificate> anchors = {}) {
    if (anchors.empty()) anchors = {pki_.root.certificate};
    Verifier verifier(must(TrustAnchors::from(anchors)), &fetcher_, &cache_);
    VerifyOptions options;
    options.at = kNow;
    options.policy = policy;
    return verifier.verify(pki_.leaf.certificate, untrusted, options);
  }
  Report run(RevocationPolicy policy = {}) { return run({pki_.issuing.certificate}, policy); }

  static int code(const Report& report) { return reason_code_info(report.verdict.reason).nps_code; }

  TestPki pki_ = make_pki();
  MapFetcher fetcher_;
  RevocationCache cache_;
};

TEST_F(VerifierTest, GoodChainIsAcceptedWithEveryElementGood) {
  Report report = run();
  ASSERT_EQ(report.elements.size(), 3u);
  EXPECT_TRUE(report.verdict.accepted) << verdict_sentence(report);
  EXPECT_EQ(code(report), 0);
  EXPECT_TRUE(report.complete);
  EXPECT_TRUE(report.trusted);
  for (const ChainElement& element : report.elements) {
    EXPECT_EQ(element.revocation.status, RevocationStatus::kGood) << element.certificate.subject().to_string();
    EXPECT_EQ(element.revocation.method, RevocationMethod::kCrl);
    EXPECT_TRUE(element.problems.empty());
  }
  EXPECT_EQ(report.elements[0].source, ElementSource::kInput);
  EXPECT_EQ(report.elements[1].source, ElementSource::kUntrusted);
  EXPECT_EQ(report.elements[2].source, ElementSource::kTrust);
  EXPECT_TRUE(report.elements[2].is_anchor);
  EXPECT_EQ(verdict_sentence(report).find("default EAP-TLS settings would ACCEPT"), 0u + std::string("a RADIUS server with ").size());
  EXPECT_EQ(suggested_fix(report), "");
}

TEST_F(VerifierTest, RevokedLeafIsDenied256WithItsReason) {
  fetcher_.put(kIssuingCrl, crl_for(pki_.issuing, {revoked(pki_.leaf.certificate)}));
  Report report = run();
  EXPECT_FALSE(report.verdict.accepted);
  EXPECT_EQ(code(report), 256);
  EXPECT_EQ(report.verdict.faulty_element, 0u);
  const RevocationResult& result = report.elements[0].revocation;
  EXPECT_EQ(result.status, RevocationStatus::kRevoked);
  EXPECT_EQ(result.reason, x509::RevocationReason::kKeyCompromise);
  EXPECT_EQ(result.revoked_at, kNow - 2 * kDay);
  EXPECT_EQ(reason_code_info(report.verdict.reason).client_error, 855);
}

TEST_F(VerifierTest, RevokedIssuingCaOnTheRootsCrlIsDenied256AtElementOne) {
  fetcher_.put(kRootCrl, crl_for(pki_.root, {revoked(pki_.issuing.certificate, x509::RevocationReason::kCaCompromise)}));
  Report report = run();
  EXPECT_EQ(code(report), 256);
  EXPECT_EQ(report.verdict.faulty_element, 1u);
  EXPECT_EQ(report.elements[0].revocation.status, RevocationStatus::kGood);
  EXPECT_EQ(report.elements[1].revocation.status, RevocationStatus::kRevoked);
}

// The story: the issuing CA has no CRL distribution point, so its revocation cannot be checked.
TEST_F(VerifierTest, IssuingCaWithoutCdpIs258UnlessIgnored) {
  PkiOptions options = default_pki_options();
  options.issuing.cdp.clear();
  options.issuing.ca_issuers.clear();
  pki_ = make_pki(options);
  publish(fetcher_, pki_);
  Report report = run();
  EXPECT_EQ(code(report), 258);
  EXPECT_EQ(report.verdict.faulty_element, 1u);
  EXPECT_EQ(report.elements[0].revocation.status, RevocationStatus::kGood);
  EXPECT_EQ(report.elements[1].revocation.status, RevocationStatus::kNoInformation);
  std::string sentence = verdict_sentence(report);
  EXPECT_NE(sentence.find("reason code 258 (\"The revocation function was unable to check revocation for the "
                          "certificate\") because the certificate \"CN=Verify Test Issuing CA, O=Nimbus Tests\" has no "
                          "CRL distribution point and no OCSP URL. Windows clients report error 853."),
            std::string::npos)
      << sentence;
  EXPECT_NE(suggested_fix(report).find("ignore_no_revocation_check"), std::string::npos);

  RevocationPolicy lenient;
  lenient.ignore_no_revocation_check = true;
  Report accepted = run(lenient);
  EXPECT_TRUE(accepted.verdict.accepted);
  EXPECT_NE(verdict_sentence(accepted).find("these EAP-TLS settings (ignore_no_revocation_check) would ACCEPT"),
            std::string::npos);
  EXPECT_NE(verdict_sentence(accepted).find("with default settings it would DENY it with reason code 258"),
            std::string::npos);
}

TEST_F(VerifierTest, CdpAnswering404Is259UnlessIgnored) {
  fetcher_.fail(kIssuingCrl, FetchOutcome::kHttpError, 404);
  Report report = run();
  EXPECT_EQ(code(report), 259);
  EXPECT_EQ(report.verdict.faulty_element, 0u);
  ASSERT_FALSE(report.elements[0].fetches.empty());
  EXPECT_EQ(report.elements[0].fetches.back().outcome, FetchOutcome::kHttpError);
  EXPECT_EQ(report.elements[0].fetches.back().http_status, 404);
  RevocationPolicy lenient;
  lenient.ignore_revocation_offline = true;
  EXPECT_TRUE(run(lenient).verdict.accepted);
}

TEST_F(VerifierTest, ExpiredCrlIsOffline) {
  fetcher_.put(kIssuingCrl, crl_for(pki_.issuing, {}, kNow - 10 * kDay, kNow - kDay));
  Report report = run();
  EXPECT_EQ(code(report), 259);
  EXPECT_EQ(report.elements[0].fetches.back().outcome, FetchOutcome::kRejected);
  EXPECT_NE(report.elements[0].fetches.back().detail.find("expired"), std::string::npos);
}

TEST_F(VerifierTest, CrlSignedByAnotherKeyWithTheSameNameIsOffline) {
  CertificateOptions impostor_options = default_pki_options().issuing;
  TestCa impostor = make_ca(impostor_options, &pki_.root);
  fetcher_.put(kIssuingCrl, crl_for(impostor, {}));
  Report report = run();
  EXPECT_EQ(code(report), 259);
  EXPECT_EQ(report.elements[0].fetches.back().outcome, FetchOutcome::kRejected);
}

TEST_F(VerifierTest, CrlOfAnotherIssuerIsOffline) {
  fetcher_.put(kIssuingCrl, crl_for(pki_.root, {}));
  Report report = run();
  EXPECT_EQ(code(report), 259);
  EXPECT_NE(report.elements[0].fetches.back().detail.find("not by"), std::string::npos);
}

TEST_F(VerifierTest, CrlThatIsNotACrlIsBadData) {
  fetcher_.put(kIssuingCrl, Bytes{'n', 'o', 't', ' ', 'a', ' ', 'c', 'r', 'l'});
  Report report = run();
  EXPECT_EQ(code(report), 259);
  EXPECT_EQ(report.elements[0].fetches.back().outcome, FetchOutcome::kBadData);
}

TEST_F(VerifierTest, MissingIntermediateIsFetchedThroughAia) {
  Report report = run(std::vector<x509::Certificate>{});
  EXPECT_TRUE(report.verdict.accepted) << verdict_sentence(report);
  ASSERT_EQ(report.elements.size(), 3u);
  EXPECT_EQ(report.elements[1].source, ElementSource::kAia);
  EXPECT_EQ(fetcher_.requests(kIssuingCert), 1);
  ASSERT_FALSE(report.elements[0].fetches.empty());
  EXPECT_EQ(report.elements[0].fetches.front().purpose, FetchPurpose::kCaIssuers);
}

TEST_F(VerifierTest, MissingIntermediateIsFetchedFromAPkcs7Bundle) {
  crypto::Pkcs7Ptr bundle(PKCS7_new());
  ASSERT_EQ(PKCS7_set_type(bundle.get(), NID_pkcs7_signed), 1);
  ASSERT_EQ(PKCS7_content_new(bundle.get(), NID_pkcs7_data), 1);
  ASSERT_EQ(PKCS7_add_certificate(bundle.get(), pki_.issuing.certificate.get()), 1);
  unsigned char* der = nullptr;
  int size = i2d_PKCS7(bundle.get(), &der);
  ASSERT_GT(size, 0);
  crypto::OpenSslBufferPtr owned(der);
  fetcher_.put(kIssuingCert, Bytes(der, der + size));
  Report report = run(std::vector<x509::Certificate>{});
  EXPECT_TRUE(report.verdict.accepted) << verdict_sentence(report);
  EXPECT_EQ(report.elements[1].source, ElementSource::kAia);
}

TEST_F(VerifierTest, UnfetchableIntermediateIs287) {
  fetcher_.fail(kIssuingCert, FetchOutcome::kUnreachable);
  Report report = run(std::vector<x509::Certificate>{});
  EXPECT_EQ(code(report), 287);
  EXPECT_FALSE(report.complete);
  ASSERT_EQ(report.elements.size(), 1u);
  EXPECT_EQ(report.elements[0].revocation.status, RevocationStatus::kNotChecked);
}

// Two CAs whose caIssuers URLs point at each other, neither trusted: each URL is fetched once and
// the verification ends.
TEST_F(VerifierTest, AiaLoopEndsWithEachUrlFetchedOnce) {
  CertificateOptions a_options;
  a_options.subject = "CN=Loop A";
  a_options.ca_issuers = {"http://pki.test/aia/b.crt"};
  CertificateOptions b_options;
  b_options.subject = "CN=Loop B";
  b_options.ca_issuers = {"http://pki.test/aia/a.crt"};
  crypto::PrivateKey a_key = nimbus::testing::make_key();
  crypto::PrivateKey b_key = nimbus::testing::make_key();
  // A is signed by B and B by A: each CA's certificate names the other as issuer.
  TestCa b_self{b_key, nimbus::testing::make_certificate(b_options, b_key)};
  TestCa a_self{a_key, nimbus::testing::make_certificate(a_options, a_key)};
  TestCa a{a_key, nimbus::testing::make_certificate(a_options, a_key, &b_self)};
  TestCa b{b_key, nimbus::testing::make_certificate(b_options, b_key, &a_self)};
  CertificateOptions leaf_options = default_pki_options().leaf;
  leaf_options.ca_issuers = {"http://pki.test/aia/a.crt"};
  TestCa leaf = make_ca(leaf_options, &a);
  fetcher_.put("http://pki.test/aia/a.crt", a.certificate.der());
  fetcher_.put("http://pki.test/aia/b.crt", b.certificate.der());
  Verifier verifier(must(TrustAnchors::from({pki_.root.certificate})), &fetcher_, &cache_);
  VerifyOptions options;
  options.at = kNow;
  Report report = verifier.verify(leaf.certificate, {}, options);
  EXPECT_FALSE(report.verdict.accepted);
  EXPECT_TRUE(code(report) == 287 || code(report) == 265) << code(report);
  EXPECT_EQ(fetcher_.requests("http://pki.test/aia/a.crt"), 1);
  EXPECT_EQ(fetcher_.requests("http://pki.test/aia/b.crt"), 1);
}

TEST_F(VerifierTest, UntrustedRootIs265) {
  TestCa other = make_ca(CertificateOptions{});
  Report report = run({pki_.issuing.certificate, pki_.root.certificate}, {}, {other.certificate});
  EXPECT_EQ(code(report), 265);
  EXPECT_FALSE(report.trusted);
}

TEST_F(VerifierTest, ExpiredLeafIs268) {
  PkiOptions options = default_pki_options();
  options.leaf.not_after = kNow - kDay;
  pki_ = make_pki(options);
  publish(fetcher_, pki_);
  Report report = run();
  EXPECT_EQ(code(report), 268);
  EXPECT_EQ(report.verdict.faulty_element, 0u);
  EXPECT_EQ(reason_code_info(report.verdict.reason).client_error, 854);
}

TEST_F(VerifierTest, LeafWithoutClientAuthIs283AndAcceptedForItsOwnPurpose) {
  PkiOptions options = default_pki_options();
  options.leaf.eku = {"1.3.6.1.5.5.7.3.1"};
  pki_ = make_pki(options);
  publish(fetcher_, pki_);
  EXPECT_EQ(code(run()), 283);
  Verifier verifier(must(TrustAnchors::from({pki_.root.certificate})), &fetcher_, &cache_);
  VerifyOptions server_auth;
  server_auth.at = kNow;
  server_auth.required_eku = "1.3.6.1.5.5.7.3.1";
  EXPECT_TRUE(verifier.verify(pki_.leaf.certificate, {pki_.issuing.certificate}, server_auth).verdict.accepted);
}

TEST_F(VerifierTest, CaRestrictedToOtherPurposesIs283) {
  PkiOptions options = default_pki_options();
  options.issuing.eku = {"1.3.6.1.5.5.7.3.1"};
  pki_ = make_pki(options);
  publish(fetcher_, pki_);
  Report report = run();
  EXPECT_EQ(code(report), 283);
  EXPECT_EQ(report.verdict.faulty_element, 1u);
}

// anyExtendedKeyUsage lets a CA certificate pass on any purpose, but is not client
// authentication for the client's own certificate: NPS wants that purpose named.
TEST_F(VerifierTest, AnyExtendedKeyUsageServesACaButNotTheClient) {
  PkiOptions options = default_pki_options();
  options.issuing.eku = {"2.5.29.37.0"};
  pki_ = make_pki(options);
  publish(fetcher_, pki_);
  EXPECT_TRUE(run().verdict.accepted) << verdict_sentence(run());
  options.leaf.eku = {"2.5.29.37.0"};
  pki_ = make_pki(options);
  publish(fetcher_, pki_);
  Report report = run();
  EXPECT_EQ(code(report), 283);
  EXPECT_EQ(report.verdict.faulty_element, 0u);
}

TEST_F(VerifierTest, NoRevocationCheckFetchesNothingForRevocation) {
  fetcher_.put(kIssuingCrl, crl_for(pki_.issuing, {revoked(pki_.leaf.certificate)}));
  RevocationPolicy policy;
  policy.no_revocation_check = true;
  Report report = run(policy);
  EXPECT_TRUE(report.verdict.accepted);
  for (const ChainElement& element : report.elements) {
    EXPECT_EQ(element.revocation.status, RevocationStatus::kNotChecked);
  }
  EXPECT_EQ(fetcher_.total_requests(), 0);
}

TEST_F(VerifierTest, NoRootRevocationCheckSkipsOnlyTheAnchor) {
  fetcher_.fail(kRootCrl, FetchOutcome::kTimeout);
  PkiOptions options = default_pki_options();
  options.issuing.cdp = {"http://pki.test/cdp/root-for-issuing.crl"};
  pki_ = make_pki(options);
  publish(fetcher_, pki_);
  fetcher_.put("http://pki.test/cdp/root-for-issuing.crl", crl_for(pki_.root, {}));
  fetcher_.fail(kRootCrl, FetchOutcome::kTimeout);
  EXPECT_EQ(code(run()), 259);
  RevocationPolicy policy;
  policy.no_root_revocation_check = true;
  Report report = run(policy);
  EXPECT_TRUE(report.verdict.accepted) << verdict_sentence(report);
  EXPECT_EQ(report.elements[2].revocation.status, RevocationStatus::kNotChecked);
  EXPECT_EQ(report.elements[1].revocation.status, RevocationStatus::kGood);
}

TEST_F(VerifierTest, RootWithoutRevocationUrlsDoesNotCount) {
  PkiOptions options = default_pki_options();
  options.root.cdp.clear();
  pki_ = make_pki(options);
  publish(fetcher_, pki_);
  Report report = run();
  EXPECT_TRUE(report.verdict.accepted) << verdict_sentence(report);
  EXPECT_EQ(report.elements[2].revocation.status, RevocationStatus::kNoInformation);
  EXPECT_FALSE(report.elements[2].revocation.counts);
}

TEST_F(VerifierTest, WithoutAFetcherEverySourceIsOfflineAndNotFetched) {
  Verifier verifier(must(TrustAnchors::from({pki_.root.certificate})), nullptr, nullptr);
  VerifyOptions options;
  options.at = kNow;
  Report report = verifier.verify(pki_.leaf.certificate, {pki_.issuing.certificate}, options);
  EXPECT_EQ(code(report), 259);
  EXPECT_FALSE(report.urlfetch);
  EXPECT_EQ(report.elements[0].fetches.back().outcome, FetchOutcome::kNotFetched);
}

TEST_F(VerifierTest, LocalCrlsAnswerBeforeAnyUrl) {
  auto local = must(x509::CertificateRevocationList::parse(crl_for(pki_.issuing, {revoked(pki_.leaf.certificate)})));
  Verifier verifier(must(TrustAnchors::from({pki_.root.certificate})), nullptr, nullptr, {local});
  VerifyOptions options;
  options.at = kNow;
  Report report = verifier.verify(pki_.leaf.certificate, {pki_.issuing.certificate}, options);
  EXPECT_EQ(code(report), 256);
  EXPECT_EQ(report.verdict.faulty_element, 0u);
}

TEST_F(VerifierTest, CachedCrlsAreNotFetchedAgain) {
  ASSERT_TRUE(run().verdict.accepted);
  int after_first = fetcher_.total_requests();
  Report second = run();
  EXPECT_TRUE(second.verdict.accepted);
  EXPECT_EQ(fetcher_.total_requests(), after_first);
  EXPECT_EQ(second.elements[0].fetches.back().outcome, FetchOutcome::kCached);
  EXPECT_GT(cache_.memory_bytes(), 0u);
}

// A URL that failed for one element is not waited on again for the next in the same verification.
TEST_F(VerifierTest, AFailedUrlIsTriedOncePerVerification) {
  fetcher_.fail(kRootCrl, FetchOutcome::kTimeout);
  Report report = run();
  EXPECT_EQ(code(report), 259);
  EXPECT_EQ(fetcher_.requests(kRootCrl), 1);
  EXPECT_EQ(report.elements[2].fetches.back().outcome, FetchOutcome::kTimeout);
}

// Revoked outranks offline: the administrator must learn of the revocation first.
TEST_F(VerifierTest, RevocationOutranksAnOfflineSource) {
  fetcher_.put(kIssuingCrl, crl_for(pki_.issuing, {revoked(pki_.leaf.certificate)}));
  fetcher_.fail(kRootCrl, FetchOutcome::kUnreachable);
  EXPECT_EQ(code(run()), 256);
}

TEST_F(VerifierTest, ManyThreadsShareOneVerifierAndCache) {
  Verifier verifier(must(TrustAnchors::from({pki_.root.certificate})), &fetcher_, &cache_);
  VerifyOptions options;
  options.at = kNow;
  std::atomic<int> accepted = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        if (verifier.verify(pki_.leaf.certificate, {pki_.issuing.certificate}, options).verdict.accepted) ++accepted;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(accepted.load(), 100);
}

}  // namespace
}  // namespace nimbus::verify

namespace nimbus::verify {
namespace {

using namespace nimbus::verify::testing;

// A fetcher that takes its time, so that verifications overlap while a fetch is under way.
class SlowFetcher final : public UrlFetcher {
 public:
  explicit SlowFetcher(UrlFetcher& inner) : inner_(inner) {}
  FetchResponse fetch(const FetchRequest& request) override {
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    return inner_.fetch(request);
  }

 private:
  UrlFetcher& inner_;
};

class CoalescedFetchTest : public ::testing::Test {
 protected:
  void SetUp() override { publish(fetcher_, pki_); }

  // Eight verifications at once, through one cache; their verdicts.
  std::vector<Report> verify_together() {
    SlowFetcher slow(fetcher_);
    Verifier verifier(must(TrustAnchors::from({pki_.root.certificate})), &slow, &cache_);
    std::vector<Report> reports(8);
    std::vector<std::thread> threads;
    for (Report& report : reports) {
      threads.emplace_back([&] {
        VerifyOptions options;
        options.at = kNow;
        report = verifier.verify(pki_.leaf.certificate, {pki_.issuing.certificate}, options);
      });
    }
    for (std::thread& thread : threads) thread.join();
    return reports;
  }

  TestPki pki_ = make_pki();
  MapFetcher fetcher_;
  RevocationCache cache_;
};

TEST_F(CoalescedFetchTest, ConcurrentMissesForOneCrlFetchItOnce) {
  for (const Report& report : verify_together()) EXPECT_TRUE(report.verdict.accepted);
  EXPECT_EQ(fetcher_.requests(kIssuingCrl), 1);
  EXPECT_EQ(fetcher_.requests(kRootCrl), 1);
}

TEST_F(CoalescedFetchTest, CrlsNearTheirNextUpdateAreRefreshedInTheBackground) {
  Verifier verifier(must(TrustAnchors::from({pki_.root.certificate})), &fetcher_, &cache_);
  VerifyOptions options;
  options.at = kNow;
  ASSERT_TRUE(verifier.verify(pki_.leaf.certificate, {pki_.issuing.certificate}, options).verdict.accepted);
  EXPECT_EQ(verifier.refresh_revocation_data(kNow), 0u) << "fresh CRLs are left alone";

  // Five days into the CRLs' seven: past three quarters. The issuing CA has since revoked the leaf.
  Timestamp later = kNow + 5 * kDay;
  fetcher_.put(kIssuingCrl, crl_for(pki_.issuing, {revoked(pki_.leaf.certificate)}, kNow + 4 * kDay,
                                    kNow + 11 * kDay, 2));
  fetcher_.put(kRootCrl, crl_for(pki_.root, {}, kNow + 4 * kDay, kNow + 11 * kDay, 2));
  EXPECT_EQ(verifier.refresh_revocation_data(later), 2u);
  int fetched = fetcher_.total_requests();
  options.at = later;
  Report report = verifier.verify(pki_.leaf.certificate, {pki_.issuing.certificate}, options);
  EXPECT_EQ(reason_code_info(report.verdict.reason).nps_code, 256) << "the refreshed CRL is the one used";
  EXPECT_EQ(fetcher_.total_requests(), fetched) << "and no verification waited for it";
  EXPECT_EQ(report.elements[0].fetches.front().outcome, FetchOutcome::kCached);
}

TEST_F(CoalescedFetchTest, AFailedFetchIsSharedByItsWaitersRatherThanRepeated) {
  fetcher_.fail(kIssuingCrl, FetchOutcome::kTimeout);
  for (const Report& report : verify_together()) {
    EXPECT_FALSE(report.verdict.accepted);
    EXPECT_EQ(reason_code_info(report.verdict.reason).nps_code, 259);
  }
  EXPECT_EQ(fetcher_.requests(kIssuingCrl), 1);
}

}  // namespace
}  // namespace nimbus::verify
