// Time points and durations as Nimbus uses them: whole seconds, UTC.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "core/result.h"

namespace nimbus {

using Timestamp = std::chrono::sys_seconds;
using Duration = std::chrono::seconds;

Timestamp now_utc();

// "2026-11-24T22:09:43Z"
std::string format_timestamp(Timestamp t);

// Parses format_timestamp's output.
Result<Timestamp> parse_timestamp(std::string_view text);

// Parses a validity period: a positive whole number followed by a unit, y (365 days), d or h.
// "20y", "1825d", "72h". Used for CA validities on the command line and in profiles.
Result<Duration> parse_validity(std::string_view text);

// "1825 days", "72 hours": how a validity is said back to a user.
std::string describe_duration(Duration d);

}  // namespace nimbus
