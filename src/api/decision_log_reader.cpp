#include "api/decision_log_reader.h"

#include <algorithm>
#include <cctype>
#include <fstream>

#include <fmt/format.h>

namespace nimbus::api {

namespace {

using nlohmann::json;

constexpr std::size_t kChunk = 64 * 1024;
// A line longer than this is not one the RADIUS service wrote; nor is one nested deeper than that.
constexpr std::size_t kMaxLine = 64 * 1024;
constexpr int kMaxNesting = 16;
// A page reads at least this much, so that it always gets past a line that straddles its end.
constexpr std::size_t kMinScanBytes = 2 * kMaxLine + kChunk;

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

bool contains_folded(std::string_view haystack, const std::string& folded_needle) {
  return lower(haystack).find(folded_needle) != std::string::npos;
}

// The string at `pointer`, or "" when it is absent or not a string: a line is untrusted input.
std::string string_at(const json& object, const char* pointer) {
  const json::json_pointer at(pointer);
  if (!object.contains(at)) return {};
  const json& value = object.at(at);
  return value.is_string() ? value.get<std::string>() : std::string();
}

bool reason_code_is(const json& decision, int wanted) {
  auto code = decision.find("reason_code");
  if (code == decision.end()) return false;
  if (code->is_number_unsigned()) return code->get<std::uint64_t>() == static_cast<std::uint64_t>(wanted);
  if (code->is_number_integer()) return code->get<std::int64_t>() == wanted;
  return false;
}

bool matches(const json& decision, const DecisionFilter& filter) {
  if (filter.user) {
    const std::string needle = lower(*filter.user);
    if (!contains_folded(string_at(decision, "/user"), needle) &&
        !contains_folded(string_at(decision, "/user_name"), needle)) {
      return false;
    }
  }
  if (filter.device) {
    const std::string needle = lower(*filter.device);
    if (!contains_folded(string_at(decision, "/certificate/subject"), needle) &&
        lower(string_at(decision, "/certificate/serial")) != needle &&
        lower(string_at(decision, "/certificate/thumbprint")) != needle) {
      return false;
    }
  }
  if (filter.nas && string_at(decision, "/nas/name") != *filter.nas &&
      string_at(decision, "/nas/address") != *filter.nas) {
    return false;
  }
  if (filter.reason_code && !reason_code_is(decision, *filter.reason_code)) return false;
  if (filter.decision && string_at(decision, "/decision") != *filter.decision) return false;
  if (filter.since || filter.until) {
    auto at = parse_timestamp(string_at(decision, "/time"));
    if (!at.ok()) return false;
    if (filter.since && *at < *filter.since) return false;
    if (filter.until && *at >= *filter.until) return false;
  }
  return true;
}

// Whether brackets nest no deeper than `limit` outside strings: checked before parsing, because
// parsing and printing are recursive.
bool nesting_within(std::string_view text, int limit) {
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limit) return false;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return true;
}

std::optional<json> parse_line(std::string_view line) {
  if (line.empty() || line.size() > kMaxLine || !nesting_within(line, kMaxNesting)) return std::nullopt;
  json parsed = json::parse(line.begin(), line.end(), nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_object()) return std::nullopt;
  return parsed;
}

Result<std::ifstream> open_log(const std::filesystem::path& log) {
  std::ifstream in(log, std::ios::binary);
  if (!in) return Error(ErrorCode::kIoError, fmt::format("cannot read the RADIUS decision log '{}'", log.string()));
  return in;
}

}  // namespace

// Only lines ended by a newline count: the text after the last newline before the end (a line
// being written, or a cursor that is not at a line's start) is no line yet. The log is read
// backwards a chunk at a time; `tail` holds the part already read of the line that ends at
// `line_end`.
Result<DecisionPage> read_decisions(const std::filesystem::path& log, const DecisionFilter& filter) {
  DecisionPage page;
  std::error_code ec;
  const std::uintmax_t size = std::filesystem::file_size(log, ec);
  if (ec) {
    if (!std::filesystem::exists(log)) return page;
    return Error(ErrorCode::kIoError, fmt::format("cannot read the RADIUS decision log '{}': {}", log.string(),
                                                  ec.message()));
  }
  NIMBUS_ASSIGN_OR_RETURN(std::ifstream in, open_log(log));
  const std::size_t budget = std::max(filter.max_scan_bytes, kMinScanBytes);
  const std::uint64_t end = std::min<std::uint64_t>(filter.before.value_or(size), size);

  std::optional<std::uint64_t> line_end;
  std::string tail;
  bool overlong = false;
  // Takes the line that starts at `offset`; true when the page is full.
  auto take = [&](std::string_view line, std::uint64_t offset) {
    std::optional<json> decision = parse_line(line);
    if (!decision || !matches(*decision, filter)) return false;
    (*decision)["id"] = std::to_string(offset);
    page.items.push_back(std::move(*decision));
    if (page.items.size() < filter.limit) return false;
    if (offset > 0) page.next_before = offset;
    return true;
  };

  std::uint64_t position = end;
  std::uint64_t scanned = 0;
  std::string chunk;
  while (position > 0) {
    const std::uint64_t start = position >= kChunk ? position - kChunk : 0;
    chunk.assign(position - start, '\0');
    in.seekg(static_cast<std::streamoff>(start));
    in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    if (in.gcount() != static_cast<std::streamsize>(chunk.size())) {
      return Error(ErrorCode::kIoError, fmt::format("reading the RADIUS decision log '{}' failed", log.string()));
    }
    scanned += chunk.size();
    std::size_t upto = chunk.size();
    while (upto > 0) {
      const std::size_t newline = chunk.rfind('\n', upto - 1);
      if (newline == std::string::npos) break;
      if (line_end && !overlong) {
        const std::string line = chunk.substr(newline + 1, upto - newline - 1) + tail;
        if (take(line, start + newline + 1)) return page;
      }
      line_end = start + newline;
      tail.clear();
      overlong = false;
      upto = newline;
    }
    if (line_end && !overlong) {
      tail.insert(0, chunk, 0, upto);
      if (tail.size() > kMaxLine) {
        overlong = true;
        tail.clear();
      }
    }
    position = start;
    if (position == 0) {
      if (line_end && !overlong && take(tail, 0)) return page;
      break;
    }
    if (scanned >= budget) {
      // Past a line longer than a page reads, go on below it; else from the line being read.
      page.next_before = line_end && !overlong ? *line_end + 1 : position;
      return page;
    }
  }
  return page;
}

Result<json> read_decision(const std::filesystem::path& log, std::uint64_t id) {
  auto not_found = [&] { return Error(ErrorCode::kNotFound, fmt::format("no RADIUS decision {}", id)); };
  if (!std::filesystem::exists(log)) return not_found();
  NIMBUS_ASSIGN_OR_RETURN(std::ifstream in, open_log(log));
  if (id > 0) {
    in.seekg(static_cast<std::streamoff>(id - 1));
    if (in.get() != '\n') return not_found();
  }
  std::string line;
  if (!std::getline(in, line) || in.eof()) return not_found();  // no newline yet: a line being written
  std::optional<json> decision = parse_line(line);
  if (!decision) return not_found();
  (*decision)["id"] = std::to_string(id);
  return std::move(*decision);
}

}  // namespace nimbus::api
