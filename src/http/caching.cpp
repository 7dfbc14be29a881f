#include "http/caching.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <vector>

#include <fmt/format.h>

#include "crypto/digest.h"

namespace nimbus::http {

namespace {

constexpr std::array<std::string_view, 7> kWeekdays = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr std::array<std::string_view, 7> kLongWeekdays = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                                           "Thursday", "Friday", "Saturday"};
constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// Reads exactly `width` decimal digits (a leading space counts as zero when `space_pad`).
std::optional<int> digits(std::string_view text, std::size_t width, bool space_pad = false) {
  if (text.size() < width) return std::nullopt;
  int value = 0;
  for (std::size_t i = 0; i < width; ++i) {
    char c = text[i];
    if (space_pad && i == 0 && c == ' ') continue;
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

std::optional<int> month_index(std::string_view name) {
  for (std::size_t i = 0; i < kMonths.size(); ++i) {
    if (kMonths[i] == name) return static_cast<int>(i) + 1;
  }
  return std::nullopt;
}

bool is_weekday(std::string_view name, const std::array<std::string_view, 7>& names) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// Reads "HH:MM:SS".
bool parse_clock(std::string_view text, int* h, int* m, int* s) {
  auto hh = digits(text, 2);
  auto mm = text.size() >= 5 ? digits(text.substr(3), 2) : std::nullopt;
  auto ss = text.size() >= 8 ? digits(text.substr(6), 2) : std::nullopt;
  if (text.size() != 8 || !hh || !mm || !ss || text[2] != ':' || text[5] != ':') return false;
  *h = *hh;
  *m = *mm;
  *s = *ss;
  return *h <= 23 && *m <= 59 && *s <= 59;
}

std::optional<Timestamp> make_time(int year, int month, int day, int h, int m, int s) {
  std::chrono::year_month_day date{std::chrono::year(year), std::chrono::month(static_cast<unsigned>(month)),
                                   std::chrono::day(static_cast<unsigned>(day))};
  if (!date.ok()) return std::nullopt;
  return Timestamp(std::chrono::sys_days(date)) + std::chrono::hours(h) + std::chrono::minutes(m) +
         std::chrono::seconds(s);
}

// "Sun, 06 Nov 1994 08:49:37 GMT"
std::optional<Timestamp> parse_imf_fixdate(std::string_view t) {
  if (t.size() != 29 || t.substr(3, 2) != ", " || t[7] != ' ' || t[11] != ' ' || t[16] != ' ' ||
      t.substr(25) != " GMT" || !is_weekday(t.substr(0, 3), kWeekdays)) {
    return std::nullopt;
  }
  auto day = digits(t.substr(5), 2);
  auto month = month_index(t.substr(8, 3));
  auto year = digits(t.substr(12), 4);
  int h = 0, m = 0, s = 0;
  if (!day || !month || !year || !parse_clock(t.substr(17, 8), &h, &m, &s)) return std::nullopt;
  return make_time(*year, *month, *day, h, m, s);
}

// "Sunday, 06-Nov-94 08:49:37 GMT"
std::optional<Timestamp> parse_rfc850(std::string_view t) {
  std::size_t comma = t.find(", ");
  if (comma == std::string_view::npos || !is_weekday(t.substr(0, comma), kLongWeekdays)) return std::nullopt;
  std::string_view rest = t.substr(comma + 2);
  if (rest.size() != 22 || rest[2] != '-' || rest[6] != '-' || rest[9] != ' ' || rest.substr(18) != " GMT") {
    return std::nullopt;
  }
  auto day = digits(rest, 2);
  auto month = month_index(rest.substr(3, 3));
  auto yy = digits(rest.substr(7), 2);
  int h = 0, m = 0, s = 0;
  if (!day || !month || !yy || !parse_clock(rest.substr(10, 8), &h, &m, &s)) return std::nullopt;
  // RFC 9110 5.6.7 wants a two-digit year more than 50 years ahead read as the past century;
  // a fixed pivot keeps this function pure and is right for every date Nimbus will meet.
  int year = *yy < 70 ? 2000 + *yy : 1900 + *yy;
  return make_time(year, *month, *day, h, m, s);
}

// "Sun Nov  6 08:49:37 1994"
std::optional<Timestamp> parse_asctime(std::string_view t) {
  if (t.size() != 24 || t[3] != ' ' || t[7] != ' ' || t[10] != ' ' || t[19] != ' ' ||
      !is_weekday(t.substr(0, 3), kWeekdays)) {
    return std::nullopt;
  }
  auto month = month_index(t.substr(4, 3));
  auto day = digits(t.substr(8), 2, /*space_pad=*/true);
  auto year = digits(t.substr(20), 4);
  int h = 0, m = 0, s = 0;
  if (!day || !month || !year || !parse_clock(t.substr(11, 8), &h, &m, &s)) return std::nullopt;
  return make_time(*year, *month, *day, h, m, s);
}

// Splits an If-None-Match list into its opaque tags (with quotes, without W/). Nothing when the
// list is malformed.
std::optional<std::vector<std::string_view>> parse_etag_list(std::string_view text) {
  std::vector<std::string_view> tags;
  std::size_t i = 0;
  // Bounded by the header limit of the server; the loop consumes at least one byte per turn.
  while (i < text.size()) {
    char c = text[i];
    if (c == ' ' || c == '\t' || c == ',') {
      ++i;
      continue;
    }
    if (text.substr(i, 2) == "W/") i += 2;
    if (i >= text.size() || text[i] != '"') return std::nullopt;
    std::size_t close = text.find('"', i + 1);
    if (close == std::string_view::npos) return std::nullopt;
    tags.push_back(text.substr(i, close - i + 1));
    i = close + 1;
    if (i < text.size() && text[i] != ',' && text[i] != ' ' && text[i] != '\t') return std::nullopt;
  }
  if (tags.empty()) return std::nullopt;
  return tags;
}

std::string_view opaque_tag(std::string_view etag) {
  if (etag.starts_with("W/")) etag.remove_prefix(2);
  return etag;
}

}  // namespace

std::string strong_etag(ByteView body) {
  Bytes digest = crypto::sha256(body);
  digest.resize(16);
  return "\"" + to_hex(digest) + "\"";
}

std::string format_http_date(Timestamp t) {
  auto day_point = std::chrono::floor<std::chrono::days>(t);
  std::chrono::year_month_day date(day_point);
  std::chrono::weekday weekday(day_point);
  std::chrono::hh_mm_ss clock(t - day_point);
  return fmt::format("{}, {:02} {} {:04} {:02}:{:02}:{:02} GMT", kWeekdays[weekday.c_encoding()],
                     static_cast<unsigned>(date.day()), kMonths[static_cast<unsigned>(date.month()) - 1],
                     static_cast<int>(date.year()), clock.hours().count(), clock.minutes().count(),
                     clock.seconds().count());
}

std::optional<Timestamp> parse_http_date(std::string_view text) {
  text = trim(text);
  if (auto t = parse_imf_fixdate(text)) return t;
  if (auto t = parse_rfc850(text)) return t;
  return parse_asctime(text);
}

std::optional<bool> if_none_match_matches(std::string_view header_value, std::string_view etag) {
  std::string_view value = trim(header_value);
  if (value == "*") return true;
  auto tags = parse_etag_list(value);
  if (!tags) return std::nullopt;
  std::string_view ours = opaque_tag(etag);
  return std::any_of(tags->begin(), tags->end(), [&](std::string_view tag) { return tag == ours; });
}

std::int64_t max_age_seconds(std::optional<Timestamp> expires, Timestamp now, const CachePolicy& policy) {
  std::int64_t limit = std::max<std::int64_t>(0, policy.max_age_limit.count());
  if (!expires) return std::clamp<std::int64_t>(policy.default_max_age.count(), 0, limit);
  std::int64_t remaining = (*expires - now).count();
  return std::clamp<std::int64_t>(remaining, 0, limit);
}

Response conditional_response(const Request& request, CacheableObject object, Timestamp now,
                              const CachePolicy& policy) {
  std::string etag = object.etag.empty() ? strong_etag(object.body) : std::move(object.etag);
  Timestamp last_modified = std::min(object.last_modified, now);
  std::int64_t max_age = max_age_seconds(object.expires, now, policy);

  bool not_modified = false;
  std::optional<bool> etag_match;
  std::string if_none_match = request.headers.get_combined("If-None-Match");
  if (!if_none_match.empty()) etag_match = if_none_match_matches(if_none_match, etag);
  if (etag_match) {
    not_modified = *etag_match;
  } else if (auto since = request.header("If-Modified-Since")) {
    // A date in the future is invalid (RFC 9110 13.1.3) and must not pin a stale copy.
    std::optional<Timestamp> date = parse_http_date(*since);
    not_modified = date && *date <= now && *date >= last_modified;
  }
  bool safe_method = request.method == "GET" || request.method == "HEAD";

  Response response;
  if (not_modified && safe_method) {
    response.status = 304;
  } else {
    response.status = 200;
    response.content_type = std::move(object.content_type);
    response.body = std::move(object.body);
  }
  response.set_header("ETag", std::move(etag));
  response.set_header("Last-Modified", format_http_date(last_modified));
  response.set_header("Cache-Control", fmt::format("public, max-age={}", max_age));
  response.set_header("Expires", format_http_date(now + Duration(max_age)));
  return response;
}

}  // namespace nimbus::http
