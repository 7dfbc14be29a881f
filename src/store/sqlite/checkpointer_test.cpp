#include "store/sqlite/checkpointer.h"

#include <chrono>
#include <filesystem>
#include <optional>
#include <thread>

#include <gtest/gtest.h>

#include "store/sqlite/database.h"
#include "testing/test_support.h"

namespace nimbus::store::sqlite {
namespace {

using nimbus::testing::TempDir;

constexpr std::uintmax_t kPageSize = 4096;

class CheckpointerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.path() / "store.db";
    db_.emplace(nimbus::testing::must(Database::open(path_, true), "opening a test database"));
    NIMBUS_ASSERT_OK(db_->execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
                                  "CREATE TABLE pages (id INTEGER PRIMARY KEY, filler BLOB NOT NULL);"));
  }

  void TearDown() override {
    db_.reset();  // before the checkpointer the hook points at
    checkpointer_.reset();
  }

  void start_checkpointer(int threshold_pages) {
    checkpointer_.emplace(path_, threshold_pages);
    db_->on_wal_commit([this](int pages) { checkpointer_->wal_grew(pages); });
  }

  // Commits roughly `pages` pages of new rows in one transaction.
  void write_pages(int pages) {
    NIMBUS_ASSERT_OK(db_->run("BEGIN IMMEDIATE"));
    for (int i = 0; i < pages; ++i) {
      auto insert = nimbus::testing::must(db_->prepare("INSERT INTO pages (filler) VALUES (zeroblob(3500))"), "preparing");
      NIMBUS_ASSERT_OK(insert.run());
    }
    NIMBUS_ASSERT_OK(db_->run("COMMIT"));
  }

  // Waits (up to 20 s) until the checkpointer has completed `count` checkpoints.
  void await_checkpoints(unsigned long count) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (checkpointer_->completed() < count && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }

  std::uintmax_t database_pages() const { return std::filesystem::file_size(path_) / kPageSize; }

  TempDir dir_;
  std::filesystem::path path_;
  std::optional<Database> db_;
  std::optional<Checkpointer> checkpointer_;
};

TEST_F(CheckpointerTest, CommitsBelowTheThresholdLeaveTheDatabaseFileAlone) {
  start_checkpointer(2000);
  // Past SQLite's own automatic threshold of 1000 pages, which the hook replaces: a commit that
  // checkpointed by itself would have copied these pages into the database file.
  write_pages(1200);
  EXPECT_LT(database_pages(), 50u);
  EXPECT_EQ(checkpointer_->completed(), 0u);
}

TEST_F(CheckpointerTest, CopiesTheLogIntoTheDatabaseOnItsOwnThreadPastTheThreshold) {
  start_checkpointer(500);
  write_pages(600);
  await_checkpoints(1);
  ASSERT_GE(checkpointer_->completed(), 1u);
  EXPECT_GE(database_pages(), 600u);
}

TEST_F(CheckpointerTest, ARequestCopiesALogBelowTheThreshold) {
  start_checkpointer(2000);
  write_pages(300);
  EXPECT_LT(database_pages(), 50u);
  checkpointer_->request();
  await_checkpoints(1);
  ASSERT_EQ(checkpointer_->completed(), 1u);
  EXPECT_GE(database_pages(), 300u);
}

}  // namespace
}  // namespace nimbus::store::sqlite
