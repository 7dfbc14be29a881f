#include "node/certificate_metrics.h"

#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "store/sqlite/sqlite_store.h"
#include "testing/test_support.h"

namespace nimbus::node {
namespace {

using http::MetricsRegistry;

using nimbus::testing::at;
using nimbus::testing::must;
using nimbus::testing::TempDir;

class CertificateMetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = must(store::sqlite::SqliteStore::create(dir_.path() / "nimbus.db"), "creating the store");
    for (const char* id : {"root", "issuing"}) {
      store::AuthorityRecord record;
      record.id = id;
      record.kind = store::AuthorityKind::kRoot;
      record.subject = fmt::format("CN={}", id);
      record.key_spec = "ec:p256";
      record.key_reference = id;
      record.status = store::AuthorityStatus::kActive;
      record.created_at = at("2026-01-01T00:00:00Z");
      NIMBUS_ASSERT_OK(store_->write([&](store::StoreWriter& tx) { return tx.insert_authority(record); }));
    }
  }

  void add_certificate(const std::string& issuer, bool revoked) {
    int n = ++serials_;
    store::CertificateRecord record;
    record.serial = fmt::format("{:032x}", n);
    record.issuer_id = issuer;
    record.subject = fmt::format("CN=device {}", n);
    record.not_before = at("2026-01-01T00:00:00Z");
    record.not_after = at("2027-01-01T00:00:00Z");
    record.sha1 = fmt::format("{:040x}", n);
    record.sha256 = fmt::format("{:064x}", n);
    record.der = Bytes{0x30, 0x00};
    record.issued_at = record.not_before;
    if (revoked) {
      record.status = store::CertificateStatus::kRevoked;
      record.revoked_at = at("2026-02-01T00:00:00Z");
      record.revocation_reason = 1;
    }
    NIMBUS_ASSERT_OK(store_->write([&](store::StoreWriter& tx) { return tx.insert_certificate(record); }));
  }

  TempDir dir_;
  std::unique_ptr<store::sqlite::SqliteStore> store_;
  int serials_ = 0;
};

bool contains(const std::string& text, std::string_view line) { return text.find(line) != std::string::npos; }

TEST_F(CertificateMetricsTest, CountsIssuedAndRevokedCertificatesPerAuthority) {
  add_certificate("issuing", false);
  add_certificate("issuing", false);
  add_certificate("issuing", true);
  add_certificate("root", false);
  MetricsRegistry metrics;
  NIMBUS_ASSERT_OK(add_certificate_metrics(metrics, *store_));
  std::string text = metrics.render();
  EXPECT_TRUE(contains(text, "# TYPE nimbus_certificates_issued gauge\n")) << text;
  EXPECT_TRUE(contains(text, "nimbus_certificates_issued{ca=\"issuing\"} 3\n")) << text;
  EXPECT_TRUE(contains(text, "nimbus_certificates_issued{ca=\"root\"} 1\n")) << text;
  EXPECT_TRUE(contains(text, "nimbus_certificates_revoked{ca=\"issuing\"} 1\n")) << text;
  EXPECT_TRUE(contains(text, "nimbus_certificates_revoked{ca=\"root\"} 0\n")) << text;
}

TEST_F(CertificateMetricsTest, ReadsTheStoreAtMostOncePerInterval) {
  add_certificate("issuing", false);
  auto now = std::chrono::steady_clock::time_point{};
  MetricsRegistry metrics;
  NIMBUS_ASSERT_OK(add_certificate_metrics(metrics, *store_, {std::chrono::seconds(15), [&] { return now; }}));
  EXPECT_TRUE(contains(metrics.render(), "nimbus_certificates_issued{ca=\"issuing\"} 1\n"));

  add_certificate("issuing", true);
  now += std::chrono::seconds(14);
  EXPECT_TRUE(contains(metrics.render(), "nimbus_certificates_issued{ca=\"issuing\"} 1\n"));
  now += std::chrono::seconds(1);
  std::string text = metrics.render();
  EXPECT_TRUE(contains(text, "nimbus_certificates_issued{ca=\"issuing\"} 2\n")) << text;
  EXPECT_TRUE(contains(text, "nimbus_certificates_revoked{ca=\"issuing\"} 1\n")) << text;
}

}  // namespace
}  // namespace nimbus::node
