// Reading the RADIUS decision log (one JSON object per line, appended by the RADIUS service) for
// the API, newest first. A decision's id is the byte offset of its line, so that it stays the same
// while the log grows and a page's cursor is simply where the next page ends.
//
// The log is read backwards from the end (or from the cursor), so the newest decisions cost the
// same however long the log is. A page reads at most `max_scan_bytes` (and at least 192 KiB): a
// filter that matches little returns fewer items and a cursor to go on from, rather than reading
// the whole log in one request. The log is untrusted input: only lines ended by a newline count
// (not one being written), and a line that is not a JSON object, is longer than 64 KiB or nests
// deeper than 16 levels is skipped; members of the wrong type match no filter.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/result.h"
#include "core/time.h"

namespace nimbus::api {

struct DecisionFilter {
  std::optional<std::string> user;     // contained in user or user_name, case-insensitively
  std::optional<std::string> device;   // contained in the certificate's subject, or its serial or thumbprint
  std::optional<std::string> nas;      // the NAS's name or address, exactly
  std::optional<int> reason_code;      // the NPS reason code
  std::optional<std::string> decision; // "granted" or "denied"
  std::optional<Timestamp> since;      // at or after
  std::optional<Timestamp> until;      // before
  std::optional<std::uint64_t> before; // only lines that start before this offset (a cursor)
  std::size_t limit = 50;
  std::size_t max_scan_bytes = 16u << 20;
};

struct DecisionPage {
  std::vector<nlohmann::json> items;  // each with "id" added
  // Where the next page starts (the offset to pass as `before`); absent when the log's start was reached.
  std::optional<std::uint64_t> next_before;
};

// An absent log is an empty page: no RADIUS decision was made yet.
Result<DecisionPage> read_decisions(const std::filesystem::path& log, const DecisionFilter& filter);

// The decision whose line starts at `id`; kNotFound when no line starts there.
Result<nlohmann::json> read_decision(const std::filesystem::path& log, std::uint64_t id);

}  // namespace nimbus::api
