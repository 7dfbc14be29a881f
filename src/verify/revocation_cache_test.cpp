#include "verify/revocation_cache.h"

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "verify/verify_test_pki.h"

namespace nimbus::verify {
namespace {

using namespace nimbus::verify::testing;

class RevocationCacheTest : public ::testing::Test {
 protected:
  std::shared_ptr<const CheckedCrl> crl(Timestamp this_update = kNow - kDay, Timestamp next_update = kNow + 6 * kDay,
                                        std::uint64_t number = 1) const {
    Bytes der = crl_for(pki_.issuing, {revoked(pki_.leaf.certificate)}, this_update, next_update, number);
    auto parsed = must(x509::CertificateRevocationList::parse(der));
    return must(CheckedCrl::check(parsed, pki_.issuing.certificate, false));
  }

  // What store_crl counts for one entry.
  static std::size_t entry_bytes(const CheckedCrl& crl, std::string_view url, ByteView id) {
    return crl.memory_bytes() + url.size() + id.size();
  }

  static OcspAnswer ocsp_answer(std::optional<Timestamp> next_update) {
    OcspAnswer answer;
    answer.status = OcspAnswer::Status::kGood;
    answer.this_update = kNow - std::chrono::hours(1);
    answer.next_update = next_update;
    answer.responder = "CN=Verify Test Issuing CA, O=Nimbus Tests";
    return answer;
  }

  TestPki pki_ = make_pki();
  Bytes issuer_id_ = issuer_identity(pki_.issuing.certificate);
  Bytes other_issuer_id_ = issuer_identity(pki_.root.certificate);
};

TEST_F(RevocationCacheTest, IssuerIdentityIsTheSha1FingerprintAndDiffersBetweenCas) {
  EXPECT_EQ(issuer_id_, pki_.issuing.certificate.sha1_thumbprint());
  EXPECT_NE(issuer_id_, other_issuer_id_);
}

TEST_F(RevocationCacheTest, StoredCrlIsFoundOnlyUnderItsUrlAndIssuer) {
  RevocationCache cache;
  auto stored = crl();
  cache.store_crl(kIssuingCrl, issuer_id_, stored, kNow);
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(cache.find_crl(kIssuingCrl, issuer_id_, kNow), stored);
  EXPECT_EQ(cache.find_crl(kRootCrl, issuer_id_, kNow), nullptr);
  EXPECT_EQ(cache.find_crl(kIssuingCrl, other_issuer_id_, kNow), nullptr);
  // A CRL is not an OCSP answer for the same URL and id.
  EXPECT_FALSE(cache.find_ocsp(kIssuingCrl, issuer_id_, kNow).has_value());
}

TEST_F(RevocationCacheTest, NothingUnderAnUncachedPrefixIsStored) {
  std::string url(kIssuingCrl);
  std::string prefix = url.substr(0, url.rfind('/') + 1);
  RevocationCache cache(RevocationCache::kDefaultMaxBytes, {prefix});
  cache.store_crl(kIssuingCrl, issuer_id_, crl(), kNow);
  cache.store_ocsp(prefix + "ocsp", issuer_id_, ocsp_answer(kNow + kDay), kNow);
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_EQ(cache.find_crl(kIssuingCrl, issuer_id_, kNow), nullptr);
  cache.store_crl("http://elsewhere.test/issuing.crl", issuer_id_, crl(), kNow);
  EXPECT_EQ(cache.size(), 1u);
}

TEST_F(RevocationCacheTest, EntriesPastThreeQuartersOfTheirWindowAreDueForRefresh) {
  RevocationCache cache;
  // Both windows run from kNow - 1 day to kNow + 6 days (CRL) and kNow - 1 hour to kNow + 3 hours
  // (OCSP): three quarters are at kNow + 4.25 days and kNow + 2 hours.
  cache.store_crl(kIssuingCrl, issuer_id_, crl(), kNow, &pki_.issuing.certificate);
  cache.store_crl("http://pki.test/cdp/unrefreshable.crl", other_issuer_id_, crl(), kNow);  // no issuer kept
  cache.store_ocsp("http://pki.test/ocsp", issuer_id_, ocsp_answer(kNow + std::chrono::hours(3)), kNow,
                   &pki_.leaf.certificate, &pki_.issuing.certificate);
  EXPECT_TRUE(cache.to_refresh(kNow + std::chrono::hours(1)).empty());

  auto ocsp_due = cache.to_refresh(kNow + std::chrono::hours(2));
  ASSERT_EQ(ocsp_due.size(), 1u);
  EXPECT_EQ(ocsp_due[0].url, "http://pki.test/ocsp");
  ASSERT_TRUE(ocsp_due[0].subject.has_value());
  EXPECT_EQ(*ocsp_due[0].subject, pki_.leaf.certificate);
  EXPECT_EQ(ocsp_due[0].issuer, pki_.issuing.certificate);

  auto both_due = cache.to_refresh(kNow + 5 * kDay);
  ASSERT_EQ(both_due.size(), 1u) << "the OCSP answer is past its nextUpdate by then; the CRL is due";
}

TEST_F(RevocationCacheTest, StoringAgainReplacesTheEntry) {
  RevocationCache cache;
  cache.store_crl(kIssuingCrl, issuer_id_, crl(kNow - kDay, kNow + 6 * kDay, 1), kNow);
  std::size_t one = cache.memory_bytes();
  auto newer = crl(kNow - std::chrono::hours(1), kNow + 6 * kDay, 2);
  cache.store_crl(kIssuingCrl, issuer_id_, newer, kNow);
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(cache.memory_bytes(), one);
  EXPECT_EQ(cache.find_crl(kIssuingCrl, issuer_id_, kNow), newer);
}

TEST_F(RevocationCacheTest, CrlIsNotReturnedPastItsNextUpdateNorBeforeItsThisUpdate) {
  RevocationCache cache;
  const Timestamp next_update = kNow + 6 * kDay;
  cache.store_crl(kIssuingCrl, issuer_id_, crl(kNow - kDay, next_update), kNow);
  EXPECT_NE(cache.find_crl(kIssuingCrl, issuer_id_, next_update), nullptr);
  EXPECT_EQ(cache.find_crl(kIssuingCrl, issuer_id_, next_update + std::chrono::seconds(1)), nullptr);
  EXPECT_EQ(cache.find_crl(kIssuingCrl, issuer_id_, kNow - 3 * kDay), nullptr);
  // Judged at each lookup's own time: an earlier verification still gets it.
  EXPECT_NE(cache.find_crl(kIssuingCrl, issuer_id_, kNow), nullptr);
}

TEST_F(RevocationCacheTest, OcspAnswerIsCachedOnlyWithANextUpdate) {
  RevocationCache cache;
  Bytes cert_id = {0x30, 0x03, 0x02, 0x01, 0x07};
  cache.store_ocsp("http://ocsp.pki.test", cert_id, ocsp_answer(std::nullopt), kNow);
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_EQ(cache.memory_bytes(), 0u);
  EXPECT_FALSE(cache.find_ocsp("http://ocsp.pki.test", cert_id, kNow).has_value());

  cache.store_ocsp("http://ocsp.pki.test", cert_id, ocsp_answer(kNow + kDay), kNow);
  auto found = cache.find_ocsp("http://ocsp.pki.test", cert_id, kNow);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->status, OcspAnswer::Status::kGood);
  EXPECT_EQ(found->next_update, kNow + kDay);
  EXPECT_FALSE(cache.find_ocsp("http://ocsp.pki.test", Bytes{0x30, 0x03, 0x02, 0x01, 0x08}, kNow).has_value());
  EXPECT_FALSE(cache.find_ocsp("http://other.pki.test", cert_id, kNow).has_value());
  EXPECT_FALSE(cache.find_ocsp("http://ocsp.pki.test", cert_id, kNow + kDay + std::chrono::seconds(1)).has_value());
}

TEST_F(RevocationCacheTest, LeastRecentlyUsedEntryIsEvictedFirst) {
  auto a = crl(kNow - kDay, kNow + 6 * kDay, 1);
  auto b = crl(kNow - kDay, kNow + 6 * kDay, 2);
  auto c = crl(kNow - kDay, kNow + 6 * kDay, 3);
  const std::string url_a = "http://pki.test/cdp/a.crl";
  const std::string url_b = "http://pki.test/cdp/b.crl";
  const std::string url_c = "http://pki.test/cdp/c.crl";
  std::size_t each = entry_bytes(*a, url_a, issuer_id_);
  ASSERT_EQ(entry_bytes(*b, url_b, issuer_id_), each);
  ASSERT_EQ(entry_bytes(*c, url_c, issuer_id_), each);

  // Room for two entries, not three.
  RevocationCache cache(each * 2 + each / 2);
  cache.store_crl(url_a, issuer_id_, a, kNow);
  cache.store_crl(url_b, issuer_id_, b, kNow);
  ASSERT_EQ(cache.size(), 2u);
  ASSERT_EQ(cache.find_crl(url_a, issuer_id_, kNow), a);
  cache.store_crl(url_c, issuer_id_, c, kNow);

  EXPECT_EQ(cache.size(), 2u);
  EXPECT_EQ(cache.memory_bytes(), 2 * each);
  EXPECT_EQ(cache.find_crl(url_b, issuer_id_, kNow), nullptr) << "B was the least recently used";
  EXPECT_EQ(cache.find_crl(url_a, issuer_id_, kNow), a);
  EXPECT_EQ(cache.find_crl(url_c, issuer_id_, kNow), c);
}

TEST_F(RevocationCacheTest, WithoutLookupsTheOldestEntryIsEvicted) {
  auto a = crl(kNow - kDay, kNow + 6 * kDay, 1);
  auto b = crl(kNow - kDay, kNow + 6 * kDay, 2);
  auto c = crl(kNow - kDay, kNow + 6 * kDay, 3);
  std::size_t each = entry_bytes(*a, "http://pki.test/cdp/a.crl", issuer_id_);
  RevocationCache cache(each * 2 + each / 2);
  cache.store_crl("http://pki.test/cdp/a.crl", issuer_id_, a, kNow);
  cache.store_crl("http://pki.test/cdp/b.crl", issuer_id_, b, kNow);
  cache.store_crl("http://pki.test/cdp/c.crl", issuer_id_, c, kNow);
  EXPECT_EQ(cache.find_crl("http://pki.test/cdp/a.crl", issuer_id_, kNow), nullptr);
  EXPECT_EQ(cache.find_crl("http://pki.test/cdp/b.crl", issuer_id_, kNow), b);
  EXPECT_EQ(cache.find_crl("http://pki.test/cdp/c.crl", issuer_id_, kNow), c);
}

TEST_F(RevocationCacheTest, EntryLargerThanTheBoundIsNotStoredAndEvictsNothing) {
  auto small = crl();
  std::vector<x509::RevokedCertificate> many;
  for (std::uint8_t i = 1; i <= 64; ++i) many.push_back({Bytes{0x10, i}, kNow - kDay, x509::RevocationReason::kSuperseded});
  auto large = must(CheckedCrl::check(must(x509::CertificateRevocationList::parse(crl_for(pki_.issuing, many))),
                                      pki_.issuing.certificate, false));
  std::size_t bound = entry_bytes(*small, kIssuingCrl, issuer_id_) * 3 / 2;
  ASSERT_GT(entry_bytes(*large, kRootCrl, issuer_id_), bound);

  RevocationCache cache(bound);
  cache.store_crl(kIssuingCrl, issuer_id_, small, kNow);
  cache.store_crl(kRootCrl, issuer_id_, large, kNow);
  EXPECT_EQ(cache.find_crl(kRootCrl, issuer_id_, kNow), nullptr);
  // A CRL too large to cache must not flush what is cached.
  EXPECT_EQ(cache.find_crl(kIssuingCrl, issuer_id_, kNow), small);
  EXPECT_EQ(cache.size(), 1u);
}

TEST_F(RevocationCacheTest, EntriesPastTheirNextUpdateAtInsertionAreDropped) {
  RevocationCache cache;
  Bytes cert_id = {0x30, 0x03, 0x02, 0x01, 0x07};
  cache.store_crl(kIssuingCrl, issuer_id_, crl(kNow - kDay, kNow + 6 * kDay), kNow);
  cache.store_ocsp("http://ocsp.pki.test", cert_id, ocsp_answer(kNow + kDay), kNow);
  ASSERT_EQ(cache.size(), 2u);

  // A verification at a later time stores a fresh CRL: both older entries are past their
  // nextUpdate by then and go, even though a lookup at kNow would still have used them.
  const Timestamp later = kNow + 7 * kDay;
  auto fresh = crl(later - kDay, later + 6 * kDay, 2);
  cache.store_crl(kRootCrl, issuer_id_, fresh, later);
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(cache.memory_bytes(), entry_bytes(*fresh, kRootCrl, issuer_id_));
  EXPECT_EQ(cache.find_crl(kIssuingCrl, issuer_id_, kNow), nullptr);
  EXPECT_FALSE(cache.find_ocsp("http://ocsp.pki.test", cert_id, kNow).has_value());
  EXPECT_EQ(cache.find_crl(kRootCrl, issuer_id_, later), fresh);
}

TEST_F(RevocationCacheTest, EntryAlreadyPastItsNextUpdateIsNotKept) {
  RevocationCache cache;
  cache.store_crl(kIssuingCrl, issuer_id_, crl(kNow - 8 * kDay, kNow - kDay), kNow);
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_EQ(cache.memory_bytes(), 0u);
  cache.store_ocsp("http://ocsp.pki.test", Bytes{0x01}, ocsp_answer(kNow - std::chrono::seconds(1)), kNow);
  EXPECT_EQ(cache.size(), 0u);
}

TEST_F(RevocationCacheTest, ConcurrentLookupsWhileAnotherThreadStores) {
  constexpr int kUrls = 24;
  std::vector<std::shared_ptr<const CheckedCrl>> crls;
  std::vector<std::string> urls;
  for (int i = 0; i < kUrls; ++i) {
    crls.push_back(crl(kNow - kDay, kNow + 6 * kDay, static_cast<std::uint64_t>(i + 1)));
    urls.push_back("http://pki.test/cdp/" + std::to_string(i) + ".crl");
  }
  // Room for about half, so that the writer evicts while readers look.
  std::size_t each = entry_bytes(*crls[0], urls[10], issuer_id_);
  RevocationCache cache(each * kUrls / 2);

  std::atomic<bool> done{false};
  std::atomic<long> hits{0};
  std::atomic<long> wrong{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 4; ++t) {
    readers.emplace_back([&, t] {
      long local_hits = 0;
      for (int i = t; !done.load(std::memory_order_relaxed); i = (i + 1) % kUrls) {
        auto found = cache.find_crl(urls[i], issuer_id_, kNow);
        if (found) {
          ++local_hits;
          if (found->number() != static_cast<std::uint64_t>(i + 1)) ++wrong;
        }
        auto answer = cache.find_ocsp(urls[i], issuer_id_, kNow);
        if (answer && answer->responder.empty()) ++wrong;
        (void)cache.size();
      }
      hits += local_hits;
    });
  }
  for (int round = 0; round < 40; ++round) {
    for (int i = 0; i < kUrls; ++i) {
      cache.store_crl(urls[i], issuer_id_, crls[i], kNow);
      cache.store_ocsp(urls[i], issuer_id_, ocsp_answer(kNow + kDay), kNow);
    }
  }
  done = true;
  for (auto& reader : readers) reader.join();

  EXPECT_EQ(wrong.load(), 0);
  EXPECT_LE(cache.memory_bytes(), each * kUrls / 2);
  EXPECT_GT(cache.size(), 0u);
  RecordProperty("hits", static_cast<int>(hits.load()));
}

}  // namespace
}  // namespace nimbus::verify
