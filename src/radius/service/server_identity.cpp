#include "radius/service/server_identity.h"

#include <fmt/format.h>

#include "node/service_identity.h"
#include "radius/service/automatic_identity.h"

namespace nimbus::radius {

Result<ServerIdentity> obtain_server_identity(const ServerCertificateSettings& settings, node::Node& node) {
  if (!settings.automatic) {
    NIMBUS_ASSIGN_OR_RETURN(node::ServiceIdentity identity,
                            node::identity_from_files("radius.server_certificate", settings.certificate, settings.key,
                                                      settings.key_passphrase_file));
    return ServerIdentity{std::move(identity.certificate), std::move(identity.chain), std::move(identity.key)};
  }
  return automatic_identity(node);
}

}  // namespace nimbus::radius
