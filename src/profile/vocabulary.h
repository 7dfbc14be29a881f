// The words of a profile document: one spelling per value. The reader accepts only these names
// and the writers print only them, so what `profile show` prints, parse_profile reads back.
//
// Internal to profile/: the public names are the *_name functions in profile/profile.h.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "crypto/key.h"
#include "profile/profile.h"
#include "x509/certificate.h"
#include "x509/key_purposes.h"

namespace nimbus::profile {

template <typename T>
struct Named {
  std::string_view name;
  T value;
};

// The value `name` spells in `table`, or nullopt when it spells none.
template <typename T, std::size_t N>
std::optional<T> value_named(const Named<T> (&table)[N], std::string_view name) {
  for (const Named<T>& entry : table) {
    if (entry.name == name) return entry.value;
  }
  return std::nullopt;
}

// The name of `value` in `table`, or "unknown" when the table has none.
template <typename T, std::size_t N>
std::string_view name_of(const Named<T> (&table)[N], T value) {
  for (const Named<T>& entry : table) {
    if (entry.value == value) return entry.name;
  }
  return "unknown";
}

// Every name in `table`, for refusals: "user, device".
template <typename T, std::size_t N>
std::string names_of(const Named<T> (&table)[N]) {
  std::string names;
  for (const Named<T>& entry : table) {
    if (!names.empty()) names += ", ";
    names += entry.name;
  }
  return names;
}

inline constexpr Named<CertificateType> kCertificateTypes[] = {
    {"user", CertificateType::kUser},
    {"device", CertificateType::kDevice},
};

inline constexpr Named<SanType> kSanTypes[] = {
    {"upn", SanType::kUpn},
    {"dns", SanType::kDns},
    {"email", SanType::kEmail},
    {"uri", SanType::kUri},
};

inline constexpr Named<KeyStorage> kKeyStorages[] = {
    {"tpm-required", KeyStorage::kTpmRequired},
    {"tpm-preferred", KeyStorage::kTpmPreferred},
    {"software", KeyStorage::kSoftware},
};

inline constexpr Named<ChallengeMode> kChallengeModes[] = {
    {"store", ChallengeMode::kStore},
    {"webhook", ChallengeMode::kWebhook},
};

inline constexpr Named<StrongMapping> kStrongMappings[] = {
    {"none", StrongMapping::kNone},
    {"sid_extension", StrongMapping::kSidExtension},
    {"san_uri", StrongMapping::kSanUri},
    {"both", StrongMapping::kBoth},
};

// The usages an end-entity certificate may carry.
inline constexpr Named<x509::KeyUsage> kEndEntityKeyUsages[] = {
    {"digital_signature", x509::KeyUsage::kDigitalSignature},
    {"non_repudiation", x509::KeyUsage::kNonRepudiation},
    {"key_encipherment", x509::KeyUsage::kKeyEncipherment},
    {"data_encipherment", x509::KeyUsage::kDataEncipherment},
    {"key_agreement", x509::KeyUsage::kKeyAgreement},
};

// The usages only CA certificates carry: named so that a profile asking for them is told why not.
inline constexpr Named<x509::KeyUsage> kCaKeyUsages[] = {
    {"key_cert_sign", x509::KeyUsage::kKeyCertSign},
    {"crl_sign", x509::KeyUsage::kCrlSign},
};

inline constexpr Named<crypto::SignatureDigest> kDigests[] = {
    {"sha256", crypto::SignatureDigest::kSha256},
    {"sha384", crypto::SignatureDigest::kSha384},
    {"sha512", crypto::SignatureDigest::kSha512},
};

inline constexpr Named<crypto::KeyAlgorithm> kKeyAlgorithms[] = {
    {"rsa", crypto::KeyAlgorithm::kRsa},
    {"ec", crypto::KeyAlgorithm::kEc},
};

// Purposes a profile may name instead of giving the dotted OID.
inline constexpr Named<std::string_view> kExtendedKeyUsages[] = {
    {"client_auth", x509::kClientAuthOid},
    {"server_auth", x509::kServerAuthOid},
    {"code_signing", "1.3.6.1.5.5.7.3.3"},
    {"email_protection", "1.3.6.1.5.5.7.3.4"},
    {"time_stamping", "1.3.6.1.5.5.7.3.8"},
    {"ocsp_signing", "1.3.6.1.5.5.7.3.9"},
    {"ipsec_ike", "1.3.6.1.5.5.7.3.17"},
    {"smartcard_logon", "1.3.6.1.4.1.311.20.2.2"},
};

// The name a profile uses for the purpose `oid`, or the dotted OID itself when it has none.
std::string extended_key_usage_name(const std::string& oid);

}  // namespace nimbus::profile
