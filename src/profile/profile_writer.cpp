// The two written forms of a profile (profile.h): the canonical YAML, which parse_profile reads
// back to an equal Profile, and the JSON of docs/json.md. Both spell values as vocabulary.h does.
#include <chrono>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "profile/profile.h"
#include "profile/vocabulary.h"

namespace nimbus::profile {

namespace {

// "365d" when a whole number of days, else "36h": the units parse_profile reads.
std::string validity_text(Duration validity) {
  auto hours = std::chrono::duration_cast<std::chrono::hours>(validity).count();
  return hours % 24 == 0 ? fmt::format("{}d", hours / 24) : fmt::format("{}h", hours);
}

// "90s", "60m", "2h": the largest unit that says it exactly, as read_short_duration reads it.
std::string short_duration_text(Duration duration) {
  auto seconds = std::chrono::duration_cast<std::chrono::seconds>(duration).count();
  if (seconds % 3600 == 0) return fmt::format("{}h", seconds / 3600);
  if (seconds % 60 == 0) return fmt::format("{}m", seconds / 60);
  return fmt::format("{}s", seconds);
}

std::vector<std::string> algorithm_names(const KeyPolicy& key) {
  std::vector<std::string> names;
  if (key.allow_rsa) names.emplace_back(name_of(kKeyAlgorithms, crypto::KeyAlgorithm::kRsa));
  if (key.allow_ec) names.emplace_back(name_of(kKeyAlgorithms, crypto::KeyAlgorithm::kEc));
  return names;
}

template <typename T, typename Name>
std::vector<std::string> names_of_values(const std::vector<T>& values, Name name) {
  std::vector<std::string> names;
  for (const T& value : values) names.push_back(std::string(name(value)));
  return names;
}

void emit_list(YAML::Emitter& out, std::string_view key, const std::vector<std::string>& values) {
  out << YAML::Key << std::string(key) << YAML::Value << YAML::Flow << YAML::BeginSeq;
  for (const std::string& value : values) out << value;
  out << YAML::EndSeq;
}

nlohmann::json challenge_json(const ChallengePolicy& challenge) {
  nlohmann::json out = {{"mode", challenge_mode_name(challenge.mode)}};
  if (challenge.mode == ChallengeMode::kStore) {
    out["lifetime_seconds"] = std::chrono::duration_cast<std::chrono::seconds>(challenge.lifetime).count();
  } else {
    out["webhook_url"] = challenge.webhook_url;
    out["secret_file"] = challenge.secret_file;
    out["timeout_seconds"] = std::chrono::duration_cast<std::chrono::seconds>(challenge.timeout).count();
  }
  return out;
}

}  // namespace

std::string profile_to_yaml(const Profile& profile) {
  YAML::Emitter out;
  out << YAML::Comment("Nimbus certificate profile; every field is described in README.md, \"Profiles\"");
  out << YAML::BeginMap;
  out << YAML::Key << "id" << YAML::Value << profile.id;
  if (!profile.description.empty()) out << YAML::Key << "description" << YAML::Value << profile.description;
  out << YAML::Key << "issuing_ca" << YAML::Value << profile.issuing_ca;
  out << YAML::Key << "type" << YAML::Value << std::string(certificate_type_name(profile.type));
  out << YAML::Key << "subject" << YAML::Value << YAML::DoubleQuoted << profile.subject;
  if (!profile.subject_alt_names.empty()) {
    out << YAML::Key << "subject_alt_names" << YAML::Value << YAML::BeginSeq;
    for (const SanTemplate& san : profile.subject_alt_names) {
      out << YAML::Flow << YAML::BeginMap;
      out << YAML::Key << "type" << YAML::Value << std::string(san_type_name(san.type));
      out << YAML::Key << "value" << YAML::Value << YAML::DoubleQuoted << san.value;
      out << YAML::EndMap;
    }
    out << YAML::EndSeq;
  }
  out << YAML::Key << "validity" << YAML::Value << validity_text(profile.validity);
  emit_list(out, "key_usage", names_of_values(profile.key_usage, key_usage_name));
  emit_list(out, "extended_key_usage", names_of_values(profile.extended_key_usage, extended_key_usage_name));
  out << YAML::Key << "key" << YAML::Value << YAML::BeginMap;
  emit_list(out, "algorithms", algorithm_names(profile.key));
  out << YAML::Key << "rsa_min_bits" << YAML::Value << profile.key.rsa_min_bits;
  out << YAML::Key << "rsa_max_bits" << YAML::Value << profile.key.rsa_max_bits;
  emit_list(out, "ec_curves", profile.key.ec_curves);
  out << YAML::EndMap;
  emit_list(out, "hash", names_of_values(profile.hashes, crypto::digest_name));
  out << YAML::Key << "renewal_threshold" << YAML::Value << fmt::format("{}%", profile.renewal_threshold_percent);
  out << YAML::Key << "key_storage" << YAML::Value << std::string(key_storage_name(profile.key_storage));
  out << YAML::Key << "strong_mapping" << YAML::Value << std::string(strong_mapping_name(profile.strong_mapping));
  if (!profile.custom_variables.empty()) emit_list(out, "custom_variables", profile.custom_variables);
  if (profile.revoke_on_renewal) out << YAML::Key << "revoke_on_renewal" << YAML::Value << true;
  if (profile.challenge != ChallengePolicy{}) {
    const ChallengePolicy& challenge = profile.challenge;
    out << YAML::Key << "challenge" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "mode" << YAML::Value << std::string(challenge_mode_name(challenge.mode));
    if (challenge.mode == ChallengeMode::kStore) {
      out << YAML::Key << "lifetime" << YAML::Value << short_duration_text(challenge.lifetime);
    } else {
      out << YAML::Key << "webhook_url" << YAML::Value << challenge.webhook_url;
      out << YAML::Key << "secret_file" << YAML::Value << challenge.secret_file;
      out << YAML::Key << "timeout" << YAML::Value << short_duration_text(challenge.timeout);
    }
    out << YAML::EndMap;
  }
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

nlohmann::json profile_to_json(const Profile& profile) {
  nlohmann::json sans = nlohmann::json::array();
  for (const SanTemplate& san : profile.subject_alt_names) {
    sans.push_back({{"type", san_type_name(san.type)}, {"value", san.value}});
  }
  return {
      {"id", profile.id},
      {"description", profile.description},
      {"issuing_ca", profile.issuing_ca},
      {"type", certificate_type_name(profile.type)},
      {"subject", profile.subject},
      {"subject_alt_names", sans},
      {"validity", validity_text(profile.validity)},
      {"key_usage", names_of_values(profile.key_usage, key_usage_name)},
      {"extended_key_usage", names_of_values(profile.extended_key_usage, extended_key_usage_name)},
      {"key",
       {{"algorithms", algorithm_names(profile.key)},
        {"rsa_min_bits", profile.key.rsa_min_bits},
        {"rsa_max_bits", profile.key.rsa_max_bits},
        {"ec_curves", profile.key.ec_curves}}},
      {"hash", names_of_values(profile.hashes, crypto::digest_name)},
      {"renewal_threshold", profile.renewal_threshold_percent},
      {"key_storage", key_storage_name(profile.key_storage)},
      {"strong_mapping", strong_mapping_name(profile.strong_mapping)},
      {"custom_variables", profile.custom_variables},
      {"revoke_on_renewal", profile.revoke_on_renewal},
      {"challenge", challenge_json(profile.challenge)},
  };
}

}  // namespace nimbus::profile
