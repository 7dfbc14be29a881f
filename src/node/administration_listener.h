// The listener of the REST API and the web console when `api_listener: tls`: HTTPS on
// api_listen_address:api_listen_port, apart from the public plain-HTTP listener that relying
// parties fetch AIA, CDP and OCSP from.
//
// Its certificate is the file `api_tls_certificate` names, or (`auto`) one the deployment issues
// itself for the host of base_url and the listening address, kept under `api/` in the data
// directory and issued again as node/service_identity.h says. With `api_client_certificates` set,
// clients are asked for a certificate issued by one of `api_client_authorities` (every authority
// of the deployment when empty). It runs its own worker threads, so that a slow API request never
// holds up an OCSP answer on the public listener.
#pragma once

#include <cstdint>
#include <optional>

#include "core/result.h"
#include "http/server.h"
#include "node/node.h"

namespace nimbus::node {

// The options of the listener, its TLS context made; `port` overrides api_listen_port.
Result<http::ServerOptions> administration_server_options(Node& node, std::optional<std::uint16_t> port);

}  // namespace nimbus::node
