// Text from outside the process (request paths, parameters and headers, CSR and certificate fields,
// remote answers) made safe to write into a log line or a plain-text answer.
//
// A log line is one line: a value that carried CR or LF could add a line that looks like ours, ESC
// could drive the terminal reading the log, NUL could cut it short, and invalid UTF-8 makes a JSON
// line unparsable. Every such byte is written as \xNN (two lower-case hex digits) and a backslash
// as \\, so that the escaped text is unambiguous: "\x0a" in a log line was a newline, "\\x0a" the
// four characters as sent. Escaped: C0 controls (tab included), DEL, C1 controls (U+0080 to U+009F:
// some terminals obey U+009B as ESC [) and each byte of anything that is not well-formed UTF-8.
// Kept as they are: printable ASCII and every other well-formed UTF-8 character.
//
//   spdlog::info("OCSP request for '{}' refused", loggable(request.param("ca")));
//
// All functions are pure and thread-safe.
#pragma once

#include <string>
#include <string_view>

#include <fmt/format.h>

namespace nimbus {

// How much of the text is escaped.
enum class LogEscape {
  // Control characters, C1 controls, invalid UTF-8 and the backslash: for values from outside.
  kValue,
  // The same but the backslash: for a whole line whose values were escaped as kValue already, so
  // that nothing is escaped twice and a value someone forgot to escape still cannot break the line.
  kLine,
};

// Appends `text` to `out`, escaped as described at the top.
void append_log_text(std::string& out, std::string_view text, LogEscape mode = LogEscape::kValue);

// `text` escaped as kValue.
std::string escape_log_text(std::string_view text);

// True when escaping would change nothing: the fast path for the common, harmless value.
bool is_log_safe(std::string_view text, LogEscape mode = LogEscape::kValue);

// Appends `text` as the contents of a JSON string (RFC 8259 section 7, without the quotes): '"' and
// '\' escaped, control characters (and DEL and the C1 controls, for terminals) as \u00NN. A byte
// that is not part of well-formed UTF-8 becomes the text \xNN, as in text logs, so that the output
// is always valid UTF-8 that a strict parser accepts.
void append_json_text(std::string& out, std::string_view text);

// A log argument written escaped (kValue): spdlog::info("... '{}'", loggable(id)). Holds a view:
// the text must outlive the formatting call, as with any string_view argument.
struct Loggable {
  std::string_view text;
};
constexpr Loggable loggable(std::string_view text) { return Loggable{text}; }

}  // namespace nimbus

template <>
struct fmt::formatter<nimbus::Loggable> : fmt::formatter<std::string_view> {
  template <typename FormatContext>
  auto format(const nimbus::Loggable& value, FormatContext& context) const -> decltype(context.out()) {
    if (nimbus::is_log_safe(value.text)) return fmt::formatter<std::string_view>::format(value.text, context);
    return fmt::formatter<std::string_view>::format(nimbus::escape_log_text(value.text), context);
  }
};
