#include "profile/vocabulary.h"

namespace nimbus::profile {

std::string_view certificate_type_name(CertificateType type) { return name_of(kCertificateTypes, type); }
std::string_view san_type_name(SanType type) { return name_of(kSanTypes, type); }
std::string_view key_storage_name(KeyStorage storage) { return name_of(kKeyStorages, storage); }
std::string_view strong_mapping_name(StrongMapping mapping) { return name_of(kStrongMappings, mapping); }
std::string_view challenge_mode_name(ChallengeMode mode) { return name_of(kChallengeModes, mode); }

std::string_view key_usage_name(x509::KeyUsage usage) {
  std::string_view name = name_of(kEndEntityKeyUsages, usage);
  return name != "unknown" ? name : name_of(kCaKeyUsages, usage);
}

std::string extended_key_usage_name(const std::string& oid) {
  for (const auto& entry : kExtendedKeyUsages) {
    if (entry.value == oid) return std::string(entry.name);
  }
  return oid;
}

}  // namespace nimbus::profile
