// The certificates a node's services prove themselves with, issued by the deployment's own CAs
// (ca/service_certificates.h) and kept in the data directory: the RADIUS server's TLS certificate,
// each issuing CA's SCEP registration authority. The key is in the deployment's key store
// (encrypted like CA keys); the directory holds `{name}.pem` (the certificate and its issuers) and
// `{name}.key-ref` (the key store's reference, never key material). A kept certificate is issued
// again when fewer than 30 days remain, when it was revoked or is unknown to the store, when its
// authority is no longer active (or is not the one asked for), or when its key does not open.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ca/service_certificates.h"
#include "core/result.h"
#include "crypto/key.h"
#include "node/node.h"
#include "x509/certificate.h"
#include "x509/name.h"

namespace nimbus::node {

struct ServiceIdentity {
  x509::Certificate certificate;
  std::vector<x509::Certificate> chain;  // its issuers, the root left out
  crypto::PrivateKey key;
};

struct ServiceIdentityPlan {
  std::string service;                 // for logs and the key's label: "radius", "scep"
  std::filesystem::path directory;     // under the data directory
  std::string name;                    // the files' stem: "server", "ra"
  std::optional<std::string> authority_id;  // the issuer; else ca::service_signing_authority
  std::string key_spec;                // "ec:p256", "rsa:2048"
  x509::DistinguishedName subject;
  std::vector<std::string> dns_names;
  ca::ServiceRole role = ca::ServiceRole::kTlsServer;
  Duration validity = std::chrono::hours(24 * 365);
};

// The kept identity when it is still good, else a new one, kept for next time.
Result<ServiceIdentity> kept_or_issued_identity(Node& node, const ServiceIdentityPlan& plan);

// An identity the administrator provides as files: `certificate` (PEM: the certificate, then its
// chain up to but not including the root) and `key` (PEM, mode 0600, encrypted when
// `key_passphrase_file`, a file of mode 0600, is not empty). `setting` names the configuration
// key in errors ("radius.server_certificate"); no error quotes key material or the passphrase.
Result<ServiceIdentity> identity_from_files(std::string_view setting, const std::filesystem::path& certificate,
                                            const std::filesystem::path& key,
                                            const std::filesystem::path& key_passphrase_file);

// The host of a base URL, "pki.example.net" from "http://pki.example.net:8080/x".
std::string host_of(const std::string& base_url);

}  // namespace nimbus::node
