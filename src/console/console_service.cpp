#include "console/console_service.h"

#include <fmt/format.h>

#include "console/console_assets.h"
#include "core/bytes.h"
#include "crypto/digest.h"

namespace nimbus::console {

namespace {

constexpr std::string_view kContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

void set_security_headers(http::Response& response) {
  response.set_header("Content-Security-Policy", std::string(kContentSecurityPolicy));
  response.set_header("X-Content-Type-Options", "nosniff");
  response.set_header("Referrer-Policy", "no-referrer");
  response.set_header("X-Frame-Options", "DENY");
}

http::Response redirect_to_console() {
  http::Response response = http::Response::text(308, "the console is at /console/");
  response.set_header("Location", "/console/");
  set_security_headers(response);
  return response;
}

}  // namespace

http::Response console_file(std::string_view name, std::string_view if_none_match) {
  if (name.empty()) name = "index.html";
  for (const ConsoleAsset& asset : console_assets()) {
    if (asset.name != name) continue;
    const std::string etag = fmt::format("\"{}\"", to_hex(crypto::sha256(as_bytes(asset.content))).substr(0, 32));
    http::Response response = if_none_match == etag
                                  ? http::Response::bytes(304, "", {})
                                  : http::Response::bytes(200, std::string(asset.content_type),
                                                          Bytes(asset.content.begin(), asset.content.end()));
    response.set_header("ETag", etag);
    response.set_header("Cache-Control", "no-cache");
    set_security_headers(response);
    return response;
  }
  http::Response response = http::Response::text(404, "no such console page");
  set_security_headers(response);
  return response;
}

Status ConsoleService::add_administration_routes(http::Router& router) {
  auto redirect = [](const http::Request&) -> Result<http::Response> { return redirect_to_console(); };
  NIMBUS_TRY(router.add_route({"GET"}, "/", redirect));
  NIMBUS_TRY(router.add_route({"GET"}, "/console", redirect));
  NIMBUS_TRY(router.add_route({"GET"}, "/console/", [](const http::Request& request) -> Result<http::Response> {
    return console_file("", request.header("If-None-Match").value_or(""));
  }));
  return router.add_route({"GET"}, "/console/{file}", [](const http::Request& request) -> Result<http::Response> {
    return console_file(request.param("file"), request.header("If-None-Match").value_or(""));
  });
}

std::vector<std::string> ConsoleService::describe_administration(std::string_view api_url) const {
  return {fmt::format("web console: {}/console/ (sign in with an API token: nimbus token create)", api_url)};
}

}  // namespace nimbus::console
