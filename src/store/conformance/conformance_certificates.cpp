// Conformance: certificates — insertion and uniqueness, revocation and holds, OCSP status, the
// queries of `cert list` and `cert show`, and the tallies behind the metrics.
#include <algorithm>
#include <cctype>
#include <chrono>
#include <tuple>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "store/conformance/sample_records.h"
#include "store/conformance/store_conformance.h"
#include "testing/test_support.h"

namespace nimbus::store::conformance {
namespace {

using nimbus::testing::at;
using nimbus::testing::must;

TEST_P(StoreConformance, InsertsAndFindsCertificates) {
  NIMBUS_ASSERT_OK(insert(root_record("root")));
  CertificateRecord cert = certificate_record("0a0b0c", "root");
  cert.authority_id = "root";
  NIMBUS_ASSERT_OK(insert(cert));
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto found, store_->find_certificate("0a0b0c"));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->serial, "0a0b0c");
  EXPECT_EQ(found->issuer_id, "root");
  EXPECT_EQ(found->authority_id, std::optional<std::string>("root"));
  EXPECT_EQ(found->subject, cert.subject);
  EXPECT_EQ(found->not_before, cert.not_before);
  EXPECT_EQ(found->not_after, cert.not_after);
  EXPECT_EQ(found->sha1, cert.sha1);
  EXPECT_EQ(found->sha256, cert.sha256);
  EXPECT_EQ(found->der, cert.der);
  EXPECT_EQ(found->status, CertificateStatus::kValid);
  EXPECT_FALSE(found->revoked_at.has_value());
  EXPECT_FALSE(found->revocation_reason.has_value());
  EXPECT_EQ(found->issued_at, cert.issued_at);
  EXPECT_FALSE(found->profile_id.has_value());
  EXPECT_FALSE(found->enrollment_id.has_value());
  EXPECT_EQ(found->subject_alt_names, "[]");  // what an empty list is stored as

  NIMBUS_ASSERT_OK_AND_ASSIGN(bool exists, store_->serial_exists("0a0b0c"));
  EXPECT_TRUE(exists);
  NIMBUS_ASSERT_OK_AND_ASSIGN(bool absent, store_->serial_exists("ffff"));
  EXPECT_FALSE(absent);
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto missing, store_->find_certificate("ffff"));
  EXPECT_FALSE(missing.has_value());
}

TEST_P(StoreConformance, KeepsEndEntityColumns) {
  add_authorities_and_profiles();
  CertificateRecord record = certificate_record("0e", "issuing");
  record.profile_id = "vpn";
  record.enrollment_id = "enr-1";
  record.subject_alt_names = R"([{"type":"dns","value":"pc.contoso.com"}])";
  NIMBUS_ASSERT_OK(insert(record));
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto found, store_->find_certificate("0e"));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->profile_id, std::optional<std::string>("vpn"));
  EXPECT_EQ(found->enrollment_id, std::optional<std::string>("enr-1"));
  EXPECT_EQ(found->subject_alt_names, record.subject_alt_names);
}

TEST_P(StoreConformance, DuplicateSerialIsAlreadyExistsAndChangesNothing) {
  NIMBUS_ASSERT_OK(insert(root_record("root")));
  NIMBUS_ASSERT_OK(insert(certificate_record("01", "root")));
  std::string before = contents();
  CertificateRecord same_serial = certificate_record("01", "root");
  same_serial.sha1 = "different-sha1";
  same_serial.sha256 = "different-sha256";
  same_serial.subject = "CN=impostor";
  Status refused = write([&](StoreWriter& tx) -> Status {
    NIMBUS_TRY(tx.append_audit({at("2026-01-01T00:00:00Z"), "test", "certificate.issue", "01", ""}));
    return tx.insert_certificate(same_serial);
  });
  NIMBUS_ASSERT_ERROR(refused, ErrorCode::kAlreadyExists);
  EXPECT_NE(refused.error().message().find("01"), std::string::npos) << refused.error().message();
  EXPECT_EQ(contents(), before);
}

TEST_P(StoreConformance, DuplicateThumbprintIsAlreadyExistsAndChangesNothing) {
  NIMBUS_ASSERT_OK(insert(root_record("root")));
  NIMBUS_ASSERT_OK(insert(certificate_record("01", "root")));
  std::string before = contents();
  CertificateRecord same_sha256 = certificate_record("02", "root");
  same_sha256.sha256 = "sha256-01";
  Status refused = insert(same_sha256);
  NIMBUS_ASSERT_ERROR(refused, ErrorCode::kAlreadyExists);
  EXPECT_NE(refused.error().message().find("sha256-01"), std::string::npos) << refused.error().message();
  CertificateRecord same_sha1 = certificate_record("03", "root");
  same_sha1.sha1 = "sha1-01";
  refused = insert(same_sha1);
  NIMBUS_ASSERT_ERROR(refused, ErrorCode::kAlreadyExists);
  EXPECT_NE(refused.error().message().find("sha1-01"), std::string::npos) << refused.error().message();
  EXPECT_EQ(contents(), before);
}

// A certificate whose issuer is not in the store is refused as unknown, not as "already exists",
// which is what callers take to mean a serial collision.
TEST_P(StoreConformance, ACertificateNeedsAKnownIssuer) {
  NIMBUS_EXPECT_ERROR(insert(certificate_record("01", "no-such-authority")), ErrorCode::kNotFound);
  NIMBUS_ASSERT_OK_AND_ASSIGN(bool exists, store_->serial_exists("01"));
  EXPECT_FALSE(exists);
}

TEST_P(StoreConformance, RevokesCertificatesAndListsThemPerIssuerInSerialOrder) {
  NIMBUS_ASSERT_OK(insert(root_record("root")));
  NIMBUS_ASSERT_OK(insert(issuing_record("issuing", "root")));
  // Byte order of the hex text: "09" < "0a" < "1f" < "ff".
  for (const char* serial : {"ff", "1f", "20", "0a", "09"}) NIMBUS_ASSERT_OK(insert(certificate_record(serial, "root")));
  NIMBUS_ASSERT_OK(insert(certificate_record("40", "issuing")));

  NIMBUS_ASSERT_OK(write([](StoreWriter& tx) -> Status {
    NIMBUS_TRY(tx.revoke_certificate("ff", at("2026-02-03T00:00:00Z"), 1));
    NIMBUS_TRY(tx.revoke_certificate("0a", at("2026-02-01T00:00:00Z"), 5));
    NIMBUS_TRY(tx.revoke_certificate("1f", at("2026-02-02T00:00:00Z"), 6));
    NIMBUS_TRY(tx.revoke_certificate("09", at("2026-02-02T00:00:00Z"), 4));
    return tx.revoke_certificate("40", at("2026-02-04T00:00:00Z"), 4);
  }));

  NIMBUS_ASSERT_OK_AND_ASSIGN(auto revoked, store_->revocations("root"));
  ASSERT_EQ(revoked.size(), 4u);
  EXPECT_EQ(revoked[0].serial, "09");
  EXPECT_EQ(revoked[1].serial, "0a");
  EXPECT_EQ(revoked[1].revoked_at, at("2026-02-01T00:00:00Z"));
  EXPECT_EQ(revoked[1].reason, 5);
  EXPECT_EQ(revoked[1].not_after, at("2027-01-01T00:00:00Z"));
  EXPECT_EQ(revoked[2].serial, "1f");
  EXPECT_EQ(revoked[2].reason, 6);  // on hold is revoked, for the CRL
  EXPECT_EQ(revoked[3].serial, "ff");
  EXPECT_EQ(revoked[3].reason, 1);

  // The scan sees the same entries, in the same order.
  std::vector<std::string> scanned;
  NIMBUS_ASSERT_OK(store_->for_each_revocation("root", [&](const RevocationEntry& entry) -> Status {
    scanned.push_back(fmt::format("{}/{}/{}", entry.serial, format_timestamp(entry.revoked_at), entry.reason));
    return ok_status();
  }));
  std::vector<std::string> listed;
  for (const RevocationEntry& entry : revoked) {
    listed.push_back(fmt::format("{}/{}/{}", entry.serial, format_timestamp(entry.revoked_at), entry.reason));
  }
  EXPECT_EQ(scanned, listed);

  NIMBUS_ASSERT_OK_AND_ASSIGN(auto of_issuing, store_->revocations("issuing"));
  ASSERT_EQ(of_issuing.size(), 1u);
  EXPECT_EQ(of_issuing[0].serial, "40");
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto of_nobody, store_->revocations("ghost"));
  EXPECT_TRUE(of_nobody.empty());

  NIMBUS_ASSERT_OK_AND_ASSIGN(auto still_valid, store_->find_certificate("20"));
  ASSERT_TRUE(still_valid.has_value());
  EXPECT_EQ(still_valid->status, CertificateStatus::kValid);
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto now_revoked, store_->find_certificate("0a"));
  ASSERT_TRUE(now_revoked.has_value());
  EXPECT_EQ(now_revoked->status, CertificateStatus::kRevoked);
  EXPECT_EQ(now_revoked->revoked_at, std::optional<Timestamp>(at("2026-02-01T00:00:00Z")));
  EXPECT_EQ(now_revoked->revocation_reason, std::optional<int>(5));
}

TEST_P(StoreConformance, ARevocationScanStopsAtTheVisitorsError) {
  NIMBUS_ASSERT_OK(insert(root_record("root")));
  for (const char* serial : {"01", "02", "03"}) {
    NIMBUS_ASSERT_OK(insert(certificate_record(serial, "root")));
    NIMBUS_ASSERT_OK(revoke(serial, at("2026-02-01T00:00:00Z"), 1));
  }
  int visited = 0;
  Status stopped = store_->for_each_revocation("root", [&](const RevocationEntry&) -> Status {
    if (++visited == 2) return Error(ErrorCode::kIoError, "disk full");
    return ok_status();
  });
  NIMBUS_ASSERT_ERROR(stopped, ErrorCode::kIoError);
  EXPECT_EQ(stopped.error().message(), "disk full");
  EXPECT_EQ(visited, 2);
  // The store is not left in the middle of a scan.
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto all, store_->revocations("root"));
  EXPECT_EQ(all.size(), 3u);
}

TEST_P(StoreConformance, RevokingAMissingCertificateIsNotFound) {
  NIMBUS_EXPECT_ERROR(write([](StoreWriter& tx) { return tx.revoke_certificate("dead", at("2026-02-01T00:00:00Z"), 1); }),
                      ErrorCode::kNotFound);
}

TEST_P(StoreConformance, CertificateStatusIsPerIssuerAndSerial) {
  NIMBUS_ASSERT_OK(insert(root_record("root")));
  NIMBUS_ASSERT_OK(insert(issuing_record("issuing", "root")));
  NIMBUS_ASSERT_OK(insert(certificate_record("10", "issuing")));
  NIMBUS_ASSERT_OK(insert(certificate_record("20", "issuing")));
  NIMBUS_ASSERT_OK(revoke("20", at("2026-02-01T00:00:00Z"), 1));

  NIMBUS_ASSERT_OK_AND_ASSIGN(auto good, store_->certificate_status("issuing", "10"));
  ASSERT_TRUE(good.has_value());
  EXPECT_EQ(good->status, CertificateStatus::kValid);
  EXPECT_FALSE(good->revoked_at.has_value());
  EXPECT_FALSE(good->revocation_reason.has_value());
  EXPECT_EQ(good->not_after, at("2027-01-01T00:00:00Z"));
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto revoked, store_->certificate_status("issuing", "20"));
  ASSERT_TRUE(revoked.has_value());
  EXPECT_EQ(revoked->status, CertificateStatus::kRevoked);
  EXPECT_EQ(revoked->revoked_at, std::optional<Timestamp>(at("2026-02-01T00:00:00Z")));
  EXPECT_EQ(revoked->revocation_reason, std::optional<int>(1));
  // The same serial under another issuer is a certificate that issuer never signed.
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto elsewhere, store_->certificate_status("root", "10"));
  EXPECT_FALSE(elsewhere.has_value());
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto unknown, store_->certificate_status("issuing", "99"));
  EXPECT_FALSE(unknown.has_value());
}

TEST_P(StoreConformance, OnlyACertificateOnHoldCanBeReleased) {
  NIMBUS_ASSERT_OK(insert(root_record("root")));
  for (const char* serial : {"10", "20", "30"}) NIMBUS_ASSERT_OK(insert(certificate_record(serial, "root")));
  NIMBUS_ASSERT_OK(revoke("10", at("2026-02-01T00:00:00Z"), 6));
  NIMBUS_ASSERT_OK(revoke("20", at("2026-02-01T00:00:00Z"), 1));
  NIMBUS_ASSERT_OK(write([](StoreWriter& tx) { return tx.release_certificate_hold("10"); }));
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto released, store_->find_certificate("10"));
  ASSERT_TRUE(released.has_value());
  EXPECT_EQ(released->status, CertificateStatus::kValid);
  EXPECT_FALSE(released->revoked_at.has_value());
  EXPECT_FALSE(released->revocation_reason.has_value());
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto revocations, store_->revocations("root"));
  ASSERT_EQ(revocations.size(), 1u);
  EXPECT_EQ(revocations[0].serial, "20");

  std::string before = contents();
  for (const char* serial : {"10", "20", "30", "99"}) {
    NIMBUS_EXPECT_ERROR(write([&](StoreWriter& tx) { return tx.release_certificate_hold(serial); }),
                        ErrorCode::kNotFound);
  }
  EXPECT_EQ(contents(), before);
}

// A certificate on hold may be revoked for good (keyCompromise found after a hold).
TEST_P(StoreConformance, ACertificateOnHoldCanBeRevokedForGood) {
  NIMBUS_ASSERT_OK(insert(root_record("root")));
  NIMBUS_ASSERT_OK(insert(certificate_record("10", "root")));
  NIMBUS_ASSERT_OK(revoke("10", at("2026-02-01T00:00:00Z"), 6));
  NIMBUS_ASSERT_OK(revoke("10", at("2026-02-05T00:00:00Z"), 1));
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto status, store_->certificate_status("root", "10"));
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->status, CertificateStatus::kRevoked);
  EXPECT_EQ(status->revoked_at, std::optional<Timestamp>(at("2026-02-05T00:00:00Z")));
  EXPECT_EQ(status->revocation_reason, std::optional<int>(1));
  NIMBUS_EXPECT_ERROR(write([](StoreWriter& tx) { return tx.release_certificate_hold("10"); }), ErrorCode::kNotFound);
}

TEST_P(StoreConformance, TalliesCountIssuedAndRevokedPerIssuer) {
  add_authorities_and_profiles();
  NIMBUS_ASSERT_OK(insert(issuing_record("idle", "root")));
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto none, store_->certificate_tallies());
  EXPECT_TRUE(none.empty());
  for (const char* serial : {"01", "02", "03", "04"}) NIMBUS_ASSERT_OK(insert(certificate_record(serial, "issuing")));
  NIMBUS_ASSERT_OK(insert(certificate_record("05", "root")));
  NIMBUS_ASSERT_OK(revoke("01", at("2026-02-01T00:00:00Z"), 1));
  NIMBUS_ASSERT_OK(revoke("02", at("2026-02-01T00:00:00Z"), 6));  // a hold counts as revoked
  NIMBUS_ASSERT_OK(revoke("03", at("2026-02-01T00:00:00Z"), 6));
  NIMBUS_ASSERT_OK(write([](StoreWriter& tx) { return tx.release_certificate_hold("03"); }));

  NIMBUS_ASSERT_OK_AND_ASSIGN(auto tallies, store_->certificate_tallies());
  std::vector<std::string> seen;
  for (const CertificateTally& tally : tallies) {
    seen.push_back(fmt::format("{} {}/{}", tally.issuer_id, tally.issued, tally.revoked));
  }
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen, (std::vector<std::string>{"issuing 4/2", "root 1/0"}));  // "idle" has none
}

// ---- The queries of `cert list` and `cert show` ----

void add_listed(Store& store, const std::string& serial, const std::string& issuer, std::optional<std::string> profile,
                const std::string& subject, Timestamp not_after, int order) {
  CertificateRecord record = certificate_record(serial, issuer);
  record.subject = subject;
  record.not_after = not_after;
  record.profile_id = std::move(profile);
  record.issued_at = at("2026-02-01T00:00:00Z") + std::chrono::hours(order);
  record.sha1 = std::string(40, 'a') + serial;
  record.sha256 = std::string(64, 'b') + serial;
  must(store.write([&](StoreWriter& tx) { return tx.insert_certificate(record); }), "inserting " + serial);
}

// Five certificates of two issuers and two profiles, issued an hour apart; "02" and "05" are
// revoked, "03" and "05" expire on 2026-03-01.
void add_listed_certificates(Store& store) {
  must(store.write([](StoreWriter& tx) { return tx.insert_authority(issuing_record("other-issuing", "root")); }));
  add_listed(store, "01", "issuing", "vpn", "CN=Alice Smith, O=Contoso", at("2027-01-01T00:00:00Z"), 1);
  add_listed(store, "02", "issuing", "wifi", "CN=bob jones, O=Contoso", at("2027-01-01T00:00:00Z"), 2);
  add_listed(store, "03", "other-issuing", "vpn", "CN=ALICE COOPER, O=Fabrikam", at("2026-03-01T00:00:00Z"), 3);
  add_listed(store, "04", "issuing", std::nullopt, "CN=carol, O=Contoso", at("2027-01-01T00:00:00Z"), 4);
  add_listed(store, "05", "issuing", "vpn", "CN=dave, O=Contoso", at("2026-03-01T00:00:00Z"), 5);
  must(store.write([](StoreWriter& tx) -> Status {
    NIMBUS_TRY(tx.revoke_certificate("02", at("2026-02-20T00:00:00Z"), 1));
    return tx.revoke_certificate("05", at("2026-02-20T00:00:00Z"), 1);
  }));
}

std::vector<std::string> listed_serials(Store& store, CertificateFilter filter) {
  if (filter.now == Timestamp()) filter.now = at("2026-06-01T00:00:00Z");
  std::vector<std::string> out;
  for (const CertificateRecord& record : must(store.list_certificates(filter))) out.push_back(record.serial);
  return out;
}

TEST_P(StoreConformance, ListsNewestFirstWithALimit) {
  add_authorities_and_profiles();
  add_listed_certificates(*store_);
  CertificateFilter all;
  EXPECT_EQ(listed_serials(*store_, all), (std::vector<std::string>{"05", "04", "03", "02", "01"}));
  CertificateFilter two;
  two.limit = 2;
  EXPECT_EQ(listed_serials(*store_, two), (std::vector<std::string>{"05", "04"}));
  // Issued at the same time: the higher serial first, whatever the order of insertion.
  add_listed(*store_, "06", "issuing", "vpn", "CN=same time, O=Contoso", at("2027-01-01T00:00:00Z"), 6);
  add_listed(*store_, "07", "issuing", "vpn", "CN=same time, O=Contoso", at("2027-01-01T00:00:00Z"), 6);
  add_listed(*store_, "0a", "issuing", "vpn", "CN=same time, O=Contoso", at("2027-01-01T00:00:00Z"), 6);
  EXPECT_EQ(listed_serials(*store_, two), (std::vector<std::string>{"0a", "07"}));
}

TEST_P(StoreConformance, ListsPagesAfterAPosition) {
  add_authorities_and_profiles();
  add_listed_certificates(*store_);
  add_listed(*store_, "06", "issuing", "vpn", "CN=same time, O=Contoso", at("2027-01-01T00:00:00Z"), 5);
  CertificateFilter page;
  page.limit = 2;
  std::vector<std::string> walked;
  for (int pages = 0; pages < 10; ++pages) {
    std::vector<CertificateRecord> records = must(store_->list_certificates(page));
    for (const CertificateRecord& record : records) walked.push_back(record.serial);
    if (records.size() < page.limit) break;
    page.after = CertificatePosition{records.back().issued_at, records.back().serial};
  }
  EXPECT_EQ(walked, (std::vector<std::string>{"06", "05", "04", "03", "02", "01"}));
  // Filters apply after the position as before it.
  CertificateFilter vpn;
  vpn.profile_id = "vpn";
  vpn.after = CertificatePosition{at("2026-02-01T00:00:00Z") + std::chrono::hours(5), "06"};
  EXPECT_EQ(listed_serials(*store_, vpn), (std::vector<std::string>{"05", "03", "01"}));
}

TEST_P(StoreConformance, FiltersByIssuerAndProfile) {
  add_authorities_and_profiles();
  add_listed_certificates(*store_);
  CertificateFilter by_issuer;
  by_issuer.issuer_id = "other-issuing";
  EXPECT_EQ(listed_serials(*store_, by_issuer), std::vector<std::string>{"03"});
  CertificateFilter by_profile;
  by_profile.profile_id = "vpn";
  EXPECT_EQ(listed_serials(*store_, by_profile), (std::vector<std::string>{"05", "03", "01"}));
  CertificateFilter both;
  both.issuer_id = "issuing";
  both.profile_id = "vpn";
  EXPECT_EQ(listed_serials(*store_, both), (std::vector<std::string>{"05", "01"}));
  CertificateFilter nothing;
  nothing.profile_id = "no-such-profile";
  EXPECT_TRUE(listed_serials(*store_, nothing).empty());
}

TEST_P(StoreConformance, FiltersBySubjectSubstringIgnoringCase) {
  add_authorities_and_profiles();
  add_listed_certificates(*store_);
  CertificateFilter alice;
  alice.subject_contains = "alice";
  EXPECT_EQ(listed_serials(*store_, alice), (std::vector<std::string>{"03", "01"}));
  CertificateFilter upper;
  upper.subject_contains = "CONTOSO";
  EXPECT_EQ(listed_serials(*store_, upper), (std::vector<std::string>{"05", "04", "02", "01"}));
  CertificateFilter mixed;
  mixed.subject_contains = "Bob Jo";
  EXPECT_EQ(listed_serials(*store_, mixed), std::vector<std::string>{"02"});
  // Not a pattern: '%', '_' and '*' are plain characters.
  for (const char* wildcard : {"%", "_", "*"}) {
    CertificateFilter pattern;
    pattern.subject_contains = wildcard;
    EXPECT_TRUE(listed_serials(*store_, pattern).empty()) << wildcard;
  }
}

// A store may index subjects (SQLite does, by trigram) and must then answer exactly as a scan
// would: rare and common texts, any case, across pages, with the other filters.
TEST_P(StoreConformance, SubjectSearchAnswersAsAScanWouldAmongMany) {
  add_authorities_and_profiles();
  must(store_->write([](StoreWriter& tx) -> Status {
    for (int i = 0; i < 3000; ++i) {
      const std::string serial = fmt::format("{:06x}", i);
      CertificateRecord record = certificate_record(serial, "issuing");
      record.subject = fmt::format("CN=User-{:04}, O=Contoso", i);
      record.profile_id = i % 2 ? std::optional<std::string>("vpn") : std::nullopt;
      record.issued_at = at("2026-02-01T00:00:00Z") + std::chrono::minutes(i);
      record.sha1 = std::string(34, 'a') + serial;
      record.sha256 = std::string(58, 'b') + serial;
      NIMBUS_TRY(tx.insert_certificate(record));
    }
    return ok_status();
  }));
  auto search = [&](const char* text, std::size_t limit = 1000, std::optional<std::string> profile = {}) {
    CertificateFilter filter;
    filter.subject_contains = text;
    filter.limit = limit;
    filter.profile_id = std::move(profile);
    return listed_serials(*store_, filter);
  };
  EXPECT_EQ(search("user-0042"), std::vector<std::string>{"00002a"});
  EXPECT_EQ(search("USER-0042, o=CONTOSO"), std::vector<std::string>{"00002a"});
  EXPECT_EQ(search("ser-004"), (std::vector<std::string>{"000031", "000030", "00002f", "00002e", "00002d", "00002c",
                                                         "00002b", "00002a", "000029", "000028"}));
  EXPECT_EQ(search("ser-004", 1000, "vpn"), (std::vector<std::string>{"000031", "00002f", "00002d", "00002b", "000029"}));
  EXPECT_EQ(search("user-", 3), (std::vector<std::string>{"000bb7", "000bb6", "000bb5"}));  // common: newest first
  EXPECT_TRUE(search("user-9999").empty());
  EXPECT_TRUE(search("\"user").empty());  // a quote is a plain character, not query syntax

  // Pages of a rare text follow each other without gaps.
  CertificateFilter page;
  page.subject_contains = "ser-004";
  page.limit = 4;
  page.now = at("2026-06-01T00:00:00Z");
  std::vector<std::string> seen;
  for (int pages = 0; pages < 5; ++pages) {
    std::vector<CertificateRecord> records = must(store_->list_certificates(page));
    for (const CertificateRecord& record : records) seen.push_back(record.serial);
    if (records.size() < page.limit) break;
    page.after = CertificatePosition{records.back().issued_at, records.back().serial};
  }
  EXPECT_EQ(seen, search("ser-004"));
}

// Pages of a subject search list exactly what pages of a scan would, in the listing order, even
// when many certificates share their second of issuance (ties go by serial, whatever the order they
// were stored in), when they were stored out of the order of their issuance, and when the matches
// are few and old among many newer ones; with another filter as well.
TEST_P(StoreConformance, SubjectSearchPagesInListingOrderThroughTiesAndOldMatches) {
  add_authorities_and_profiles();
  constexpr int kCount = 700;
  std::vector<CertificateRecord> stored;
  for (int n = 0; n < kCount; ++n) {
    // Serials in no relation to issuance, and up to seven certificates in a second.
    CertificateRecord record = certificate_record(fmt::format("{:04x}", (n * 389) % 1009), "issuing");
    record.subject = fmt::format("CN={}-{:04}, O=Contoso", n < 100 ? "Old-Laptop" : "laptop", n);
    record.issued_at = at("2026-02-01T00:00:00Z") + std::chrono::seconds(n / 7);
    record.profile_id = n % 3 == 0 ? std::optional<std::string>("vpn") : std::nullopt;
    record.sha1 = std::string(36, 'a') + record.serial;
    record.sha256 = std::string(60, 'b') + record.serial;
    stored.push_back(record);
  }
  must(store_->write([&](StoreWriter& tx) -> Status {
    for (std::size_t i = 0; i < stored.size(); ++i) {
      if (i % 10 != 0) NIMBUS_TRY(tx.insert_certificate(stored[i]));
    }
    return ok_status();
  }));
  must(store_->write([&](StoreWriter& tx) -> Status {  // each tenth after all the others
    for (std::size_t i = 0; i < stored.size(); i += 10) NIMBUS_TRY(tx.insert_certificate(stored[i]));
    return ok_status();
  }));
  std::sort(stored.begin(), stored.end(), [](const CertificateRecord& a, const CertificateRecord& b) {
    return std::tie(a.issued_at, a.serial) > std::tie(b.issued_at, b.serial);
  });
  auto scanned = [&](const std::string& text, const std::optional<std::string>& profile) {
    std::vector<std::string> serials;
    for (const CertificateRecord& record : stored) {
      if (profile && record.profile_id != profile) continue;
      std::string subject = record.subject;
      std::transform(subject.begin(), subject.end(), subject.begin(), [](unsigned char c) { return std::tolower(c); });
      if (subject.find(text) != std::string::npos) serials.push_back(record.serial);
    }
    return serials;
  };
  const std::vector<std::optional<std::string>> profiles = {std::nullopt, "vpn"};
  for (const std::string text : {"old-laptop", "laptop-06", "laptop-000", "contoso", "-0", "p-00", "nothing"}) {
    for (const std::optional<std::string>& profile : profiles) {
      for (std::size_t limit : {1, 3, 7, 50, 1000}) {
        CertificateFilter page;
        page.subject_contains = text;
        page.profile_id = profile;
        page.limit = limit;
        page.now = at("2026-06-01T00:00:00Z");
        std::vector<std::string> seen;
        for (int pages = 0; pages < kCount; ++pages) {
          std::vector<CertificateRecord> records = must(store_->list_certificates(page));
          for (const CertificateRecord& record : records) seen.push_back(record.serial);
          if (records.size() < limit) break;
          page.after = CertificatePosition{records.back().issued_at, records.back().serial};
        }
        EXPECT_EQ(seen, scanned(text, profile))
            << '"' << text << "\" in pages of " << limit << ", profile " << profile.value_or("any");
      }
    }
  }
}

// Subjects are UTF-8 and people's names are often not ASCII: "zoë" should find "CN=Zoë Ünal" and
// "ZOË ÜNAL" alike.
TEST_P(StoreConformance, SubjectFilterIgnoresCaseBeyondAscii) {
  add_authorities_and_profiles();
  add_listed_certificates(*store_);
  add_listed(*store_, "06", "issuing", "vpn", "CN=ZOË ÜNAL, O=Contoso", at("2027-01-01T00:00:00Z"), 6);
  CertificateFilter lower;
  lower.subject_contains = "zoë ünal";
  EXPECT_EQ(listed_serials(*store_, lower), std::vector<std::string>{"06"});
}

TEST_P(StoreConformance, FiltersByStatusAtATime) {
  add_authorities_and_profiles();
  add_listed_certificates(*store_);
  using Status = CertificateFilter::Status;
  auto with = [&](Status status, const char* now = "2026-06-01T00:00:00Z") {
    CertificateFilter filter;
    filter.status = status;
    filter.now = at(now);
    return listed_serials(*store_, filter);
  };
  EXPECT_EQ(with(Status::kValid), (std::vector<std::string>{"04", "01"}));
  EXPECT_EQ(with(Status::kRevoked), (std::vector<std::string>{"05", "02"}));  // expired or not
  EXPECT_EQ(with(Status::kExpired), std::vector<std::string>{"03"});         // a revoked one is listed as revoked

  // Earlier, before anything expired, the same certificates were valid.
  EXPECT_EQ(with(Status::kValid, "2026-02-25T00:00:00Z"), (std::vector<std::string>{"04", "03", "01"}));
  EXPECT_TRUE(with(Status::kExpired, "2026-02-25T00:00:00Z").empty());

  // Valid through its last second, expired from the next.
  EXPECT_EQ(with(Status::kValid, "2026-03-01T00:00:00Z"), (std::vector<std::string>{"04", "03", "01"}));
  EXPECT_EQ(with(Status::kExpired, "2026-03-01T00:00:01Z"), std::vector<std::string>{"03"});

  CertificateFilter combined;
  combined.status = Status::kValid;
  combined.subject_contains = "alice";
  EXPECT_EQ(listed_serials(*store_, combined), std::vector<std::string>{"01"});
}

TEST_P(StoreConformance, FindsByThumbprintOrSerial) {
  add_authorities_and_profiles();
  add_listed_certificates(*store_);
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto by_serial, store_->find_certificate_by_thumbprint("03"));
  ASSERT_TRUE(by_serial.has_value());
  EXPECT_EQ(by_serial->serial, "03");
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto by_sha1, store_->find_certificate_by_thumbprint(std::string(40, 'a') + "02"));
  ASSERT_TRUE(by_sha1.has_value());
  EXPECT_EQ(by_sha1->serial, "02");
  EXPECT_EQ(by_sha1->status, CertificateStatus::kRevoked);
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto by_sha256, store_->find_certificate_by_thumbprint(std::string(64, 'b') + "04"));
  ASSERT_TRUE(by_sha256.has_value());
  EXPECT_EQ(by_sha256->serial, "04");
  EXPECT_EQ(by_sha256->subject, "CN=carol, O=Contoso");
  EXPECT_FALSE(by_sha256->profile_id.has_value());
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto missing, store_->find_certificate_by_thumbprint("ffff"));
  EXPECT_FALSE(missing.has_value());
  // A prefix is not a thumbprint.
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto prefix, store_->find_certificate_by_thumbprint(std::string(40, 'a')));
  EXPECT_FALSE(prefix.has_value());
}

}  // namespace
}  // namespace nimbus::store::conformance
