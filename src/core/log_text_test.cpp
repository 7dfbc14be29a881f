#include "core/log_text.h"

#include <random>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace nimbus {
namespace {

using namespace std::string_literals;

// Undoes kValue escaping; nullopt for text that escaping cannot have produced.
std::optional<std::string> unescape(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\') {
      out += text[i];
      continue;
    }
    if (i + 1 < text.size() && text[i + 1] == '\\') {
      out += '\\';
      ++i;
    } else if (i + 3 < text.size() && text[i + 1] == 'x') {
      out += static_cast<char>(std::stoi(std::string(text.substr(i + 2, 2)), nullptr, 16));
      i += 3;
    } else {
      return std::nullopt;
    }
  }
  return out;
}

// No byte a terminal or a line reader acts on, and well-formed UTF-8 throughout.
bool is_inert(std::string_view text) {
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) return false;
  }
  try {
    (void)nlohmann::json(std::string(text)).dump();  // dump() throws on invalid UTF-8
  } catch (const nlohmann::json::exception&) {
    return false;
  }
  return text.find("\xc2\x9b") == std::string_view::npos;
}

std::string random_bytes(std::mt19937& random, std::size_t size) {
  std::uniform_int_distribution<int> byte(0, 255);
  std::string out(size, '\0');
  for (char& c : out) c = static_cast<char>(byte(random));
  return out;
}

TEST(LogText, EscapesControlCharactersAsHex) {
  EXPECT_EQ(escape_log_text("a\r\nb"), "a\\x0d\\x0ab");
  EXPECT_EQ(escape_log_text("\x1b[31mred"), "\\x1b[31mred");
  EXPECT_EQ(escape_log_text("nul\0here"s), "nul\\x00here");
  EXPECT_EQ(escape_log_text("tab\tdel\x7f"), "tab\\x09del\\x7f");
}

TEST(LogText, EscapesTheBackslashSoThatEscapesAreUnambiguous) {
  EXPECT_EQ(escape_log_text("\\x0a"), "\\\\x0a");
  EXPECT_EQ(escape_log_text("\n"), "\\x0a");
  EXPECT_NE(escape_log_text("\\x0a"), escape_log_text("\n"));
}

TEST(LogText, KeepsPrintableAsciiAndWellFormedUtf8) {
  EXPECT_EQ(escape_log_text("acme-issuing-ca /ocsp/x?y=1 \"quoted\""), "acme-issuing-ca /ocsp/x?y=1 \"quoted\"");
  EXPECT_EQ(escape_log_text("CN=Zo\xc3\xab, O=\xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x94\x92"),
            "CN=Zo\xc3\xab, O=\xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x94\x92");
  EXPECT_TRUE(is_log_safe("CN=Zo\xc3\xab"));
  EXPECT_EQ(escape_log_text(""), "");
}

TEST(LogText, EscapesEachByteOfInvalidUtf8) {
  EXPECT_EQ(escape_log_text("\xff"), "\\xff");
  EXPECT_EQ(escape_log_text("a\xc3"), "a\\xc3");                // truncated
  EXPECT_EQ(escape_log_text("\xc0\xaf"), "\\xc0\\xaf");         // overlong '/'
  EXPECT_EQ(escape_log_text("\xe0\x80\xaf"), "\\xe0\\x80\\xaf");  // overlong, three bytes
  EXPECT_EQ(escape_log_text("\xed\xa0\x80"), "\\xed\\xa0\\x80");  // a UTF-16 surrogate
  EXPECT_EQ(escape_log_text("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");  // above U+10FFFF
  EXPECT_EQ(escape_log_text("\x80z"), "\\x80z");                // a lone continuation byte
  // A valid character right after an invalid byte is kept.
  EXPECT_EQ(escape_log_text("\xc3\xc3\xab"), "\\xc3\xc3\xab");
}

TEST(LogText, EscapesC1ControlsWhichSomeTerminalsObey) {
  EXPECT_EQ(escape_log_text("\xc2\x9b" "31m"), "\\xc2\\x9b31m");  // U+009B, CSI
  EXPECT_EQ(escape_log_text("\xc2\x85"), "\\xc2\\x85");          // U+0085, NEL
  EXPECT_EQ(escape_log_text("\xc2\xa0"), "\xc2\xa0");            // U+00A0 is no control
}

TEST(LogText, LineModeKeepsBackslashesButStillEscapesControls) {
  std::string out;
  append_log_text(out, "already \\x0a escaped\nand \\ kept", LogEscape::kLine);
  EXPECT_EQ(out, "already \\x0a escaped\\x0aand \\ kept");
  EXPECT_TRUE(is_log_safe("a \\ b", LogEscape::kLine));
  EXPECT_FALSE(is_log_safe("a \\ b", LogEscape::kValue));
  EXPECT_FALSE(is_log_safe("a\nb", LogEscape::kLine));
}

TEST(LogText, EveryByteStringEscapesToInertTextThatDecodesBack) {
  std::mt19937 random(12);
  for (int round = 0; round < 20000; ++round) {
    std::string text = random_bytes(random, static_cast<std::size_t>(round % 12));
    std::string escaped = escape_log_text(text);
    ASSERT_TRUE(is_inert(escaped)) << escaped;
    ASSERT_EQ(unescape(escaped), text) << escaped;
    ASSERT_EQ(is_log_safe(text), escaped == text) << escaped;
    std::string line;
    append_log_text(line, text, LogEscape::kLine);
    ASSERT_TRUE(is_inert(line)) << line;
  }
}

TEST(LogText, LoggableFormatsEscaped) {
  EXPECT_EQ(fmt::format("for '{}' from {}", loggable("x\r\nforged"), "10.0.0.1"), "for 'x\\x0d\\x0aforged' from 10.0.0.1");
  EXPECT_EQ(fmt::format("'{}'", loggable("plain")), "'plain'");
  EXPECT_EQ(fmt::format("[{:>6}]", loggable("ab")), "[    ab]");
}

TEST(JsonText, EscapesQuotesBackslashesAndControlsByJsonRules) {
  std::string out;
  append_json_text(out, "say \"hi\" \\ \r\n\t\x1b\0\x7f"s);
  EXPECT_EQ(out, "say \\\"hi\\\" \\\\ \\u000d\\u000a\\u0009\\u001b\\u0000\\u007f");
  out.clear();
  append_json_text(out, "CN=Zo\xc3\xab \xc2\x9b");
  EXPECT_EQ(out, "CN=Zo\xc3\xab \\u009b");
}

TEST(JsonText, InvalidUtf8BecomesTheTextEscapeOfTextLogs) {
  std::string out;
  append_json_text(out, "a\xff" "b\xc3");
  EXPECT_EQ(out, "a\\\\xffb\\\\xc3");
  EXPECT_EQ(nlohmann::json::parse("\"" + out + "\"").get<std::string>(), "a\\xffb\\xc3");
}

TEST(JsonText, EveryByteStringMakesAStringAStrictParserAccepts) {
  std::mt19937 random(7);
  for (int round = 0; round < 20000; ++round) {
    std::string text = random_bytes(random, static_cast<std::size_t>(round % 12));
    std::string out;
    append_json_text(out, text);
    nlohmann::json parsed;
    ASSERT_NO_THROW(parsed = nlohmann::json::parse("\"" + out + "\"")) << out;
    for (char c : out) ASSERT_FALSE(static_cast<unsigned char>(c) < 0x20) << out;
    // Valid UTF-8 without controls comes back as it was.
    if (is_log_safe(text, LogEscape::kLine)) {
      ASSERT_EQ(parsed.get<std::string>(), text);
    }
  }
}

}  // namespace
}  // namespace nimbus
