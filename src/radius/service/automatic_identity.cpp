#include "radius/service/automatic_identity.h"

#include <fmt/format.h>

#include "node/service_identity.h"

namespace nimbus::radius {

Result<ServerIdentity> automatic_identity(node::Node& node) {
  const config::Config& config = node.deployment().config();
  std::string host = node::host_of(config.base_url);
  NIMBUS_ASSIGN_OR_RETURN(x509::DistinguishedName subject,
                          x509::DistinguishedName::parse(fmt::format("CN={} RADIUS,O={}", host, config.organization)));
  node::ServiceIdentityPlan plan{"radius", node.deployment().data_dir() / "radius", "server", std::nullopt, "ec:p256",
                                 subject, {host}};
  NIMBUS_ASSIGN_OR_RETURN(node::ServiceIdentity identity, node::kept_or_issued_identity(node, plan));
  return ServerIdentity{std::move(identity.certificate), std::move(identity.chain), std::move(identity.key)};
}

}  // namespace nimbus::radius
