#include "core/time.h"

#include <charconv>
#include <ctime>

#include <fmt/format.h>

namespace nimbus {

Timestamp now_utc() {
  return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

std::string format_timestamp(Timestamp t) {
  // Not system_clock::to_time_t: it goes through nanoseconds, which overflow outside 1678-2262.
  std::time_t seconds = static_cast<std::time_t>(t.time_since_epoch().count());
  std::tm parts{};
  gmtime_r(&seconds, &parts);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
  return text;
}

Result<Timestamp> parse_timestamp(std::string_view text) {
  std::tm parts{};
  std::string copy(text);
  const char* end = strptime(copy.c_str(), "%Y-%m-%dT%H:%M:%SZ", &parts);
  if (end == nullptr || *end != '\0') {
    return Error(ErrorCode::kMalformed,
                 fmt::format("'{}' is not a UTC time of the form 2026-01-31T12:00:00Z", text));
  }
  Timestamp t(std::chrono::seconds(timegm(&parts)));
  // timegm normalises 30 February to 2 March; a date that does not survive the round trip is wrong.
  if (format_timestamp(t) != text) {
    return Error(ErrorCode::kMalformed, fmt::format("'{}' is not a valid date and time", text));
  }
  return t;
}

Result<Duration> parse_validity(std::string_view text) {
  auto malformed = [&] {
    return Error(ErrorCode::kInvalidArgument,
                 fmt::format("validity '{}' is not a positive number followed by y, d or h "
                             "(for example 20y, 1825d, 72h)",
                             text));
  };
  if (text.size() < 2) return malformed();
  long long count = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size() - 1, count);
  if (ec != std::errc() || end != text.data() + text.size() - 1 || count <= 0) return malformed();

  constexpr long long kMaxDays = 100LL * 365;  // beyond any sane certificate and any time_t issue
  long long hours = 0;
  switch (text.back()) {
    case 'y': hours = count > kMaxDays / 365 ? -1 : count * 365 * 24; break;
    case 'd': hours = count > kMaxDays ? -1 : count * 24; break;
    case 'h': hours = count > kMaxDays * 24 ? -1 : count; break;
    default: return malformed();
  }
  if (hours < 0) {
    return Error(ErrorCode::kInvalidArgument,
                 fmt::format("validity '{}' is longer than 100 years", text));
  }
  return Duration(std::chrono::hours(hours));
}

std::string describe_duration(Duration d) {
  auto hours = std::chrono::duration_cast<std::chrono::hours>(d).count();
  if (hours % 24 == 0) return fmt::format("{} day{}", hours / 24, hours == 24 ? "" : "s");
  return fmt::format("{} hour{}", hours, hours == 1 ? "" : "s");
}

}  // namespace nimbus
