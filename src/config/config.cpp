#include "config/config.h"

#include <charconv>
#include <set>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "core/file.h"

namespace nimbus::config {

Result<Config> load_config(const std::filesystem::path& data_dir) {
  std::filesystem::path path = data_dir / kConfigFileName;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return Error(ErrorCode::kNotFound,
                 fmt::format("no Nimbus deployment in '{}' ({} is missing): run 'nimbus init --data {}' "
                             "or point --data / NIMBUS_DATA at an existing one",
                             data_dir.string(), kConfigFileName, data_dir.string()));
  }
  return load_config_file(path);
}

Result<Config> load_config_file(const std::filesystem::path& path) {
  NIMBUS_ASSIGN_OR_RETURN(Bytes text, read_file(path, 1u << 20));
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text.begin(), text.end()));
  } catch (const YAML::Exception& e) {
    return Error(ErrorCode::kMalformed,
                 fmt::format("{}: line {}: {}", path.string(), e.mark.line + 1, e.msg));
  }
  if (!root.IsMap()) {
    return Error(ErrorCode::kMalformed, fmt::format("{}: expected a mapping of settings", path.string()));
  }

  Config config;
  static const std::set<std::string> kKnown = {"organization",
                                               "base_url",
                                               "database",
                                               "keys_directory",
                                               "key_passphrase_file",
                                               "certificate_backdate_minutes",
                                               "crl_validity_hours",
                                               "crl_republish_hours_before_expiry",
                                               "crl_keep_expired_entries",
                                               "listen_address",
                                               "listen_port",
                                               "http_workers",
                                               "http_max_body_bytes",
                                               "http_request_timeout_seconds",
                                               "http_keep_alive_seconds"};
  auto whole_number = [&](const std::string& key, const std::string& value, int min, int max) -> Result<int> {
    int number = -1;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), number);
    if (ec != std::errc() || end != value.data() + value.size() || number < min || number > max) {
      return Error(ErrorCode::kInvalidArgument,
                   fmt::format("{}: {} must be a whole number from {} to {}", path.string(), key, min, max));
    }
    return number;
  };
  for (const auto& entry : root) {
    std::string key = entry.first.as<std::string>("");
    if (!kKnown.contains(key)) {
      return Error(ErrorCode::kInvalidArgument,
                   fmt::format("{}: unknown setting '{}' (see the configuration reference in README.md)",
                               path.string(), key));
    }
    if (!entry.second.IsScalar()) {
      return Error(ErrorCode::kInvalidArgument, fmt::format("{}: '{}' must be a string", path.string(), key));
    }
    std::string value = entry.second.as<std::string>();
    if (key == "organization") config.organization = value;
    else if (key == "base_url") config.base_url = value;
    else if (key == "database") config.database = value;
    else if (key == "keys_directory") config.keys_directory = value;
    else if (key == "key_passphrase_file") config.key_passphrase_file = value;
    else if (key == "certificate_backdate_minutes") {
      NIMBUS_ASSIGN_OR_RETURN(config.certificate_backdate_minutes, whole_number(key, value, 0, 60));
    } else if (key == "crl_validity_hours") {
      NIMBUS_ASSIGN_OR_RETURN(config.crl_validity_hours, whole_number(key, value, 1, 8760));
    } else if (key == "crl_republish_hours_before_expiry") {
      NIMBUS_ASSIGN_OR_RETURN(config.crl_republish_hours_before_expiry, whole_number(key, value, 0, 8759));
    } else if (key == "crl_keep_expired_entries") {
      if (value != "true" && value != "false") {
        return Error(ErrorCode::kInvalidArgument,
                     fmt::format("{}: crl_keep_expired_entries must be true or false", path.string()));
      }
      config.crl_keep_expired_entries = value == "true";
    } else if (key == "listen_address") {
      config.listen_address = value;
    } else if (key == "listen_port") {
      NIMBUS_ASSIGN_OR_RETURN(config.listen_port, whole_number(key, value, 1, 65535));
    } else if (key == "http_workers") {
      NIMBUS_ASSIGN_OR_RETURN(config.http_workers, whole_number(key, value, 0, 256));
    } else if (key == "http_max_body_bytes") {
      NIMBUS_ASSIGN_OR_RETURN(config.http_max_body_bytes, whole_number(key, value, 1024, 16 << 20));
    } else if (key == "http_request_timeout_seconds") {
      NIMBUS_ASSIGN_OR_RETURN(config.http_request_timeout_seconds, whole_number(key, value, 1, 3600));
    } else if (key == "http_keep_alive_seconds") {
      NIMBUS_ASSIGN_OR_RETURN(config.http_keep_alive_seconds, whole_number(key, value, 1, 3600));
    }
  }
  if (config.crl_republish_hours_before_expiry >= config.crl_validity_hours) {
    return Error(ErrorCode::kInvalidArgument,
                 fmt::format("{}: crl_republish_hours_before_expiry ({}) must be less than crl_validity_hours ({})",
                             path.string(), config.crl_republish_hours_before_expiry, config.crl_validity_hours));
  }
  for (auto [name, value] : {std::pair{"organization", &config.organization}, {"base_url", &config.base_url}}) {
    if (value->empty()) {
      return Error(ErrorCode::kInvalidArgument, fmt::format("{}: '{}' is required", path.string(), name));
    }
  }
  return config;
}

std::string render_config(const Config& config) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Comment("Nimbus PKI configuration; every key is described in README.md");
  out << YAML::Key << "organization" << YAML::Value << config.organization;
  out << YAML::Key << "base_url" << YAML::Value << config.base_url;
  out << YAML::Key << "database" << YAML::Value << config.database;
  out << YAML::Key << "keys_directory" << YAML::Value << config.keys_directory;
  if (!config.key_passphrase_file.empty()) {
    out << YAML::Key << "key_passphrase_file" << YAML::Value << config.key_passphrase_file;
  }
  out << YAML::Key << "certificate_backdate_minutes" << YAML::Value << config.certificate_backdate_minutes;
  out << YAML::Key << "crl_validity_hours" << YAML::Value << config.crl_validity_hours;
  out << YAML::Key << "crl_republish_hours_before_expiry" << YAML::Value << config.crl_republish_hours_before_expiry;
  out << YAML::Key << "crl_keep_expired_entries" << YAML::Value << (config.crl_keep_expired_entries ? "true" : "false");
  out << YAML::Key << "listen_address" << YAML::Value << config.listen_address;
  out << YAML::Key << "listen_port" << YAML::Value << config.listen_port;
  out << YAML::Key << "http_workers" << YAML::Value << config.http_workers;
  out << YAML::Key << "http_max_body_bytes" << YAML::Value << config.http_max_body_bytes;
  out << YAML::Key << "http_request_timeout_seconds" << YAML::Value << config.http_request_timeout_seconds;
  out << YAML::Key << "http_keep_alive_seconds" << YAML::Value << config.http_keep_alive_seconds;
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

std::filesystem::path resolve_path(const std::filesystem::path& data_dir, const std::string& path) {
  std::filesystem::path p(path);
  return p.is_absolute() ? p : data_dir / p;
}

}  // namespace nimbus::config
