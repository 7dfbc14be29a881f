#include "api/decision_log_reader.h"

#include <fstream>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "testing/test_support.h"

namespace nimbus::api {
namespace {

using nlohmann::json;

std::string decision_line(int index, bool granted, int reason, std::string_view user, std::string_view nas) {
  json line = {{"time", fmt::format("2026-12-01T10:{:02}:{:02}Z", index / 60 % 60, index % 60)},
               {"decision", granted ? "granted" : "denied"},
               {"reason_code", reason},
               {"user", user},
               {"user_name", ""},
               {"certificate",
                {{"subject", fmt::format("CN=device-{}", index)},
                 {"serial", fmt::format("{:04x}", index)},
                 {"thumbprint", ""}}},
               {"nas", {{"name", nas}, {"address", "192.0.2.1"}}},
               {"padding", std::string(150, 'x')}};
  return line.dump() + "\n";
}

class DecisionLogReaderTest : public ::testing::Test {
 protected:
  // 3000 decisions, ~400 KB: pages cross the reader's 64 KiB chunks.
  void SetUp() override {
    std::ofstream out(log_);
    for (int i = 0; i < 3000; ++i) {
      out << decision_line(i, i % 3 != 0, i % 3 != 0 ? 0 : 258, i % 2 ? "alice" : "bob", i % 5 ? "vpn1" : "vpn2");
    }
  }

  testing::TempDir dir_;
  std::filesystem::path log_ = dir_.path() / "radius-decisions.log";
};

TEST_F(DecisionLogReaderTest, PagesNewestFirstWithoutGapsOrRepeats) {
  DecisionFilter filter;
  filter.limit = 700;
  std::vector<std::string> serials;
  for (int pages = 0; pages < 10; ++pages) {
    auto page = read_decisions(log_, filter);
    ASSERT_TRUE(page.ok()) << page.error().message();
    for (const json& item : page->items) serials.push_back(item["certificate"]["serial"]);
    if (!page->next_before) break;
    filter.before = page->next_before;
  }
  ASSERT_EQ(serials.size(), 3000u);
  for (int i = 0; i < 3000; ++i) EXPECT_EQ(serials[i], fmt::format("{:04x}", 2999 - i));
}

TEST_F(DecisionLogReaderTest, FiltersAndReadsOneById) {
  DecisionFilter filter;
  filter.reason_code = 258;
  filter.user = "ALI";
  filter.nas = "vpn2";
  filter.limit = 1000;
  auto page = read_decisions(log_, filter);
  ASSERT_TRUE(page.ok());
  // i % 3 == 0, i odd, i % 5 == 0: i = 15, 45, ..., 2985
  ASSERT_EQ(page->items.size(), 100u);
  EXPECT_FALSE(page->next_before.has_value());
  const json& newest = page->items.front();
  EXPECT_EQ(newest["certificate"]["serial"], fmt::format("{:04x}", 2985));

  auto one = read_decision(log_, std::stoull(newest["id"].get<std::string>()));
  ASSERT_TRUE(one.ok());
  EXPECT_EQ((*one)["certificate"]["serial"], newest["certificate"]["serial"]);
  EXPECT_EQ(read_decision(log_, std::stoull(newest["id"].get<std::string>()) + 1).error().code(),
            ErrorCode::kNotFound);
}

TEST_F(DecisionLogReaderTest, BoundsTheBytesOnePageReads) {
  DecisionFilter filter;
  filter.device = "no-such-device";
  filter.max_scan_bytes = 100'000;
  auto page = read_decisions(log_, filter);
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(page->items.empty());
  ASSERT_TRUE(page->next_before.has_value());
  EXPECT_GT(*page->next_before, 0u);
}

TEST_F(DecisionLogReaderTest, SkipsAPartialLastLineAndFiltersByTime) {
  { std::ofstream(log_, std::ios::app) << "{\"time\": \"2026-12-01T1"; }
  DecisionFilter filter;
  filter.limit = 1;
  filter.since = *parse_timestamp("2026-12-01T10:49:59Z");
  auto page = read_decisions(log_, filter);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0]["certificate"]["serial"], fmt::format("{:04x}", 2999));
}

TEST(DecisionLogReader, AnAbsentLogHasNoDecisions) {
  auto page = read_decisions("/nonexistent/radius-decisions.log", {});
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(page->items.empty());
}

}  // namespace
}  // namespace nimbus::api
