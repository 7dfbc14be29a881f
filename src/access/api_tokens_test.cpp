#include "access/api_tokens.h"

#include <gtest/gtest.h>

#include "store/sqlite/sqlite_store.h"
#include "testing/test_support.h"

namespace nimbus::access {
namespace {

using nimbus::testing::at;
using nimbus::testing::must;
using nimbus::testing::TempDir;

class ApiTokensTest : public ::testing::Test {
 protected:
  ApiTokensTest() : store_(must(store::sqlite::SqliteStore::create(dir_.path() / "nimbus.db"))) {}

  TempDir dir_;
  std::unique_ptr<store::sqlite::SqliteStore> store_;
  Timestamp now_ = at("2026-03-01T00:00:00Z");
};

TEST_F(ApiTokensTest, AuthenticatesTheTextShownOnceAndKeepsOnlyItsHash) {
  NewApiToken token = must(create_api_token(*store_, "intune-connector", store::ApiRole::kEnroller,
                                            std::chrono::hours(24 * 90), "test:admin", now_));
  std::string text(token.text.reveal());
  ASSERT_EQ(text.size(), 7u + 16u + 1u + 64u);
  EXPECT_TRUE(text.starts_with("nimbus_" + token.record.id + "_"));
  auto stored = must(store_->find_api_token(token.record.id));
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->digest.find(text.substr(24)), std::string::npos);
  EXPECT_EQ(stored->expires_at, at("2026-05-30T00:00:00Z"));

  store::ApiTokenRecord who = must(authenticate_api_token(*store_, text, now_ + std::chrono::hours(1)));
  EXPECT_EQ(who.name, "intune-connector");
  EXPECT_EQ(who.role, store::ApiRole::kEnroller);
  auto events = must(store_->audit_events(10));
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events[0].action, "token.create");
  EXPECT_EQ(events[0].detail.find(text.substr(24)), std::string::npos);
}

TEST_F(ApiTokensTest, RefusesWhatIsNotAGoodTokenWithoutQuotingIt) {
  NewApiToken token = must(create_api_token(*store_, "script", store::ApiRole::kViewer, std::chrono::hours(2),
                                            "test:admin", now_));
  std::string text(token.text.reveal());
  std::string wrong = text;
  wrong.back() = wrong.back() == '0' ? '1' : '0';
  std::string unknown = "nimbus_ffffffffffffffff" + text.substr(23);
  struct Row {
    std::string name;
    std::string text;
    Timestamp at;
    std::string said;
  };
  std::vector<Row> rows = {
      {"empty", "", now_, "not of the form"},
      {"another scheme", "Bearer " + text, now_, "not of the form"},
      {"truncated", text.substr(0, text.size() - 1), now_, "not of the form"},
      {"upper-case hex", "nimbus_" + token.record.id + "_" + std::string(64, 'A'), now_, "not of the form"},
      {"a wrong secret", wrong, now_, "is wrong"},
      {"an unknown id", unknown, now_, "no token has id ffffffffffffffff"},
      {"expired", text, now_ + std::chrono::hours(2), "expired at 2026-03-01T02:00:00Z"},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    auto refused = authenticate_api_token(*store_, row.text, row.at);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.error().code(), ErrorCode::kPermissionDenied);
    EXPECT_NE(refused.error().message().find(row.said), std::string::npos) << refused.error().message();
    EXPECT_EQ(refused.error().message().find(text.substr(24)), std::string::npos);
  }

  must(revoke_api_token(*store_, "script", "test:admin", now_));
  auto revoked = authenticate_api_token(*store_, text, now_);
  ASSERT_FALSE(revoked.ok());
  EXPECT_NE(revoked.error().message().find("revoked"), std::string::npos);
  NIMBUS_EXPECT_ERROR(revoke_api_token(*store_, "script", "test:admin", now_), ErrorCode::kNotFound);
  NIMBUS_EXPECT_ERROR(revoke_api_token(*store_, token.record.id, "test:admin", now_), ErrorCode::kFailedPrecondition);
}

TEST_F(ApiTokensTest, RefusesBadNamesLifetimesAndATakenName) {
  NIMBUS_EXPECT_ERROR(create_api_token(*store_, "", store::ApiRole::kViewer, std::chrono::hours(2), "t", now_),
                      ErrorCode::kInvalidArgument);
  NIMBUS_EXPECT_ERROR(create_api_token(*store_, "a b", store::ApiRole::kViewer, std::chrono::hours(2), "t", now_),
                      ErrorCode::kInvalidArgument);
  NIMBUS_EXPECT_ERROR(create_api_token(*store_, std::string(65, 'a'), store::ApiRole::kViewer, std::chrono::hours(2),
                                       "t", now_),
                      ErrorCode::kInvalidArgument);
  NIMBUS_EXPECT_ERROR(create_api_token(*store_, "x", store::ApiRole::kViewer, std::chrono::minutes(59), "t", now_),
                      ErrorCode::kInvalidArgument);
  NIMBUS_EXPECT_ERROR(create_api_token(*store_, "x", store::ApiRole::kViewer, std::chrono::hours(24 * 3651), "t", now_),
                      ErrorCode::kInvalidArgument);
  must(create_api_token(*store_, "x", store::ApiRole::kViewer, std::chrono::hours(2), "t", now_));
  NIMBUS_EXPECT_ERROR(create_api_token(*store_, "x", store::ApiRole::kAdmin, std::chrono::hours(2), "t", now_),
                      ErrorCode::kAlreadyExists);
  EXPECT_EQ(must(store_->list_api_tokens()).size(), 1u);
}

}  // namespace
}  // namespace nimbus::access
