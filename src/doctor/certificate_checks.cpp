// The certificates as stored: every CA certificate below a root carries a CDP and AIA (without a
// CDP, NPS denies every client under it with reason code 258), and none is near its end.
#include <fmt/format.h>

#include "doctor/checks.h"

namespace nimbus::doctor {

void Checks::chain_locations(const CheckedAuthority& authority) {
  const std::string& id = authority.record.id;
  std::vector<const x509::Certificate*> below_root;
  if (!authority.certificate.is_self_issued()) below_root.push_back(&authority.certificate);
  for (const x509::Certificate& link : authority.external_chain) {
    if (!link.is_self_issued()) below_root.push_back(&link);
  }
  bool held = true;
  for (const x509::Certificate* certificate : below_root) {
    const bool ours = certificate == &authority.certificate;
    const std::string name = certificate->subject().to_string();
    if (certificate->crl_distribution_urls().empty()) {
      held = false;
      find({"chain-cdp", id, {},
            fmt::format("the CA certificate \"{}\"{} has no CRL distribution point: RADIUS servers that check the "
                        "whole chain (NPS) deny every client under it with reason code 258",
                        name, ours ? "" : " in its enterprise chain"),
            ours ? "issue this CA again with 'nimbus ca create-issuing' (Nimbus always adds the CDP)"
                 : "have the enterprise CA reissue this certificate with a CDP (for AD CS: the CDP extension of the "
                   "parent CA, then renew), then import the new chain"});
    }
    if (certificate->ca_issuers_urls().empty() && certificate->ocsp_urls().empty()) {
      held = false;
      find({"chain-aia", id, {},
            fmt::format("the CA certificate \"{}\"{} has no authority information access: clients given only the "
                        "leaf cannot find its issuer",
                        name, ours ? "" : " in its enterprise chain"),
            ours ? "issue this CA again with 'nimbus ca create-issuing'"
                 : "have the enterprise CA reissue this certificate with an AIA extension"});
    }
  }
  if (held && !below_root.empty()) {
    pass(fmt::format("chain {}: {} CA certificate{} below the root, each with CDP and AIA", id, below_root.size(),
                     below_root.size() == 1 ? "" : "s"));
  }
}

void Checks::expiry(const CheckedAuthority& authority) {
  const std::string& id = authority.record.id;
  const Timestamp end = authority.certificate.not_after();
  if (end - input_.now < kCaExpiryMargin) {
    find({"expiry", id, {},
          fmt::format("the certificate of '{}' {} at {}", id, end <= input_.now ? "expired" : "expires",
                      format_timestamp(end)),
          authority.record.kind == store::AuthorityKind::kRoot
              ? "create a new root and issuing CAs under it, and distribute the new root before this one ends"
              : "create a new issuing CA and move the profiles to it ('nimbus profile apply --issuing-ca NEW')"});
    return;
  }
  pass(fmt::format("expiry {}: certificate valid until {}", id, format_timestamp(end)));
}

void Checks::ocsp_signer(const CheckedAuthority& authority) {
  const std::string& id = authority.record.id;
  auto signer = input_.store.current_ocsp_signer(id);
  if (!signer.ok() || !*signer) return;  // made when the node starts; a node never started has none yet
  const Timestamp end = (*signer)->not_after;
  if (end - input_.now < kSelfRenewingExpiryMargin) {
    find({"expiry", id, input_.urls.ocsp(id),
          fmt::format("the OCSP signer of '{}' expires at {}", id, format_timestamp(end)),
          "'nimbus serve' renews it ahead of time: check that it runs and its log for the OCSP signer"});
    return;
  }
  pass(fmt::format("expiry {}: OCSP signer valid until {}", id, format_timestamp(end)));
}

}  // namespace nimbus::doctor
