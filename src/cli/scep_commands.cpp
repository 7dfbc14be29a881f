// nimbus scep: a SCEP client (RFC 8894) for troubleshooting an enrollment from the device's side —
// what the server offers, its RA and CA certificates, and enroll, renew, poll and getcrl with
// every message's attributes shown (-v) and the server's failInfo in words.
#include <iostream>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "config/passphrase.h"
#include "core/file.h"
#include "core/log_text.h"
#include "crypto/digest.h"
#include "scep/client/scep_client.h"
#include "verify/curl_fetcher.h"
#include "x509/crl.h"
#include "x509/csr.h"
#include "x509/der_reader.h"
#include "x509/der_writer.h"

namespace nimbus::cli {

namespace {

struct ScepOptions {
  std::string url;
  std::string challenge;
  std::string challenge_file;
  std::string key;
  std::string new_key;
  std::string key_out;
  std::string certificate;
  std::string subject = "CN=nimbus-scep-client";
  std::vector<std::string> dns_names;
  std::string transaction_id;
  std::string cipher;
  std::string digest;
  bool get = false;
  std::string save_messages;
  bool prepare_only = false;
  std::string out;
  double timeout_seconds = 30;
  bool json = false;
  bool verbose = false;
};

constexpr std::size_t kMaxInputBytes = 1 << 20;

Result<std::optional<x509::ContentCipher>> cipher_option(const std::string& text) {
  if (text.empty()) return std::optional<x509::ContentCipher>();
  if (text == "aes128") return std::optional(x509::ContentCipher::kAes128Cbc);
  if (text == "aes256") return std::optional(x509::ContentCipher::kAes256Cbc);
  if (text == "des3") return std::optional(x509::ContentCipher::kDesEde3Cbc);
  if (text == "des") return std::optional(x509::ContentCipher::kDesCbc);
  return Error(ErrorCode::kInvalidArgument, fmt::format("--cipher '{}': give aes128, aes256, des3 or des", text));
}

Result<std::optional<crypto::SignatureDigest>> digest_option(const std::string& text) {
  if (text.empty()) return std::optional<crypto::SignatureDigest>();
  if (text == "sha256") return std::optional(crypto::SignatureDigest::kSha256);
  if (text == "sha384") return std::optional(crypto::SignatureDigest::kSha384);
  if (text == "sha512") return std::optional(crypto::SignatureDigest::kSha512);
  return Error(ErrorCode::kInvalidArgument, fmt::format("--digest '{}': give sha256, sha384 or sha512", text));
}

// A SCEP session with one server: its client, capabilities and certificates, fetched once.
class Session {
 public:
  explicit Session(const ScepOptions& options)
      : options_(options),
        client_(options.url, fetcher_,
                std::chrono::milliseconds(static_cast<long long>(options.timeout_seconds * 1000))) {}

  scep::Client& client() { return client_; }

  Result<scep::CaCertificates> ca() {
    if (!ca_) {
      NIMBUS_ASSIGN_OR_RETURN(scep::CaCertificates fetched, client_.ca_certificates());
      if (options_.verbose) {
        for (const x509::Certificate& each : fetched.certificates) {
          std::cerr << fmt::format("< GetCACert: {}{} \"{}\" (issuer \"{}\", serial {})\n",
                                   &each == &fetched.certificates.front() ? "" : "", each.is_ca() ? "CA" : "RA",
                                   each.subject().to_string(), each.issuer().to_string(), each.serial_hex());
        }
      }
      ca_ = std::move(fetched);
    }
    return *ca_;
  }

  Result<std::vector<std::string>> capabilities() {
    if (!capabilities_) {
      NIMBUS_ASSIGN_OR_RETURN(capabilities_, client_.capabilities());
      if (options_.verbose) std::cerr << fmt::format("< GetCACaps: {}\n", fmt::join(*capabilities_, ", "));
    }
    return *capabilities_;
  }

  Result<scep::Algorithms> algorithms() {
    NIMBUS_ASSIGN_OR_RETURN(std::vector<std::string> caps, capabilities());
    NIMBUS_ASSIGN_OR_RETURN(scep::Algorithms chosen, scep::choose_algorithms(caps));
    NIMBUS_ASSIGN_OR_RETURN(auto cipher, cipher_option(options_.cipher));
    NIMBUS_ASSIGN_OR_RETURN(auto digest, digest_option(options_.digest));
    if (cipher) chosen.cipher = *cipher;
    if (digest) chosen.digest = *digest;
    if (options_.get) chosen.post = false;
    return chosen;
  }

  // Sends the operation and shows both messages with -v.
  Status perform(scep::Operation& operation) {
    if (options_.prepare_only && options_.save_messages.empty()) {
      return Error(ErrorCode::kInvalidArgument, "--prepare-only needs --save-messages DIR for the request");
    }
    NIMBUS_ASSIGN_OR_RETURN(scep::CaCertificates ca_certificates, ca());
    NIMBUS_ASSIGN_OR_RETURN(scep::Algorithms chosen, algorithms());
    if (!options_.transaction_id.empty()) operation.request.transaction_id = options_.transaction_id;
    Status performed = options_.prepare_only ? client_.prepare(operation, ca_certificates, chosen)
                                             : client_.perform(operation, ca_certificates, chosen);
    if (!options_.save_messages.empty() && !operation.request_der.empty()) NIMBUS_TRY(save(operation));
    if (options_.verbose && !operation.request_der.empty()) {
      const scep::Outgoing& sent = operation.request;
      std::cerr << fmt::format("> {} ({}) transactionID {} senderNonce {}; signed {} by \"{}\"; {} to \"{}\"; "
                               "{} bytes by {}\n",
                               scep::message_type_name(sent.type), static_cast<int>(sent.type), sent.transaction_id,
                               to_hex(sent.sender_nonce), crypto::digest_name(sent.digest),
                               sent.signer->subject().to_string(), x509::content_cipher_name(sent.cipher),
                               ca_certificates.recipient.subject().to_string(), operation.request_der.size(),
                               chosen.post ? "POST" : "GET");
    }
    NIMBUS_TRY(performed);
    if (options_.verbose && operation.reply) {
      const scep::CertRep& rep = *operation.reply;
      std::string fail_info = rep.fail_info ? fmt::format(" failInfo {} ({}: {})", static_cast<int>(*rep.fail_info),
                                                          scep::fail_info_name(*rep.fail_info),
                                                          scep::fail_info_meaning(*rep.fail_info))
                                            : "";
      std::cerr << fmt::format("< CertRep (3) pkiStatus {} ({}){} transactionID {} recipientNonce {} senderNonce {}; "
                               "{} certificate(s), {} CRL(s); {} bytes\n",
                               static_cast<int>(rep.status), scep::pki_status_name(rep.status), fail_info,
                               escape_log_text(rep.transaction_id), to_hex(rep.recipient_nonce),
                               to_hex(rep.sender_nonce), rep.certificates.size(), rep.crls.size(),
                               operation.response_der.size());
    }
    return ok_status();
  }

 private:
  // request.der, reply.der (once answered) and signer.pem in --save-messages DIR, for openssl cms
  // or another client to read.
  Status save(const scep::Operation& operation) {
    std::filesystem::path directory(options_.save_messages);
    NIMBUS_TRY(write_file_atomic(directory / "request.der", operation.request_der, 0644));
    NIMBUS_TRY(write_file_atomic(directory / "signer.pem", as_bytes(operation.request.signer->pem()), 0644));
    if (!operation.response_der.empty()) {
      NIMBUS_TRY(write_file_atomic(directory / "reply.der", operation.response_der, 0644));
    }
    return ok_status();
  }

  const ScepOptions& options_;
  verify::CurlFetcher fetcher_;
  scep::Client client_;
  std::optional<scep::CaCertificates> ca_;
  std::optional<std::vector<std::string>> capabilities_;
};

Result<crypto::PrivateKey> read_key(const std::string& path) {
  NIMBUS_ASSIGN_OR_RETURN(Bytes pem, read_file(path, kMaxInputBytes));
  auto key = crypto::PrivateKey::from_pem(pem, std::nullopt);
  if (!key.ok()) return std::move(key).error().with_context(fmt::format("'{}'", path));
  return key;
}

Result<x509::Certificate> read_certificate(const std::string& path) {
  NIMBUS_ASSIGN_OR_RETURN(Bytes pem, read_file(path, kMaxInputBytes));
  auto certificate = x509::Certificate::parse(pem);
  if (!certificate.ok()) return std::move(certificate).error().with_context(fmt::format("'{}'", path));
  return certificate;
}

// The key a new request is for: --key, or --new-key written to --key-out (mode 0600) first, so
// that a certificate issued for it is never without its key.
Result<crypto::PrivateKey> request_key(const ScepOptions& options, std::optional<crypto::PrivateKey> current) {
  if (!options.key.empty() && !options.new_key.empty()) {
    return Error(ErrorCode::kInvalidArgument, "give --key FILE or --new-key SPEC, not both");
  }
  if (options.new_key.empty()) {
    if (current) return std::move(*current);
    if (options.key.empty()) return Error(ErrorCode::kInvalidArgument, "give --key FILE or --new-key SPEC");
    return read_key(options.key);
  }
  if (options.key_out.empty()) return Error(ErrorCode::kInvalidArgument, "--new-key needs --key-out FILE for the key");
  std::error_code ec;
  if (std::filesystem::exists(options.key_out, ec)) {
    return Error(ErrorCode::kAlreadyExists, fmt::format("'{}' already exists; refusing to replace a key", options.key_out));
  }
  NIMBUS_ASSIGN_OR_RETURN(crypto::KeySpec spec, crypto::KeySpec::parse(options.new_key));
  NIMBUS_ASSIGN_OR_RETURN(crypto::PrivateKey key, crypto::PrivateKey::generate(spec));
  NIMBUS_ASSIGN_OR_RETURN(std::string pem, key.to_pem());
  NIMBUS_TRY(write_file_atomic(options.key_out, as_bytes(pem), 0600));
  return key;
}

nlohmann::json certificate_summary(const x509::Certificate& certificate) {
  return {{"serial", certificate.serial_hex()},
          {"subject", certificate.subject().to_string()},
          {"issuer", certificate.issuer().to_string()},
          {"not_before", format_timestamp(certificate.not_before())},
          {"not_after", format_timestamp(certificate.not_after())},
          {"sha256", to_hex(crypto::sha256(certificate.der()))},
          {"pem", certificate.pem()}};
}

// Writes what a CertRep brought, and says so; a FAILURE is a refusal with the failInfo in words.
Status report(const ScepOptions& options, const scep::Operation& operation) {
  if (options.prepare_only) {
    std::cout << fmt::format("{} transaction {} saved in {}; not sent.\n", scep::message_type_name(operation.request.type),
                             operation.request.transaction_id, options.save_messages);
    return ok_status();
  }
  const scep::CertRep& rep = *operation.reply;
  std::string_view type = scep::message_type_name(operation.request.type);
  if (options.json) {
    nlohmann::json out = {{"operation", type},
                          {"transaction_id", operation.request.transaction_id},
                          {"status", scep::pki_status_name(rep.status)},
                          {"fail_info", nullptr},
                          {"fail_info_meaning", nullptr},
                          {"certificate", nullptr}};
    if (rep.fail_info) {
      out["fail_info"] = scep::fail_info_name(*rep.fail_info);
      out["fail_info_meaning"] = scep::fail_info_meaning(*rep.fail_info);
    }
    if (!rep.certificates.empty()) out["certificate"] = certificate_summary(rep.certificates.front());
    if (!rep.crls.empty()) out["crl_bytes"] = rep.crls.front().size();
    std::cout << out.dump(2) << '\n';
  }
  if (rep.status == scep::PkiStatus::kPending) {
    return Error(ErrorCode::kFailedPrecondition,
                 fmt::format("{} transaction {} is PENDING: ask again with nimbus scep poll --transaction-id {}", type,
                             operation.request.transaction_id, operation.request.transaction_id));
  }
  if (rep.status == scep::PkiStatus::kFailure) {
    return Error(ErrorCode::kFailedPrecondition,
                 fmt::format("the server refused {} transaction {}: {} ({}); its log says why", type,
                             operation.request.transaction_id, scep::fail_info_name(*rep.fail_info),
                             scep::fail_info_meaning(*rep.fail_info)));
  }
  if (!rep.crls.empty()) {
    NIMBUS_ASSIGN_OR_RETURN(x509::CertificateRevocationList crl, x509::CertificateRevocationList::parse(rep.crls.front()));
    if (!options.json) {
      NIMBUS_TRY(write_output(options.out, as_bytes(crl.pem())));
      if (!options.out.empty()) std::cout << fmt::format("CRL of \"{}\" written to {}.\n", crl.issuer().to_string(), options.out);
    } else if (!options.out.empty()) {
      NIMBUS_TRY(write_output(options.out, as_bytes(crl.pem())));
    }
    return ok_status();
  }
  if (rep.certificates.empty()) return Error(ErrorCode::kMalformed, "the SUCCESS CertRep holds no certificate");
  const x509::Certificate& issued = rep.certificates.front();
  if (options.json) {
    if (!options.out.empty()) NIMBUS_TRY(write_output(options.out, as_bytes(issued.pem())));
    return ok_status();
  }
  NIMBUS_TRY(write_output(options.out, as_bytes(issued.pem())));
  if (!options.out.empty()) {
    std::cout << fmt::format("Certificate {} for \"{}\" (until {}) written to {}.\n", issued.serial_hex(),
                             issued.subject().to_string(), format_timestamp(issued.not_after()), options.out);
  }
  return ok_status();
}

Status show_capabilities(const ScepOptions& options) {
  Session session(options);
  NIMBUS_ASSIGN_OR_RETURN(std::vector<std::string> caps, session.client().capabilities());
  if (options.json) {
    std::cout << nlohmann::json{{"url", options.url}, {"capabilities", caps}}.dump(2) << '\n';
  } else {
    for (const std::string& line : caps) std::cout << escape_log_text(line) << '\n';
  }
  return ok_status();
}

Status show_ca_certificates(const ScepOptions& options) {
  Session session(options);
  NIMBUS_ASSIGN_OR_RETURN(scep::CaCertificates ca, session.client().ca_certificates());
  std::string pem;
  nlohmann::json list = nlohmann::json::array();
  for (const x509::Certificate& each : ca.certificates) {
    pem += each.pem();
    nlohmann::json entry = certificate_summary(each);
    entry["role"] = each == ca.recipient && !each.is_ca() ? "ra" : "ca";
    list.push_back(std::move(entry));
  }
  if (options.json) {
    std::cout << nlohmann::json{{"url", options.url}, {"certificates", list}}.dump(2) << '\n';
    if (!options.out.empty()) NIMBUS_TRY(write_output(options.out, as_bytes(pem)));
    return ok_status();
  }
  if (options.out.empty()) {
    std::cout << pem;
    return ok_status();
  }
  NIMBUS_TRY(write_output(options.out, as_bytes(pem)));
  for (const nlohmann::json& entry : list) {
    std::cout << fmt::format("{:<3} {}  {}  until {}\n", entry["role"].get<std::string>() == "ra" ? "RA" : "CA",
                             entry["serial"].get<std::string>(), entry["subject"].get<std::string>(),
                             entry["not_after"].get<std::string>());
  }
  std::cout << fmt::format("{} certificates written to {}.\n", list.size(), options.out);
  return ok_status();
}

Result<std::optional<std::string>> challenge_of(const ScepOptions& options) {
  if (!options.challenge.empty() && !options.challenge_file.empty()) {
    return Error(ErrorCode::kInvalidArgument, "give --challenge or --challenge-file, not both");
  }
  if (!options.challenge_file.empty()) {
    NIMBUS_ASSIGN_OR_RETURN(Secret secret, config::read_passphrase_file(options.challenge_file));
    return std::optional<std::string>(std::string(secret.reveal()));
  }
  if (!options.challenge.empty()) return std::optional<std::string>(options.challenge);
  return std::optional<std::string>();
}

Status enroll(const ScepOptions& options) {
  NIMBUS_ASSIGN_OR_RETURN(std::optional<std::string> challenge, challenge_of(options));
  if (!challenge) return Error(ErrorCode::kInvalidArgument, "enroll needs --challenge (from nimbus enrollment new)");
  NIMBUS_ASSIGN_OR_RETURN(x509::DistinguishedName subject, x509::DistinguishedName::parse(options.subject));
  Session session(options);
  NIMBUS_ASSIGN_OR_RETURN(scep::Algorithms algorithms, session.algorithms());
  NIMBUS_ASSIGN_OR_RETURN(crypto::PrivateKey key, request_key(options, std::nullopt));
  NIMBUS_ASSIGN_OR_RETURN(x509::CertificateRequest csr, x509::CertificateRequest::create_for_enrollment(
                                                            subject, key, algorithms.digest, challenge, options.dns_names));
  NIMBUS_ASSIGN_OR_RETURN(x509::Certificate signer, scep::self_signed_signer(key, subject));
  scep::Operation operation;
  operation.request.type = scep::MessageType::kPkcsReq;
  operation.request.message_data = csr.der();
  operation.request.signer = &signer;
  operation.request.key = &key;
  NIMBUS_TRY(session.perform(operation));
  return report(options, operation);
}

Status renew(const ScepOptions& options) {
  if (options.certificate.empty() || options.key.empty()) {
    return Error(ErrorCode::kInvalidArgument, "renew needs --cert FILE and --key FILE (the certificate renewed)");
  }
  NIMBUS_ASSIGN_OR_RETURN(x509::Certificate current, read_certificate(options.certificate));
  NIMBUS_ASSIGN_OR_RETURN(crypto::PrivateKey current_key, read_key(options.key));
  ScepOptions for_key = options;
  for_key.key.clear();
  NIMBUS_ASSIGN_OR_RETURN(crypto::PrivateKey key, request_key(for_key, current_key));
  Session session(options);
  NIMBUS_ASSIGN_OR_RETURN(std::vector<std::string> caps, session.capabilities());
  NIMBUS_ASSIGN_OR_RETURN(scep::Algorithms algorithms, session.algorithms());
  NIMBUS_ASSIGN_OR_RETURN(x509::CertificateRequest csr,
                          x509::CertificateRequest::create_for_enrollment(current.subject(), key, algorithms.digest,
                                                                          std::nullopt, options.dns_names));
  bool renewal = std::any_of(caps.begin(), caps.end(), [](const std::string& cap) { return cap == "Renewal"; });
  scep::Operation operation;
  operation.request.type = renewal ? scep::MessageType::kRenewalReq : scep::MessageType::kPkcsReq;
  operation.request.message_data = csr.der();
  operation.request.signer = &current;
  operation.request.key = &current_key;
  if (options.transaction_id.empty()) operation.request.transaction_id = scep::transaction_id_for(key.public_key());
  NIMBUS_TRY(session.perform(operation));
  return report(options, operation);
}

// IssuerAndSubject (RFC 8894 §3.3.3): the messageData of CertPoll.
Bytes issuer_and_subject(const x509::DistinguishedName& issuer, const x509::DistinguishedName& subject) {
  Bytes fields = issuer.der();
  Bytes subject_der = subject.der();
  fields.insert(fields.end(), subject_der.begin(), subject_der.end());
  Bytes out;
  x509::der::append_element(out, x509::der::kSequence, fields);
  return out;
}

Status poll(const ScepOptions& options) {
  if (options.key.empty() || options.transaction_id.empty()) {
    return Error(ErrorCode::kInvalidArgument, "poll needs --key FILE and --transaction-id ID (of the request)");
  }
  NIMBUS_ASSIGN_OR_RETURN(x509::DistinguishedName subject, x509::DistinguishedName::parse(options.subject));
  NIMBUS_ASSIGN_OR_RETURN(crypto::PrivateKey key, read_key(options.key));
  Session session(options);
  NIMBUS_ASSIGN_OR_RETURN(scep::CaCertificates ca, session.ca());
  NIMBUS_ASSIGN_OR_RETURN(x509::Certificate signer, scep::self_signed_signer(key, subject));
  scep::Operation operation;
  operation.request.type = scep::MessageType::kCertPoll;
  operation.request.message_data = issuer_and_subject(ca.recipient.issuer(), subject);
  operation.request.signer = &signer;
  operation.request.key = &key;
  NIMBUS_TRY(session.perform(operation));
  return report(options, operation);
}

Status get_crl(const ScepOptions& options) {
  if (options.certificate.empty()) return Error(ErrorCode::kInvalidArgument, "getcrl needs --cert FILE (one the CA issued)");
  NIMBUS_ASSIGN_OR_RETURN(x509::Certificate named, read_certificate(options.certificate));
  // The CertRep is encrypted to the requester by RSA key transport: a throwaway RSA key unless
  // --key gives one.
  NIMBUS_ASSIGN_OR_RETURN(crypto::PrivateKey key, options.key.empty()
                                                      ? crypto::PrivateKey::generate(crypto::KeySpec::parse("rsa:2048").value())
                                                      : read_key(options.key));
  NIMBUS_ASSIGN_OR_RETURN(x509::DistinguishedName subject, x509::DistinguishedName::parse(options.subject));
  NIMBUS_ASSIGN_OR_RETURN(x509::Certificate signer, scep::self_signed_signer(key, subject));
  Session session(options);
  scep::Operation operation;
  operation.request.type = scep::MessageType::kGetCrl;
  operation.request.message_data = scep::write_issuer_and_serial(named);
  operation.request.signer = &signer;
  operation.request.key = &key;
  NIMBUS_TRY(session.perform(operation));
  return report(options, operation);
}

CLI::App* add_operation(CLI::App& group, CommandRunner& runner, const std::shared_ptr<ScepOptions>& options,
                        const std::string& name, const std::string& description) {
  CLI::App* command = group.add_subcommand(name, description);
  runner.add_common_options(*command);
  command->add_option("--url", options->url, "The SCEP URL: {base}/scep/{ca} (nimbus ca show prints it)")->required();
  command->add_option("--timeout", options->timeout_seconds, "Seconds to wait for each answer")
      ->check(CLI::Range(0.1, 600.0));
  command->add_flag("--json", options->json, "Print the outcome as JSON");
  command->add_flag("-v,--verbose", options->verbose,
                    "Print every message's attributes on stderr, and the server's failInfo in words");
  return command;
}

void add_request_options(CLI::App& command, const std::shared_ptr<ScepOptions>& options) {
  command.add_option("--out", options->out, "Write the certificate (PEM) here [default: stdout]");
  command.add_option("--transaction-id", options->transaction_id,
                     "The transactionID [default: the hex SHA-256 of the request's public key]");
  command.add_option("--cipher", options->cipher,
                     "Encrypt with aes128, aes256, des3 or des [default: the best the server offers]");
  command.add_option("--digest", options->digest, "Sign with sha256, sha384 or sha512 [default: the best offered]");
  command.add_flag("--get", options->get, "Send PKIOperation by GET (message=) instead of POST");
  command.add_option("--save-messages", options->save_messages,
                     "Write request.der, reply.der and signer.pem (the request's signer) into this directory");
  command.add_flag("--prepare-only", options->prepare_only,
                   "Make the request and save it (--save-messages), but do not send it");
}

}  // namespace

void add_scep_commands(CLI::App& app, CommandRunner& runner) {
  CLI::App* group = app.add_subcommand("scep", "A SCEP client (RFC 8894): ask a SCEP server, as a device would");
  group->require_subcommand(1);
  auto options = std::make_shared<ScepOptions>();

  CLI::App* caps = add_operation(*group, runner, options, "caps", "Print what the server offers (GetCACaps)");
  caps->callback([options, &runner] { runner.run([&] { return show_capabilities(*options); }); });

  CLI::App* cacert = add_operation(*group, runner, options, "cacert",
                                   "Print or save the RA and CA certificates (GetCACert)");
  cacert->add_option("--out", options->out, "Write the certificates (PEM) here [default: stdout]");
  cacert->callback([options, &runner] { runner.run([&] { return show_ca_certificates(*options); }); });

  CLI::App* enroll_command = add_operation(*group, runner, options, "enroll",
                                           "Enroll with a one-time challenge (PKCSReq) and save the certificate");
  enroll_command->add_option("--challenge", options->challenge, "The challenge (nimbus enrollment new prints it)");
  enroll_command->add_option("--challenge-file", options->challenge_file,
                             "Read the challenge from this file instead (keeps it off the command line)");
  enroll_command->add_option("--key", options->key, "The key to enroll (PEM)");
  enroll_command->add_option("--new-key", options->new_key, "Generate a key instead: rsa:2048, ec:p256, ...");
  enroll_command->add_option("--key-out", options->key_out, "Where --new-key writes the key (mode 0600)");
  enroll_command->add_option("--subject", options->subject,
                             "The CSR's subject (Nimbus takes subject and names from the profile)");
  enroll_command->add_option("--dns", options->dns_names, "A dNSName for the CSR (repeat)");
  add_request_options(*enroll_command, options);
  enroll_command->callback([options, &runner] { runner.run([&] { return enroll(*options); }); });

  CLI::App* renew_command = add_operation(*group, runner, options, "renew",
                                          "Renew a certificate, signing with it (RenewalReq)");
  renew_command->add_option("--cert", options->certificate, "The certificate to renew (PEM)");
  renew_command->add_option("--key", options->key, "Its key (PEM)");
  renew_command->add_option("--new-key", options->new_key, "Renew for a new key: rsa:2048, ec:p256, ...");
  renew_command->add_option("--key-out", options->key_out, "Where --new-key writes the key (mode 0600)");
  add_request_options(*renew_command, options);
  renew_command->callback([options, &runner] { runner.run([&] { return renew(*options); }); });

  CLI::App* poll_command = add_operation(*group, runner, options, "poll",
                                         "Ask for the certificate of an earlier request (CertPoll)");
  poll_command->add_option("--key", options->key, "The key of the request (PEM)");
  poll_command->add_option("--subject", options->subject, "The request's subject");
  add_request_options(*poll_command, options);
  poll_command->callback([options, &runner] { runner.run([&] { return poll(*options); }); });

  CLI::App* getcrl = add_operation(*group, runner, options, "getcrl", "Fetch the CA's CRL (GetCRL)");
  getcrl->add_option("--cert", options->certificate, "A certificate the CA issued (PEM)");
  getcrl->add_option("--key", options->key, "An RSA key to receive the answer with [default: a throwaway one]");
  getcrl->add_option("--out", options->out, "Write the CRL (PEM) here [default: stdout]");
  getcrl->callback([options, &runner] { runner.run([&] { return get_crl(*options); }); });
}

}  // namespace nimbus::cli
