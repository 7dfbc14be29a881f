#include "core/log_format.h"

#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <spdlog/logger.h>
#include <spdlog/sinks/ostream_sink.h>

#include "core/log_text.h"

namespace nimbus {
namespace {

using namespace std::string_literals;

// What a logger in `format` writes for `messages`, line by line.
std::vector<std::string> lines_for(LogFormat format, const std::vector<std::string>& messages) {
  std::ostringstream stream;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_st>(stream);
  spdlog::logger logger("test", sink);
  logger.set_formatter(make_log_formatter(format));
  for (const std::string& message : messages) logger.info("{}", message);
  std::vector<std::string> lines;
  std::string line;
  std::istringstream written(stream.str());
  while (std::getline(written, line)) lines.push_back(line);
  return lines;
}

const std::vector<std::string> kHostile = {
    "forged\r\n2024-01-01T00:00:00.000Z info admin logged in"s,
    "\x1b[2J\x1b[31mcleared"s,
    "nul\0cut"s,
    "bad \xff\xfe utf-8 and \xc3"s,
    "\"}, {\"level\":\"info\",\"message\":\"forged"s,
    "C1 \xc2\x9b" "31m"s,
};

TEST(LogFormat, TextLinesStayOneLineWithoutControlBytes) {
  std::vector<std::string> lines = lines_for(LogFormat::kText, kHostile);
  ASSERT_EQ(lines.size(), kHostile.size());
  for (const std::string& line : lines) {
    EXPECT_TRUE(is_log_safe(line, LogEscape::kLine)) << line;
    EXPECT_NE(line.find("Z info "), std::string::npos) << line;
  }
  EXPECT_TRUE(lines[0].ends_with(" info forged\\x0d\\x0a2024-01-01T00:00:00.000Z info admin logged in")) << lines[0];
  EXPECT_TRUE(lines[2].ends_with(" info nul\\x00cut")) << lines[2];
}

TEST(LogFormat, TextLinesKeepWhatLoggableEscapedAsItIs) {
  std::vector<std::string> lines = lines_for(LogFormat::kText, {fmt::format("id '{}'", loggable("a\\b\nc"))});
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_TRUE(lines[0].ends_with(" info id 'a\\\\b\\x0ac'")) << lines[0];
}

TEST(LogFormat, EveryJsonLineIsOneObjectThatParsesStrictly) {
  std::vector<std::string> lines = lines_for(LogFormat::kJson, kHostile);
  ASSERT_EQ(lines.size(), kHostile.size());
  for (std::size_t i = 0; i < lines.size(); ++i) {
    nlohmann::json entry;
    ASSERT_NO_THROW(entry = nlohmann::json::parse(lines[i])) << lines[i];
    EXPECT_EQ(entry.size(), 4u) << lines[i];
    EXPECT_EQ(entry["level"], "info");
    EXPECT_EQ(entry["logger"], "test");
    EXPECT_TRUE(entry["time"].get<std::string>().ends_with("Z"));
  }
  EXPECT_EQ(nlohmann::json::parse(lines[0])["message"], kHostile[0]);
  EXPECT_EQ(nlohmann::json::parse(lines[2])["message"], kHostile[2]);
  EXPECT_EQ(nlohmann::json::parse(lines[3])["message"], "bad \\xff\\xfe utf-8 and \\xc3");
  EXPECT_EQ(nlohmann::json::parse(lines[4])["message"], kHostile[4]);
}

}  // namespace
}  // namespace nimbus
