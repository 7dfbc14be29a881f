#include "revocation/crl_publisher.h"

#include <openssl/x509v3.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <string>

#include <gtest/gtest.h>

#include "pki/certificate_record.h"
#include "store/sqlite/sqlite_store.h"
#include "testing/test_support.h"
#include "x509/crl.h"

namespace nimbus::revocation {
namespace {

using nimbus::testing::at;
using nimbus::testing::CertificateOptions;
using nimbus::testing::make_ca;
using nimbus::testing::TempDir;
using nimbus::testing::must;
using nimbus::testing::TestCa;

class CrlPublisherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto created = store::sqlite::SqliteStore::create(dir_ / "nimbus.db");
    ASSERT_TRUE(created.ok()) << created.error().to_string();
    store_ = std::move(created).value();
    CertificateOptions options;
    options.subject = "CN=Publisher CA";
    ca_ = make_ca(options);
    store::AuthorityRecord record;
    record.id = "ca";
    record.kind = store::AuthorityKind::kRoot;
    record.subject = "CN=Publisher CA";
    record.key_spec = "ec:p256";
    record.key_reference = "file:ca.key";
    record.certificate_der = ca_->certificate.der();
    record.created_at = at("2026-01-01T00:00:00Z");
    Status inserted = store_->write([&](store::StoreWriter& tx) { return tx.insert_authority(record); });
    ASSERT_TRUE(inserted.ok()) << inserted.error().to_string();
  }

  // Stores a certificate issued by "ca" with `serial`.
  void add_certificate(const Bytes& serial, std::optional<Timestamp> not_after = std::nullopt) {
    CertificateOptions options;
    options.subject = "CN=leaf " + to_hex(serial);
    options.ca = false;
    options.serial = serial;
    if (not_after) options.not_after = *not_after;
    TestCa leaf = make_ca(options, &*ca_);
    Status status = store_->write([&](store::StoreWriter& tx) {
      return tx.insert_certificate(pki::certificate_record(leaf.certificate, "ca", std::nullopt, at("2026-01-02T00:00:00Z")));
    });
    ASSERT_TRUE(status.ok()) << status.error().to_string();
  }

  Result<store::CrlRecord> publish(Timestamp now, Duration validity = kDefaultCrlValidity, bool keep_expired = false) {
    std::optional<store::CrlRecord> published;
    CrlPolicy policy;
    policy.validity = validity;
    policy.keep_expired_entries = keep_expired;
    Status status = store_->write([&](store::StoreWriter& tx) -> Status {
      NIMBUS_ASSIGN_OR_RETURN(published, publish_crl(tx, {"ca", ca_->certificate, ca_->key}, now, policy));
      return ok_status();
    });
    if (!status.ok()) return std::move(status).error();
    return *published;
  }

  TempDir dir_;
  std::unique_ptr<store::sqlite::SqliteStore> store_;
  std::optional<TestCa> ca_;
};

TEST_F(CrlPublisherTest, PublishesAnEmptyCrlNumberedFromOne) {
  NIMBUS_ASSERT_OK_AND_ASSIGN(store::CrlRecord record, publish(at("2026-03-01T00:00:00Z")));
  EXPECT_EQ(record.authority_id, "ca");
  EXPECT_EQ(record.number, 1u);
  EXPECT_EQ(record.this_update, at("2026-03-01T00:00:00Z"));
  EXPECT_EQ(record.next_update, at("2026-03-08T00:00:00Z"));  // 7 days by default
  NIMBUS_ASSERT_OK_AND_ASSIGN(x509::CertificateRevocationList crl, x509::CertificateRevocationList::parse(record.der));
  EXPECT_EQ(crl.number(), std::optional<std::uint64_t>(1));
  EXPECT_EQ(crl.revoked_count(), 0u);
  EXPECT_TRUE(crl.is_signed_by(ca_->key.public_key()));
  EXPECT_EQ(crl.authority_key_id(), ca_->certificate.subject_key_id());

  NIMBUS_ASSERT_OK_AND_ASSIGN(auto latest, store_->latest_crl("ca"));
  ASSERT_TRUE(latest.has_value());
  EXPECT_EQ(latest->der, record.der);
}

TEST_F(CrlPublisherTest, ListsRevokedCertificatesWithTheirReasonsAndNumbersEachCrl) {
  add_certificate({0x01, 0x11});
  add_certificate({0x02, 0x22});
  add_certificate({0x03, 0x33});
  NIMBUS_ASSERT_OK(store_->write([](store::StoreWriter& tx) -> Status {
    NIMBUS_TRY(tx.revoke_certificate("0111", at("2026-02-01T00:00:00Z"), 1));
    return tx.revoke_certificate("0333", at("2026-02-02T00:00:00Z"), 0);
  }));
  NIMBUS_ASSERT_OK(publish(at("2026-03-01T00:00:00Z")));
  NIMBUS_ASSERT_OK_AND_ASSIGN(store::CrlRecord record, publish(at("2026-03-02T00:00:00Z"), std::chrono::hours(36)));
  EXPECT_EQ(record.number, 2u);
  EXPECT_EQ(record.next_update, at("2026-03-03T12:00:00Z"));
  NIMBUS_ASSERT_OK_AND_ASSIGN(x509::CertificateRevocationList crl, x509::CertificateRevocationList::parse(record.der));
  EXPECT_EQ(crl.number(), std::optional<std::uint64_t>(2));
  ASSERT_EQ(crl.revoked_count(), 2u);
  STACK_OF(X509_REVOKED)* revoked = X509_CRL_get_REVOKED(crl.get());
  std::map<std::string, std::pair<Timestamp, long>> entries;
  for (int i = 0; i < sk_X509_REVOKED_num(revoked); ++i) {
    X509_REVOKED* entry = sk_X509_REVOKED_value(revoked, i);
    const ASN1_INTEGER* serial = X509_REVOKED_get0_serialNumber(entry);
    std::string hex = to_hex(ByteView(ASN1_STRING_get0_data(serial), static_cast<std::size_t>(ASN1_STRING_length(serial))));
    crypto::OpenSslPtr<ASN1_ENUMERATED, ASN1_ENUMERATED_free> reason(
        static_cast<ASN1_ENUMERATED*>(X509_REVOKED_get_ext_d2i(entry, NID_crl_reason, nullptr, nullptr)));
    entries[hex] = {x509::to_timestamp(X509_REVOKED_get0_revocationDate(entry)),
                    reason ? ASN1_ENUMERATED_get(reason.get()) : -1};
  }
  ASSERT_EQ(entries.count("0111"), 1u);
  ASSERT_EQ(entries.count("0333"), 1u);
  EXPECT_EQ(entries["0111"].first, at("2026-02-01T00:00:00Z"));
  EXPECT_EQ(entries["0111"].second, 1);
  EXPECT_EQ(entries["0333"].first, at("2026-02-02T00:00:00Z"));
  EXPECT_EQ(entries["0333"].second, -1);  // unspecified: no reasonCode
}

TEST_F(CrlPublisherTest, DropsEntriesOfExpiredCertificatesUnlessToldToKeepThem) {
  add_certificate({0x01}, at("2026-04-01T00:00:00Z"));
  add_certificate({0x02});
  NIMBUS_ASSERT_OK(store_->write([](store::StoreWriter& tx) -> Status {
    NIMBUS_TRY(tx.revoke_certificate("01", at("2026-02-01T00:00:00Z"), 1));
    return tx.revoke_certificate("02", at("2026-02-01T00:00:00Z"), 1);
  }));
  auto count = [](const store::CrlRecord& record) {
    return must(x509::CertificateRevocationList::parse(record.der), "parsing the CRL").revoked_count();
  };
  NIMBUS_ASSERT_OK_AND_ASSIGN(store::CrlRecord before_expiry, publish(at("2026-03-01T00:00:00Z")));
  EXPECT_EQ(count(before_expiry), 2u);
  NIMBUS_ASSERT_OK_AND_ASSIGN(store::CrlRecord after_expiry, publish(at("2026-05-01T00:00:00Z")));
  EXPECT_EQ(count(after_expiry), 1u);
  NIMBUS_ASSERT_OK_AND_ASSIGN(store::CrlRecord kept, publish(at("2026-05-01T00:00:00Z"), kDefaultCrlValidity, true));
  EXPECT_EQ(count(kept), 2u);
}

TEST(CrlDue, WhenThereIsNoneAndOnceTheRepublishWindowOpens) {
  CrlPolicy policy;  // 7 days, republished with 3.5 days left
  store::CrlRecord current{"ca", 4, at("2026-03-01T00:00:00Z"), at("2026-03-08T00:00:00Z"), {}};
  EXPECT_TRUE(crl_due(std::nullopt, at("2026-03-01T00:00:00Z"), policy));
  EXPECT_FALSE(crl_due(current, at("2026-03-01T00:00:00Z"), policy));
  EXPECT_FALSE(crl_due(current, at("2026-03-04T11:59:59Z"), policy));
  EXPECT_TRUE(crl_due(current, at("2026-03-04T12:00:00Z"), policy));
  EXPECT_TRUE(crl_due(current, at("2026-03-09T00:00:00Z"), policy));  // a server that was down
}

TEST_F(CrlPublisherTest, RefusesAStoredReasonThatIsNotACrlReason) {
  add_certificate({0x01, 0x11});
  NIMBUS_ASSERT_OK(store_->write([](store::StoreWriter& tx) {
    return tx.revoke_certificate("0111", at("2026-02-01T00:00:00Z"), 7);
  }));
  NIMBUS_EXPECT_ERROR(publish(at("2026-03-01T00:00:00Z")), ErrorCode::kMalformed);
  // Nothing was published, and the number was not used up.
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto latest, store_->latest_crl("ca"));
  EXPECT_FALSE(latest.has_value());
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto authority, store_->find_authority("ca"));
  ASSERT_TRUE(authority.has_value());
  EXPECT_EQ(authority->last_crl_number, 0u);
}

TEST_F(CrlPublisherTest, RefusesAStoredSerialThatIsNotHexOrTooLong) {
  // The last: 22 octets, beyond the 20 of RFC 5280 plus a leading zero.
  for (std::string serial : {std::string("not-hex"), std::string("abc"), std::string(44, '1')}) {
    SCOPED_TRACE(serial);
    store::CertificateRecord odd =
        pki::certificate_record(ca_->certificate, "ca", std::nullopt, at("2026-01-02T00:00:00Z"));
    odd.serial = serial;
    odd.sha1 = odd.sha256 = serial;
    NIMBUS_ASSERT_OK(store_->write([&](store::StoreWriter& tx) -> Status {
      NIMBUS_TRY(tx.insert_certificate(odd));
      return tx.revoke_certificate(serial, at("2026-02-01T00:00:00Z"), 6);  // on hold, so it can be released
    }));
    NIMBUS_EXPECT_ERROR(publish(at("2026-03-01T00:00:00Z")), ErrorCode::kMalformed);
    NIMBUS_ASSERT_OK(store_->write([&](store::StoreWriter& tx) { return tx.release_certificate_hold(serial); }));
  }
}

// The scale path, kept small enough for every test run: many entries, serials of every length from
// 2 to 16 octets so that the store's order (hex text) is not the CRL's (integer value), read by the
// openssl command line as a relying party would.
TEST_F(CrlPublisherTest, PublishesTwentyThousandEntriesThatOpensslReads) {
  constexpr std::size_t kCount = 20'000;
  NIMBUS_ASSERT_OK(store_->write([&](store::StoreWriter& tx) -> Status {
    store::CertificateRecord record =
        pki::certificate_record(ca_->certificate, "ca", std::nullopt, at("2026-01-02T00:00:00Z"));
    record.authority_id.reset();
    record.status = store::CertificateStatus::kRevoked;
    record.revoked_at = at("2026-02-01T00:00:00Z");
    for (std::size_t i = 0; i < kCount; ++i) {
      Bytes serial(2 + i % 15, static_cast<std::uint8_t>(i * 37));
      serial[0] = static_cast<std::uint8_t>(0x01 + (i >> 8));  // with serial[1], unique per entry
      serial[1] = static_cast<std::uint8_t>(i);
      record.serial = to_hex(serial);
      record.sha1 = record.serial;
      record.sha256 = record.serial;
      record.revocation_reason = static_cast<int>(i % 2 == 0 ? x509::RevocationReason::kKeyCompromise
                                                             : x509::RevocationReason::kUnspecified);
      NIMBUS_TRY(tx.insert_certificate(record));
    }
    return ok_status();
  }));
  NIMBUS_ASSERT_OK_AND_ASSIGN(store::CrlRecord record, publish(at("2026-03-01T00:00:00Z")));

  NIMBUS_ASSERT_OK_AND_ASSIGN(x509::CertificateRevocationList crl, x509::CertificateRevocationList::parse(record.der));
  ASSERT_EQ(crl.revoked_count(), kCount);
  STACK_OF(X509_REVOKED)* revoked = X509_CRL_get_REVOKED(crl.get());
  for (int i = 1; i < static_cast<int>(kCount); ++i) {
    ASSERT_LT(ASN1_INTEGER_cmp(X509_REVOKED_get0_serialNumber(sk_X509_REVOKED_value(revoked, i - 1)),
                               X509_REVOKED_get0_serialNumber(sk_X509_REVOKED_value(revoked, i))),
              0)
        << "entry " << i;
  }

  std::filesystem::path der = dir_ / "crl.der";
  std::filesystem::path ca = dir_ / "ca.pem";
  nimbus::testing::write_text(der, std::string(record.der.begin(), record.der.end()));
  nimbus::testing::write_text(ca, ca_->certificate.pem());
  EXPECT_EQ(nimbus::testing::command_output("openssl crl -inform DER -in " + der.string() + " -noout -text | grep -c 'Serial Number'"),
            std::to_string(kCount) + "\n");
  EXPECT_EQ(nimbus::testing::command_output("openssl crl -inform DER -in " + der.string() + " -noout -CAfile " + ca.string()),
            "verify OK\n");
}

}  // namespace
}  // namespace nimbus::revocation
