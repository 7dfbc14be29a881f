// nimbus verify: builds a client certificate's chain, checks the revocation of every element, and
// predicts what a RADIUS server doing EAP-TLS (as Windows NPS does) would decide, and why.
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "cli/command.h"
#include "cli/verify_view.h"
#include "core/file.h"
#include "crypto/object_identifier.h"
#include "node/deployment.h"
#include "verify/curl_fetcher.h"
#include "verify/verifier.h"
#include "x509/crl.h"
#include "x509/key_purposes.h"

namespace nimbus::cli {

using node::Deployment;

namespace {

struct VerifyCommandOptions {
  std::string certificate;
  bool urlfetch = false;
  std::vector<std::string> trust;
  std::vector<std::string> trust_ca;
  std::vector<std::string> untrusted;
  std::vector<std::string> crls;
  std::string time;
  std::string eku{x509::kClientAuthOid};
  verify::RevocationPolicy policy;
  double timeout_seconds = 10;
  bool json = false;
};

// Certificates files are small; a bundle of intermediates a few kilobytes. CRLs can be large.
constexpr std::size_t kMaxCrlFileBytes = std::size_t{256} << 20;

Result<std::vector<x509::Certificate>> read_certificates(const std::string& path, std::string_view what) {
  NIMBUS_ASSIGN_OR_RETURN(Bytes content, read_file(path));
  auto certificates = x509::Certificate::parse_all(content);
  if (!certificates.ok()) return std::move(certificates).error().with_context(fmt::format("{} '{}'", what, path));
  return certificates;
}

// The root a Nimbus authority chains to becomes an anchor; the CA certificates between it and
// the authority are given as untrusted certificates, as a client would send them.
Status add_nimbus_authority(CommandRunner& runner, const std::string& id, std::vector<x509::Certificate>& anchors,
                            std::vector<x509::Certificate>& untrusted) {
  NIMBUS_ASSIGN_OR_RETURN(auto deployment, Deployment::open(runner.options().data_dir));
  std::string next = id;
  for (int depth = 0; depth < 8; ++depth) {
    NIMBUS_ASSIGN_OR_RETURN(auto authority, deployment->store().find_authority(next));
    if (!authority) return Error(ErrorCode::kNotFound, fmt::format("no authority '{}' in the deployment", next));
    if (!authority->certificate_der) {
      return Error(ErrorCode::kFailedPrecondition, fmt::format("authority '{}' has no certificate yet", next));
    }
    NIMBUS_ASSIGN_OR_RETURN(x509::Certificate certificate, x509::Certificate::from_der(*authority->certificate_der));
    if (authority->external_chain_pem) {
      untrusted.push_back(certificate);
      NIMBUS_ASSIGN_OR_RETURN(auto chain, x509::Certificate::parse_all(as_bytes(*authority->external_chain_pem)));
      for (auto& link : chain) (link.is_self_issued() ? anchors : untrusted).push_back(std::move(link));
      return ok_status();
    }
    if (!authority->parent_id) {
      anchors.push_back(std::move(certificate));
      return ok_status();
    }
    untrusted.push_back(std::move(certificate));
    next = *authority->parent_id;
  }
  return Error(ErrorCode::kInvalidArgument, fmt::format("authority '{}' is more than 8 levels below its root", id));
}

Result<int> run_verify(CommandRunner& runner, const VerifyCommandOptions& options) {
  verify::VerifyOptions verify_options;
  verify_options.policy = options.policy;
  if (!options.time.empty()) {
    auto at = parse_timestamp(options.time);
    if (!at.ok()) return Error(ErrorCode::kInvalidArgument, fmt::format("--time '{}': use the form 2026-11-24T22:09:43Z", options.time));
    verify_options.at = at.value();
  }
  if (!crypto::is_dotted_oid(options.eku)) {
    return Error(ErrorCode::kInvalidArgument, fmt::format("--eku '{}' is not a dotted OID", options.eku));
  }
  verify_options.required_eku = options.eku;
  if (!(options.timeout_seconds > 0 && options.timeout_seconds <= 300)) {
    return Error(ErrorCode::kInvalidArgument, "--timeout must be more than 0 and at most 300 seconds");
  }

  NIMBUS_ASSIGN_OR_RETURN(auto end_entity, read_certificates(options.certificate, "certificate"));
  std::vector<x509::Certificate> untrusted(end_entity.begin() + 1, end_entity.end());
  std::vector<x509::Certificate> anchors;
  for (const std::string& path : options.untrusted) {
    NIMBUS_ASSIGN_OR_RETURN(auto more, read_certificates(path, "--untrusted"));
    untrusted.insert(untrusted.end(), more.begin(), more.end());
  }
  for (const std::string& path : options.trust) {
    NIMBUS_ASSIGN_OR_RETURN(verify::TrustAnchors loaded, verify::TrustAnchors::load(path));
    anchors.insert(anchors.end(), loaded.certificates().begin(), loaded.certificates().end());
  }
  for (const std::string& id : options.trust_ca) NIMBUS_TRY(add_nimbus_authority(runner, id, anchors, untrusted));
  if (anchors.empty()) {
    return Error(ErrorCode::kInvalidArgument, "no trust anchors: give --trust FILE|DIR or --trust-ca ID");
  }
  NIMBUS_ASSIGN_OR_RETURN(verify::TrustAnchors trust, verify::TrustAnchors::from(std::move(anchors)));

  std::vector<x509::CertificateRevocationList> crls;
  for (const std::string& path : options.crls) {
    NIMBUS_ASSIGN_OR_RETURN(Bytes content, read_file(path, kMaxCrlFileBytes));
    auto crl = x509::CertificateRevocationList::parse(content);
    if (!crl.ok()) return std::move(crl).error().with_context(fmt::format("--crl '{}'", path));
    crls.push_back(std::move(crl).value());
  }

  verify::FetchLimits limits;
  limits.timeout = std::chrono::milliseconds(static_cast<long long>(options.timeout_seconds * 1000));
  limits.budget = std::max(limits.budget, limits.timeout * 4);
  std::unique_ptr<verify::CurlFetcher> fetcher;
  if (options.urlfetch) fetcher = std::make_unique<verify::CurlFetcher>();
  verify::RevocationCache cache;
  verify::Verifier verifier(std::move(trust), fetcher.get(), &cache, std::move(crls), limits);
  verify::Report report = verifier.verify(end_entity.front(), untrusted, verify_options);

  if (options.json) {
    std::cout << verify_report_json(report).dump(2) << "\n";
  } else {
    bool colour = ::isatty(STDOUT_FILENO) == 1 && std::getenv("NO_COLOR") == nullptr;
    std::cout << verify_report_text(report, colour);
  }
  std::cout.flush();
  return report.verdict.accepted ? kExitOk : kExitRefused;
}

}  // namespace

void add_verify_command(CLI::App& app, CommandRunner& runner) {
  auto options = std::make_shared<VerifyCommandOptions>();
  CLI::App* command = app.add_subcommand(
      "verify",
      "Build a client certificate's chain, check every element's revocation, and predict a RADIUS server's "
      "EAP-TLS decision (exit 0 accept, 1 deny, 2 error)");
  runner.add_common_options(*command);
  command->add_option("CERT", options->certificate,
                      "The client certificate (PEM or DER); further PEM certificates in the file are used as "
                      "intermediates")
      ->required();
  command->add_flag("--urlfetch", options->urlfetch,
                    "Fetch AIA caIssuers, CRL distribution points and OCSP over http(s) and ldap(s); without it "
                    "nothing is fetched and revocation sources count as offline");
  command->add_option("--trust", options->trust, "Trust anchors: a PEM/DER file, or a directory of them (repeatable)");
  command->add_option("--trust-ca", options->trust_ca,
                      "Trust the root of this Nimbus authority (from --data); its CA certificates are added as "
                      "intermediates (repeatable)");
  command->add_option("--untrusted", options->untrusted, "Intermediate certificates, PEM (repeatable)");
  command->add_option("--crl", options->crls, "A CRL (PEM or DER) to use before fetching any (repeatable)");
  command->add_option("--time", options->time, "Validation time, e.g. 2026-11-24T22:09:43Z (default: now)");
  command->add_option("--eku", options->eku, "Extended key usage the certificate must have (dotted OID)")
      ->capture_default_str();
  command->add_flag("--ignore-no-revocation-check", options->policy.ignore_no_revocation_check,
                    "Accept certificates without any CDP or OCSP URL (NPS IgnoreNoRevocationCheck=1; weaker)");
  command->add_flag("--ignore-revocation-offline", options->policy.ignore_revocation_offline,
                    "Accept when revocation sources do not answer usably (NPS IgnoreRevocationOffline=1; weaker)");
  command->add_flag("--no-revocation-check", options->policy.no_revocation_check,
                    "Do not check revocation at all (NPS NoRevocationCheck=1; weakest)");
  command->add_flag("--no-root-revocation-check", options->policy.no_root_revocation_check,
                    "Do not check the root's revocation (NPS NoRootRevocationCheck=1)");
  command->add_option("--timeout", options->timeout_seconds, "Seconds to wait for each URL")->capture_default_str();
  command->add_flag("--json", options->json, "Print the report as JSON (schema: docs/verify.md)");
  command->callback([options, &runner] {
    runner.run_answering([&] { return run_verify(runner, *options); }, kExitUsage);
  });
}

}  // namespace nimbus::cli
