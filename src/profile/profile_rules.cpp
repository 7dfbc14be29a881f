#include "profile/profile_rules.h"

#include <algorithm>

#include <fmt/format.h>

#include "x509/key_purposes.h"

namespace nimbus::profile {

namespace {

// Whether a key of `algorithm` can perform `usage`: key and data encipherment are RSA operations
// (RFC 5480 forbids them for EC keys), key agreement is (EC)DH.
bool usage_applies(x509::KeyUsage usage, crypto::KeyAlgorithm algorithm) {
  switch (usage) {
    case x509::KeyUsage::kKeyEncipherment:
    case x509::KeyUsage::kDataEncipherment: return algorithm == crypto::KeyAlgorithm::kRsa;
    case x509::KeyUsage::kKeyAgreement: return algorithm == crypto::KeyAlgorithm::kEc;
    default: return true;
  }
}

bool has_usage(const std::vector<x509::KeyUsage>& usages, x509::KeyUsage usage) {
  return std::find(usages.begin(), usages.end(), usage) != usages.end();
}

// Key encipherment means RSA key transport, key agreement means (EC)DH: a usage the allowed keys
// cannot perform would make certificates that fail in use, not at issuance.
std::optional<RuleViolation> usage_without_key(const Profile& profile) {
  for (std::size_t i = 0; i < profile.key_usage.size(); ++i) {
    x509::KeyUsage usage = profile.key_usage[i];
    bool needs_rsa = usage == x509::KeyUsage::kKeyEncipherment || usage == x509::KeyUsage::kDataEncipherment;
    bool needs_ec = usage == x509::KeyUsage::kKeyAgreement;
    if (needs_rsa && !profile.key.allow_rsa) {
      return RuleViolation{"key_usage", i,
                           fmt::format("{} needs an RSA key; the profile allows only EC (key.algorithms)",
                                       key_usage_name(usage))};
    }
    if (needs_ec && !profile.key.allow_ec) {
      return RuleViolation{"key_usage", i,
                           fmt::format("{} needs an EC key; the profile allows only RSA (key.algorithms)",
                                       key_usage_name(usage))};
    }
  }
  return std::nullopt;
}

// With a profile that allows both algorithms, each key gets only the usages it can perform
// (key_usages_for). Whatever a key ends up with must still be a usable certificate: at least one
// usage, and the ones its purposes need (RFC 5280 4.2.1.12).
std::optional<RuleViolation> algorithm_without_usable_certificate(const Profile& profile) {
  struct Algorithm {
    bool allowed;
    crypto::KeyAlgorithm algorithm;
    std::string_view label;
  };
  for (const Algorithm& each : {Algorithm{profile.key.allow_rsa, crypto::KeyAlgorithm::kRsa, "an RSA key"},
                                Algorithm{profile.key.allow_ec, crypto::KeyAlgorithm::kEc, "an EC key"}}) {
    if (!each.allowed) continue;
    std::vector<x509::KeyUsage> usages = usages_for(profile.key_usage, each.algorithm);
    if (usages.empty()) {
      return RuleViolation{"key_usage", std::nullopt,
                           fmt::format("none of these usages applies to {}, which the profile allows; add "
                                       "digital_signature or narrow key.algorithms",
                                       each.label)};
    }
    bool signs = has_usage(usages, x509::KeyUsage::kDigitalSignature);
    bool agrees = has_usage(usages, x509::KeyUsage::kKeyAgreement);
    bool enciphers = has_usage(usages, x509::KeyUsage::kKeyEncipherment);
    for (std::size_t i = 0; i < profile.extended_key_usage.size(); ++i) {
      const std::string& purpose = profile.extended_key_usage[i];
      if (purpose == x509::kClientAuthOid && !signs && !agrees) {
        return RuleViolation{"extended_key_usage", i,
                             fmt::format("client_auth needs digital_signature (or key_agreement, for EC keys) in "
                                         "key_usage; {} would get neither",
                                         each.label)};
      }
      if (purpose == x509::kServerAuthOid && !signs && !agrees && !enciphers) {
        return RuleViolation{"extended_key_usage", i,
                             fmt::format("server_auth needs digital_signature, key_encipherment (RSA) or "
                                         "key_agreement (EC) in key_usage; {} would get none of them",
                                         each.label)};
      }
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<RuleViolation> find_rule_violation(const Profile& profile) {
  if (auto violation = usage_without_key(profile)) return violation;
  return algorithm_without_usable_certificate(profile);
}

std::vector<x509::KeyUsage> usages_for(const std::vector<x509::KeyUsage>& usages, crypto::KeyAlgorithm algorithm) {
  std::vector<x509::KeyUsage> applicable;
  for (x509::KeyUsage usage : usages) {
    if (usage_applies(usage, algorithm)) applicable.push_back(usage);
  }
  return applicable;
}

std::vector<x509::KeyUsage> key_usages_for(const Profile& profile, const crypto::PublicKey& key) {
  if (key.is_rsa()) return usages_for(profile.key_usage, crypto::KeyAlgorithm::kRsa);
  if (key.is_ec()) return usages_for(profile.key_usage, crypto::KeyAlgorithm::kEc);
  return profile.key_usage;
}

}  // namespace nimbus::profile
