#include "store/sqlite/database.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "testing/test_support.h"

namespace nimbus::store::sqlite {
namespace {

using nimbus::testing::TempDir;

class DatabaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_.emplace(nimbus::testing::must(Database::open(dir_.path() / "test.db", true), "opening a test database"));
    NIMBUS_ASSERT_OK(db_->execute("CREATE TABLE numbers (n INTEGER PRIMARY KEY, name TEXT NOT NULL);"
                                  "INSERT INTO numbers VALUES (1, 'one'), (2, 'two'), (3, 'three');"));
  }

  std::string name_of(std::int64_t n) {
    auto query = nimbus::testing::must(db_->prepare("SELECT name FROM numbers WHERE n = ?1"), "preparing");
    query.bind(1, n);
    auto row = nimbus::testing::must(query.step(), "stepping");
    return row ? query.text(0) : "";
  }

  TempDir dir_;
  std::optional<Database> db_;
};

TEST_F(DatabaseTest, ACachedStatementStartsFreshEachTime) {
  EXPECT_EQ(name_of(1), "one");
  EXPECT_EQ(name_of(3), "three");
  {
    // Left mid-result and with a binding set: the next user must see neither.
    NIMBUS_ASSERT_OK_AND_ASSIGN(Statement query, db_->prepare("SELECT name FROM numbers WHERE n >= ?1 ORDER BY n"));
    query.bind(1, std::int64_t{2});
    NIMBUS_ASSERT_OK_AND_ASSIGN(bool row, query.step());
    ASSERT_TRUE(row);
  }
  NIMBUS_ASSERT_OK_AND_ASSIGN(Statement again, db_->prepare("SELECT name FROM numbers WHERE n >= ?1 ORDER BY n"));
  NIMBUS_ASSERT_OK_AND_ASSIGN(bool row, again.step());
  EXPECT_FALSE(row) << "an unbound parameter is NULL, which matches nothing";
}

TEST_F(DatabaseTest, TheSameStatementNestedInItsOwnRowLoopGetsItsOwnCopy) {
  NIMBUS_ASSERT_OK_AND_ASSIGN(Statement outer, db_->prepare("SELECT name FROM numbers WHERE n = ?1"));
  outer.bind(1, std::int64_t{2});
  NIMBUS_ASSERT_OK_AND_ASSIGN(bool row, outer.step());
  ASSERT_TRUE(row);
  EXPECT_EQ(name_of(1), "one");
  EXPECT_EQ(outer.text(0), "two");
}

TEST_F(DatabaseTest, ChangesCountsTheRowsTheLastUpdateTouched) {
  NIMBUS_ASSERT_OK(db_->run("UPDATE numbers SET name = upper(name) WHERE n >= 2"));
  EXPECT_EQ(db_->changes(), 2);
  NIMBUS_ASSERT_OK(db_->run("UPDATE numbers SET name = 'none' WHERE n > 100"));
  EXPECT_EQ(db_->changes(), 0);
}

TEST_F(DatabaseTest, TransactionsRunThroughCachedStatementsRepeatedly) {
  for (int round = 0; round < 3; ++round) {
    NIMBUS_ASSERT_OK(db_->run("BEGIN IMMEDIATE"));
    NIMBUS_ASSERT_OK(db_->run("SAVEPOINT step"));
    NIMBUS_ASSERT_OK(db_->run("UPDATE numbers SET name = 'changed' WHERE n = 1"));
    NIMBUS_ASSERT_OK(db_->run("ROLLBACK TO step"));
    NIMBUS_ASSERT_OK(db_->run("RELEASE step"));
    NIMBUS_ASSERT_OK(db_->run("COMMIT"));
  }
  EXPECT_EQ(name_of(1), "one");
}

TEST_F(DatabaseTest, ManyDistinctStatementsStillWork) {
  for (int i = 0; i < 300; ++i) {
    NIMBUS_ASSERT_OK_AND_ASSIGN(Statement query, db_->prepare(fmt::format("SELECT {} + n FROM numbers WHERE n = 1", i)));
    NIMBUS_ASSERT_OK_AND_ASSIGN(bool row, query.step());
    ASSERT_TRUE(row);
    EXPECT_EQ(query.integer(0), i + 1);
  }
}

TEST_F(DatabaseTest, ABadStatementIsAnErrorAndDoesNotPoisonTheCache) {
  NIMBUS_EXPECT_ERROR(db_->prepare("SELECT nothing FROM nowhere"), ErrorCode::kStoreError);
  NIMBUS_EXPECT_ERROR(db_->prepare("SELECT nothing FROM nowhere"), ErrorCode::kStoreError);
  EXPECT_EQ(name_of(2), "two");
}

}  // namespace
}  // namespace nimbus::store::sqlite
