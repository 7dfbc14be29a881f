#include "pki/certificate_record.h"

#include <gtest/gtest.h>

#include "testing/test_support.h"

namespace nimbus::pki {
namespace {

using nimbus::testing::at;
using nimbus::testing::CertificateOptions;
using nimbus::testing::make_ca;

TEST(CertificateRecord, CopiesWhatTheStoreKeeps) {
  CertificateOptions options;
  options.subject = "CN=Recorded, O=Contoso\\, Inc.";
  options.serial = {0x0a, 0xbc};
  options.not_before = at("2026-02-01T00:00:00Z");
  options.not_after = at("2028-02-01T00:00:00Z");
  x509::Certificate cert = make_ca(options).certificate;
  store::CertificateRecord record = certificate_record(cert, "root", std::string("issuing"), at("2026-02-01T00:05:00Z"));
  EXPECT_EQ(record.serial, "0abc");
  EXPECT_EQ(record.issuer_id, "root");
  EXPECT_EQ(record.authority_id, std::optional<std::string>("issuing"));
  EXPECT_EQ(record.subject, "CN=Recorded, O=Contoso\\, Inc.");
  EXPECT_EQ(record.not_before, at("2026-02-01T00:00:00Z"));
  EXPECT_EQ(record.not_after, at("2028-02-01T00:00:00Z"));
  EXPECT_EQ(record.sha1, to_hex(cert.sha1_thumbprint()));
  EXPECT_EQ(record.sha256, to_hex(cert.sha256_thumbprint()));
  EXPECT_EQ(record.sha256.size(), 64u);
  EXPECT_EQ(record.der, cert.der());
  EXPECT_EQ(record.status, store::CertificateStatus::kValid);
  EXPECT_FALSE(record.revoked_at.has_value());
  EXPECT_FALSE(record.revocation_reason.has_value());
  EXPECT_EQ(record.issued_at, at("2026-02-01T00:05:00Z"));

  store::CertificateRecord leaf = certificate_record(cert, "root", std::nullopt, at("2026-02-01T00:05:00Z"));
  EXPECT_FALSE(leaf.authority_id.has_value());
}

}  // namespace
}  // namespace nimbus::pki
