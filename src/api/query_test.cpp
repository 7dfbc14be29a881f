#include "api/query.h"

#include <gtest/gtest.h>

namespace nimbus::api {
namespace {

TEST(Query, ReadsAndNamesParameters) {
  EXPECT_EQ(*page_limit("status=valid"), kDefaultPageSize);
  EXPECT_EQ(*page_limit("limit=20&x=1"), 20u);
  EXPECT_EQ(page_limit("limit=0").error().field(), "limit");
  EXPECT_EQ(page_limit("limit=1001").error().field(), "limit");
  EXPECT_EQ(page_limit("limit=12abc").error().field(), "limit");
  EXPECT_EQ(**query_text("subject=CN%3Dalice", "subject"), "CN=alice");
  EXPECT_FALSE(query_text("other=1", "subject")->has_value());
  EXPECT_EQ(query_text("subject=%zz", "subject").error().field(), "subject");
  EXPECT_EQ(query_text("subject=", "subject").error().field(), "subject");
  EXPECT_TRUE(query_timestamp("since=2026-12-01T10:00:00Z", "since")->has_value());
  EXPECT_EQ(query_timestamp("since=yesterday", "since").error().field(), "since");
}

TEST(Query, ShapesAPage) {
  nlohmann::json last = page_json(nlohmann::json::array(), std::nullopt);
  EXPECT_TRUE(last["next_cursor"].is_null());
  EXPECT_EQ(page_json({1, 2}, "abc")["next_cursor"], "abc");
}

}  // namespace
}  // namespace nimbus::api
