// The certificate and key the RADIUS server proves itself with in EAP-TLS: files the administrator
// gives (`radius.server_certificate: {cert, key}`), or (`auto`) one Nimbus issues itself from the
// deployment's issuing CA, keeps, and issues again when it nears its end.
#pragma once

#include <vector>

#include "core/result.h"
#include "crypto/key.h"
#include "node/node.h"
#include "radius/service/settings.h"
#include "x509/certificate.h"

namespace nimbus::radius {

struct ServerIdentity {
  x509::Certificate certificate;
  std::vector<x509::Certificate> chain;  // its issuers, the root left out
  crypto::PrivateKey key;
};

Result<ServerIdentity> obtain_server_identity(const ServerCertificateSettings& settings, node::Node& node);

}  // namespace nimbus::radius
