// The web console of a node: static HTML, CSS and JavaScript (console/ in the source tree) at
// /console/, calling the REST API with a session cookie (api/console_sessions.h). / redirects to it.
//
// Every answer carries a strict Content-Security-Policy (scripts, styles and connections from this
// origin only; nothing inline; no framing), nosniff and no-referrer, and is revalidated on each
// load (Cache-Control: no-cache with an ETag), so that an upgraded node is never shown with an old
// script.
//
// Thread-safety: handlers only read the built-in files.
#pragma once

#include "http/router.h"
#include "node/service.h"

namespace nimbus::console {

class ConsoleService final : public node::Service {
 public:
  std::string_view name() const override { return "console"; }
  // Nothing on the public listener: the API is an administration route table.
  Status add_routes(http::Router& router) override {
    (void)router;
    return ok_status();
  }
  Status add_administration_routes(http::Router& router) override;
  std::vector<std::string> describe_administration(std::string_view api_url) const override;
};

// The answer for the console file `name` ("" is index.html): 404 for one that does not exist, 304
// when `if_none_match` names its current ETag.
http::Response console_file(std::string_view name, std::string_view if_none_match);

}  // namespace nimbus::console
