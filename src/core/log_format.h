// The two forms of Nimbus's log lines: text for people, JSON (one object per line) for collectors.
//
// Either way a line is exactly one line and valid UTF-8 whatever its message holds: the text form
// escapes the message as LogEscape::kLine (core/log_text.h), the JSON form as a JSON string. Call
// sites still escape the values they take from outside with loggable(), which also escapes the
// backslash so that the text form stays unambiguous; this is the guarantee behind them.
#pragma once

#include <memory>

#include <spdlog/formatter.h>

namespace nimbus {

enum class LogFormat {
  kText,  // 2024-05-01T12:00:00.000Z info message
  kJson,  // {"time":"2024-05-01T12:00:00.000Z","level":"info","logger":"nimbus","message":"message"}
};

// A formatter for spdlog loggers and sinks; times are UTC. The text form colours the level when
// the sink does (a terminal).
std::unique_ptr<spdlog::formatter> make_log_formatter(LogFormat format);

}  // namespace nimbus
