// Conformance: writers at once — on threads of one handle, on several handles, in two processes.
// No update is lost, a unique value is stored once, an enrollment and a challenge are used once, and CRL numbers
// only grow, in the order the writes commit.
#include <algorithm>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "store/conformance/concurrency_support.h"
#include "store/conformance/sample_records.h"
#include "store/conformance/store_conformance.h"
#include "testing/test_support.h"

namespace nimbus::store::conformance {
namespace {

using nimbus::testing::at;
using nimbus::testing::describe_status;
using nimbus::testing::must;

constexpr std::chrono::seconds kChildTimeout{60};
constexpr std::chrono::microseconds kReadToWriteGap{500};
// Each writer pauses between its writes, as a server between requests does: back-to-back writes
// through one handle could otherwise take every turn while another handle's writer waits.
constexpr std::chrono::microseconds kPauseBetweenWrites{1000};

// ---- Read, then write what was read: no lost update ----

// One counted write: reads the profile "counter"'s last version and puts the next, allocates the
// root's next CRL number, and records both under `actor`. Serialised writes give every write its
// own version and number, the same two (both count from zero in the same order).
Status count_once(StoreWriter& tx, const std::string& actor) {
  NIMBUS_ASSIGN_OR_RETURN(std::uint64_t version, tx.last_profile_version("counter"));
  // Widens the window between the read and the write, where another writer could slip in.
  std::this_thread::sleep_for(kReadToWriteGap);
  ProfileRecord next = profile_record("counter", version + 1, fmt::format("written by {}", actor));
  next.issuing_ca = "root";
  NIMBUS_TRY(tx.put_profile(next));
  NIMBUS_ASSIGN_OR_RETURN(std::uint64_t number, tx.allocate_crl_number("root"));
  return tx.append_audit({at("2026-01-01T00:00:00Z"), actor, "conformance.count", std::to_string(version + 1),
                          std::to_string(number)});
}

// Runs count_once `writes` times, `pause` apart; returns the errors.
std::vector<std::string> count(Store& store, const std::string& actor, int writes,
                               std::chrono::microseconds pause = {}) {
  std::vector<std::string> errors;
  for (int i = 0; i < writes; ++i) {
    Status status = store.write([&](StoreWriter& tx) { return count_once(tx, actor); });
    if (!status.ok()) errors.push_back(fmt::format("{} write {}: {}", actor, i, status.error().to_string()));
    std::this_thread::sleep_for(pause);
  }
  return errors;
}

// Checks what `count` left: `total` writes, versions and CRL numbers 1..total each taken once and
// together, each writer's numbers rising. Returns how often the writer changed between
// consecutive commits (0 means the writers never overlapped).
int check_counted(Store& store, std::size_t total) {
  auto events = must(store.audit_events(10 * total));
  std::vector<AuditEvent> counted;
  for (auto event = events.rbegin(); event != events.rend(); ++event) {  // oldest first
    if (event->action == "conformance.count") counted.push_back(*event);
  }
  EXPECT_EQ(counted.size(), total);
  std::set<std::uint64_t> versions;
  std::map<std::string, std::uint64_t> last_number_of;
  int switches = 0;
  for (std::size_t i = 0; i < counted.size(); ++i) {
    const AuditEvent& event = counted[i];
    EXPECT_EQ(event.target, event.detail) << "version and CRL number were not allocated in the same order";
    std::uint64_t number = std::stoull(event.detail);
    EXPECT_TRUE(versions.insert(std::stoull(event.target)).second) << "version " << event.target << " twice";
    EXPECT_GT(number, last_number_of[event.actor]) << event.actor << "'s CRL numbers went down";
    last_number_of[event.actor] = number;
    if (i > 0 && counted[i - 1].actor != event.actor) ++switches;
  }
  if (!versions.empty()) {
    EXPECT_EQ(*versions.begin(), 1u);
    EXPECT_EQ(*versions.rbegin(), total);
  }
  auto counter = must(store.find_profile("counter"));
  EXPECT_TRUE(counter.has_value());
  if (counter) {
    EXPECT_EQ(counter->version, total);
  }
  auto root = must(store.find_authority("root"));
  EXPECT_TRUE(root.has_value());
  if (root) {
    EXPECT_EQ(root->last_crl_number, total);
  }
  return switches;
}

TEST_P(StoreConformance, WritersOnThreadsAndHandlesLoseNoUpdate) {
  NIMBUS_ASSERT_OK(insert(root_record("root")));
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto other, open_another());
  constexpr int kThreads = 4;
  constexpr int kWrites = 25;
  std::mutex mutex;
  std::vector<std::string> errors;
  run_together(kThreads, [&](int t) {
    std::vector<std::string> mine =
        count(t % 2 == 0 ? *store_ : *other, fmt::format("thread:{}", t), kWrites, kPauseBetweenWrites);
    std::lock_guard lock(mutex);
    errors.insert(errors.end(), mine.begin(), mine.end());
  });
  EXPECT_TRUE(errors.empty()) << errors.size() << " failed, first: " << errors.front();
  int switches = check_counted(*store_, kThreads * kWrites);
  EXPECT_GT(switches, 0) << "the writers never overlapped";
}

// ---- Two processes ----

// A start signal passed through the store (as audit events), so that a child process and its
// parent begin their writes together: starting a process takes longer than the writes.
constexpr const char* kChildReady = "conformance.ready";
constexpr const char* kGo = "conformance.go";

Status signal(Store& store, const char* action) {
  return store.write([&](StoreWriter& tx) {
    return tx.append_audit({at("2026-01-01T00:00:00Z"), "conformance", action, "", ""});
  });
}

bool wait_for_signal(Store& store, const char* action) {
  auto deadline = std::chrono::steady_clock::now() + kChildTimeout;
  while (std::chrono::steady_clock::now() < deadline) {
    for (const AuditEvent& event : must(store.audit_events(1000))) {
      if (event.action == action) return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return false;
}

// In the child: ready, then wait for the parent.
bool child_ready_and_go(Store& store) { return signal(store, kChildReady).ok() && wait_for_signal(store, kGo); }

// In the parent: wait for the child, then let both go. The error says why the child never got ready.
Status go_when_ready(Store& store, ChildProcess& child) {
  if (!wait_for_signal(store, kChildReady)) {
    return Error(ErrorCode::kInternal, "the child never got ready: " + describe_status(child.wait(kChildTimeout)));
  }
  return signal(store, kGo);
}

TEST_P(StoreConformance, WritersInTwoProcessesLoseNoUpdate) {
  constexpr int kWrites = 40;
  if (in_child()) {
    ASSERT_TRUE(child_ready_and_go(*store_));
    std::vector<std::string> errors = count(*store_, "child", kWrites, kPauseBetweenWrites);
    EXPECT_TRUE(errors.empty()) << errors.size() << " failed, first: " << errors.front();
    return;
  }

  NIMBUS_ASSERT_OK(insert(root_record("root")));
  NIMBUS_ASSERT_OK_AND_ASSIGN(ChildProcess child, start_child());
  NIMBUS_ASSERT_OK(go_when_ready(*store_, child));
  std::vector<std::string> errors = count(*store_, "parent", kWrites, kPauseBetweenWrites);
  NIMBUS_ASSERT_OK(child.wait(kChildTimeout));
  EXPECT_TRUE(errors.empty()) << errors.size() << " failed, first: " << errors.front();
  int switches = check_counted(*store_, 2 * kWrites);
  RecordProperty("writer_switches", switches);
  EXPECT_GT(switches, 0) << "the processes never overlapped";
}

// ---- A unique value raced by many writers is stored once ----

// `kRacers` writers on two handles each try `attempt(tx, racer)` at the same moment; returns their
// results.
constexpr int kRacers = 8;

std::vector<Status> race(Store& first, Store& second, const std::function<Status(StoreWriter&, int)>& attempt) {
  std::vector<Status> results(kRacers, ok_status());
  run_together(kRacers, [&](int racer) {
    Store& store = racer % 2 == 0 ? first : second;
    results[static_cast<std::size_t>(racer)] = store.write([&](StoreWriter& tx) { return attempt(tx, racer); });
  });
  return results;
}

// The one racer that succeeded; every other one must have failed with `loser_code`.
int sole_winner(const std::vector<Status>& results, ErrorCode loser_code) {
  int winner = -1;
  for (int racer = 0; racer < kRacers; ++racer) {
    const Status& result = results[static_cast<std::size_t>(racer)];
    if (result.ok()) {
      EXPECT_EQ(winner, -1) << "racers " << winner << " and " << racer << " both succeeded";
      winner = racer;
    } else {
      EXPECT_EQ(result.error().code(), loser_code) << "racer " << racer << ": " << result.error().to_string();
    }
  }
  EXPECT_NE(winner, -1) << "no racer succeeded";
  return winner;
}

// Only the winner's audit event was kept.
void expect_only_audit_of(Store& store, int winner) {
  std::vector<std::string> targets;
  for (const AuditEvent& event : must(store.audit_events(100))) targets.push_back(event.target);
  EXPECT_EQ(targets, std::vector<std::string>{std::to_string(winner)});
}

TEST_P(StoreConformance, ASerialRacedByManyWritersIsStoredOnce) {
  NIMBUS_ASSERT_OK(insert(root_record("root")));
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto other, open_another());
  std::vector<Status> results = race(*store_, *other, [](StoreWriter& tx, int racer) -> Status {
    CertificateRecord record = certificate_record("5e", "root");
    record.sha1 = fmt::format("sha1-racer-{}", racer);
    record.sha256 = fmt::format("sha256-racer-{}", racer);
    NIMBUS_TRY(tx.append_audit({at("2026-01-01T00:00:00Z"), "test", "certificate.issue", std::to_string(racer), ""}));
    return tx.insert_certificate(record);
  });
  int winner = sole_winner(results, ErrorCode::kAlreadyExists);
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto stored, store_->find_certificate("5e"));
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->sha1, fmt::format("sha1-racer-{}", winner));
  expect_only_audit_of(*store_, winner);
}

TEST_P(StoreConformance, AThumbprintRacedByManyWritersIsStoredOnce) {
  NIMBUS_ASSERT_OK(insert(root_record("root")));
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto other, open_another());
  std::vector<Status> results = race(*store_, *other, [](StoreWriter& tx, int racer) -> Status {
    CertificateRecord record = certificate_record(fmt::format("{:02x}", racer), "root");
    record.sha256 = "sha256-the-same";
    NIMBUS_TRY(tx.append_audit({at("2026-01-01T00:00:00Z"), "test", "certificate.issue", std::to_string(racer), ""}));
    return tx.insert_certificate(record);
  });
  int winner = sole_winner(results, ErrorCode::kAlreadyExists);
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto stored, store_->find_certificate_by_thumbprint("sha256-the-same"));
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->serial, fmt::format("{:02x}", winner));
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto tallies, store_->certificate_tallies());
  ASSERT_EQ(tallies.size(), 1u);
  EXPECT_EQ(tallies[0].issued, 1u);
  expect_only_audit_of(*store_, winner);
}

// ---- An enrollment is used once ----

// The issuance of enrollment `enrollment` to the certificate `serial`, as ca::Issuer writes it.
Status issue_for(StoreWriter& tx, const std::string& enrollment, const std::string& serial, const std::string& who) {
  CertificateRecord record = certificate_record(serial, "issuing");
  record.profile_id = "vpn";
  record.enrollment_id = enrollment;
  NIMBUS_TRY(tx.insert_certificate(record));
  NIMBUS_TRY(tx.mark_enrollment_used(enrollment, serial, at("2026-02-10T00:00:00Z")));
  return tx.append_audit({at("2026-02-10T00:00:00Z"), "test", "certificate.issue", who, ""});
}

TEST_P(StoreConformance, AnEnrollmentRacedByManyWritersIsUsedOnce) {
  add_authorities_and_profiles();
  NIMBUS_ASSERT_OK(insert(enrollment_record("e1", "vpn")));
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto other, open_another());
  std::vector<Status> results = race(*store_, *other, [](StoreWriter& tx, int racer) {
    return issue_for(tx, "e1", fmt::format("c{}", racer), std::to_string(racer));
  });
  int winner = sole_winner(results, ErrorCode::kFailedPrecondition);
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto used, store_->find_enrollment("e1"));
  ASSERT_TRUE(used.has_value());
  EXPECT_EQ(used->status, EnrollmentStatus::kUsed);
  EXPECT_EQ(used->certificate_serial, std::optional<std::string>(fmt::format("c{}", winner)));
  for (int racer = 0; racer < kRacers; ++racer) {
    NIMBUS_ASSERT_OK_AND_ASSIGN(bool exists, store_->serial_exists(fmt::format("c{}", racer)));
    EXPECT_EQ(exists, racer == winner) << "certificate of racer " << racer;
  }
  expect_only_audit_of(*store_, winner);
}

TEST_P(StoreConformance, AChallengeRacedByManyWritersIsUsedOnce) {
  add_authorities_and_profiles();
  NIMBUS_ASSERT_OK(insert(enrollment_record("e1", "vpn")));
  NIMBUS_ASSERT_OK(write([](StoreWriter& tx) {
    return tx.insert_challenge({"aa", "e1", "issuing", at("2026-02-02T00:00:00Z"), at("2026-02-02T01:00:00Z"),
                                ChallengeStatus::kOpen, std::nullopt});
  }));
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto other, open_another());
  std::vector<Status> results = race(*store_, *other, [](StoreWriter& tx, int racer) -> Status {
    NIMBUS_TRY(tx.consume_challenge("aa", at("2026-02-02T00:30:00Z")));
    return tx.append_audit({at("2026-02-02T00:30:00Z"), "test", "challenge.use", std::to_string(racer), ""});
  });
  int winner = sole_winner(results, ErrorCode::kFailedPrecondition);
  expect_only_audit_of(*store_, winner);
}

TEST_P(StoreConformance, AHoldRacedByManyWritersIsReleasedOnce) {
  NIMBUS_ASSERT_OK(insert(root_record("root")));
  NIMBUS_ASSERT_OK(insert(certificate_record("10", "root")));
  NIMBUS_ASSERT_OK(revoke("10", at("2026-02-01T00:00:00Z"), 6));
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto other, open_another());
  std::vector<Status> results = race(*store_, *other, [](StoreWriter& tx, int racer) -> Status {
    NIMBUS_TRY(tx.release_certificate_hold("10"));
    return tx.append_audit({at("2026-02-02T00:00:00Z"), "test", "certificate.unrevoke", std::to_string(racer), ""});
  });
  int winner = sole_winner(results, ErrorCode::kNotFound);
  expect_only_audit_of(*store_, winner);
}

// The parent and a child process each try to use every one of the same enrollments, in the same
// order: each enrollment yields exactly one certificate.
TEST_P(StoreConformance, EnrollmentsRacedByTwoProcessesAreEachUsedOnce) {
  constexpr int kEnrollments = 24;
  auto use_all = [&](Store& store, const std::string& who) {
    int won = 0;
    for (int e = 0; e < kEnrollments; ++e) {
      std::string enrollment = fmt::format("e{}", e);
      Status status = store.write(
          [&](StoreWriter& tx) { return issue_for(tx, enrollment, fmt::format("{}-{}", who, e), enrollment); });
      if (status.ok()) {
        ++won;
      } else {
        EXPECT_EQ(status.error().code(), ErrorCode::kFailedPrecondition) << who << " " << enrollment << ": "
                                                                         << status.error().to_string();
      }
      std::this_thread::sleep_for(kPauseBetweenWrites);
    }
    return won;
  };
  if (in_child()) {
    // The parent made the enrollments before starting this process.
    ASSERT_TRUE(child_ready_and_go(*store_));
    use_all(*store_, "child");
    return;
  }

  add_authorities_and_profiles();
  for (int e = 0; e < kEnrollments; ++e) NIMBUS_ASSERT_OK(insert(enrollment_record(fmt::format("e{}", e), "vpn")));
  NIMBUS_ASSERT_OK_AND_ASSIGN(ChildProcess child, start_child());
  NIMBUS_ASSERT_OK(go_when_ready(*store_, child));
  RecordProperty("parent_used", use_all(*store_, "parent"));
  NIMBUS_ASSERT_OK(child.wait(kChildTimeout));

  NIMBUS_ASSERT_OK_AND_ASSIGN(std::size_t pending, store_->count_pending_enrollments("vpn"));
  EXPECT_EQ(pending, 0u);
  CertificateFilter every;
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto certificates, store_->list_certificates(every));
  EXPECT_EQ(certificates.size(), static_cast<std::size_t>(kEnrollments));
  std::map<std::string, std::string> serial_of;
  for (const CertificateRecord& certificate : certificates) {
    ASSERT_TRUE(certificate.enrollment_id.has_value()) << certificate.serial;
    EXPECT_TRUE(serial_of.emplace(*certificate.enrollment_id, certificate.serial).second)
        << *certificate.enrollment_id << " yielded two certificates";
  }
  for (int e = 0; e < kEnrollments; ++e) {
    std::string id = fmt::format("e{}", e);
    NIMBUS_ASSERT_OK_AND_ASSIGN(auto enrollment, store_->find_enrollment(id));
    ASSERT_TRUE(enrollment.has_value());
    EXPECT_EQ(enrollment->certificate_serial, std::optional<std::string>(serial_of[id])) << id;
  }
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto events, store_->audit_events(1000));
  std::map<std::string, int> issued;  // audit target (enrollment) -> events
  for (const AuditEvent& event : events) {
    if (event.action == "certificate.issue") ++issued[event.target];
  }
  EXPECT_EQ(issued.size(), static_cast<std::size_t>(kEnrollments));
  for (const auto& [enrollment, times] : issued) EXPECT_EQ(times, 1) << enrollment;
}

// ---- CRL numbers follow the order of the writes that allocate them ----

// Revokers and publishers at once, as `cert revoke` beside the server's republishing: every CRL
// lists all that the CRLs numbered below it list, so a relying party that fetches a newer CRL
// never sees a revoked certificate come back.
TEST_P(StoreConformance, AHigherNumberedCrlListsEveryRevocationOfTheLowerOnes) {
  NIMBUS_ASSERT_OK(insert(root_record("root")));
  constexpr int kThreads = 4;
  constexpr int kWrites = 10;
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kWrites; ++i) NIMBUS_ASSERT_OK(insert(certificate_record(fmt::format("{:02x}{:02x}", t, i), "root")));
  }
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto other, open_another());
  // What each committed write's CRL covered, by number.
  std::mutex mutex;
  std::map<std::uint64_t, std::set<std::string>> covered;
  std::vector<std::string> errors;
  run_together(kThreads, [&](int t) {
    Store& store = t % 2 == 0 ? *store_ : *other;
    for (int i = 0; i < kWrites; ++i) {
      std::uint64_t number = 0;
      std::set<std::string> listed;
      Status status = store.write([&](StoreWriter& tx) -> Status {
        if (t % 2 == 0) NIMBUS_TRY(tx.revoke_certificate(fmt::format("{:02x}{:02x}", t, i), at("2026-02-01T00:00:00Z"), 1));
        NIMBUS_ASSIGN_OR_RETURN(number, tx.allocate_crl_number("root"));
        listed.clear();
        NIMBUS_TRY(tx.for_each_revocation("root", [&](const RevocationEntry& entry) -> Status {
          listed.insert(entry.serial);
          return ok_status();
        }));
        return tx.insert_crl(crl_record("root", number));
      });
      std::lock_guard lock(mutex);
      if (status.ok()) {
        EXPECT_TRUE(covered.emplace(number, std::move(listed)).second) << "CRL number " << number << " twice";
      } else {
        errors.push_back(status.error().to_string());
      }
    }
  });
  ASSERT_TRUE(errors.empty()) << errors.size() << " failed, first: " << errors.front();

  ASSERT_EQ(covered.size(), static_cast<std::size_t>(kThreads * kWrites));
  const std::set<std::string>* lower = nullptr;
  for (const auto& [number, serials] : covered) {
    if (lower != nullptr) {
      EXPECT_TRUE(std::includes(serials.begin(), serials.end(), lower->begin(), lower->end()))
          << "CRL " << number << " lacks a revocation that the CRL before it lists";
    }
    lower = &serials;
  }
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto latest, store_->latest_crl("root"));
  ASSERT_TRUE(latest.has_value());
  EXPECT_EQ(latest->number, covered.rbegin()->first);
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto revoked, store_->revocations("root"));
  EXPECT_EQ(revoked.size(), static_cast<std::size_t>(kThreads / 2 * kWrites));
  EXPECT_EQ(covered.rbegin()->second.size(), revoked.size());
}

}  // namespace
}  // namespace nimbus::store::conformance
