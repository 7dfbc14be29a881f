// nimbus cert revoke|unrevoke and nimbus crl publish|show: revocation and the CRLs that announce it.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <iostream>
#include <memory>

#include "cli/command.h"
#include "node/deployment.h"
#include "revocation/revocations.h"
#include "x509/crl.h"
#include "views/certificate_view.h"
#include "views/crl_view.h"
#include "x509/revocation_reason.h"

namespace nimbus::cli {

using node::Deployment;

namespace {

using json = nlohmann::json;
using views::crl_json;

struct RevokeOptions {
  std::string serial;
  std::string reason = "unspecified";
  bool json = false;
};

struct CrlOptions {
  std::string ca;
  bool pem = false;
  bool der = false;
  bool json = false;
  std::string out;
};

std::string crl_line(const store::CrlRecord& record, std::size_t entries) {
  return fmt::format("published CRL {} of '{}': {} entr{}, valid until {}\n", record.number, record.authority_id,
                     entries, entries == 1 ? "y" : "ies", format_timestamp(record.next_update));
}

Status print_revoked(const revocation::Revoked& result, bool as_json, std::string_view verb) {
  NIMBUS_ASSIGN_OR_RETURN(auto crl, x509::CertificateRevocationList::parse(result.crl.der));
  if (as_json) {
    json out = views::certificate_json(result.certificate, now_utc());
    out["crl"] = crl_json(result.crl, crl);
    std::cout << out.dump(2) << "\n";
    return ok_status();
  }
  std::cout << fmt::format("{} certificate {} (\"{}\")\n", verb, result.certificate.serial, result.certificate.subject)
            << crl_line(result.crl, crl.revoked_count());
  return ok_status();
}

Status revoke(CommandRunner& runner, const RevokeOptions& options) {
  NIMBUS_ASSIGN_OR_RETURN(x509::RevocationReason reason, x509::parse_revocation_reason(options.reason));
  NIMBUS_ASSIGN_OR_RETURN(auto deployment, Deployment::open(runner.options().data_dir));
  revocation::Revocations revocations(deployment->store(), deployment->keys(), current_actor(),
                                      deployment->crl_policy());
  NIMBUS_ASSIGN_OR_RETURN(revocation::Revoked revoked, revocations.revoke(options.serial, reason));
  return print_revoked(revoked, options.json,
                       reason == x509::RevocationReason::kCertificateHold ? "put on hold" : "revoked");
}

Status unrevoke(CommandRunner& runner, const RevokeOptions& options) {
  NIMBUS_ASSIGN_OR_RETURN(auto deployment, Deployment::open(runner.options().data_dir));
  revocation::Revocations revocations(deployment->store(), deployment->keys(), current_actor(),
                                      deployment->crl_policy());
  NIMBUS_ASSIGN_OR_RETURN(revocation::Revoked released, revocations.release_hold(options.serial));
  return print_revoked(released, options.json, "released from hold");
}

Status publish(CommandRunner& runner, const CrlOptions& options) {
  NIMBUS_ASSIGN_OR_RETURN(auto deployment, Deployment::open(runner.options().data_dir));
  revocation::Revocations revocations(deployment->store(), deployment->keys(), current_actor(),
                                      deployment->crl_policy());
  std::vector<std::string> ids;
  if (!options.ca.empty()) {
    ids.push_back(options.ca);
  } else {
    NIMBUS_ASSIGN_OR_RETURN(auto authorities, deployment->store().list_authorities());
    for (const auto& authority : authorities) {
      if (authority.certificate_der) ids.push_back(authority.id);
    }
  }
  json published = json::array();
  for (const std::string& id : ids) {
    NIMBUS_ASSIGN_OR_RETURN(store::CrlRecord record, revocations.publish(id));
    NIMBUS_ASSIGN_OR_RETURN(auto crl, x509::CertificateRevocationList::parse(record.der));
    if (options.json) {
      published.push_back(crl_json(record, crl));
    } else {
      std::cout << crl_line(record, crl.revoked_count());
    }
  }
  if (options.json) std::cout << published.dump(2) << "\n";
  return ok_status();
}

Status show(CommandRunner& runner, const CrlOptions& options) {
  if (options.pem + options.der + options.json > 1) {
    return Error(ErrorCode::kInvalidArgument, "choose one of --pem, --der and --json");
  }
  if (options.der && options.out.empty()) {
    return Error(ErrorCode::kInvalidArgument, "--der writes binary: give --out FILE");
  }
  NIMBUS_ASSIGN_OR_RETURN(auto deployment, Deployment::open(runner.options().data_dir));
  NIMBUS_ASSIGN_OR_RETURN(auto authority, deployment->store().find_authority(options.ca));
  if (!authority) return Error(ErrorCode::kNotFound, fmt::format("no authority '{}' (see 'nimbus ca list')", options.ca));
  NIMBUS_ASSIGN_OR_RETURN(auto record, deployment->store().latest_crl(options.ca));
  if (!record) {
    return Error(ErrorCode::kNotFound,
                 fmt::format("authority '{}' has published no CRL yet ('nimbus crl publish --ca {}')", options.ca,
                             options.ca));
  }
  NIMBUS_ASSIGN_OR_RETURN(auto crl, x509::CertificateRevocationList::parse(record->der));
  if (options.der) return write_output(options.out, record->der);
  if (options.pem) return write_output(options.out, as_bytes(crl.pem()));
  if (options.json) {
    json out = crl_json(*record, crl);
    out["url"] = deployment->urls().cdp(options.ca);
    return write_output(options.out, as_bytes(out.dump(2) + "\n"));
  }
  Timestamp now = now_utc();
  std::string text = fmt::format(
      "Authority    {}\nIssuer       {}\nNumber       {}\nThis update  {}\nNext update  {}{}\nEntries      {}\n"
      "Size         {} bytes\nURL          {}\n",
      options.ca, crl.issuer().to_string(), record->number, format_timestamp(record->this_update),
      format_timestamp(record->next_update), record->next_update < now ? " (EXPIRED: run 'nimbus crl publish')" : "",
      crl.revoked_count(), record->der.size(), deployment->urls().cdp(options.ca));
  return write_output(options.out, as_bytes(text));
}

}  // namespace

void add_revocation_commands(CLI::App& app, CommandRunner& runner) {
  CLI::App* certs = app.get_subcommand("cert");
  {
    auto [command, options] = add_command<RevokeOptions>(
        *certs, runner, "revoke",
        "Revoke a certificate and publish its issuer's CRL at once (the CRL and OCSP answers change together)",
        revoke);
    command->add_option("SERIAL", options->serial, "Serial number or SHA-1/SHA-256 thumbprint (hex; colons allowed)")
        ->required();
    command
        ->add_option("--reason", options->reason,
                     "unspecified, keyCompromise, cACompromise, affiliationChanged, superseded, "
                     "cessationOfOperation, certificateHold (reversible), privilegeWithdrawn, aACompromise")
        ->capture_default_str();
    command->add_flag("--json", options->json, "Print the certificate and the new CRL as JSON (schema: docs/json.md)");
  }
  {
    auto [command, options] = add_command<RevokeOptions>(
        *certs, runner, "unrevoke",
        "Release a certificate from hold (certificateHold only) and publish its issuer's CRL", unrevoke);
    command->add_option("SERIAL", options->serial, "Serial number or thumbprint (hex; colons allowed)")->required();
    command->add_flag("--json", options->json, "Print the certificate and the new CRL as JSON");
  }

  CLI::App* group = app.add_subcommand("crl", "Certificate revocation lists");
  group->require_subcommand(0, 1);
  {
    auto [command, options] =
        add_command<CrlOptions>(*group, runner, "publish", "Sign and store a new CRL now (every CA, or one)", publish);
    command->add_option("--ca", options->ca, "Only this authority");
    command->add_flag("--json", options->json, "Print what was published as a JSON array");
  }
  {
    auto [command, options] = add_command<CrlOptions>(*group, runner, "show", "Show an authority's current CRL", show);
    command->add_option("ID", options->ca, "Authority id")->required();
    command->add_flag("--pem", options->pem, "Print the CRL as PEM");
    command->add_flag("--der", options->der, "Write the CRL as DER (with --out)");
    command->add_flag("--json", options->json, "Print JSON (schema: docs/json.md)");
    command->add_option("--out", options->out, "Write to this file instead of standard output");
  }
}

}  // namespace nimbus::cli
