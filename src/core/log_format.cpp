#include "core/log_format.h"

#include <string>
#include <string_view>

#include <spdlog/pattern_formatter.h>

#include "core/log_text.h"

namespace nimbus {

namespace {

std::string_view payload_of(const spdlog::details::log_msg& message) {
  return std::string_view(message.payload.data(), message.payload.size());
}

// Reused by every line a thread formats, so that escaping allocates nothing once warm.
std::string& scratch() {
  thread_local std::string buffer;
  buffer.clear();
  return buffer;
}

// %J: the message as the contents of a JSON string.
class JsonMessageFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& message, const std::tm&, spdlog::memory_buf_t& out) override {
    std::string& escaped = scratch();
    append_json_text(escaped, payload_of(message));
    out.append(escaped.data(), escaped.data() + escaped.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<JsonMessageFlag>(); }
};

// %V: the message with control characters and invalid UTF-8 escaped, backslashes kept.
class TextMessageFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& message, const std::tm&, spdlog::memory_buf_t& out) override {
    std::string_view payload = payload_of(message);
    if (is_log_safe(payload, LogEscape::kLine)) {
      out.append(payload.data(), payload.data() + payload.size());
      return;
    }
    std::string& escaped = scratch();
    append_log_text(escaped, payload, LogEscape::kLine);
    out.append(escaped.data(), escaped.data() + escaped.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<TextMessageFlag>(); }
};

}  // namespace

std::unique_ptr<spdlog::formatter> make_log_formatter(LogFormat format) {
  auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
  if (format == LogFormat::kJson) {
    formatter->add_flag<JsonMessageFlag>('J').set_pattern(
        R"({"time":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","logger":"%n","message":"%J"})");
  } else {
    formatter->add_flag<TextMessageFlag>('V').set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%l%$ %V");
  }
  return formatter;
}

}  // namespace nimbus
