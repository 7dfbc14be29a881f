// Conformance: what write() promises — all or nothing, its own changes visible to itself, the last
// commit visible to everyone else (and nothing of a write in progress), durability.
#include <algorithm>
#include <future>
#include <mutex>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "store/conformance/concurrency_support.h"
#include "store/conformance/sample_records.h"
#include "store/conformance/store_conformance.h"
#include "store/conformance/store_contents.h"
#include "testing/test_support.h"

namespace nimbus::store::conformance {
namespace {

using nimbus::testing::at;
using nimbus::testing::describe_status;
using nimbus::testing::must;

// A store with something in every table: authorities (one pending), certificates (one revoked,
// one on hold), an OCSP signer, a CRL, profiles, enrollments (one used) and audit events.
void fill_every_table(Store& store) {
  must(store.write([](StoreWriter& tx) -> Status {
    NIMBUS_TRY(tx.insert_authority(root_record("root")));
    NIMBUS_TRY(tx.insert_authority(issuing_record("issuing", "root")));
    AuthorityRecord pending = issuing_record("pending", "root");
    pending.status = AuthorityStatus::kPending;
    pending.certificate_der.reset();
    NIMBUS_TRY(tx.insert_authority(pending));
    for (const char* serial : {"01", "02", "03", "04"}) NIMBUS_TRY(tx.insert_certificate(certificate_record(serial, "issuing")));
    NIMBUS_TRY(tx.revoke_certificate("02", at("2026-02-01T00:00:00Z"), 1));
    NIMBUS_TRY(tx.revoke_certificate("03", at("2026-02-01T00:00:00Z"), 6));
    NIMBUS_TRY(tx.insert_ocsp_signer(ocsp_signer_record("issuing", "04", at("2026-06-01T00:00:00Z"))));
    NIMBUS_ASSIGN_OR_RETURN(std::uint64_t number, tx.allocate_crl_number("issuing"));
    NIMBUS_TRY(tx.insert_crl(crl_record("issuing", number)));
    NIMBUS_TRY(tx.put_profile(profile_record("vpn", 1, "v1")));
    NIMBUS_TRY(tx.put_profile(profile_record("wifi", 1, "w1")));
    NIMBUS_TRY(tx.insert_enrollment(enrollment_record("e-used", "vpn")));
    NIMBUS_TRY(tx.insert_enrollment(enrollment_record("e-pending", "vpn")));
    NIMBUS_TRY(tx.mark_enrollment_used("e-used", "01", at("2026-02-03T00:00:00Z")));
    return tx.append_audit({at("2026-01-01T00:00:00Z"), "test", "store.fill", "", ""});
  }), "filling every table");
}

// Changes every table in every way the writer can, checking each change is visible to the write
// itself.
Status change_every_table(StoreWriter& tx) {
  auto expect = [](bool condition, const char* what) -> Status {
    if (condition) return ok_status();
    return Error(ErrorCode::kInternal, fmt::format("inside the write: {}", what));
  };
  NIMBUS_TRY(tx.insert_authority(issuing_record("new-ca", "root")));
  NIMBUS_TRY(tx.set_authority_status("issuing", AuthorityStatus::kPaused));
  NIMBUS_TRY(tx.set_authority_certificate("pending", Bytes{0x30, 0x09}, std::string("chain")));
  NIMBUS_TRY(tx.insert_certificate(certificate_record("05", "issuing")));
  NIMBUS_TRY(tx.revoke_certificate("01", at("2026-02-05T00:00:00Z"), 4));
  NIMBUS_TRY(tx.release_certificate_hold("03"));
  NIMBUS_ASSIGN_OR_RETURN(std::uint64_t number, tx.allocate_crl_number("issuing"));
  NIMBUS_TRY(tx.insert_crl(crl_record("issuing", number)));
  NIMBUS_TRY(tx.insert_ocsp_signer(ocsp_signer_record("issuing", "05", at("2026-09-01T00:00:00Z"))));
  NIMBUS_TRY(tx.put_profile(profile_record("vpn", 2, "v2")));
  NIMBUS_TRY(tx.put_profile(profile_record("new-profile", 1, "n1")));
  NIMBUS_TRY(tx.delete_profile("wifi"));
  NIMBUS_TRY(tx.insert_enrollment(enrollment_record("e-new", "vpn")));
  NIMBUS_TRY(tx.mark_enrollment_used("e-pending", "05", at("2026-02-06T00:00:00Z")));
  NIMBUS_TRY(tx.append_audit({at("2026-02-06T00:00:00Z"), "test", "store.change", "", ""}));

  NIMBUS_ASSIGN_OR_RETURN(auto new_ca, tx.find_authority("new-ca"));
  NIMBUS_TRY(expect(new_ca.has_value(), "find_authority sees the new authority"));
  NIMBUS_ASSIGN_OR_RETURN(auto authorities, tx.list_authorities());
  NIMBUS_TRY(expect(authorities.size() == 4, "list_authorities sees four"));
  NIMBUS_ASSIGN_OR_RETURN(auto issuing, tx.find_authority("issuing"));
  NIMBUS_TRY(expect(issuing && issuing->status == AuthorityStatus::kPaused && issuing->last_crl_number == number,
                    "the issuing CA is paused at the new CRL number"));
  NIMBUS_ASSIGN_OR_RETURN(auto pending, tx.find_authority("pending"));
  NIMBUS_TRY(expect(pending && pending->status == AuthorityStatus::kActive, "the pending CA is active"));
  NIMBUS_ASSIGN_OR_RETURN(bool exists, tx.serial_exists("05"));
  NIMBUS_TRY(expect(exists, "serial_exists sees the new certificate"));
  NIMBUS_ASSIGN_OR_RETURN(auto by_thumbprint, tx.find_certificate_by_thumbprint("sha256-05"));
  NIMBUS_TRY(expect(by_thumbprint.has_value(), "find_certificate_by_thumbprint sees it"));
  NIMBUS_ASSIGN_OR_RETURN(auto revoked, tx.find_certificate("01"));
  NIMBUS_TRY(expect(revoked && revoked->status == CertificateStatus::kRevoked, "find_certificate sees 01 revoked"));
  NIMBUS_ASSIGN_OR_RETURN(auto released, tx.certificate_status("issuing", "03"));
  NIMBUS_TRY(expect(released && released->status == CertificateStatus::kValid, "certificate_status sees 03 released"));
  NIMBUS_ASSIGN_OR_RETURN(auto revocations, tx.revocations("issuing"));
  NIMBUS_TRY(expect(revocations.size() == 2, "revocations sees 01 and 02"));
  std::size_t scanned = 0;
  NIMBUS_TRY(tx.for_each_revocation("issuing", [&](const RevocationEntry&) -> Status {
    ++scanned;
    return ok_status();
  }));
  NIMBUS_TRY(expect(scanned == 2, "for_each_revocation sees 01 and 02"));
  CertificateFilter every;
  NIMBUS_ASSIGN_OR_RETURN(auto certificates, tx.list_certificates(every));
  NIMBUS_TRY(expect(certificates.size() == 5, "list_certificates sees five"));
  NIMBUS_ASSIGN_OR_RETURN(auto tallies, tx.certificate_tallies());
  NIMBUS_TRY(expect(tallies.size() == 1 && tallies[0].issued == 5 && tallies[0].revoked == 2,
                    "certificate_tallies counts 5 issued, 2 revoked"));
  NIMBUS_ASSIGN_OR_RETURN(auto crl, tx.latest_crl("issuing"));
  NIMBUS_TRY(expect(crl && crl->number == number, "latest_crl sees the new CRL"));
  NIMBUS_ASSIGN_OR_RETURN(auto signer, tx.current_ocsp_signer("issuing"));
  NIMBUS_TRY(expect(signer && signer->serial == "05", "current_ocsp_signer sees the new signer"));
  NIMBUS_ASSIGN_OR_RETURN(auto vpn, tx.find_profile("vpn"));
  NIMBUS_TRY(expect(vpn && vpn->version == 2, "find_profile sees version 2"));
  NIMBUS_ASSIGN_OR_RETURN(auto profiles, tx.list_profiles());
  NIMBUS_TRY(expect(profiles.size() == 2, "list_profiles sees vpn and new-profile"));
  NIMBUS_ASSIGN_OR_RETURN(std::uint64_t last, tx.last_profile_version("wifi"));
  NIMBUS_TRY(expect(last == 1, "last_profile_version of the deleted profile is 1"));
  NIMBUS_ASSIGN_OR_RETURN(auto used, tx.find_enrollment("e-pending"));
  NIMBUS_TRY(expect(used && used->status == EnrollmentStatus::kUsed, "find_enrollment sees e-pending used"));
  NIMBUS_ASSIGN_OR_RETURN(auto enrollments, tx.list_enrollments("vpn"));
  NIMBUS_TRY(expect(enrollments.size() == 3, "list_enrollments sees three"));
  NIMBUS_ASSIGN_OR_RETURN(std::size_t pending_count, tx.count_pending_enrollments("vpn"));
  NIMBUS_TRY(expect(pending_count == 1, "count_pending_enrollments sees e-new alone"));
  NIMBUS_ASSIGN_OR_RETURN(auto events, tx.audit_events(1));
  return expect(events.size() == 1 && events[0].action == "store.change", "audit_events sees the new event first");
}

TEST_P(StoreConformance, AWriteSeesItsOwnChangesAndCommitsThemTogether) {
  fill_every_table(*store_);
  std::string before = contents();
  NIMBUS_ASSERT_OK(write(change_every_table));
  std::string after = contents();
  EXPECT_NE(after, before);
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto other, open_another());
  NIMBUS_ASSERT_OK_AND_ASSIGN(std::string seen, store_contents(*other));
  EXPECT_EQ(seen, after);
}

TEST_P(StoreConformance, AFailedWriteRollsBackEveryTable) {
  fill_every_table(*store_);
  std::string before = contents();
  Status status = write([](StoreWriter& tx) -> Status {
    NIMBUS_TRY(change_every_table(tx));
    return Error(ErrorCode::kPolicyViolation, "the work changed its mind");
  });
  // The work's own error, untouched.
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), ErrorCode::kPolicyViolation);
  EXPECT_EQ(status.error().message(), "the work changed its mind");

  EXPECT_EQ(contents(), before);
  EXPECT_EQ(must(last_version("new-profile")), 0u);
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto other, open_another());
  NIMBUS_ASSERT_OK_AND_ASSIGN(std::string seen, store_contents(*other));
  EXPECT_EQ(seen, before);

  // No transaction was left open: the same changes commit now.
  NIMBUS_ASSERT_OK(write(change_every_table));
}

TEST_P(StoreConformance, AFailedStoreOperationRollsBackTheEarlierOnes) {
  NIMBUS_ASSERT_OK(insert(root_record("root")));
  std::string before = contents();
  Status status = write([&](StoreWriter& tx) -> Status {
    NIMBUS_TRY(tx.insert_authority(issuing_record("new-one", "root")));
    NIMBUS_TRY(tx.append_audit({at("2026-01-01T00:00:00Z"), "test", "authority.create", "new-one", ""}));
    return tx.insert_authority(root_record("root"));  // duplicate
  });
  NIMBUS_ASSERT_ERROR(status, ErrorCode::kAlreadyExists);
  EXPECT_EQ(contents(), before);
}

// A work that handles a refused operation and goes on commits what it did besides: a refusal
// spoils nothing else in the write.
TEST_P(StoreConformance, ARefusedOperationThatTheWorkHandlesSpoilsNothing) {
  NIMBUS_ASSERT_OK(insert(root_record("root")));
  NIMBUS_ASSERT_OK(insert(certificate_record("01", "root")));
  NIMBUS_ASSERT_OK(write([&](StoreWriter& tx) -> Status {
    NIMBUS_TRY(tx.insert_certificate(certificate_record("02", "root")));
    Status duplicate = tx.insert_certificate(certificate_record("01", "root"));
    if (duplicate.ok() || duplicate.error().code() != ErrorCode::kAlreadyExists) {
      return Error(ErrorCode::kInternal, "the duplicate was not refused");
    }
    return tx.insert_certificate(certificate_record("03", "root"));
  }));
  for (const char* serial : {"01", "02", "03"}) {
    NIMBUS_ASSERT_OK_AND_ASSIGN(bool exists, store_->serial_exists(serial));
    EXPECT_TRUE(exists) << serial;
  }
}

TEST_P(StoreConformance, CommittedWritesAreVisibleToAnotherHandle) {
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto other, open_another());
  NIMBUS_ASSERT_OK(insert(root_record("root")));
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto seen, other->find_authority("root"));
  EXPECT_TRUE(seen.has_value());
  NIMBUS_ASSERT_OK(other->write([](StoreWriter& tx) { return tx.set_authority_status("root", AuthorityStatus::kPaused); }));
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto back, store_->find_authority("root"));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->status, AuthorityStatus::kPaused);
}

TEST_P(StoreConformance, DataSurvivesReopening) {
  fill_every_table(*store_);
  std::string before = contents();
  NIMBUS_ASSERT_OK(reopen());
  EXPECT_EQ(contents(), before);
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto root, store_->find_authority("issuing"));
  ASSERT_TRUE(root.has_value());
  EXPECT_EQ(root->last_crl_number, 1u);
  NIMBUS_ASSERT_OK_AND_ASSIGN(std::uint64_t next, allocate("issuing"));
  EXPECT_EQ(next, 2u);
}

TEST_P(StoreConformance, UpkeepChangesNoContentsAndWritesGoOnAfterIt) {
  fill_every_table(*store_);
  std::string before = contents();
  store_->maintain();
  store_->maintain();
  EXPECT_EQ(contents(), before);
  NIMBUS_ASSERT_OK_AND_ASSIGN(std::uint64_t next, allocate("issuing"));
  EXPECT_EQ(next, 2u);
  NIMBUS_ASSERT_OK(reopen());
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto issuing, store_->find_authority("issuing"));
  ASSERT_TRUE(issuing.has_value());
  EXPECT_EQ(issuing->last_crl_number, 2u);
}

// Runs `read` while a write is held open; fails the test if it has not finished after
// kBlockedAfter (and then lets the write go, so that the read can end).
template <typename Read>
auto read_during_write(Gate& gate, Read read) {
  auto reading = std::async(std::launch::async, read);
  if (reading.wait_for(kBlockedAfter) == std::future_status::timeout) {
    ADD_FAILURE() << "a read waited for a write in progress";
    gate.release();
  }
  return reading.get();
}

// While a write is in progress (made changes, not committed), readers on the same handle, on
// another handle and on a handle opened meanwhile see the last commit, without waiting.
TEST_P(StoreConformance, ReadersDuringAWriteSeeTheLastCommitWithoutWaiting) {
  fill_every_table(*store_);
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto other, open_another());
  std::string committed = contents();
  NIMBUS_ASSERT_OK_AND_ASSIGN(int version, store_->schema_version());

  Gate gate;
  Status written = ok_status();
  std::thread writer([&] {
    written = store_->write([&](StoreWriter& tx) -> Status {
      NIMBUS_TRY(change_every_table(tx));
      gate.arrive_and_wait();
      return ok_status();
    });
  });
  ASSERT_TRUE(gate.wait_for_arrival()) << "the write did not start";

  EXPECT_EQ(read_during_write(gate, [&] { return contents(); }), committed);
  EXPECT_EQ(read_during_write(gate, [&] { return must(store_contents(*other)); }), committed);
  EXPECT_EQ(read_during_write(gate, [&] { return must(store_->schema_version()); }), version);
  std::unique_ptr<Store> late =
      read_during_write(gate, [&] { return must(open_another(), "opening a handle during a write"); });
  EXPECT_EQ(read_during_write(gate, [&] { return must(store_contents(*late)); }), committed);

  gate.release();
  writer.join();
  NIMBUS_ASSERT_OK(written);
  std::string after = contents();
  EXPECT_NE(after, committed);
  EXPECT_EQ(must(store_contents(*other)), after);
  EXPECT_EQ(must(store_contents(*late)), after);
}

// One read call sees one committed state, even when a write commits while it runs: a scan that
// a revocation and a release overtake lists what was revoked when it began.
TEST_P(StoreConformance, ARevocationScanSeesTheStateItBeganWith) {
  NIMBUS_ASSERT_OK(insert(root_record("root")));
  for (const char* serial : {"10", "20", "30", "40"}) NIMBUS_ASSERT_OK(insert(certificate_record(serial, "root")));
  NIMBUS_ASSERT_OK(revoke("10", at("2026-02-01T00:00:00Z"), 1));
  NIMBUS_ASSERT_OK(revoke("20", at("2026-02-01T00:00:00Z"), 1));
  NIMBUS_ASSERT_OK(revoke("30", at("2026-02-01T00:00:00Z"), 6));

  std::vector<std::string> scanned;
  Status overtaking = ok_status();
  Status scan = store_->for_each_revocation("root", [&](const RevocationEntry& entry) -> Status {
    scanned.push_back(entry.serial);
    if (scanned.size() > 1) return ok_status();
    auto writing = std::async(std::launch::async, [&] {
      return store_->write([](StoreWriter& tx) -> Status {
        NIMBUS_TRY(tx.release_certificate_hold("30"));
        return tx.revoke_certificate("40", at("2026-02-02T00:00:00Z"), 1);
      });
    });
    if (writing.wait_for(kBlockedAfter) == std::future_status::timeout) {
      return Error(ErrorCode::kInternal, "a write waited for a read in progress");
    }
    overtaking = writing.get();
    return ok_status();
  });
  NIMBUS_ASSERT_OK(scan);
  NIMBUS_ASSERT_OK(overtaking);
  EXPECT_EQ(scanned, (std::vector<std::string>{"10", "20", "30"}));
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto now, store_->revocations("root"));
  std::vector<std::string> serials;
  for (const RevocationEntry& entry : now) serials.push_back(entry.serial);
  EXPECT_EQ(serials, (std::vector<std::string>{"10", "20", "40"}));
}

// Writes that fail, among writes that succeed, on threads and handles at once: each failure is
// rolled back alone, with its own error, and every success is kept.
TEST_P(StoreConformance, ConcurrentFailingWritesChangeNothingAndSpareTheOthers) {
  NIMBUS_ASSERT_OK(insert(root_record("root")));
  NIMBUS_ASSERT_OK(insert(certificate_record("aa", "root")));
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto other, open_another());
  constexpr int kThreads = 6;
  constexpr int kWrites = 8;
  std::mutex mutex;
  std::vector<std::string> unexpected;
  run_together(kThreads, [&](int t) {
    Store& store = t % 2 == 0 ? *store_ : *other;
    for (int i = 0; i < kWrites; ++i) {
      int kind = (t + i) % 3;  // 0: succeeds, 1: duplicate serial, 2: the work fails
      std::string target = fmt::format("{}-{}", t, i);
      Status status = store.write([&](StoreWriter& tx) -> Status {
        NIMBUS_TRY(tx.append_audit({at("2026-01-01T00:00:00Z"), "test", fmt::format("kind{}", kind), target, ""}));
        NIMBUS_TRY(tx.insert_certificate(certificate_record(kind == 1 ? std::string("aa") : "c" + target, "root")));
        if (kind == 2) return Error(ErrorCode::kCryptoError, "signing failed");
        return ok_status();
      });
      ErrorCode expected = kind == 1 ? ErrorCode::kAlreadyExists : ErrorCode::kCryptoError;
      bool as_expected = kind == 0 ? status.ok() : !status.ok() && status.error().code() == expected;
      if (!as_expected) {
        std::lock_guard lock(mutex);
        unexpected.push_back(fmt::format("{} (kind {}): {}", target, kind, describe_status(status)));
      }
    }
  });
  EXPECT_TRUE(unexpected.empty()) << unexpected.size() << " unexpected, first: " << unexpected.front();

  NIMBUS_ASSERT_OK_AND_ASSIGN(auto events, store_->audit_events(1000));
  std::vector<std::string> kept;
  for (const AuditEvent& event : events) {
    EXPECT_EQ(event.action, "kind0") << event.target;
    kept.push_back(event.target);
  }
  std::vector<std::string> expected;
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kWrites; ++i) {
      if ((t + i) % 3 != 0) continue;
      std::string target = fmt::format("{}-{}", t, i);
      expected.push_back(target);
      NIMBUS_ASSERT_OK_AND_ASSIGN(bool exists, store_->serial_exists("c" + target));
      EXPECT_TRUE(exists) << target;
    }
  }
  std::sort(kept.begin(), kept.end());
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(kept, expected);
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto tallies, store_->certificate_tallies());
  ASSERT_EQ(tallies.size(), 1u);
  EXPECT_EQ(tallies[0].issued, expected.size() + 1);
}

}  // namespace
}  // namespace nimbus::store::conformance
