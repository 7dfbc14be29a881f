// nimbus issue and nimbus cert ...: issuing end-entity certificates and finding them again.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <cctype>
#include <iostream>
#include <memory>

#include "ca/issuance.h"
#include "cli/command.h"
#include "config/passphrase.h"
#include "core/file.h"
#include "node/deployment.h"
#include "views/certificate_view.h"
#include "x509/pkcs12.h"
#include "x509/revocation_reason.h"

namespace nimbus::cli {

using node::Deployment;

namespace {

using nlohmann::json;

struct IssueOptions {
  std::string enrollment;
  std::string csr_file;
  std::string generate_key;
  std::string pkcs12_file;
  std::string password_file;
  std::string out;
  bool chain = false;
};

struct CertOptions {
  std::string id;
  std::string ca;
  std::string profile;
  std::string subject;
  std::string status;
  std::size_t limit = 1000;
  bool pem = false;
  bool json = false;
};

// Issuing uses up the enrollment, so every check that can fail the output is made before it:
// a certificate recorded but never delivered could not be issued again.
Status check_output_path(const std::string& path, bool must_not_exist) {
  if (path.empty() || path == "-") return ok_status();
  std::filesystem::path target(path);
  std::filesystem::path directory = target.parent_path().empty() ? "." : target.parent_path();
  std::error_code ec;
  if (!std::filesystem::is_directory(directory, ec)) {
    return Error(ErrorCode::kNotFound, fmt::format("cannot write '{}': directory '{}' does not exist", path,
                                                   directory.string()));
  }
  if (::access(directory.c_str(), W_OK) != 0) {
    return Error(ErrorCode::kPermissionDenied, fmt::format("cannot write '{}': directory '{}' is not writable",
                                                           path, directory.string()));
  }
  if (must_not_exist && std::filesystem::exists(target, ec)) {
    return Error(ErrorCode::kAlreadyExists, fmt::format("'{}' already exists; refusing to replace it", path));
  }
  return ok_status();
}

ca::Issuer make_issuer(Deployment& deployment) {
  ca::IssuanceOptions options;
  options.backdate = std::chrono::minutes(deployment.config().certificate_backdate_minutes);
  return ca::Issuer(deployment.store(), deployment.keys(), deployment.urls(), current_actor(), options);
}

Status issue_from_request(Deployment& deployment, const IssueOptions& options) {
  NIMBUS_TRY(check_output_path(options.out, false));
  NIMBUS_ASSIGN_OR_RETURN(Bytes request_bytes, read_file(options.csr_file, 1u << 20));
  auto request = x509::CertificateRequest::parse(request_bytes);
  if (!request.ok()) return std::move(request).error().with_context(fmt::format("'{}'", options.csr_file));
  ca::Issuer issuer = make_issuer(deployment);
  NIMBUS_ASSIGN_OR_RETURN(x509::Certificate certificate, issuer.issue(options.enrollment, *request));
  std::string pem = certificate.pem();
  if (options.chain) {
    NIMBUS_ASSIGN_OR_RETURN(auto chain, issuer.chain_of(certificate));
    for (const x509::Certificate& link : chain) pem += link.pem();
  }
  NIMBUS_TRY(write_output(options.out, as_bytes(pem)));
  if (!options.out.empty()) {
    std::cout << fmt::format("Issued certificate {} to {}; written to {}.\n", certificate.serial_hex(),
                             certificate.subject().to_string(), options.out);
  }
  return ok_status();
}

Status issue_with_generated_key(Deployment& deployment, const IssueOptions& options) {
  if (options.pkcs12_file.empty() || options.password_file.empty()) {
    return Error(ErrorCode::kInvalidArgument, "--generate-key needs --pkcs12 OUT and --password-file FILE");
  }
  NIMBUS_ASSIGN_OR_RETURN(crypto::KeySpec spec, crypto::KeySpec::parse(options.generate_key));
  NIMBUS_ASSIGN_OR_RETURN(Secret password, config::read_passphrase_file(options.password_file));
  NIMBUS_TRY(check_output_path(options.pkcs12_file, true));
  ca::Issuer issuer = make_issuer(deployment);
  NIMBUS_ASSIGN_OR_RETURN(ca::GeneratedIdentity identity, issuer.issue_with_generated_key(options.enrollment, spec));
  NIMBUS_ASSIGN_OR_RETURN(auto chain, issuer.chain_of(identity.certificate));
  NIMBUS_ASSIGN_OR_RETURN(Bytes bundle, x509::make_pkcs12(identity.key, identity.certificate, chain, password.reveal(),
                                                          identity.certificate.subject().common_name()));
  NIMBUS_TRY(write_file_atomic(options.pkcs12_file, bundle, 0600));
  std::cout << fmt::format("Issued certificate {} to {} with a {} key generated here; PKCS#12 written to {} "
                           "(mode 0600). The key is not kept.\n",
                           identity.certificate.serial_hex(), identity.certificate.subject().to_string(),
                           spec.to_string(), options.pkcs12_file);
  return ok_status();
}

Status issue(CommandRunner& runner, const IssueOptions& options) {
  if (options.csr_file.empty() == options.generate_key.empty()) {
    return Error(ErrorCode::kInvalidArgument, "give exactly one of --csr FILE and --generate-key SPEC");
  }
  NIMBUS_ASSIGN_OR_RETURN(auto deployment, Deployment::open(runner.options().data_dir));
  return options.csr_file.empty() ? issue_with_generated_key(*deployment, options)
                                  : issue_from_request(*deployment, options);
}

Result<store::CertificateFilter::Status> parse_status_filter(const std::string& text) {
  using Status = store::CertificateFilter::Status;
  if (text.empty()) return Status::kAny;
  if (text == "valid") return Status::kValid;
  if (text == "revoked") return Status::kRevoked;
  if (text == "expired") return Status::kExpired;
  return Error(ErrorCode::kInvalidArgument, fmt::format("--status '{}': use valid, revoked or expired", text));
}

Status list_certificates(CommandRunner& runner, const CertOptions& options) {
  store::CertificateFilter filter;
  NIMBUS_ASSIGN_OR_RETURN(filter.status, parse_status_filter(options.status));
  if (!options.ca.empty()) filter.issuer_id = options.ca;
  if (!options.profile.empty()) filter.profile_id = options.profile;
  if (!options.subject.empty()) filter.subject_contains = options.subject;
  filter.now = now_utc();
  filter.limit = options.limit;
  NIMBUS_ASSIGN_OR_RETURN(auto deployment, Deployment::open(runner.options().data_dir));
  NIMBUS_ASSIGN_OR_RETURN(auto records, deployment->store().list_certificates(filter));
  if (options.json) {
    json array = json::array();
    for (const auto& record : records) array.push_back(views::certificate_json(record, filter.now));
    std::cout << array.dump(2) << "\n";
    return ok_status();
  }
  std::cout << fmt::format("{:<33} {:<8} {:<24} {:<20} {:<21} {}\n", "SERIAL", "STATUS", "ISSUER", "PROFILE",
                           "NOT AFTER", "SUBJECT");
  for (const auto& record : records) {
    std::cout << fmt::format("{:<33} {:<8} {:<24} {:<20} {:<21} {}\n", record.serial,
                             views::certificate_status(record, filter.now), record.issuer_id,
                             record.profile_id.value_or("-"), format_timestamp(record.not_after), record.subject);
  }
  return ok_status();
}

Status show_certificate(CommandRunner& runner, const CertOptions& options) {
  std::optional<std::string> key = canonical_hex(options.id);
  if (!key) {
    return Error(ErrorCode::kInvalidArgument,
                 fmt::format("'{}' is not a serial number or a SHA-1/SHA-256 thumbprint in hex", options.id));
  }
  NIMBUS_ASSIGN_OR_RETURN(auto deployment, Deployment::open(runner.options().data_dir));
  NIMBUS_ASSIGN_OR_RETURN(auto record, deployment->store().find_certificate_by_thumbprint(*key));
  if (!record) return Error(ErrorCode::kNotFound, fmt::format("no certificate with serial or thumbprint {}", *key));
  NIMBUS_ASSIGN_OR_RETURN(x509::Certificate certificate, x509::Certificate::from_der(record->der));
  if (options.pem) {
    std::cout << certificate.pem();
  } else if (options.json) {
    json out = views::certificate_json(*record, now_utc());
    out["key"] = certificate.public_key().spec_string();
    out["extended_key_usage"] = x509::extended_key_usages(certificate);
    out["pem"] = certificate.pem();
    std::cout << out.dump(2) << "\n";
  } else {
    json view = views::certificate_json(*record, now_utc());
    auto line = [](std::string_view label, std::string_view value) { return fmt::format("{:<13}{}\n", label, value); };
    std::string text = line("Serial", record->serial) + line("Subject", record->subject);
    for (const std::string& name : x509::subject_alt_names(certificate)) text += line("SAN", name);
    text += line("Issuer", fmt::format("{} ({})", certificate.issuer().to_string(), record->issuer_id));
    text += line("Status", view["status"].get<std::string>());
    if (record->revoked_at) {
      text += line("Revoked", fmt::format("{} ({})", format_timestamp(*record->revoked_at),
                                          view["revocation_reason"].is_string() ? view["revocation_reason"].get<std::string>() : "?"));
    }
    text += line("Valid from", format_timestamp(record->not_before)) + line("Valid to", format_timestamp(record->not_after));
    text += line("Key", certificate.public_key().description());
    text += line("EKU", fmt::format("{}", fmt::join(x509::extended_key_usages(certificate), ", ")));
    text += line("Profile", record->profile_id.value_or("-")) + line("Enrollment", record->enrollment_id.value_or("-"));
    text += line("SHA-1", record->sha1) + line("SHA-256", record->sha256);
    std::cout << text;
  }
  return ok_status();
}

}  // namespace

void add_issue_commands(CLI::App& app, CommandRunner& runner) {
  {
    auto options = std::make_shared<IssueOptions>();
    CLI::App* command = app.add_subcommand(
        "issue", "Issue the certificate of an enrollment, from a CSR or with a key generated here (PKCS#12)");
    runner.add_common_options(*command);
    command->add_option("--enrollment", options->enrollment, "Enrollment id (see 'nimbus enrollment list')")->required();
    command->add_option("--csr", options->csr_file, "PKCS#10 request (PEM or DER); only its key is used");
    command->add_option("--out", options->out, "Where to write the PEM certificate [default: standard output]");
    command->add_flag("--chain", options->chain, "With --csr: append the issuing CA chain to the PEM");
    command->add_option("--generate-key", options->generate_key,
                        "Generate the key here (rsa:2048, rsa:3072, rsa:4096, ec:p256, ec:p384) for a device that "
                        "cannot make a CSR; needs --pkcs12 and --password-file");
    command->add_option("--pkcs12", options->pkcs12_file, "PKCS#12 output (AES-256, mode 0600); never overwritten");
    command->add_option("--password-file", options->password_file, "File (mode 0600) with the PKCS#12 password");
    command->callback([options, &runner] { runner.run([&] { return issue(runner, *options); }); });
  }

  CLI::App* group = app.add_subcommand("cert", "Certificates the authorities have issued");
  group->require_subcommand(0, 1);
  auto add = [&](const char* name, const char* description, auto body) {
    return add_command<CertOptions>(*group, runner, name, description, body);
  };
  {
    auto [command, options] = add("list", "List certificates, newest first", list_certificates);
    command->add_option("--ca", options->ca, "Only those issued by this authority");
    command->add_option("--profile", options->profile, "Only those issued under this profile");
    command->add_option("--subject", options->subject, "Only those whose subject contains this text");
    command->add_option("--status", options->status, "valid, revoked or expired");
    command->add_option("--limit", options->limit, "At most this many")->capture_default_str();
    command->add_flag("--json", options->json, "Print a JSON array (schema: docs/json.md)");
  }
  {
    auto [command, options] = add("show", "Show a certificate by serial number or SHA-1/SHA-256 thumbprint",
                                  show_certificate);
    command->add_option("SERIAL", options->id, "Serial number or thumbprint (hex; colons allowed)")->required();
    command->add_flag("--pem", options->pem, "Print the certificate as PEM");
    command->add_flag("--json", options->json, "Print JSON (schema: docs/json.md)");
  }
}

}  // namespace nimbus::cli
