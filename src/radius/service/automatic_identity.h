// `radius.server_certificate: auto`: the RADIUS server's certificate issued by the deployment's own
// issuing CA (ca/service_certificates.h), its key in the deployment's key store (encrypted like CA
// keys). Kept in {data_dir}/radius/ as server.pem (the certificate and its chain) and server.key-ref
// (the key store's reference, never key material), and issued again at start when fewer than 30
// days remain, when its authority is no longer active, or when it was revoked.
#pragma once

#include "core/result.h"
#include "node/node.h"
#include "radius/service/server_identity.h"

namespace nimbus::radius {

Result<ServerIdentity> automatic_identity(node::Node& node);

}  // namespace nimbus::radius
