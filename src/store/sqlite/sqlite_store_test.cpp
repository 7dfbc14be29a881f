// What SqliteStore does beyond the Store contract, which the conformance suite checks for every
// store (sqlite_store_conformance_test.cpp): its file, its schema migrations, WAL, group commit.
#include "store/sqlite/sqlite_store.h"
#include "store/sqlite/migrations.h"

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "core/file.h"
#include "store/conformance/sample_records.h"
#include "testing/test_support.h"

namespace nimbus::store::sqlite {
namespace {

using conformance::certificate_record;
using conformance::root_record;
using nimbus::testing::at;
using nimbus::testing::must;
using nimbus::testing::TempDir;

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_ / "nimbus.db";
    auto created = SqliteStore::create(path_);
    ASSERT_TRUE(created.ok()) << created.error().to_string();
    store_ = std::move(created).value();
  }

  Status insert(const AuthorityRecord& record) {
    return store_->write([&](StoreWriter& tx) { return tx.insert_authority(record); });
  }
  Status insert(const CertificateRecord& record) {
    return store_->write([&](StoreWriter& tx) { return tx.insert_certificate(record); });
  }
  Result<std::uint64_t> allocate(const std::string& id) {
    std::uint64_t number = 0;
    Status status = store_->write([&](StoreWriter& tx) -> Status {
      NIMBUS_ASSIGN_OR_RETURN(number, tx.allocate_crl_number(id));
      return ok_status();
    });
    if (!status.ok()) return std::move(status).error();
    return number;
  }

  TempDir dir_;
  std::filesystem::path path_;
  std::unique_ptr<SqliteStore> store_;
};

// A raw query through a second connection, for what the Store interface does not expose.
std::string query_text(const std::filesystem::path& path, const char* sql) {
  sqlite3* db = nullptr;
  std::string out = "<error>";
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW) {
      const unsigned char* text = sqlite3_column_text(stmt, 0);
      out = text ? reinterpret_cast<const char*>(text) : "<null>";
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
  return out;
}

TEST(SqliteStoreLifecycle, CreateRefusesAnExistingFile) {
  TempDir dir;
  nimbus::testing::write_text(dir / "nimbus.db", "precious data");
  auto created = SqliteStore::create(dir / "nimbus.db");
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.error().code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(nimbus::testing::read_text(dir / "nimbus.db"), "precious data");

  NIMBUS_ASSERT_OK(SqliteStore::create(dir / "fresh.db"));
  NIMBUS_EXPECT_ERROR(SqliteStore::create(dir / "fresh.db"), ErrorCode::kAlreadyExists);
}

TEST(SqliteStoreLifecycle, OpenRefusesAMissingFile) {
  TempDir dir;
  auto opened = SqliteStore::open(dir / "missing.db");
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code(), ErrorCode::kNotFound);
  EXPECT_FALSE(std::filesystem::exists(dir / "missing.db"));
}

TEST(SqliteStoreLifecycle, OpenRefusesAFileThatIsNotADatabase) {
  TempDir dir;
  nimbus::testing::write_text(dir / "nimbus.db", std::string(4096, 'x'));
  auto opened = SqliteStore::open(dir / "nimbus.db");
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code(), ErrorCode::kMalformed) << opened.error().to_string();
}

TEST(SqliteStoreLifecycle, RefusesASchemaNewerThanItKnows) {
  TempDir dir;
  { NIMBUS_ASSERT_OK(SqliteStore::create(dir / "nimbus.db")); }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir / "nimbus.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "INSERT INTO schema_migrations VALUES (99, 'future', 0)", nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  auto opened = SqliteStore::open(dir / "nimbus.db");
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(opened.error().message().find("99"), std::string::npos) << opened.error().message();
}

TEST_F(SqliteStoreTest, IsAtTheNewestSchemaVersionAndStaysThereOnReopen) {
  const int newest = migrations().back().version;
  NIMBUS_ASSERT_OK_AND_ASSIGN(int version, store_->schema_version());
  EXPECT_EQ(version, newest);
  store_.reset();
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto reopened, SqliteStore::open(path_));
  NIMBUS_ASSERT_OK_AND_ASSIGN(int again, reopened->schema_version());
  EXPECT_EQ(again, newest);
  EXPECT_EQ(query_text(path_, "SELECT COUNT(*) FROM schema_migrations"), std::to_string(migrations().size()));
}

// A store of version 9 (migration 8's trigram table, in the order certificates were stored) gets the
// subjects re-indexed in listing order by migration 10, ties in a second included, and finds them.
TEST_F(SqliteStoreTest, MigrationTenIndexesTheSubjectsOfAnOlderStoreInListingOrder) {
  NIMBUS_ASSERT_OK(insert(root_record("root")));
  NIMBUS_ASSERT_OK(store_->write([](StoreWriter& tx) -> Status {
    for (int i = 0; i < 30; ++i) {
      CertificateRecord record = certificate_record(fmt::format("{:02x}", (i * 7) % 31), "root");
      record.subject = fmt::format("CN=device-{:02}", i);
      record.issued_at = at("2026-03-01T00:00:00Z") + std::chrono::seconds(i / 4);
      record.sha1 = std::string(38, 'a') + record.serial;
      record.sha256 = std::string(62, 'b') + record.serial;
      NIMBUS_TRY(tx.insert_certificate(record));
    }
    return ok_status();
  }));
  store_.reset();
  const Migration& eighth = *std::find_if(migrations().begin(), migrations().end(),
                                          [](const Migration& m) { return m.version == 8; });
  const std::string back_to_nine = std::string(
      "DROP TRIGGER certificate_subjects_insert; DROP TRIGGER certificate_subjects_update; "
      "DROP TRIGGER certificate_subjects_delete; DROP TABLE certificate_subjects; "
      "DELETE FROM schema_migrations WHERE version = 10;") + std::string(eighth.sql);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, back_to_nine.c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  sqlite3_close(db);
  ASSERT_EQ(query_text(path_, "SELECT max(version) FROM schema_migrations"), "9");

  NIMBUS_ASSERT_OK_AND_ASSIGN(store_, SqliteStore::open(path_));
  EXPECT_EQ(query_text(path_, "SELECT count(*) FROM certificate_subjects WHERE rowid >> 20 = issued_at"), "30");
  CertificateFilter search;
  search.subject_contains = "DEVICE-";
  search.limit = 5;
  std::vector<std::string> serials;
  for (const CertificateRecord& record : must(store_->list_certificates(search))) serials.push_back(record.serial);
  // Devices 28-29 (serials 0a, 11) in the last second, 24-27 (0d, 14, 1b, 03) in the one before:
  // each second's by serial, highest first, whatever the order they were stored in.
  EXPECT_EQ(serials, (std::vector<std::string>{"11", "0a", "1b", "14", "0d"}));
}

// With another filter, a subject search examines at most 8,000 of the text's matches, newest first;
// when the few that pass are older than those, the certificates are walked and still find them.
TEST_F(SqliteStoreTest, ASubjectSearchWithAnotherFilterFindsMatchesOlderThanItExamines) {
  NIMBUS_ASSERT_OK(insert(root_record("root")));
  constexpr int kCount = 8100;
  NIMBUS_ASSERT_OK(store_->write([](StoreWriter& tx) -> Status {
    for (int i = 0; i < kCount; ++i) {
      CertificateRecord record = certificate_record(fmt::format("{:06x}", i), "root");
      record.subject = fmt::format("CN=device-{:05}", i);
      record.issued_at = at("2026-03-01T00:00:00Z") + std::chrono::seconds(i);
      record.sha1 = std::string(34, 'a') + record.serial;
      record.sha256 = std::string(58, 'b') + record.serial;
      NIMBUS_TRY(tx.insert_certificate(record));
    }
    for (const char* serial : {"000001", "000002", "000003"}) {
      NIMBUS_TRY(tx.revoke_certificate(serial, at("2026-04-01T00:00:00Z"), 1));
    }
    return ok_status();
  }));
  auto revoked = [&](std::size_t limit) {
    CertificateFilter filter;
    filter.subject_contains = "Device-";
    filter.status = CertificateFilter::Status::kRevoked;
    filter.limit = limit;
    std::vector<std::string> serials;
    for (const CertificateRecord& record : must(store_->list_certificates(filter))) serials.push_back(record.serial);
    return serials;
  };
  EXPECT_EQ(revoked(50), (std::vector<std::string>{"000003", "000002", "000001"}));
  EXPECT_EQ(revoked(2), (std::vector<std::string>{"000003", "000002"}));
}

TEST_F(SqliteStoreTest, UsesWriteAheadLoggingAndAPrivateFile) {
  EXPECT_EQ(query_text(path_, "PRAGMA journal_mode"), "wal");
  NIMBUS_ASSERT_OK(insert(root_record("root")));
  EXPECT_TRUE(std::filesystem::exists(path_.string() + "-wal"));
  NIMBUS_ASSERT_OK_AND_ASSIGN(unsigned mode, file_mode(path_));
  EXPECT_EQ(mode, 0600u);
  NIMBUS_ASSERT_OK_AND_ASSIGN(unsigned wal_mode, file_mode(path_.string() + "-wal"));
  EXPECT_EQ(wal_mode & 077u, 0u);
}

// Beyond the contract, which lets a store skip such a number: SQLite hands it out again, since the
// allocation rolls back with the write that made it.
TEST_F(SqliteStoreTest, ANumberAllocatedInAFailedWriteIsHandedOutAgain) {
  NIMBUS_ASSERT_OK(insert(root_record("root")));
  NIMBUS_ASSERT_OK_AND_ASSIGN(std::uint64_t first, allocate("root"));
  EXPECT_EQ(first, 1u);
  std::uint64_t abandoned = 0;
  Status failed = store_->write([&](StoreWriter& tx) -> Status {
    NIMBUS_ASSIGN_OR_RETURN(abandoned, tx.allocate_crl_number("root"));
    return Error(ErrorCode::kCryptoError, "signing failed");
  });
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(abandoned, 2u);
  NIMBUS_ASSERT_OK_AND_ASSIGN(std::uint64_t next, allocate("root"));
  EXPECT_EQ(next, 2u);
}

// ---- Group commit ----

// Runs `writes` writes on each of `threads` threads at once; returns the error of every write that
// failed.
std::vector<std::string> write_concurrently(SqliteStore& store, int threads, int writes,
                                            const std::function<Status(StoreWriter&, int, int)>& work) {
  std::mutex mutex;
  std::vector<std::string> errors;
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (int i = 0; i < writes; ++i) {
        Status status = store.write([&](StoreWriter& tx) { return work(tx, t, i); });
        if (!status.ok()) {
          std::lock_guard lock(mutex);
          errors.push_back(fmt::format("thread {} write {}: {}", t, i, status.error().to_string()));
        }
      }
    });
  }
  for (auto& thread : pool) thread.join();
  return errors;
}

TEST_F(SqliteStoreTest, GroupCommitKeepsEveryConcurrentAuditEvent) {
  constexpr int kThreads = 16;
  constexpr int kWrites = 50;
  std::vector<std::string> errors = write_concurrently(*store_, kThreads, kWrites, [](StoreWriter& tx, int t, int i) {
    return tx.append_audit({at("2026-01-01T00:00:00Z") + std::chrono::seconds(i), fmt::format("thread:{}", t),
                            "test.write", fmt::format("{}-{}", t, i), ""});
  });
  EXPECT_TRUE(errors.empty()) << errors.size() << " failed, first: " << errors.front();

  NIMBUS_ASSERT_OK_AND_ASSIGN(auto events, store_->audit_events(10 * kThreads * kWrites));
  ASSERT_EQ(events.size(), static_cast<std::size_t>(kThreads * kWrites));
  std::vector<std::string> targets;
  for (const AuditEvent& event : events) targets.push_back(event.target);
  std::sort(targets.begin(), targets.end());
  EXPECT_EQ(std::unique(targets.begin(), targets.end()), targets.end()) << "an event was recorded twice";
  // Each thread's own events are in the order it wrote them (the ids increase).
  for (int t = 0; t < kThreads; ++t) {
    std::vector<std::string> mine;
    for (auto event = events.rbegin(); event != events.rend(); ++event) {
      if (event->actor == fmt::format("thread:{}", t)) mine.push_back(event->target);
    }
    ASSERT_EQ(mine.size(), static_cast<std::size_t>(kWrites)) << "thread " << t;
    for (int i = 0; i < kWrites; ++i) EXPECT_EQ(mine[static_cast<std::size_t>(i)], fmt::format("{}-{}", t, i));
  }
  // And durable: another connection sees them all.
  EXPECT_EQ(query_text(path_, "SELECT COUNT(*) FROM audit_events"), std::to_string(kThreads * kWrites));
}

TEST_F(SqliteStoreTest, GroupCommitKeepsEveryConcurrentCertificate) {
  NIMBUS_ASSERT_OK(insert(root_record("root")));
  constexpr int kThreads = 16;
  constexpr int kWrites = 50;
  std::vector<std::string> errors = write_concurrently(*store_, kThreads, kWrites, [](StoreWriter& tx, int t, int i) -> Status {
    std::string serial = fmt::format("{:02x}{:04x}", t, i);
    NIMBUS_TRY(tx.insert_certificate(certificate_record(serial, "root")));
    return tx.append_audit({at("2026-01-01T00:00:00Z"), "test", "certificate.issue", serial, ""});
  });
  EXPECT_TRUE(errors.empty()) << errors.size() << " failed, first: " << errors.front();
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kWrites; ++i) {
      NIMBUS_ASSERT_OK_AND_ASSIGN(bool exists, store_->serial_exists(fmt::format("{:02x}{:04x}", t, i)));
      EXPECT_TRUE(exists) << t << "/" << i;
    }
  }
  EXPECT_EQ(query_text(path_, "SELECT COUNT(*) FROM certificates"), std::to_string(kThreads * kWrites));
  EXPECT_EQ(query_text(path_, "SELECT COUNT(*) FROM audit_events"), std::to_string(kThreads * kWrites));
}

// Writes that queue up behind a running commit are committed together by one thread; one of them
// failing rolls back that one alone.
TEST_F(SqliteStoreTest, AFailingWriteInABatchRollsBackOnlyItself) {
  NIMBUS_ASSERT_OK(insert(root_record("root")));

  std::mutex mutex;
  std::condition_variable changed;
  bool first_running = false;
  bool release_first = false;
  std::thread first([&] {
    Status status = store_->write([&](StoreWriter& tx) -> Status {
      NIMBUS_TRY(tx.append_audit({at("2026-01-01T00:00:00Z"), "test", "first", "first", ""}));
      std::unique_lock lock(mutex);
      first_running = true;
      changed.notify_all();
      changed.wait(lock, [&] { return release_first; });
      return ok_status();
    });
    EXPECT_TRUE(status.ok()) << status.error().to_string();
  });
  {
    std::unique_lock lock(mutex);
    changed.wait(lock, [&] { return first_running; });
  }

  // While the first write holds the commit, four more queue up; the third of them fails after
  // making changes of its own.
  constexpr int kQueued = 4;
  std::vector<Status> results(kQueued, ok_status());
  std::vector<std::thread::id> ran_on(kQueued);
  std::vector<std::thread> queued;
  for (int w = 0; w < kQueued; ++w) {
    queued.emplace_back([&, w] {
      results[static_cast<std::size_t>(w)] = store_->write([&, w](StoreWriter& tx) -> Status {
        ran_on[static_cast<std::size_t>(w)] = std::this_thread::get_id();
        std::string serial = fmt::format("0{}", w + 1);
        NIMBUS_TRY(tx.insert_certificate(certificate_record(serial, "root")));
        NIMBUS_TRY(tx.append_audit({at("2026-01-01T00:00:00Z"), "test", "queued", serial, ""}));
        if (w == 2) return Error(ErrorCode::kPolicyViolation, "write 3 changed its mind");
        return ok_status();
      });
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // let them all reach the queue
  {
    std::lock_guard lock(mutex);
    release_first = true;
  }
  changed.notify_all();
  first.join();
  for (auto& thread : queued) thread.join();

  // They really were one batch: one leader ran every queued work.
  for (int w = 1; w < kQueued; ++w) EXPECT_EQ(ran_on[static_cast<std::size_t>(w)], ran_on[0]) << "write " << w;

  for (int w = 0; w < kQueued; ++w) {
    const Status& result = results[static_cast<std::size_t>(w)];
    if (w == 2) {
      ASSERT_FALSE(result.ok());
      EXPECT_EQ(result.error().code(), ErrorCode::kPolicyViolation);
      EXPECT_EQ(result.error().message(), "write 3 changed its mind");
    } else {
      EXPECT_TRUE(result.ok()) << "write " << w << ": " << result.error().to_string();
    }
  }
  for (const char* serial : {"01", "02", "04"}) {
    NIMBUS_ASSERT_OK_AND_ASSIGN(bool exists, store_->serial_exists(serial));
    EXPECT_TRUE(exists) << serial;
  }
  NIMBUS_ASSERT_OK_AND_ASSIGN(bool failed_exists, store_->serial_exists("03"));
  EXPECT_FALSE(failed_exists);
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto events, store_->audit_events(100));
  std::vector<std::string> targets;
  for (const AuditEvent& event : events) targets.push_back(event.target);
  std::sort(targets.begin(), targets.end());
  EXPECT_EQ(targets, (std::vector<std::string>{"01", "02", "04", "first"}));
  EXPECT_EQ(query_text(path_, "SELECT COUNT(*) FROM certificates"), "3");
}

// Two failing writes in one batch with a constraint violation among them, and nothing else: the
// store is left as it was and usable.
TEST_F(SqliteStoreTest, ABatchOfOnlyFailuresChangesNothing) {
  NIMBUS_ASSERT_OK(insert(root_record("root")));
  NIMBUS_ASSERT_OK(insert(certificate_record("aa", "root")));
  std::vector<std::string> errors = write_concurrently(*store_, 8, 5, [](StoreWriter& tx, int t, int i) -> Status {
    NIMBUS_TRY(tx.append_audit({at("2026-01-01T00:00:00Z"), "test", "doomed", fmt::format("{}-{}", t, i), ""}));
    if (t % 2 == 0) return tx.insert_certificate(certificate_record("aa", "root"));  // duplicate
    return Error(ErrorCode::kCryptoError, "signing failed");
  });
  EXPECT_EQ(errors.size(), 40u);
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto events, store_->audit_events(100));
  EXPECT_TRUE(events.empty());
  NIMBUS_EXPECT_OK(insert(certificate_record("bb", "root")));
}

}  // namespace
}  // namespace nimbus::store::sqlite
