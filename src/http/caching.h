// Conditional GET for the DER objects Nimbus publishes (CA certificates, CRLs, OCSP responses),
// so that CDNs, proxies and relying parties can cache them and revalidate cheaply (RFC 9111,
// RFC 9110 13, and RFC 5019 6.2 for OCSP).
//
// Every function here is pure (or reads only its arguments) and safe from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/bytes.h"
#include "core/time.h"
#include "http/message.h"

namespace nimbus::http {

// How long caches may keep an object.
struct CachePolicy {
  // max-age for an object with no expiry of its own (a CA certificate).
  Duration default_max_age = std::chrono::hours(1);
  // Upper bound on max-age, however far away the expiry: a CRL published early (after a
  // revocation) must reach clients within this time even if the cached one has not expired.
  Duration max_age_limit = std::chrono::hours(24);
};

// What to serve.
struct CacheableObject {
  std::string content_type;  // "application/pkix-crl", "application/ocsp-response", ...
  Bytes body;
  Timestamp last_modified;           // thisUpdate, producedAt, notBefore
  std::optional<Timestamp> expires;  // CRL or OCSP nextUpdate, when the object has one
  // A precomputed strong ETag (as strong_etag gives); computed from the body when empty.
  std::string etag;
};

// A strong entity tag for `body`: the quoted hex of the first 16 bytes of its SHA-256.
std::string strong_etag(ByteView body);

// IMF-fixdate (RFC 9110 5.6.7): "Sun, 06 Nov 1994 08:49:37 GMT".
std::string format_http_date(Timestamp t);

// Parses an HTTP date in any of the three forms RFC 9110 5.6.7 requires recipients to accept:
// IMF-fixdate, the obsolete RFC 850 form and asctime. Surrounding whitespace is ignored. Returns
// nothing for anything else, including impossible dates (30 February): callers then ignore the
// header, as RFC 9110 13.1.3 says.
std::optional<Timestamp> parse_http_date(std::string_view text);

// Whether an If-None-Match value (a comma-separated list of entity tags, or "*") matches `etag`,
// by the weak comparison RFC 9110 13.1.2 prescribes for this header. An unparseable list matches
// nothing; nothing is returned for it so that the caller can treat the header as absent.
std::optional<bool> if_none_match_matches(std::string_view header_value, std::string_view etag);

// Seconds a cache may keep an object: until `expires` (never negative, at most
// policy.max_age_limit), or policy.default_max_age without an expiry.
std::int64_t max_age_seconds(std::optional<Timestamp> expires, Timestamp now, const CachePolicy& policy);

// Answers a GET or HEAD for `object`: 304 Not Modified, without a body, when an If-None-Match
// matches, or, only when there is no (valid) If-None-Match, when an If-Modified-Since is not
// earlier than Last-Modified; otherwise 200 with the body. Both carry ETag, Last-Modified (never
// later than `now`), Cache-Control: public, max-age=N and Expires (now + N).
Response conditional_response(const Request& request, CacheableObject object, Timestamp now,
                              const CachePolicy& policy = {});

}  // namespace nimbus::http
