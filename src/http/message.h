// Request and Response: what an HTTP handler sees and answers, free of any socket or Beast type.
//
// Both are plain values: safe to copy and move between threads, not safe to mutate from two
// threads at once. A handler receives a const Request& that lives for the duration of the call.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/bytes.h"
#include "core/error.h"
#include "x509/certificate.h"

namespace nimbus::http {

// Header fields in the order received. Names compare case-insensitively (RFC 9110 5.1).
class Headers {
 public:
  void add(std::string name, std::string value);

  // The first field named `name`, if any.
  std::optional<std::string_view> get(std::string_view name) const;

  // Every field named `name` joined with ", ", as RFC 9110 5.3 allows for list-valued fields
  // (If-None-Match may arrive split over several lines). Empty when there is none.
  std::string get_combined(std::string_view name) const;

  bool contains(std::string_view name) const { return get(name).has_value(); }
  const std::vector<std::pair<std::string, std::string>>& fields() const { return fields_; }

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

// Path parameters captured by a route pattern, already percent-decoded.
using PathParams = std::map<std::string, std::string, std::less<>>;

struct Request {
  std::string method;          // as sent, case-sensitive: "GET"
  std::string target;          // the request-target as sent, for logs: "/ocsp/ca/MEUw%2B..?x=1"
  std::string path;            // the target's path, still percent-encoded: "/ocsp/ca/MEUw%2B.."
  std::string query;           // after '?', still encoded; empty when absent
  PathParams params;           // decoded captures of the matched route
  Headers headers;
  Bytes body;
  std::string remote_address;  // the peer's IP address, without port
  // Over TLS: whether the request came over it, and the client certificate the handshake verified
  // (x509/https_context.h), if the listener asked for one and the client presented it.
  bool secure = false;
  std::optional<x509::Certificate> client_certificate;

  // The decoded path parameter `name`, or "" when the route has none of that name.
  std::string_view param(std::string_view name) const;
  std::optional<std::string_view> header(std::string_view name) const { return headers.get(name); }
};

struct Response {
  int status = 200;
  std::string content_type;  // no Content-Type header when empty
  Bytes body;
  // Headers besides the ones the server sets itself (Date, Server, Content-Length, Connection).
  // Names and values containing CR or LF are dropped by the server, so that a handler echoing
  // client input cannot split a response.
  std::vector<std::pair<std::string, std::string>> headers;

  // A text/plain response; the body ends with a newline so that terminals and curl show it well.
  static Response text(int status, std::string_view text);
  static Response bytes(int status, std::string content_type, Bytes body);

  Response& set_header(std::string name, std::string value);
  std::optional<std::string_view> header(std::string_view name) const;
};

// The response for a handler's error: 404 for not_found, 403 for permission_denied, 409 for
// already_exists, 400 with the message for every other refusal, and 500 with a generic text for a
// failure (whose message may describe internals and belongs in the log, not on the wire).
Response error_response(const Error& error);

// Percent-decodes a path segment (RFC 3986 2.1). '+' stays '+': it means a space only in HTML
// form queries, and base64 in OCSP GET paths (RFC 5019 A.1) uses it literally. Returns nothing for
// a truncated or non-hex escape.
std::optional<std::string> percent_decode(std::string_view text);

// The value of the first `name=value` pair of a query string, percent-decoded as percent_decode
// does ('+' stays '+': a SCEP GET message is base64, which clients do not always escape). nullopt
// when the name is absent or its value's escapes are malformed.
std::optional<std::string> query_parameter(std::string_view query, std::string_view name);

// The reason phrase for a status code ("Not Found"); "Unknown" for codes it does not know.
std::string_view reason_phrase(int status);

}  // namespace nimbus::http
