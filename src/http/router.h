// Router: the table of routes an HttpServer serves.
//
// A route is a set of methods, a path pattern and a handler. Patterns are literal segments and
// named captures, one capture per segment with an optional literal prefix and suffix:
//
//   /healthz                  literal
//   /aia/{ca}.crt             captures "root" from /aia/root.crt
//   /ocsp/{ca}                captures one segment
//   /ocsp/{ca}/{request...}   the last capture may take the rest of the path, slashes included,
//                             because base64 (an OCSP GET request, RFC 5019 A.1) contains '/'
//
// Captures are percent-decoded; '+' is kept as is. A path matches a route when every segment
// matches; among the routes that match, the first added that allows the method wins. A GET route
// also answers HEAD (the server drops the body). A path no route matches is 404; a path that only
// routes for other methods match is 405 with their methods in Allow.
//
// Thread-safety: add_route is for setup, before the router is handed to a server; match is const
// and safe from any number of threads once setup is over.
#pragma once

#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "http/message.h"

namespace nimbus::http {

// A handler answers one request. Returning an error gives error_response(error); a failure and an
// exception are logged at error and answered 500. Handlers run on the server's worker threads,
// concurrently with each other: whatever they share must be thread-safe. A handler that blocks
// holds one worker thread for as long as it blocks.
using Handler = std::function<Result<Response>(const Request&)>;

struct RouteMatch {
  enum class Outcome { kMatched, kNotFound, kMethodNotAllowed };

  Outcome outcome = Outcome::kNotFound;
  // The pattern of the matched route, or of the first route whose path matched for a 405; empty
  // for 404. Bounded by the table, hence the route label of metrics.
  std::string_view pattern;
  // The position of that route in the table (Router::pattern(index)), for kMatched and
  // kMethodNotAllowed: lets the server keep per-route state in an array.
  std::size_t index = 0;
  const Handler* handler = nullptr;  // set for kMatched; points into the Router
  PathParams params;                 // set for kMatched
  std::string allow;                 // set for kMethodNotAllowed: "GET, HEAD"
};

class Router {
 public:
  Router() = default;
  Router(Router&&) = default;
  Router& operator=(Router&&) = default;
  Router(const Router&) = delete;
  Router& operator=(const Router&) = delete;

  // Adds a route. Refuses (invalid_argument) a pattern that does not start with '/', has an
  // unbalanced or empty capture, two captures in one segment, a duplicate capture name, a rest
  // capture ("{name...}") anywhere but as the whole last segment, or no methods; and
  // (already_exists) a pattern already added for one of the same methods.
  Status add_route(std::initializer_list<std::string_view> methods, std::string_view pattern, Handler handler);
  Status add_route(const std::vector<std::string>& methods, std::string_view pattern, Handler handler);

  // Matches `method` and `path` (the path of the request-target, percent-encoded, no query).
  // The result's pointers stay valid while the router lives and gets no new routes.
  RouteMatch match(std::string_view method, std::string_view path) const;

  std::size_t size() const { return routes_.size(); }
  // The pattern of route `index` (< size()), in the order the routes were added.
  const std::string& pattern(std::size_t index) const { return routes_[index].pattern; }
  // The methods route `index` (< size()) was added with, as given: a document describing the table
  // (the API's OpenAPI) is checked against them.
  const std::vector<std::string>& methods(std::size_t index) const { return routes_[index].methods; }

 private:
  struct Segment {
    enum class Kind { kLiteral, kCapture, kRest };
    Kind kind = Kind::kLiteral;
    std::string literal;  // kLiteral: the text; kCapture: the prefix before '{'
    std::string suffix;   // kCapture: the text after '}'
    std::string name;     // kCapture, kRest
  };
  struct Route {
    std::vector<std::string> methods;
    std::string pattern;
    std::vector<Segment> segments;
    Handler handler;
  };

  static bool allows(const Route& route, std::string_view method);
  static bool match_path(const Route& route, std::string_view path, PathParams* params);

  std::vector<Route> routes_;
};

}  // namespace nimbus::http
