// nimbus ca ...: the CA hierarchy — create, list, show, export, pause, resume, revoke, import.
#include <fmt/format.h>

#include <iostream>
#include <memory>

#include "ca/authorities.h"
#include "ca/authority_subject.h"
#include "cli/command.h"
#include "core/file.h"
#include "node/deployment.h"
#include "views/authority_view.h"
#include "x509/name.h"

namespace nimbus::cli {

using node::Deployment;

namespace {

struct CaOptions {
  std::string id;
  std::string parent;
  bool external_parent = false;
  std::string name;
  std::string subject;
  std::string key;
  std::string validity;
  std::string out;
  std::string cert_file;
  std::string chain_file;
  std::string reason;
  bool chain = false;
  bool der = false;
  bool pem = false;
  bool json = false;
};

Result<std::unique_ptr<Deployment>> open_deployment(CommandRunner& runner) {
  return Deployment::open(runner.options().data_dir);
}

Result<x509::DistinguishedName> requested_subject(const CaOptions& options, const Deployment& deployment,
                                                  std::string_view default_name) {
  return ca::authority_subject(options.subject, options.name, deployment.config().organization, default_name);
}

Status print_authority(Deployment& deployment, const store::AuthorityRecord& record, bool json) {
  NIMBUS_ASSIGN_OR_RETURN(views::AuthorityView view, views::make_authority_view(deployment.store(), record));
  if (json) {
    std::cout << views::authority_json(view, deployment.urls()).dump(2) << "\n";
  } else {
    std::cout << views::authority_text(view, deployment.urls());
  }
  return ok_status();
}

Result<Bytes> read_input(const std::string& path, std::string_view what) {
  auto content = read_file(path);
  if (!content.ok()) return std::move(content).error().with_context(fmt::format("reading the {}", what));
  return content;
}

Status create_root(CommandRunner& runner, const CaOptions& options) {
  NIMBUS_ASSIGN_OR_RETURN(auto deployment, open_deployment(runner));
  NIMBUS_ASSIGN_OR_RETURN(x509::DistinguishedName subject, requested_subject(options, *deployment, "Root CA"));
  NIMBUS_ASSIGN_OR_RETURN(crypto::KeySpec key, crypto::KeySpec::parse(options.key.empty() ? "rsa:4096" : options.key));
  ca::NewRoot request{options.id, subject, key};
  if (!options.validity.empty()) {
    NIMBUS_ASSIGN_OR_RETURN(request.validity, parse_validity(options.validity));
  }
  ca::Authorities authorities = deployment->authorities(current_actor());
  NIMBUS_ASSIGN_OR_RETURN(store::AuthorityRecord created, authorities.create_root(request));
  return print_authority(*deployment, created, options.json);
}

Status create_issuing(CommandRunner& runner, const CaOptions& options) {
  if (options.parent.empty() == !options.external_parent) {
    return Error(ErrorCode::kInvalidArgument, "give exactly one of --parent ID and --external-parent");
  }
  NIMBUS_ASSIGN_OR_RETURN(auto deployment, open_deployment(runner));
  NIMBUS_ASSIGN_OR_RETURN(x509::DistinguishedName subject, requested_subject(options, *deployment, "Issuing CA"));
  NIMBUS_ASSIGN_OR_RETURN(crypto::KeySpec key, crypto::KeySpec::parse(options.key.empty() ? "rsa:3072" : options.key));
  ca::Authorities authorities = deployment->authorities(current_actor());

  if (options.external_parent) {
    if (!options.validity.empty()) {
      return Error(ErrorCode::kInvalidArgument, "--validity is decided by the external parent CA, not here");
    }
    NIMBUS_ASSIGN_OR_RETURN(ca::PendingAuthority pending,
                            authorities.create_issuing_for_external_parent({options.id, subject, key}));
    std::string pem = pending.request.pem();
    NIMBUS_TRY(write_output(options.out, as_bytes(pem)));
    std::ostream& note = options.out.empty() ? std::cerr : std::cout;
    note << fmt::format(
        "Created issuing CA '{}', waiting for its certificate.\n"
        "1. Submit the certificate request{} to the enterprise CA. The certificate it issues must be a CA\n"
        "   certificate and must carry a CRL distribution point (CDP); without one, RADIUS servers deny every\n"
        "   client under it (NPS reason code 258).\n"
        "2. Import it:  nimbus ca import-cert {} --cert ISSUED.pem --chain ENTERPRISE-CHAIN.pem\n",
        pending.record.id, options.out.empty() ? " (printed above)" : fmt::format(" ({})", options.out),
        pending.record.id);
    return ok_status();
  }

  ca::NewIssuing request{options.id, options.parent, subject, key};
  if (!options.validity.empty()) {
    NIMBUS_ASSIGN_OR_RETURN(request.validity, parse_validity(options.validity));
  }
  NIMBUS_ASSIGN_OR_RETURN(store::AuthorityRecord created, authorities.create_issuing(request));
  return print_authority(*deployment, created, options.json);
}

Status list(CommandRunner& runner, const CaOptions& options) {
  NIMBUS_ASSIGN_OR_RETURN(auto deployment, open_deployment(runner));
  NIMBUS_ASSIGN_OR_RETURN(auto records, deployment->store().list_authorities());
  std::vector<views::AuthorityView> shown;
  for (store::AuthorityRecord& record : records) {
    NIMBUS_ASSIGN_OR_RETURN(views::AuthorityView view,
                            views::make_authority_view(deployment->store(), std::move(record)));
    shown.push_back(std::move(view));
  }
  if (options.json) {
    nlohmann::json array = nlohmann::json::array();
    for (const views::AuthorityView& view : shown) array.push_back(views::authority_json(view, deployment->urls()));
    std::cout << array.dump(2) << "\n";
  } else {
    std::cout << views::authority_table(shown);
  }
  return ok_status();
}

Status show(CommandRunner& runner, const CaOptions& options) {
  NIMBUS_ASSIGN_OR_RETURN(auto deployment, open_deployment(runner));
  NIMBUS_ASSIGN_OR_RETURN(store::AuthorityRecord record, deployment->authorities(current_actor()).get(options.id));
  return print_authority(*deployment, record, options.json);
}

Status export_certificate(CommandRunner& runner, const CaOptions& options) {
  if (options.der && options.pem) return Error(ErrorCode::kInvalidArgument, "give at most one of --der and --pem");
  if (options.der && options.chain) {
    return Error(ErrorCode::kInvalidArgument,
                 "DER holds one certificate; export a chain with --pem (the default)");
  }
  NIMBUS_ASSIGN_OR_RETURN(auto deployment, open_deployment(runner));
  ca::Authorities authorities = deployment->authorities(current_actor());
  NIMBUS_ASSIGN_OR_RETURN(std::vector<x509::Certificate> chain, authorities.chain(options.id));
  if (options.der) return write_output(options.out, chain.front().der());
  std::string pem;
  for (const x509::Certificate& cert : chain) {
    pem += cert.pem();
    if (!options.chain) break;
  }
  return write_output(options.out, as_bytes(pem));
}

Status change_status(CommandRunner& runner, const CaOptions& options, bool pause) {
  NIMBUS_ASSIGN_OR_RETURN(auto deployment, open_deployment(runner));
  ca::Authorities authorities = deployment->authorities(current_actor());
  NIMBUS_TRY(pause ? authorities.pause(options.id) : authorities.resume(options.id));
  std::cout << fmt::format("Authority '{}' is {}.\n", options.id,
                           pause ? "paused: it refuses new certificates and still publishes its CRL" : "active");
  return ok_status();
}

Status revoke(CommandRunner& runner, const CaOptions& options) {
  NIMBUS_ASSIGN_OR_RETURN(x509::RevocationReason reason, x509::parse_revocation_reason(options.reason));
  NIMBUS_ASSIGN_OR_RETURN(auto deployment, open_deployment(runner));
  ca::Authorities authorities = deployment->authorities(current_actor());
  NIMBUS_TRY(authorities.revoke(options.id, reason));
  NIMBUS_ASSIGN_OR_RETURN(store::AuthorityRecord record, authorities.get(options.id));
  std::cout << fmt::format("Revoked '{}' ({}); the CRL of '{}' now lists it.\n", options.id,
                           x509::revocation_reason_name(reason), record.parent_id.value_or("?"));
  return ok_status();
}

Status import_certificate(CommandRunner& runner, const CaOptions& options) {
  NIMBUS_ASSIGN_OR_RETURN(Bytes cert_bytes, read_input(options.cert_file, "certificate"));
  NIMBUS_ASSIGN_OR_RETURN(Bytes chain_bytes, read_input(options.chain_file, "chain"));
  auto certificate = x509::Certificate::parse(cert_bytes);
  if (!certificate.ok()) return std::move(certificate).error().with_context(fmt::format("'{}'", options.cert_file));
  auto chain = x509::Certificate::parse_all(chain_bytes);
  if (!chain.ok()) return std::move(chain).error().with_context(fmt::format("'{}'", options.chain_file));
  NIMBUS_ASSIGN_OR_RETURN(auto deployment, open_deployment(runner));
  ca::Authorities authorities = deployment->authorities(current_actor());
  NIMBUS_ASSIGN_OR_RETURN(store::AuthorityRecord record,
                          authorities.import_certificate(options.id, *certificate, *chain));
  return print_authority(*deployment, record, options.json);
}

}  // namespace

void add_ca_commands(CLI::App& app, CommandRunner& runner) {
  CLI::App* ca = app.add_subcommand("ca", "Certificate authorities: the root and issuing CAs");
  ca->require_subcommand(0, 1);

  auto add = [&](const char* name, const char* description, auto body) {
    return add_command<CaOptions>(*ca, runner, name, description, body);
  };
  auto add_subject_options = [](CLI::App* command, CaOptions& options, const char* default_name) {
    command->add_option("--id", options.id,
                        "Identifier used in URLs (a-z, 0-9, -) [default: derived from the common name]");
    command->add_option("--name", options.name, fmt::format("Common name [default: \"ORG {}\"]", default_name));
    command->add_option("--subject", options.subject,
                        "Full subject as an RFC 4514 string, e.g. \"CN=Contoso Root CA, O=Contoso, C=US\"")
        ->excludes(command->get_option("--name"));
  };

  {
    auto [command, options] = add("create-root", "Create a self-signed root CA", create_root);
    add_subject_options(command, *options, "Root CA");
    command->add_option("--key", options->key, "Key: rsa:4096 (default), rsa:3072 or ec:p384");
    command->add_option("--validity", options->validity, "Validity, e.g. 15y, 3650d [default: 15y]");
    command->add_flag("--json", options->json, "Print the new CA as JSON");
  }
  {
    auto [command, options] = add("create-issuing",
                                  "Create an issuing CA under a Nimbus root (--parent) or an enterprise CA "
                                  "(--external-parent: writes a PKCS#10 request)",
                                  create_issuing);
    command->add_option("--parent", options->parent, "Id of the Nimbus root CA that signs it");
    command->add_flag("--external-parent", options->external_parent,
                      "Make a key and a certificate request for an existing enterprise CA to sign; "
                      "finish with 'nimbus ca import-cert'");
    add_subject_options(command, *options, "Issuing CA");
    command->add_option("--key", options->key, "Key: rsa:2048, rsa:3072 (default), rsa:4096, ec:p256 or ec:p384");
    command->add_option("--validity", options->validity,
                        "Validity, e.g. 5y, 1825d [default: 5y]; must end before the parent's");
    command->add_option("--out", options->out,
                        "With --external-parent: file for the PEM request [default: standard output]");
    command->add_flag("--json", options->json, "Print the new CA as JSON");
  }
  {
    auto [command, options] = add("list", "List the authorities", list);
    command->add_flag("--json", options->json, "Print a JSON array (schema: docs/json.md)");
  }
  {
    auto [command, options] = add("show", "Show an authority: certificate details and the URLs clients use", show);
    command->add_option("ID", options->id, "Authority id")->required();
    command->add_flag("--json", options->json, "Print JSON (schema: docs/json.md)");
  }
  {
    auto [command, options] = add("export", "Write an authority's certificate (or its chain)", export_certificate);
    command->add_option("ID", options->id, "Authority id")->required();
    command->add_flag("--chain", options->chain, "Include the issuers up to the root (PEM only)");
    command->add_flag("--der", options->der, "DER instead of PEM");
    command->add_flag("--pem", options->pem, "PEM (the default)");
    command->add_option("--out", options->out, "Output file [default: standard output]");
  }
  {
    auto [command, options] = add("pause", "Stop an authority issuing certificates (it still publishes CRLs)",
                                  [](CommandRunner& r, const CaOptions& o) { return change_status(r, o, true); });
    command->add_option("ID", options->id, "Authority id")->required();
  }
  {
    auto [command, options] = add("resume", "Let a paused authority issue certificates again",
                                  [](CommandRunner& r, const CaOptions& o) { return change_status(r, o, false); });
    command->add_option("ID", options->id, "Authority id")->required();
  }
  {
    auto [command, options] = add("revoke", "Revoke an issuing CA; its parent's CRL is republished to list it", revoke);
    command->add_option("ID", options->id, "Authority id of an issuing CA")->required();
    command->add_option("--reason", options->reason,
                        "CRL reason: keyCompromise, cACompromise, affiliationChanged, superseded, "
                        "cessationOfOperation, certificateHold, privilegeWithdrawn, aACompromise, unspecified")
        ->required();
  }
  {
    auto [command, options] = add("import-cert",
                                  "Install the certificate an enterprise CA issued for a pending issuing CA",
                                  import_certificate);
    command->add_option("ID", options->id, "Authority id of the pending issuing CA")->required();
    command->add_option("--cert", options->cert_file, "The issued CA certificate (PEM or DER)")->required();
    command->add_option("--chain", options->chain_file,
                        "The issuing chain up to and including the enterprise root (PEM bundle)")
        ->required();
    command->add_flag("--json", options->json, "Print the CA as JSON");
  }
}

}  // namespace nimbus::cli
