#include "scep/service/registration_authority.h"

#include <fmt/format.h>

#include "node/service_identity.h"

namespace nimbus::scep {

namespace {

constexpr Duration kValidity = std::chrono::hours(24 * 365);

}  // namespace

Result<RegistrationAuthority> registration_authority(node::Node& node, const std::string& authority_id) {
  const config::Config& config = node.deployment().config();
  NIMBUS_ASSIGN_OR_RETURN(x509::DistinguishedName subject,
                          x509::DistinguishedName::parse(
                              fmt::format("CN={} SCEP RA,O={}", authority_id, config.organization)));
  // RSA because SCEP clients encrypt to the RA with RSA key transport (RFC 8894 §3.5.1).
  node::ServiceIdentityPlan plan{"scep",
                                 node.deployment().data_dir() / "scep" / authority_id,
                                 "ra",
                                 authority_id,
                                 "rsa:2048",
                                 subject,
                                 {},
                                 ca::ServiceRole::kScepRegistrationAuthority,
                                 kValidity};
  NIMBUS_ASSIGN_OR_RETURN(node::ServiceIdentity identity, node::kept_or_issued_identity(node, plan));
  // The kept chain leaves the root out (a TLS peer already has it); GetCACert hands out all of it.
  std::unique_ptr<crypto::KeyStore> keys = node.deployment().open_key_store();
  ca::Authorities authorities(node.store(), *keys, node.deployment().urls(), "scep:auto");
  NIMBUS_ASSIGN_OR_RETURN(std::vector<x509::Certificate> chain, authorities.chain(authority_id));
  return RegistrationAuthority{authority_id, std::move(identity.certificate), std::move(identity.key),
                               std::move(chain)};
}

}  // namespace nimbus::scep
