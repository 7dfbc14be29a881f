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

class HostileDecisionLogTest : public ::testing::Test {
 protected:
  void write(const std::string& text) { std::ofstream(log_, std::ios::binary) << text; }
  std::vector<std::string> ids(DecisionFilter filter = {}) {
    std::vector<std::string> seen;
    for (int pages = 0; pages < 100; ++pages) {
      auto page = read_decisions(log_, filter);
      EXPECT_TRUE(page.ok());
      if (!page.ok()) break;
      for (const json& item : page->items) seen.push_back(item["id"]);
      if (!page->next_before) break;
      EXPECT_LT(*page->next_before, filter.before.value_or(UINT64_MAX)) << "a cursor that does not move";
      filter.before = page->next_before;
    }
    return seen;
  }
  testing::TempDir dir_;
  std::filesystem::path log_ = dir_.path() / "radius-decisions.log";
};

TEST_F(HostileDecisionLogTest, MembersOfTheWrongTypeMatchNoFilter) {
  write("{\"user\":1,\"decision\":null,\"time\":[],\"reason_code\":4294967554,\"nas\":7}\n"
        "{\"user\":\"alice\",\"decision\":\"denied\",\"reason_code\":258}\n");
  DecisionFilter filter;
  filter.user = "alice";
  filter.decision = "denied";
  filter.reason_code = 258;
  EXPECT_EQ(ids(filter), (std::vector<std::string>{"70"}));
  filter.since = *parse_timestamp("2026-01-01T00:00:00Z");
  EXPECT_TRUE(ids(filter).empty());
}

TEST_F(HostileDecisionLogTest, OnlyWholeLinesCountWhereverTheCursorPoints) {
  write("{\"a\":1}x\n{\"b\":2}\n{\"c\":3}");  // the last line is still being written
  EXPECT_EQ(ids(), (std::vector<std::string>{"9"}));  // the first line is no JSON object
  DecisionFilter inside_a_line;
  inside_a_line.before = 15;  // within {"b":2}
  EXPECT_TRUE(ids(inside_a_line).empty());
  EXPECT_TRUE(read_decision(log_, 9).ok());
  EXPECT_EQ(read_decision(log_, 17).error().code(), ErrorCode::kNotFound);  // the unfinished line
}

TEST_F(HostileDecisionLogTest, SkipsOverlongAndDeeplyNestedLinesAndAlwaysMovesOn) {
  std::string text = "{\"first\":1}\n";
  text += "{\"long\":\"" + std::string(300'000, 'x') + "\"}\n";
  text += "{\"a\":" + std::string(20'000, '[') + std::string(20'000, ']') + "}\n";
  const std::string last = "{\"last\":1}\n";
  const std::uint64_t last_offset = text.size();
  text += last;
  write(text);
  DecisionFilter small_pages;
  small_pages.max_scan_bytes = 1;
  EXPECT_EQ(ids(small_pages), (std::vector<std::string>{std::to_string(last_offset), "0"}));
}

TEST(DecisionLogReader, AnAbsentLogHasNoDecisions) {
  auto page = read_decisions("/nonexistent/radius-decisions.log", {});
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(page->items.empty());
}

}  // namespace
}  // namespace nimbus::api
