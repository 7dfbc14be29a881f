// nimbus radius test: one EAP-TLS authentication against a RADIUS server, as a VPN gateway and its
// client would run it, and what the server decided.
#include <iostream>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/radius_load.h"
#include "core/file.h"
#include "core/log_text.h"
#include "core/secret.h"
#include "radius/authentication.h"
#include "radius/client.h"
#include "x509/chain_verification.h"
#include "x509/trust_store.h"

namespace nimbus::cli {

namespace {

struct RadiusTestOptions {
  std::string server;
  std::string secret_file;
  std::string certificate;
  std::string key;
  std::string key_passphrase_file;
  std::string tls;
  std::string ca;
  std::string identity;
  double timeout_seconds = 3;
  int tries = 3;
  std::size_t fragment_size = 1000;
  int count = 1;
  int parallel = 1;
  bool resume = false;
  bool json = false;
};

Result<x509::TlsOptions> tls_versions(const std::string& tls) {
  if (tls.empty()) return x509::TlsOptions{};
  if (tls == "1.2") return x509::TlsOptions{x509::TlsVersion::k1_2, x509::TlsVersion::k1_2};
  if (tls == "1.3") return x509::TlsOptions{x509::TlsVersion::k1_3, x509::TlsVersion::k1_3};
  return Error(ErrorCode::kInvalidArgument, fmt::format("--tls '{}': give 1.2 or 1.3", tls));
}

// A returned attribute's value as text a terminal can show: what a server sends is outside input.
std::string printable(const radius::Attribute& attribute) {
  return escape_log_text(std::string_view(reinterpret_cast<const char*>(attribute.value.data()), attribute.value.size()));
}

std::string attribute_name(std::uint8_t type) {
  switch (type) {
    case radius::attribute::kUserName: return "User-Name";
    case radius::attribute::kReplyMessage: return "Reply-Message";
    case radius::attribute::kClass: return "Class";
    case radius::attribute::kFilterId: return "Filter-Id";
    case radius::attribute::kSessionTimeout: return "Session-Timeout";
    case radius::attribute::kTunnelPrivateGroupId: return "Tunnel-Private-Group-Id";
    default: return fmt::format("attribute {}", type);
  }
}

nlohmann::json outcome_json(const radius::AuthenticationOutcome& outcome, const std::string& server) {
  nlohmann::json json;
  json["server"] = server;
  json["decision"] = radius::code_name(outcome.decision);
  json["round_trips"] = outcome.round_trips;
  json["elapsed_ms"] = outcome.elapsed.count();
  json["tls_version"] = outcome.tls_version ? nlohmann::json(x509::tls_version_name(*outcome.tls_version)) : nlohmann::json();
  json["server_certificate"] =
      outcome.server_chain.empty() ? nlohmann::json() : nlohmann::json(outcome.server_chain.front().subject().to_string());
  json["keys_match"] = outcome.keys_match ? nlohmann::json(*outcome.keys_match) : nlohmann::json();
  json["method_failure"] = outcome.method_failure.empty() ? nlohmann::json() : nlohmann::json(outcome.method_failure);
  nlohmann::json attributes = nlohmann::json::array();
  for (const auto& attribute : outcome.final_answer.attributes) {
    if (attribute.type == radius::attribute::kVendorSpecific || attribute.type == radius::attribute::kEapMessage ||
        attribute.type == radius::attribute::kMessageAuthenticator) {
      continue;
    }
    attributes.push_back({{"type", attribute.type}, {"name", attribute_name(attribute.type)}, {"value", printable(attribute)}});
  }
  json["attributes"] = attributes;
  return json;
}

// Whether the server's chain leads to a certificate of --ca, as a supplicant configured with that CA
// checks it: "" when it does, else why not.
std::string server_trust_problem(const radius::AuthenticationOutcome& outcome, const x509::TrustStore& trusted) {
  if (outcome.server_chain.empty()) return "the server sent no certificate";
  std::span<const x509::Certificate> intermediates(outcome.server_chain.begin() + 1, outcome.server_chain.end());
  x509::ChainVerification verification =
      x509::verify_chain(trusted, outcome.server_chain.front(), intermediates, now_utc(), 8);
  if (verification.faults.empty()) return "";
  const x509::ChainFault& fault = verification.faults.front();
  return fmt::format("{} (at depth {})", fault.error.message(), fault.depth);
}

void print_load(const LoadReport& report, const RadiusTestOptions& options, const std::string& server) {
  auto ms = [](std::chrono::microseconds us) { return static_cast<double>(us.count()) / 1000.0; };
  if (options.json) {
    nlohmann::json json = {{"server", server},
                           {"count", options.count},
                           {"parallel", options.parallel},
                           {"accepted", report.accepted},
                           {"refused", report.refused},
                           {"errors", report.errors},
                           {"resumed", report.resumed},
                           {"seconds", static_cast<double>(report.wall.count()) / 1e6},
                           {"per_second", report.per_second()},
                           {"p50_ms", ms(report.percentile(0.5))},
                           {"p99_ms", ms(report.percentile(0.99))},
                           {"max_ms", ms(report.percentile(1.0))}};
    if (!report.first_error.empty()) json["first_error"] = report.first_error;
    std::cout << json.dump(2) << "\n";
    return;
  }
  std::cout << fmt::format("{} authentications against {} from {} clients in {:.2f} s: {:.1f}/s\n", options.count,
                           server, options.parallel, static_cast<double>(report.wall.count()) / 1e6,
                           report.per_second());
  std::cout << fmt::format("  accepted {} ({} resumed), refused {}, no answer {}\n", report.accepted, report.resumed,
                           report.refused, report.errors);
  std::cout << fmt::format("  latency ms: p50 {:.2f}, p90 {:.2f}, p99 {:.2f}, max {:.2f}\n", ms(report.percentile(0.5)),
                           ms(report.percentile(0.9)), ms(report.percentile(0.99)), ms(report.percentile(1.0)));
  if (!report.first_error.empty()) std::cout << fmt::format("  first error: {}\n", report.first_error);
}

void print_outcome(const radius::AuthenticationOutcome& outcome, const std::string& server) {
  std::cout << fmt::format("{} from {} after {} round trips, {} ms\n", radius::code_name(outcome.decision), server,
                           outcome.round_trips, outcome.elapsed.count());
  if (outcome.tls_version) std::cout << fmt::format("  TLS: {}\n", x509::tls_version_name(*outcome.tls_version));
  if (!outcome.server_chain.empty()) {
    std::cout << fmt::format("  Server certificate: {}\n", outcome.server_chain.front().subject().to_string());
  }
  if (!outcome.method_failure.empty()) std::cout << fmt::format("  EAP-TLS failed here: {}\n", outcome.method_failure);
  if (outcome.keys_match) {
    std::cout << (*outcome.keys_match ? "  MS-MPPE keys: match the MSK this client derived\n"
                                      : "  MS-MPPE keys: DO NOT match the MSK this client derived\n");
  } else if (outcome.decision == radius::Code::kAccessAccept) {
    std::cout << "  MS-MPPE keys: none in the answer\n";
  }
  nlohmann::json json = outcome_json(outcome, server);
  for (const auto& attribute : json["attributes"]) {
    std::cout << fmt::format("  {}: {}\n", attribute["name"].get<std::string>(), attribute["value"].get<std::string>());
  }
}

Result<int> run_radius_test(const RadiusTestOptions& options) {
  NIMBUS_ASSIGN_OR_RETURN(x509::TlsOptions versions, tls_versions(options.tls));
  if (!(options.timeout_seconds > 0 && options.timeout_seconds <= 60)) {
    return Error(ErrorCode::kInvalidArgument, "--timeout must be more than 0 and at most 60 seconds");
  }
  if (options.tries < 1 || options.tries > 10) return Error(ErrorCode::kInvalidArgument, "--tries must be from 1 to 10");
  if (options.fragment_size < 64 || options.fragment_size > 4000) {
    return Error(ErrorCode::kInvalidArgument, "--fragment-size must be from 64 to 4000 octets");
  }
  NIMBUS_ASSIGN_OR_RETURN(radius::Endpoint server, radius::Endpoint::parse(options.server));
  NIMBUS_ASSIGN_OR_RETURN(Secret secret, read_secret_file(options.secret_file, "shared secret file"));

  NIMBUS_ASSIGN_OR_RETURN(Bytes certificate_file, read_file(options.certificate));
  auto certificates = x509::Certificate::parse_all(certificate_file);
  if (!certificates.ok()) return std::move(certificates).error().with_context(fmt::format("--cert '{}'", options.certificate));
  std::optional<Secret> passphrase;
  if (!options.key_passphrase_file.empty()) {
    NIMBUS_ASSIGN_OR_RETURN(passphrase, read_secret_file(options.key_passphrase_file, "key passphrase file"));
  }
  NIMBUS_ASSIGN_OR_RETURN(Bytes key_file, read_file(options.key, 64 * 1024));
  auto key = crypto::PrivateKey::from_pem(key_file, passphrase ? std::optional<std::string_view>(passphrase->reveal())
                                                               : std::nullopt);
  std::fill(key_file.begin(), key_file.end(), 0);
  if (!key.ok()) return std::move(key).error().with_context(fmt::format("--key '{}'", options.key));
  std::span<const x509::Certificate> chain(certificates->begin() + 1, certificates->end());
  auto context = x509::TlsContext::client(certificates->front(), chain, *key, versions);
  if (!context.ok()) return std::move(context).error().with_context("--cert and --key");

  radius::ClientOptions client_options;
  client_options.timeout = std::chrono::milliseconds(static_cast<long long>(options.timeout_seconds * 1000));
  client_options.tries = options.tries;
  Bytes secret_bytes(secret.reveal().begin(), secret.reveal().end());

  radius::AuthenticationOptions authentication;
  authentication.identity = options.identity;
  if (authentication.identity.empty()) authentication.identity = certificates->front().subject().common_name();
  if (authentication.identity.empty()) authentication.identity = "nimbus-radius-test";
  authentication.limits.fragment_size = options.fragment_size;
  if (options.count > 1 || options.parallel > 1 || options.resume) {
    LoadOptions load{options.count, options.parallel, options.resume, client_options, authentication};
    NIMBUS_ASSIGN_OR_RETURN(LoadReport report, run_load(server, secret_bytes, *context, load));
    print_load(report, options, server.text);
    if (report.accepted + report.refused == 0) {
      return Error(ErrorCode::kIoError, fmt::format("no authentic answer from {}: {}", server.text, report.first_error));
    }
    return report.accepted == options.count ? kExitOk : kExitRefused;
  }
  NIMBUS_ASSIGN_OR_RETURN(radius::RadiusClient client, radius::RadiusClient::connect(server, std::move(secret_bytes), client_options));
  std::optional<x509::TrustStore> server_anchors;
  if (!options.ca.empty()) {
    NIMBUS_ASSIGN_OR_RETURN(Bytes ca_file, read_file(options.ca));
    auto anchors = x509::Certificate::parse_all(ca_file);
    if (!anchors.ok() || anchors->empty()) {
      return Error(ErrorCode::kInvalidArgument, fmt::format("--ca '{}' holds no PEM certificate", options.ca));
    }
    NIMBUS_ASSIGN_OR_RETURN(server_anchors, x509::TrustStore::from(*anchors));
  }
  NIMBUS_ASSIGN_OR_RETURN(radius::AuthenticationOutcome outcome,
                          radius::authenticate_eap_tls(client, *context, authentication));
  std::string trust_problem = server_anchors ? server_trust_problem(outcome, *server_anchors) : "";
  if (options.json) {
    nlohmann::json json = outcome_json(outcome, server.text);
    if (server_anchors) json["server_trusted"] = trust_problem.empty();
    if (!trust_problem.empty()) json["server_trust_problem"] = trust_problem;
    std::cout << json.dump(2) << "\n";
  } else {
    print_outcome(outcome, server.text);
    if (server_anchors) {
      std::cout << (trust_problem.empty() ? fmt::format("  Server chain: trusted by {}\n", options.ca)
                                          : fmt::format("  Server chain: NOT trusted by {}: {}\n", options.ca,
                                                        trust_problem));
    }
  }
  std::cout.flush();
  bool accepted = outcome.decision == radius::Code::kAccessAccept && outcome.method_failure.empty() &&
                  outcome.keys_match.value_or(true) && trust_problem.empty();
  return accepted ? kExitOk : kExitRefused;
}

}  // namespace

void add_radius_commands(CLI::App& app, CommandRunner& runner) {
  CLI::App* group = app.add_subcommand("radius", "RADIUS: try a server the way a VPN gateway and its client would");
  group->require_subcommand(1);
  auto options = std::make_shared<RadiusTestOptions>();
  CLI::App* command = group->add_subcommand(
      "test",
      "Run one EAP-TLS authentication against a RADIUS server and print its decision (exit 0 accepted, 1 refused, "
      "2 error)");
  runner.add_common_options(*command);
  command->add_option("--server", options->server, "The server's authentication address, HOST:PORT")->required();
  command->add_option("--secret-file", options->secret_file, "File (mode 0600) holding the RADIUS shared secret")
      ->required();
  command->add_option("--cert", options->certificate,
                      "The client certificate, PEM; further certificates in the file are sent as its chain")
      ->required();
  command->add_option("--key", options->key, "Its private key, PEM (encrypted or not)")->required();
  command->add_option("--key-passphrase-file", options->key_passphrase_file,
                      "File (mode 0600) holding the passphrase of an encrypted --key");
  command->add_option("--tls", options->tls, "Only this TLS version: 1.2 or 1.3 (default: either, 1.3 preferred)");
  command->add_option("--ca", options->ca,
                      "PEM file of the CA certificates the server's chain must lead to, as a supplicant checks it; an "
                      "untrusted server makes the test fail (exit 1)");
  command->add_option("--count", options->count,
                      "Authentications to run; more than one prints a summary (rate, latency percentiles) instead "
                      "of one decision, and exits 0 only when every one was accepted")
      ->check(CLI::Range(1, 100'000'000));
  command->add_option("--parallel", options->parallel, "Clients authenticating at once, each from its own UDP port")
      ->check(CLI::Range(1, 1024));
  command->add_flag("--resume", options->resume,
                    "After its first authentication, each client offers the TLS session of its previous one "
                    "(a short handshake, when the server resumes it)");
  command->add_option("--identity", options->identity,
                      "User-Name and EAP identity (default: the certificate's common name)");
  command->add_option("--timeout", options->timeout_seconds, "Seconds to wait for each answer")->capture_default_str();
  command->add_option("--tries", options->tries, "Times to send each request before giving up")->capture_default_str();
  command->add_option("--fragment-size", options->fragment_size, "Octets of TLS data per EAP packet this client sends")
      ->capture_default_str();
  command->add_flag("--json", options->json, "Print the outcome as JSON");
  command->callback([options, &runner] {
    runner.run_answering([&] { return run_radius_test(*options); }, kExitUsage);
  });
}

}  // namespace nimbus::cli
