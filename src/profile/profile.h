// Profile: the certificate template of a managed-device PKI. What goes into a certificate comes
// from the profile and the enrollment record, never from what a CSR asks for.
//
// Profiles are YAML documents (examples/profiles/, README "Profiles"). parse_profile checks the
// whole document up front and names the field and the reason for every refusal.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/result.h"
#include "core/time.h"
#include "crypto/key.h"
#include "x509/certificate.h"

namespace nimbus::profile {

enum class CertificateType { kUser, kDevice };
enum class SanType { kUpn, kDns, kEmail, kUri };
enum class KeyStorage { kTpmRequired, kTpmPreferred, kSoftware };
enum class StrongMapping { kNone, kSidExtension, kSanUri, kBoth };

std::string_view certificate_type_name(CertificateType type);  // "user", "device"
std::string_view san_type_name(SanType type);                  // "upn", "dns", "email", "uri"
std::string_view key_storage_name(KeyStorage storage);         // "tpm-required", ...
std::string_view strong_mapping_name(StrongMapping mapping);   // "sid_extension", ...
std::string_view key_usage_name(x509::KeyUsage usage);         // "digital_signature", ...

struct SanTemplate {
  SanType type = SanType::kDns;
  std::string value;  // a template: "{{UserPrincipalName}}"

  bool operator==(const SanTemplate&) const = default;
};

struct KeyPolicy {
  bool allow_rsa = true;
  bool allow_ec = true;
  int rsa_min_bits = crypto::kMinimumRsaBits;  // never below it
  int rsa_max_bits = 4096;
  std::vector<std::string> ec_curves = {"p256", "p384"};

  bool operator==(const KeyPolicy&) const = default;
};

enum class ChallengeMode { kStore, kWebhook };
std::string_view challenge_mode_name(ChallengeMode mode);  // "store", "webhook"

// Where the one-time challenge a SCEP request carries comes from. `store`: Nimbus makes it with
// the enrollment and keeps its hash. `webhook`: the device's MDM made it, and Nimbus asks the MDM
// whether to issue, signing the question with the shared secret (HMAC-SHA256).
struct ChallengePolicy {
  ChallengeMode mode = ChallengeMode::kStore;
  Duration lifetime = std::chrono::minutes(60);  // store: how long a challenge stays good
  std::string webhook_url;                       // webhook: http(s) URL the question is POSTed to
  std::string secret_file;                       // webhook: the shared secret, a file of mode 0600
  Duration timeout = std::chrono::seconds(5);    // webhook: no answer within it is a refusal

  bool operator==(const ChallengePolicy&) const = default;
};

struct Profile {
  std::string id;           // a-z, 0-9, '-'; as authority ids
  std::string description;
  std::string issuing_ca;   // authority id
  CertificateType type = CertificateType::kUser;
  std::string subject;      // RFC 4514 template: "CN={{UserName}}"
  std::vector<SanTemplate> subject_alt_names;
  Duration validity = std::chrono::hours(24 * 365);
  std::vector<x509::KeyUsage> key_usage;
  std::vector<std::string> extended_key_usage;  // dotted OIDs; names are resolved when parsed
  KeyPolicy key;
  std::vector<crypto::SignatureDigest> hashes = {crypto::SignatureDigest::kSha256};
  int renewal_threshold_percent = 20;
  bool revoke_on_renewal = false;  // a renewal revokes the certificate it replaces (superseded)
  ChallengePolicy challenge;
  KeyStorage key_storage = KeyStorage::kTpmPreferred;
  StrongMapping strong_mapping = StrongMapping::kNone;
  std::vector<std::string> custom_variables;  // variable names beyond the standard ones

  bool operator==(const Profile&) const = default;
};

// Parses and checks a profile document. Refuses unknown fields, unknown variables in templates,
// EKUs that are neither dotted OIDs nor known names, RSA below crypto::kMinimumRsaBits, SHA-1, and
// key usages that cannot work with the allowed algorithms (key encipherment with EC keys only).
// Errors are kInvalidArgument or kPolicyViolation with the field path first: "key_usage[1]: ...".
// `issuing_ca`, when given, takes the place of the document's `issuing_ca`, which may then be left
// out (and is still checked when present); the caller checks that it is a valid authority id.
Result<Profile> parse_profile(std::string_view yaml, std::optional<std::string_view> issuing_ca = std::nullopt);

// The profile's key usages that `key` can perform, in the profile's order: key and data
// encipherment only for RSA keys (RFC 5480 forbids them for EC keys), key agreement only for EC
// keys. This, not key_usage itself, is what a certificate for `key` carries. parse_profile makes
// sure it is never empty and covers what the extended key usages need, for every allowed algorithm.
std::vector<x509::KeyUsage> key_usages_for(const Profile& profile, const crypto::PublicKey& key);

// The canonical YAML of a profile (what `profile show` prints; parse_profile reads it back).
std::string profile_to_yaml(const Profile& profile);

// The JSON form (docs/json.md, "Profile").
nlohmann::json profile_to_json(const Profile& profile);

}  // namespace nimbus::profile
