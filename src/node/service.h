// Service: a front end attached to a node — the AIA/CDP/OCSP routes today; SCEP, RADIUS and the API
// next. The node runs whatever services it is given and knows none of them by name: a new front end
// is a new Service, not an edit of the node or of another service.
//
// Call order, each once: add_routes and add_administration_routes, then start (then any number of reloads), then (at shutdown, after the HTTP listener has
// stopped and no handler runs any more) stop. A service must outlive the node's HTTP listener; the
// node guarantees that for the services it owns.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "core/result.h"
#include "http/router.h"

namespace nimbus::node {

class Service {
 public:
  virtual ~Service() = default;

  // A short name for logs: "revocation", "scep", "radius".
  virtual std::string_view name() const = 0;

  // Adds this service's routes to the node's HTTP route table. A pattern another service already
  // took is an error, reported before anything listens.
  virtual Status add_routes(http::Router& router) = 0;

  // Adds the routes of administrators and automation (the REST API, the console): to the HTTPS
  // listener of their own when `api_listener: tls`, else to the same table as add_routes. None by
  // default.
  virtual Status add_administration_routes(http::Router& router) {
    (void)router;
    return ok_status();
  }

  // Starts what the service runs besides HTTP routes (a UDP listener, say). Nothing by default.
  virtual Status start() { return ok_status(); }

  // Stops what start() started. Nothing by default.
  virtual void stop() {}

  // Applies what it can of a configuration re-read on SIGHUP, without dropping the work under way,
  // and logs what needs a restart. Called on the node's thread, after start(). Nothing by default.
  virtual void reload(const config::Config& config) { (void)config; }

  // Lines `nimbus serve` prints at start to say what the service offers, given the node's base URL
  // ("http://127.0.0.1:8080").
  virtual std::vector<std::string> describe(std::string_view base_url) const {
    (void)base_url;
    return {};
  }

  // The same for the administration routes, given where they are served ("https://127.0.0.1:8443").
  virtual std::vector<std::string> describe_administration(std::string_view api_url) const {
    (void)api_url;
    return {};
  }

 protected:
  Service() = default;
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;
};

}  // namespace nimbus::node
