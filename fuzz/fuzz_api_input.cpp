// Fuzzes what the REST API reads before a handler acts on it: the query of a listing, a page
// cursor, a JSON request body, an Idempotency-Key and the request it names, a bearer token, and the
// RADIUS decision log the API pages through (another process writes it; its bytes are no more
// trusted than a request's). The first byte of an input chooses which (modulo 6: '0' to '5' in a
// seed); the rest is that input:
//
//   0  query        the query string of a listing, read for the parameters the listings take
//   1  cursor       one byte choosing the listing and field count, then the cursor text
//   2  json body    the body, then the members the handlers read from it
//   3  idempotency  two bytes splitting the rest into method, path and body; the rest is also the
//                   key, and its bytes are operations on a small IdempotencyKeys (remember, recall,
//                   time passing), checked against the promises of api/idempotency.h
//   4  decisions    eight bytes of filter, page size, scan budget, padding and cursor, then the log
//   5  api token    one byte choosing the time, then the token text
//
// Nothing may crash or throw, and what each reader accepts must mean what its header says: a page
// limit within bounds, a cursor that is one this server makes, a member read as it is in the body,
// a page of decisions that holds only lines of the log that match its filter, each of which reads
// back by its id.
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <initializer_list>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "access/api_tokens.h"
#include "api/decision_log_reader.h"
#include "api/idempotency.h"
#include "api/json_body.h"
#include "api/page_cursor.h"
#include "api/query.h"
#include "core/bytes.h"
#include "core/time.h"
#include "crypto/digest.h"
#include "http/message.h"
#include "store/store.h"

#include "input_scope.h"

namespace {

using namespace nimbus;
using nlohmann::json;

// An invariant of the code under test; the fuzzer reports the input that breaks it.
void check(bool holds) {
  if (!holds) __builtin_trap();
}

// Reads an input front to back; past its end, every byte is 0.
class Input {
 public:
  Input(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}

  std::uint8_t byte() { return at_ < size_ ? data_[at_++] : 0; }
  std::string_view rest() const { return {reinterpret_cast<const char*>(data_) + at_, size_ - at_}; }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t at_ = 0;
};

std::string ascii_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool is_lower_hex(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// --- 0: the query of a listing ---------------------------------------------------------------------

constexpr std::string_view kParameters[] = {"limit", "cursor", "status", "user",  "reason_code",
                                            "since", "until",  "subject", "decision"};

struct Range {
  long long min;
  long long max;
};
constexpr Range kRanges[] = {{0, 65535}, {1, static_cast<long long>(api::kMaxPageSize)}, {LLONG_MIN, LLONG_MAX}};

void fuzz_query(std::string_view query) {
  for (std::string_view name : kParameters) {
    auto text = api::query_text(query, name);
    if (text.ok()) {
      check(!*text || (!(*text)->empty() && http::query_parameter(query, name) == **text));
    } else {
      check(text.error().code() == ErrorCode::kInvalidArgument && text.error().field() == name);
    }
    for (const Range& range : kRanges) {
      auto number = api::query_integer(query, name, range.min, range.max);
      if (!number.ok()) {
        check(number.error().code() == ErrorCode::kInvalidArgument && number.error().field() == name);
        continue;
      }
      check(text.ok() && number->has_value() == text->has_value());
      if (*number) check(range.min <= **number && **number <= range.max);
    }
    auto time = api::query_timestamp(query, name);
    if (time.ok()) {
      check(text.ok() && time->has_value() == text->has_value());
      if (*time) check(format_timestamp(**time) == **text);
    } else {
      check(time.error().code() == ErrorCode::kInvalidArgument && time.error().field() == name);
    }
  }
  auto limit = api::page_limit(query);
  if (limit.ok()) {
    check(*limit >= 1 && *limit <= api::kMaxPageSize);
    auto text = api::query_text(query, "limit");
    check(text.ok() && (text->has_value() || *limit == api::kDefaultPageSize));
  } else {
    check(limit.error().field() == "limit");
  }
}

// --- 1: page cursors -------------------------------------------------------------------------------

constexpr std::string_view kListings[] = {"certificates", "audit", "radius-decisions", "enrollments"};

void fuzz_cursor(std::uint8_t shape, std::string_view cursor) {
  // A cursor is hex; its digits read the same in either case, so it is compared as this server
  // writes it.
  const std::string written = ascii_lower(cursor);
  const std::string_view listing = kListings[shape % std::size(kListings)];
  const std::size_t field_count = (shape >> 2) % 4;
  auto fields = api::decode_cursor(cursor, listing, field_count);
  if (fields.ok()) {
    check(fields->size() == field_count);
    for (const std::string& field : *fields) check(field.find('\n') == std::string::npos);
    check(api::encode_cursor(listing, *fields) == written);
  } else {
    check(fields.error().code() == ErrorCode::kInvalidArgument);
  }
  auto position = api::decode_certificate_cursor(cursor);
  if (position.ok()) {
    const std::string again = api::certificate_cursor(*position);
    check(again == written);
    auto reread = api::decode_certificate_cursor(again);
    check(reread.ok() && reread->issued_at == position->issued_at && reread->serial == position->serial);
  } else {
    check(position.error().code() == ErrorCode::kInvalidArgument);
  }
  for (std::string_view sequence_listing : kListings) {
    auto sequence = api::decode_sequence_cursor(cursor, sequence_listing);
    if (sequence.ok()) {
      check(api::sequence_cursor(sequence_listing, *sequence) == written);
    } else {
      check(sequence.error().code() == ErrorCode::kInvalidArgument);
    }
  }
}

// --- 2: a JSON request body ------------------------------------------------------------------------

constexpr std::string_view kMembers[] = {"enrollment", "csr", "key", "password", "profile", "variables", "reason",
                                         "token"};

// refuse_unknown_members with the sets the handlers pass.
void check_known_members(const json& object, std::initializer_list<std::string_view> known) {
  auto is_known = [&](std::string_view name) { return std::find(known.begin(), known.end(), name) != known.end(); };
  bool all_known = true;
  for (auto member = object.begin(); member != object.end(); ++member) all_known = all_known && is_known(member.key());
  auto status = api::refuse_unknown_members(object, known);
  if (status.ok()) {
    check(all_known);
  } else {
    check(!all_known && status.error().code() == ErrorCode::kInvalidArgument);
    check(object.contains(status.error().field()) && !is_known(status.error().field()));
  }
}

void fuzz_json_body(std::string_view text) {
  const Bytes body(text.begin(), text.end());
  auto object = api::parse_json_object(body);
  if (!object.ok()) {
    check(object.error().code() == ErrorCode::kMalformed && !body.empty());
    return;
  }
  check(object->is_object() && (!body.empty() || object->empty()));
  check_known_members(*object, {});
  check_known_members(*object, {"token"});
  check_known_members(*object, {"enrollment", "csr"});
  check_known_members(*object, {"enrollment", "key", "password"});
  check_known_members(*object, {"profile", "variables"});

  for (std::string_view name : kMembers) {
    auto found = object->find(name);
    const json* member = found == object->end() ? nullptr : &*found;
    const bool given = member != nullptr && !member->is_null();

    auto optional = api::optional_string(*object, name);
    if (optional.ok()) {
      check(optional->has_value() == given);
      if (*optional) check(member->is_string() && member->get_ref<const std::string&>() == **optional);
    } else {
      check(given && !member->is_string() && optional.error().field() == name);
    }

    auto required = api::required_string(*object, name);
    if (required.ok()) {
      check(!required->empty() && optional.ok() && *optional && **optional == *required);
    } else {
      check(required.error().code() == ErrorCode::kInvalidArgument && required.error().field() == name);
      check(!optional.ok() || !*optional || (*optional)->empty());
    }

    auto map = api::optional_string_map(*object, name);
    if (map.ok()) {
      check(given ? member->is_object() && map->size() == member->size() : map->empty());
      for (const auto& [key, value] : *map) {
        auto entry = member->find(key);
        check(entry != member->end() && entry->is_string() && entry->get_ref<const std::string&>() == value);
      }
    } else {
      check(given && map.error().code() == ErrorCode::kInvalidArgument);
      check(map.error().field() == name || map.error().field().starts_with(std::string(name) + "."));
    }
  }
}

// --- 3: idempotency keys ---------------------------------------------------------------------------

bool is_fingerprint(std::string_view text) { return text.size() == 64 && is_lower_hex(text); }

http::Request request_of(std::string_view bytes, std::size_t method_end, std::size_t path_end) {
  http::Request request;
  request.method = std::string(bytes.substr(0, method_end));
  request.path = std::string(bytes.substr(method_end, path_end - method_end));
  request.body = Bytes(bytes.begin() + static_cast<std::ptrdiff_t>(path_end), bytes.end());
  return request;
}

// What IdempotencyKeys promises, kept the plain way: its entries, oldest first.
struct KeptAnswer {
  std::string name;  // owner and key
  std::string fingerprint;
  int status;  // 0: answered once, never replayed
  std::chrono::steady_clock::time_point stored;
};

constexpr std::string_view kOwners[] = {"0123456789abcdef", "fedcba9876543210"};
constexpr std::string_view kKeys[] = {"a", "order-17", "retry", "b"};
constexpr std::string_view kFingerprints[] = {"GET:/a", "POST:/a"};
constexpr int kStatuses[] = {200, 201, 409, 500};

void fuzz_idempotency_keys(std::string_view operations) {
  constexpr std::chrono::seconds kRetention(10);
  constexpr std::size_t kMaxEntries = 3;
  std::chrono::steady_clock::time_point now;
  api::IdempotencyKeys keys(kRetention, kMaxEntries, [&now] { return now; });
  std::vector<KeptAnswer> kept;
  auto forget_expired = [&] {
    while (!kept.empty() && now - kept.front().stored >= kRetention) kept.erase(kept.begin());
  };
  auto keep = [&](std::string name, std::string_view fingerprint, int status) {
    forget_expired();
    if (std::any_of(kept.begin(), kept.end(), [&](const KeptAnswer& answer) { return answer.name == name; })) return;
    while (!kept.empty() && kept.size() >= kMaxEntries) kept.erase(kept.begin());
    kept.push_back({std::move(name), std::string(fingerprint), status, now});
  };

  for (std::size_t i = 0; i < std::min<std::size_t>(operations.size(), 64); ++i) {
    const auto op = static_cast<std::uint8_t>(operations[i]);
    if ((op & 3) == 3) {
      now += std::chrono::seconds(op >> 2);
      continue;
    }
    const std::string_view owner = kOwners[(op >> 2) & 1];
    const std::string_view key = kKeys[(op >> 3) & 3];
    const std::string_view fingerprint = kFingerprints[(op >> 5) & 1];
    const int status = kStatuses[(op >> 6) & 3];
    const std::string name = std::string(owner) + '\n' + std::string(key);
    switch (op & 3) {
      case 0:
        keys.remember(owner, key, std::string(fingerprint), http::Response::text(status, "answer"));
        if (status >= 200 && status <= 299) keep(name, fingerprint, status);
        break;
      case 1:
        keys.remember_answered_once(owner, key, std::string(fingerprint));
        keep(name, fingerprint, 0);
        break;
      default: {
        auto recalled = keys.recall(owner, key, fingerprint);
        forget_expired();
        auto answer = std::find_if(kept.begin(), kept.end(), [&](const KeptAnswer& a) { return a.name == name; });
        if (answer == kept.end()) {
          check(recalled.ok() && !recalled->has_value());
        } else if (answer->fingerprint != fingerprint || answer->status == 0) {
          check(!recalled.ok() && recalled.error().code() == ErrorCode::kAlreadyExists);
          check(recalled.error().field() == "Idempotency-Key");
        } else {
          check(recalled.ok() && recalled->has_value() && (*recalled)->status == answer->status);
          check((*recalled)->header("Idempotent-Replayed") == "true");
        }
      }
    }
    check(keys.size() == kept.size());
  }
}

void fuzz_idempotency(Input& input) {
  const std::uint8_t method_length = input.byte();
  const std::uint8_t path_length = input.byte();
  const std::string_view rest = input.rest();

  const bool visible = std::all_of(rest.begin(), rest.end(), [](char c) { return c >= 0x21 && c <= 0x7e; });
  auto status = api::check_idempotency_key(rest);
  check(status.ok() == (visible && !rest.empty() && rest.size() <= api::kMaxIdempotencyKeyLength));
  if (!status.ok()) check(status.error().field() == "Idempotency-Key");

  // One request, and the same bytes split another way: a different request, so another fingerprint.
  const std::size_t method_end = std::min<std::size_t>(method_length, rest.size());
  const std::size_t path_end = std::min<std::size_t>(method_end + path_length, rest.size());
  const std::string fingerprint = api::request_fingerprint(request_of(rest, method_end, path_end));
  check(is_fingerprint(fingerprint) && api::request_fingerprint(request_of(rest, method_end, path_end)) == fingerprint);
  if (path_end < rest.size()) {
    check(api::request_fingerprint(request_of(rest, method_end, path_end + 1)) != fingerprint);
  }
  if (method_end < path_end) {
    check(api::request_fingerprint(request_of(rest, method_end + 1, path_end)) != fingerprint);
  }
  fuzz_idempotency_keys(rest);
}

// --- 4: the RADIUS decision log --------------------------------------------------------------------

// The decision log the reader is given: one file for the whole run, written again for each input.
class DecisionLog {
 public:
  DecisionLog() : fd_(memfd_create("radius-decisions.log", 0)), path_("/proc/self/fd/" + std::to_string(fd_)) {
    if (fd_ < 0) {
      std::perror("memfd_create");
      std::abort();
    }
  }

  const std::filesystem::path& path() const { return path_; }

  void write(std::string_view text) {
    if (ftruncate(fd_, 0) != 0 ||
        pwrite(fd_, text.data(), text.size(), 0) != static_cast<ssize_t>(text.size())) {
      std::perror("writing the decision log");
      std::abort();
    }
  }

 private:
  int fd_;
  std::filesystem::path path_;
};

DecisionLog& decision_log() {
  static DecisionLog* log = new DecisionLog();  // never destroyed: the fuzzer exits without unwinding
  return *log;
}

constexpr std::string_view kUsers[] = {"alice", "ALI", "bob@corp.example", "e"};
constexpr std::string_view kDevices[] = {"CN=device", "00ab", "DEADBEEF", "laptop-7"};
constexpr std::string_view kNases[] = {"vpn1", "192.0.2.1", "wifi-ap-3", "vpn2"};
constexpr int kReasonCodes[] = {0, 16, 48, 258};
constexpr std::string_view kTimes[] = {"2026-12-01T10:00:00Z", "2026-12-01T10:00:02Z", "2026-12-01T10:00:04Z",
                                       "2030-01-01T00:00:00Z"};
constexpr std::size_t kScanBudgets[] = {1, 4096, 64 * 1024, 1 << 20};
// Lines at most this long are well within the reader's bound on a line, so it must return them.
constexpr std::size_t kShortLine = 4096;

api::DecisionFilter filter_of(std::uint8_t which, std::uint8_t values) {
  api::DecisionFilter filter;
  if (which & 1) filter.user = std::string(kUsers[values & 3]);
  if (which & 2) filter.device = std::string(kDevices[(values >> 2) & 3]);
  if (which & 4) filter.nas = std::string(kNases[(values >> 4) & 3]);
  if (which & 8) filter.reason_code = kReasonCodes[(values >> 6) & 3];
  if (which & 16) filter.decision = values & 1 ? "granted" : "denied";
  if (which & 32) filter.since = *parse_timestamp(kTimes[(values >> 1) & 3]);
  if (which & 64) filter.until = *parse_timestamp(kTimes[(values >> 3) & 3]);
  return filter;
}

// The string at `member` (and then `inner`), or "" for anything else.
std::string_view string_member(const json& object, const char* member, const char* inner = nullptr) {
  auto found = object.find(member);
  if (found == object.end()) return {};
  const json* value = &*found;
  if (inner != nullptr) {
    if (!value->is_object()) return {};
    auto nested = value->find(inner);
    if (nested == value->end()) return {};
    value = &*nested;
  }
  return value->is_string() ? std::string_view(value->get_ref<const std::string&>()) : std::string_view();
}

// Whether a decision matches a filter, as api/decision_log_reader.h describes the filter.
bool satisfies(const json& decision, const api::DecisionFilter& filter) {
  if (filter.user) {
    const std::string needle = ascii_lower(*filter.user);
    if (ascii_lower(string_member(decision, "user")).find(needle) == std::string::npos &&
        ascii_lower(string_member(decision, "user_name")).find(needle) == std::string::npos) {
      return false;
    }
  }
  if (filter.device) {
    const std::string needle = ascii_lower(*filter.device);
    if (ascii_lower(string_member(decision, "certificate", "subject")).find(needle) == std::string::npos &&
        ascii_lower(string_member(decision, "certificate", "serial")) != needle &&
        ascii_lower(string_member(decision, "certificate", "thumbprint")) != needle) {
      return false;
    }
  }
  if (filter.nas && string_member(decision, "nas", "name") != *filter.nas &&
      string_member(decision, "nas", "address") != *filter.nas) {
    return false;
  }
  if (filter.reason_code) {
    auto code = decision.find("reason_code");
    if (code == decision.end() || !code->is_number_integer()) return false;
    if (code->is_number_unsigned() ? code->get<std::uint64_t>() != static_cast<std::uint64_t>(*filter.reason_code)
                                   : code->get<std::int64_t>() != *filter.reason_code) {
      return false;
    }
  }
  if (filter.decision && string_member(decision, "decision") != *filter.decision) return false;
  if (filter.since || filter.until) {
    auto at = parse_timestamp(string_member(decision, "time"));
    if (!at.ok() || (filter.since && *at < *filter.since) || (filter.until && *at >= *filter.until)) return false;
  }
  return true;
}

std::optional<json> parse_object(std::string_view line) {
  json parsed = json::parse(line.begin(), line.end(), nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_object()) return std::nullopt;
  return parsed;
}

// An item of a page: a decision that matches the filter, from a line of the log that starts at its
// id before `end`; with `read_back`, one that read_decision reads the same by that id. Returns the id.
std::uint64_t check_item(const std::string& log, const json& item, const api::DecisionFilter& filter,
                         std::uint64_t end, bool read_back) {
  check(item.is_object() && item.contains("id") && item["id"].is_string());
  const std::string& text = item["id"].get_ref<const std::string&>();
  std::uint64_t id = 0;
  auto [last, error] = std::from_chars(text.data(), text.data() + text.size(), id);
  check(error == std::errc() && last == text.data() + text.size() && std::to_string(id) == text);
  check(id < end && (id == 0 || log[id - 1] == '\n'));
  check(satisfies(item, filter));
  if (read_back) {
    auto again = api::read_decision(decision_log().path(), id);
    check(again.ok() && *again == item);
  }
  return id;
}

// The ids of the short lines before `end` that are JSON objects matching `filter`, newest first:
// what a page read from `end` must hold, in order, among whatever longer lines it holds too.
std::vector<std::uint64_t> short_matching_lines(const std::string& log, const api::DecisionFilter& filter,
                                                std::uint64_t end) {
  std::vector<std::uint64_t> ids;
  for (std::size_t start = 0; start < log.size();) {
    std::size_t stop = log.find('\n', start);
    if (stop == std::string::npos) stop = log.size();
    if (stop > end) break;
    const std::string_view line(log.data() + start, stop - start);
    if (!line.empty() && line.size() <= kShortLine) {
      if (auto decision = parse_object(line); decision && satisfies(*decision, filter)) ids.push_back(start);
    }
    start = stop + 1;
  }
  std::reverse(ids.begin(), ids.end());
  return ids;
}

// Pages through the log with `filter` as a client follows next_cursor, then reads it at once, and
// checks both against the log's lines.
void page_through(const std::string& log, api::DecisionFilter filter) {
  const std::filesystem::path& path = decision_log().path();
  const std::uint64_t first_end = std::min<std::uint64_t>(filter.before.value_or(log.size()), log.size());

  std::vector<std::uint64_t> paged;
  bool reached_start = false;
  std::uint64_t end = first_end;
  for (int pages = 0; pages < 8 && !reached_start; ++pages) {
    auto page = api::read_decisions(path, filter);
    check(page.ok() && page->items.size() <= filter.limit);
    for (const json& item : page->items) {
      const std::uint64_t id = check_item(log, item, filter, end, /*read_back=*/false);
      check(paged.empty() || id < paged.back());
      check(!page->next_before || id >= *page->next_before);
      paged.push_back(id);
    }
    std::optional<std::string> next;
    if (page->next_before) next = api::sequence_cursor("radius-decisions", *page->next_before);
    // The page as the API answers it, items moved into the document as the API moves them.
    (void)api::json_response(200, api::page_json(json(std::move(page->items)), next));
    if (!page->next_before) {
      reached_start = true;
    } else {
      check(*page->next_before < end);  // a cursor moves on, or a client following it never ends
      end = *page->next_before;
      filter.before = end;
    }
  }

  filter.before = first_end == log.size() ? std::nullopt : std::optional<std::uint64_t>(first_end);
  filter.limit = api::kMaxPageSize;
  filter.max_scan_bytes = api::DecisionFilter{}.max_scan_bytes;
  auto whole = api::read_decisions(path, filter);
  check(whole.ok() && whole->items.size() <= filter.limit);
  std::vector<std::uint64_t> ids;
  for (const json& item : whole->items) {
    ids.push_back(check_item(log, item, filter, first_end, /*read_back=*/true));
    check(ids.size() == 1 || ids.back() < ids[ids.size() - 2]);
  }
  // Pages in a row hold what one page holds (so the items read back above stand for theirs too).
  const std::size_t common = std::min(ids.size(), paged.size());
  check(std::equal(paged.begin(), paged.begin() + static_cast<std::ptrdiff_t>(common), ids.begin()));
  if (reached_start && !whole->next_before) check(paged == ids);
  if (!whole->next_before) {
    const std::vector<std::uint64_t> expected = short_matching_lines(log, filter, first_end);
    check(std::includes(ids.rbegin(), ids.rend(), expected.rbegin(), expected.rend()));
  }
}

void fuzz_decision_log(Input& input) {
  const std::uint8_t which = input.byte();
  const std::uint8_t values = input.byte();
  const std::uint8_t sizes = input.byte();
  const std::uint8_t padding_length = input.byte();
  const std::uint8_t padding_byte = input.byte();
  const std::uint8_t padding_at = input.byte();
  const std::uint8_t before_high = input.byte();
  const std::uint64_t before = std::uint64_t{before_high} << 8 | input.byte();
  const std::string_view text = input.rest();

  // Padding makes a log longer than the reader's 64 KiB chunks, so that lines and pages cross them.
  std::string log;
  const std::size_t split = text.size() * padding_at / 255;
  log.reserve(text.size() + padding_length * 768u);
  log.append(text.substr(0, split)).append(padding_length * 768u, static_cast<char>(padding_byte));
  log.append(text.substr(split));
  decision_log().write(log);

  api::DecisionFilter filter = filter_of(which, values);
  filter.limit = 1 + (sizes & 7);
  filter.max_scan_bytes = kScanBudgets[(sizes >> 3) & 3];
  // A cursor anywhere in the log or past its end, as a client may send one.
  const std::uint64_t offset = before * (log.size() + 1) / 65535;
  if (which & 128) filter.before = offset;
  page_through(log, filter);
  if (which != 0) {
    api::DecisionFilter unfiltered;
    unfiltered.limit = 1 + (sizes >> 5);
    page_through(log, unfiltered);
  }

  auto one = api::read_decision(decision_log().path(), offset);
  if (one.ok()) {
    check(offset < log.size() && (offset == 0 || log[offset - 1] == '\n'));
    check((*one)["id"] == std::to_string(offset));
  } else {
    check(one.error().code() == ErrorCode::kNotFound);
  }
}

// --- 5: a bearer token -----------------------------------------------------------------------------

// The two tokens the store knows, one of them revoked.
constexpr std::string_view kGoodToken =
    "nimbus_0123456789abcdef_00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
constexpr std::string_view kRevokedToken =
    "nimbus_fedcba9876543210_ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100";
constexpr std::string_view kTokenTimes[] = {"2026-01-01T00:00:00Z", "2026-07-01T00:00:00Z", "2027-01-01T00:00:00Z",
                                            "2030-01-01T00:00:00Z"};

store::ApiTokenRecord token_record(std::string_view text, std::string name, bool revoked) {
  store::ApiTokenRecord record;
  record.id = std::string(text.substr(7, 16));
  record.name = std::move(name);
  record.role = store::ApiRole::kEnroller;
  record.digest = to_hex(crypto::sha256(as_bytes(text)));
  record.created_at = *parse_timestamp("2026-01-01T00:00:00Z");
  record.expires_at = *parse_timestamp("2027-01-01T00:00:00Z");
  if (revoked) record.revoked_at = *parse_timestamp("2026-06-01T00:00:00Z");
  return record;
}

// A store that holds API tokens and nothing else: all that authenticate_api_token reads.
class TokenStore final : public store::StoreReader {
 public:
  Result<std::optional<store::ApiTokenRecord>> find_api_token(const std::string& id) override {
    for (const store::ApiTokenRecord& token : tokens_) {
      if (token.id == id) return std::optional<store::ApiTokenRecord>(token);
    }
    return std::optional<store::ApiTokenRecord>();
  }
  Result<std::vector<store::ApiTokenRecord>> list_api_tokens() override { return tokens_; }

  Result<std::optional<store::AuthorityRecord>> find_authority(const std::string&) override { return none(); }
  Result<std::vector<store::AuthorityRecord>> list_authorities() override { return none(); }
  Result<std::optional<store::CertificateRecord>> find_certificate(const std::string&) override { return none(); }
  Result<bool> serial_exists(const std::string&) override { return none(); }
  Result<std::vector<store::RevocationEntry>> revocations(const std::string&) override { return none(); }
  Result<std::optional<store::CertificateStatusRecord>> certificate_status(const std::string&,
                                                                           const std::string&) override {
    return none();
  }
  Result<std::optional<store::CertificateRecord>> find_certificate_by_thumbprint(const std::string&) override {
    return none();
  }
  Result<std::vector<store::CertificateRecord>> list_certificates(const store::CertificateFilter&) override {
    return none();
  }
  Result<std::optional<store::CrlRecord>> latest_crl(const std::string&) override { return none(); }
  Result<std::optional<store::OcspSignerRecord>> current_ocsp_signer(const std::string&) override { return none(); }
  Result<std::optional<store::ProfileRecord>> find_profile(const std::string&) override { return none(); }
  Result<std::vector<store::ProfileRecord>> list_profiles() override { return none(); }
  Result<std::optional<store::EnrollmentRecord>> find_enrollment(const std::string&) override { return none(); }
  Result<std::vector<store::EnrollmentRecord>> list_enrollments(const std::string&) override { return none(); }
  Result<std::size_t> count_pending_enrollments(const std::string&) override { return none(); }
  Result<std::optional<store::ChallengeRecord>> find_challenge(const std::string&) override { return none(); }
  Result<std::vector<store::ChallengeRecord>> enrollment_challenges(const std::string&) override { return none(); }
  Result<std::optional<store::ScepTransactionRecord>> find_scep_transaction(const std::string&,
                                                                            const std::string&) override {
    return none();
  }
  Result<std::vector<store::CertificateTally>> certificate_tallies() override { return none(); }
  Result<std::vector<store::AuditEntry>> audit_trail(const store::AuditQuery&) override { return none(); }

 private:
  static Error none() { return Error(ErrorCode::kInternal, "this store holds API tokens only"); }

  std::vector<store::ApiTokenRecord> tokens_ = {token_record(kGoodToken, "intune-connector", false),
                                                token_record(kRevokedToken, "old-script", true)};
};

TokenStore& token_store() {
  static TokenStore* tokens = new TokenStore();  // never destroyed: the fuzzer exits without unwinding
  return *tokens;
}

void fuzz_api_token(std::uint8_t when, std::string_view text) {
  const Timestamp now = *parse_timestamp(kTokenTimes[when % std::size(kTokenTimes)]);
  const Timestamp expiry = *parse_timestamp("2027-01-01T00:00:00Z");
  auto token = access::authenticate_api_token(token_store(), text, now);
  if (token.ok()) {
    check(text == kGoodToken && now < expiry && token->id == text.substr(7, 16) && !token->revoked_at);
    return;
  }
  check(token.error().code() == ErrorCode::kPermissionDenied && (text != kGoodToken || now >= expiry));
  // The message is for logs: it never quotes a secret, whoever's it may be.
  const bool well_formed = text.size() == 88 && text.starts_with("nimbus_") && text[23] == '_' &&
                           is_lower_hex(text.substr(7, 16)) && is_lower_hex(text.substr(24));
  if (well_formed) check(token.error().message().find(text.substr(24)) == std::string::npos);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  nimbus::fuzz::InputScope scope;
  Input input(data, size);
  switch (input.byte() % 6) {
    case 0: fuzz_query(input.rest()); break;
    case 1: {
      const std::uint8_t shape = input.byte();
      fuzz_cursor(shape, input.rest());
      break;
    }
    case 2: fuzz_json_body(input.rest()); break;
    case 3: fuzz_idempotency(input); break;
    case 4: fuzz_decision_log(input); break;
    default: {
      const std::uint8_t when = input.byte();
      fuzz_api_token(when, input.rest());
    }
  }
  return 0;
}
