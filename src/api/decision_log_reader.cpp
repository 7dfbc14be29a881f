#include "api/decision_log_reader.h"

#include <algorithm>
#include <cctype>
#include <fstream>

#include <fmt/format.h>

namespace nimbus::api {

namespace {

using nlohmann::json;

constexpr std::size_t kChunk = 64 * 1024;
// A line longer than this is not one the RADIUS service wrote.
constexpr std::size_t kMaxLine = 64 * 1024;

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

bool contains_folded(std::string_view haystack, const std::string& folded_needle) {
  return lower(haystack).find(folded_needle) != std::string::npos;
}

std::string string_at(const json& object, const json::json_pointer& pointer) {
  if (!object.contains(pointer)) return {};
  const json& value = object.at(pointer);
  return value.is_string() ? value.get<std::string>() : std::string();
}

bool matches(const json& decision, const DecisionFilter& filter) {
  if (filter.user) {
    const std::string needle = lower(*filter.user);
    if (!contains_folded(decision.value("user", ""), needle) &&
        !contains_folded(decision.value("user_name", ""), needle)) {
      return false;
    }
  }
  if (filter.device) {
    const std::string needle = lower(*filter.device);
    if (!contains_folded(string_at(decision, json::json_pointer("/certificate/subject")), needle) &&
        lower(string_at(decision, json::json_pointer("/certificate/serial"))) != needle &&
        lower(string_at(decision, json::json_pointer("/certificate/thumbprint"))) != needle) {
      return false;
    }
  }
  if (filter.nas && string_at(decision, json::json_pointer("/nas/name")) != *filter.nas &&
      string_at(decision, json::json_pointer("/nas/address")) != *filter.nas) {
    return false;
  }
  if (filter.reason_code) {
    auto code = decision.find("reason_code");
    if (code == decision.end() || !code->is_number_integer() || code->get<int>() != *filter.reason_code) return false;
  }
  if (filter.decision && decision.value("decision", "") != *filter.decision) return false;
  if (filter.since || filter.until) {
    auto at = parse_timestamp(decision.value("time", ""));
    if (!at.ok()) return false;
    if (filter.since && *at < *filter.since) return false;
    if (filter.until && *at >= *filter.until) return false;
  }
  return true;
}

std::optional<json> parse_line(std::string_view line) {
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

  std::uint64_t end = std::min<std::uint64_t>(filter.before.value_or(size), size);
  // The text between `position` and `end` not yet split into lines; its first line may be partial.
  std::uint64_t position = end;
  std::string pending;
  std::uint64_t scanned = 0;
  while (position > 0) {
    const std::uint64_t start = position >= kChunk ? position - kChunk : 0;
    std::string chunk(position - start, '\0');
    in.seekg(static_cast<std::streamoff>(start));
    in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    if (in.gcount() != static_cast<std::streamsize>(chunk.size())) {
      return Error(ErrorCode::kIoError, fmt::format("reading the RADIUS decision log '{}' failed", log.string()));
    }
    pending = chunk + pending;
    position = start;
    scanned += chunk.size();

    // Every line whose start is known: after a newline, or at the log's first byte.
    std::size_t line_end = pending.size();
    for (;;) {
      std::size_t newline = line_end == 0 ? std::string::npos : pending.rfind('\n', line_end - 1);
      if (newline == std::string::npos && position > 0) break;
      const std::size_t line_start = newline == std::string::npos ? 0 : newline + 1;
      const std::string_view line(pending.data() + line_start, line_end - line_start);
      const std::uint64_t offset = position + line_start;
      if (!line.empty() && line.size() <= kMaxLine) {
        if (std::optional<json> decision = parse_line(line); decision && matches(*decision, filter)) {
          (*decision)["id"] = std::to_string(offset);
          page.items.push_back(std::move(*decision));
          if (page.items.size() == filter.limit) {
            if (offset > 0) page.next_before = offset;
            return page;
          }
        }
      }
      if (newline == std::string::npos) break;
      line_end = newline;
    }
    pending.resize(line_end);
    if (pending.size() > kMaxLine) pending.clear();  // an overlong line: skip it rather than buffer it
    if (scanned >= filter.max_scan_bytes && position > 0) {
      page.next_before = position + pending.size();
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
  if (!std::getline(in, line) || line.size() > kMaxLine) return not_found();
  std::optional<json> decision = parse_line(line);
  if (!decision) return not_found();
  (*decision)["id"] = std::to_string(id);
  return std::move(*decision);
}

}  // namespace nimbus::api
