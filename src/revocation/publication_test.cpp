#include "revocation/publication.h"

#include <gtest/gtest.h>

#include "crypto/digest.h"
#include "revocation/crl_publisher.h"
#include "store/sqlite/sqlite_store.h"
#include "testing/test_support.h"
#include "x509/crl.h"

namespace nimbus::revocation {
namespace {

using nimbus::testing::at;
using nimbus::testing::make_ca;
using nimbus::testing::must;
using nimbus::testing::TempDir;
using nimbus::testing::TestCa;

class PublicationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = must(store::sqlite::SqliteStore::create(dir_ / "nimbus.db"), "creating the store");
    ca_.emplace(make_ca({}));
    store::AuthorityRecord record;
    record.id = "ca";
    record.kind = store::AuthorityKind::kRoot;
    record.subject = ca_->certificate.subject().to_string();
    record.key_spec = "ec:p256";
    record.key_reference = "ca";
    record.status = store::AuthorityStatus::kActive;
    record.certificate_der = ca_->certificate.der();
    record.created_at = at("2026-01-01T00:00:00Z");
    NIMBUS_ASSERT_OK(store_->write([&](store::StoreWriter& tx) { return tx.insert_authority(record); }));
  }

  store::CrlRecord publish(Timestamp now) {
    std::optional<store::CrlRecord> published;
    Status status = store_->write([&](store::StoreWriter& tx) -> Status {
      NIMBUS_ASSIGN_OR_RETURN(published, publish_crl(tx, {"ca", ca_->certificate, ca_->key}, now));
      return ok_status();
    });
    EXPECT_TRUE(status.ok());
    return *published;
  }

  TempDir dir_;
  std::unique_ptr<store::sqlite::SqliteStore> store_;
  std::optional<TestCa> ca_;
};

TEST_F(PublicationTest, ServesNothingBeforeTheFirstRefresh) {
  Publication publication(*store_);
  NIMBUS_EXPECT_ERROR(publication.ca_certificate("ca"), ErrorCode::kNotFound);
  NIMBUS_EXPECT_ERROR(publication.crl("ca"), ErrorCode::kNotFound);
}

TEST_F(PublicationTest, ServesTheCertificateAndTheLatestCrl) {
  Publication publication(*store_);
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto changed, publication.refresh());
  EXPECT_TRUE(changed.empty());
  NIMBUS_ASSERT_OK_AND_ASSIGN(PublishedObject certificate, publication.ca_certificate("ca"));
  EXPECT_EQ(*certificate.der, ca_->certificate.der());
  EXPECT_EQ(certificate.last_modified, ca_->certificate.not_before());
  EXPECT_FALSE(certificate.expires.has_value());
  NIMBUS_EXPECT_ERROR(publication.crl("ca"), ErrorCode::kNotFound);  // none published yet

  store::CrlRecord first = publish(at("2026-03-01T00:00:00Z"));
  NIMBUS_ASSERT_OK_AND_ASSIGN(changed, publication.refresh());
  NIMBUS_ASSERT_OK_AND_ASSIGN(PublishedObject crl, publication.crl("ca"));
  EXPECT_EQ(*crl.der, first.der);
  EXPECT_EQ(crl.last_modified, first.this_update);
  EXPECT_EQ(crl.expires, std::optional<Timestamp>(first.next_update));
  Bytes digest = crypto::sha256(first.der);
  digest.resize(16);
  EXPECT_EQ(crl.fingerprint, to_hex(digest));
  EXPECT_NE(certificate.fingerprint, crl.fingerprint);
  NIMBUS_EXPECT_ERROR(publication.crl("other"), ErrorCode::kNotFound);
  EXPECT_EQ(publication.authority_ids(), std::vector<std::string>{"ca"});
}

TEST_F(PublicationTest, RefreshReportsTheAuthoritiesWhoseCrlChanged) {
  publish(at("2026-03-01T00:00:00Z"));
  Publication publication(*store_);
  NIMBUS_ASSERT_OK(publication.refresh());
  NIMBUS_ASSERT_OK_AND_ASSIGN(PublishedObject before, publication.crl("ca"));
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto unchanged, publication.refresh());
  EXPECT_TRUE(unchanged.empty());

  store::CrlRecord second = publish(at("2026-03-02T00:00:00Z"));
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto changed, publication.refresh());
  EXPECT_EQ(changed, std::vector<std::string>{"ca"});
  NIMBUS_ASSERT_OK_AND_ASSIGN(PublishedObject after, publication.crl("ca"));
  EXPECT_EQ(*after.der, second.der);
  // What a response already holds stays valid: the old DER is shared, not overwritten.
  EXPECT_NE(*before.der, *after.der);
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto crl, x509::CertificateRevocationList::parse(*after.der));
  EXPECT_EQ(crl.number(), std::optional<std::uint64_t>(2));
}

}  // namespace
}  // namespace nimbus::revocation
