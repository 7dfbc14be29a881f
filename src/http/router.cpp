#include "http/router.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>

namespace nimbus::http {

namespace {

Error bad_pattern(std::string_view pattern, std::string_view why) {
  return Error(ErrorCode::kInvalidArgument, fmt::format("route pattern '{}': {}", pattern, why));
}

bool is_token(std::string_view method) {
  if (method.empty()) return false;
  return std::all_of(method.begin(), method.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
  });
}

}  // namespace

Status Router::add_route(std::initializer_list<std::string_view> methods, std::string_view pattern,
                         Handler handler) {
  std::vector<std::string> copied(methods.begin(), methods.end());
  return add_route(copied, pattern, std::move(handler));
}

Status Router::add_route(const std::vector<std::string>& methods, std::string_view pattern, Handler handler) {
  if (methods.empty()) return bad_pattern(pattern, "a route needs at least one method");
  for (const std::string& method : methods) {
    if (!is_token(method)) return bad_pattern(pattern, fmt::format("'{}' is not an HTTP method", method));
  }
  if (!handler) return bad_pattern(pattern, "the handler is empty");
  if (pattern.empty() || pattern.front() != '/') return bad_pattern(pattern, "it must start with '/'");
  // Routes are added by several services of one node: a second claim on a pattern and method is a
  // mistake to report before anything listens, not a route that silently never matches.
  for (const Route& existing : routes_) {
    if (existing.pattern != pattern) continue;
    for (const std::string& method : methods) {
      if (allows(existing, method)) {
        return Error(ErrorCode::kAlreadyExists, fmt::format("route {} {} is already taken", method, pattern));
      }
    }
  }

  Route route;
  route.methods = methods;
  route.pattern = std::string(pattern);
  route.handler = std::move(handler);
  std::set<std::string, std::less<>> names;

  std::string_view rest = pattern.substr(1);
  while (true) {
    std::size_t slash = rest.find('/');
    std::string_view text = rest.substr(0, slash);
    bool last = slash == std::string_view::npos;

    Segment segment;
    std::size_t open = text.find('{');
    std::size_t close = text.find('}');
    if (open == std::string_view::npos && close == std::string_view::npos) {
      segment.literal = std::string(text);
    } else {
      if (open == std::string_view::npos || close == std::string_view::npos || close < open) {
        return bad_pattern(pattern, "unbalanced '{' '}'");
      }
      std::string_view after = text.substr(close + 1);
      if (after.find_first_of("{}") != std::string_view::npos) {
        return bad_pattern(pattern, "at most one capture per segment");
      }
      std::string_view name = text.substr(open + 1, close - open - 1);
      bool is_rest = name.size() > 3 && name.substr(name.size() - 3) == "...";
      if (is_rest) name.remove_suffix(3);
      if (name.empty() || name.find_first_of("{}./") != std::string_view::npos) {
        return bad_pattern(pattern, "a capture needs a plain name");
      }
      if (!names.emplace(name).second) return bad_pattern(pattern, fmt::format("capture '{}' appears twice", name));
      segment.name = std::string(name);
      if (is_rest) {
        if (!last || open != 0 || !after.empty()) {
          return bad_pattern(pattern, "a rest capture '{name...}' must be the whole last segment");
        }
        segment.kind = Segment::Kind::kRest;
      } else {
        segment.kind = Segment::Kind::kCapture;
        segment.literal = std::string(text.substr(0, open));
        segment.suffix = std::string(after);
      }
    }
    route.segments.push_back(std::move(segment));
    if (last) break;
    rest = rest.substr(slash + 1);
  }
  routes_.push_back(std::move(route));
  return ok_status();
}

bool Router::allows(const Route& route, std::string_view method) {
  for (const std::string& allowed : route.methods) {
    if (allowed == method) return true;
    if (method == "HEAD" && allowed == "GET") return true;
  }
  return false;
}

bool Router::match_path(const Route& route, std::string_view path, PathParams* params) {
  if (path.empty() || path.front() != '/') return false;
  std::size_t pos = 1;
  for (std::size_t i = 0; i < route.segments.size(); ++i) {
    const Segment& segment = route.segments[i];
    bool last = i + 1 == route.segments.size();

    if (segment.kind == Segment::Kind::kRest) {
      // The raw remainder, not the segments re-joined: base64 may begin with '/' or hold "//".
      std::optional<std::string> value = percent_decode(path.substr(pos));
      if (!value || value->empty()) return false;
      if (params) (*params)[segment.name] = std::move(*value);
      return true;
    }

    std::size_t end = path.find('/', pos);
    if (end == std::string_view::npos) end = path.size();
    std::string_view piece = path.substr(pos, end - pos);

    if (segment.kind == Segment::Kind::kLiteral) {
      if (piece != segment.literal) return false;
    } else {
      const std::size_t fixed = segment.literal.size() + segment.suffix.size();
      if (piece.size() <= fixed || !piece.starts_with(segment.literal) || !piece.ends_with(segment.suffix)) {
        return false;
      }
      std::optional<std::string> value = percent_decode(piece.substr(segment.literal.size(), piece.size() - fixed));
      if (!value || value->empty()) return false;
      if (params) (*params)[segment.name] = std::move(*value);
    }

    if (last) return end == path.size();
    if (end == path.size()) return false;
    pos = end + 1;
  }
  return false;
}

RouteMatch Router::match(std::string_view method, std::string_view path) const {
  RouteMatch result;
  std::set<std::string, std::less<>> allowed;
  for (std::size_t index = 0; index < routes_.size(); ++index) {
    const Route& route = routes_[index];
    PathParams params;
    if (!match_path(route, path, &params)) continue;
    if (allows(route, method)) {
      result.outcome = RouteMatch::Outcome::kMatched;
      result.pattern = route.pattern;
      result.index = index;
      result.handler = &route.handler;
      result.params = std::move(params);
      result.allow.clear();
      return result;
    }
    if (result.pattern.empty()) {
      result.pattern = route.pattern;
      result.index = index;
    }
    for (const std::string& m : route.methods) {
      allowed.insert(m);
      if (m == "GET") allowed.insert("HEAD");
    }
  }
  if (allowed.empty()) return result;
  result.outcome = RouteMatch::Outcome::kMethodNotAllowed;
  for (const std::string& m : allowed) {
    if (!result.allow.empty()) result.allow += ", ";
    result.allow += m;
  }
  return result;
}

}  // namespace nimbus::http
