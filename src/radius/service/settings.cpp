#include "radius/service/settings.h"

#include <charconv>

#include <fmt/format.h>

#include "radius/dictionary.h"

namespace nimbus::radius {

namespace {

// Every setting, as the README documents it. The reader accepts exactly these names: a member of
// a mapping that has no row here is refused as unknown.
const std::vector<RadiusSettingReference>& reference_rows() {
  static const std::vector<RadiusSettingReference> rows = {
      {"radius.listen", "Address and UDP port of RADIUS authentication (RFC 2865): `HOST:PORT`, `[V6]:PORT`.",
       "`127.0.0.1:1812`"},
      {"radius.accounting_listen", "Address and UDP port of RADIUS accounting (RFC 2866).",
       "the port after `listen`'s"},
      {"radius.clients", "The NAS devices (VPN gateways, Wi-Fi controllers) allowed to ask; a list. A packet from "
                         "any other address is dropped unanswered and counted. Required.",
       "—"},
      {"radius.clients[].name", "The NAS's name in logs, decisions and policies. Required; unique.", "—"},
      {"radius.clients[].address", "Its address or CIDR range (`10.0.0.0/8`). Required; the first client whose "
                                   "range holds a request's source address answers for it.",
       "—"},
      {"radius.clients[].secret", "The shared secret, inline. Prefer `secret_file`.", "none"},
      {"radius.clients[].secret_file", "File (mode 0600 or stricter) holding the shared secret, relative to the "
                                       "data directory or absolute. One of `secret` and `secret_file` is required.",
       "none"},
      {"radius.trust", "The trust anchors client chains must end at: a list of Nimbus authority ids, PEM or DER "
                       "files and directories of them.",
       "every root authority of this deployment"},
      {"radius.server_certificate", "The certificate the server proves itself with in EAP-TLS: `auto` (issued by "
                                    "Nimbus for the RADIUS service and renewed by it), or a mapping of `cert`, `key` "
                                    "and `key_passphrase_file`.",
       "`auto`"},
      {"radius.server_certificate.cert", "PEM file: the server certificate, then its chain up to (not including) "
                                         "the root.",
       "—"},
      {"radius.server_certificate.key", "PEM file of its private key (mode 0600), encrypted or not.", "—"},
      {"radius.server_certificate.key_passphrase_file", "File (mode 0600) holding the key's passphrase.", "none"},
      {"radius.revocation", "How revocation of the client's chain is checked, with the EAP-TLS settings of "
                            "Windows NPS; every default is the strict choice.",
       "all `false`"},
      {"radius.revocation.no_revocation_check", "NoRevocationCheck: check no revocation at all. A revoked client "
                                                "is let in.",
       "`false`"},
      {"radius.revocation.ignore_no_revocation_check", "IgnoreNoRevocationCheck: accept a chain in which a "
                                                        "certificate has no CDP and no OCSP URL (reason code 258).",
       "`false`"},
      {"radius.revocation.ignore_revocation_offline", "IgnoreRevocationOffline: accept when the revocation "
                                                       "sources do not answer usably (reason code 259).",
       "`false`"},
      {"radius.revocation.no_root_revocation_check", "NoRootRevocationCheck: do not check the root's revocation.",
       "`false`"},
      {"radius.revocation.fetch_budget_seconds", "The longest one authentication waits for CRL and OCSP downloads "
                                                 "together (1 to 60); past it the sources count as offline.",
       "`5`"},
      {"radius.policies", "Network policies, in order; the first whose conditions all hold decides. With none "
                          "configured, every valid chain is granted; with some, a request matching none is "
                          "denied with reason code 48.",
       "none"},
      {"radius.policies[].name", "The policy's name in decisions. Required; unique.", "—"},
      {"radius.policies[].when", "Its conditions, each a value or a list of values of which one must match; a "
                                 "condition left out always holds.",
       "none"},
      {"radius.policies[].when.nas", "NAS names.", "none"},
      {"radius.policies[].when.nas_address", "Addresses or CIDR ranges of the NAS.", "none"},
      {"radius.policies[].when.issuing_ca", "The issuer: a Nimbus authority id, or the issuer's subject "
                                            "(`CN=Contoso Issuing CA,O=Contoso`).",
       "none"},
      {"radius.policies[].when.profile", "The Nimbus profile the client's certificate was issued from.", "none"},
      {"radius.policies[].when.eku", "Extended key usages of the client's certificate: dotted OIDs.", "none"},
      {"radius.policies[].when.subject", "Patterns on the subject (`*` any text, `?` one character).", "none"},
      {"radius.policies[].when.san", "Patterns on any DNS, e-mail, UPN or URI alternative name.", "none"},
      {"radius.policies[].when.time", "Time of day, UTC: `HH:MM-HH:MM`, wrapping midnight when the end comes "
                                      "first.",
       "none"},
      {"radius.policies[].grant", "`true` grants access; `false` denies it (reason code 65).", "`true`"},
      {"radius.policies[].attributes", "RADIUS attributes of an Access-Accept: a mapping of name to value "
                                       "(see the attribute list below).",
       "none"},
      {"radius.tls_min_version", "Oldest TLS version of EAP-TLS accepted: `1.2` or `1.3`.", "`1.2`"},
      {"radius.tls_session_lifetime_seconds",
       "How long a client may resume its TLS session for a short handshake (0 to 86400; `0` turns "
       "resumption off). Sessions stay on the server, at most 20000.",
       "`3600`"},
      {"radius.resumption_recheck_seconds",
       "A resumed session reuses the decision of its full handshake only while that decision is younger "
       "than this (0 to 86400); older, or with `0`, the chain and its revocation are checked again, as for "
       "a full handshake.",
       "`0`"},
      {"radius.fragment_size", "Octets of TLS records per EAP-TLS packet sent (RFC 5216 §2.1.5; 100 to 4000). "
                               "Keep the RADIUS packet within the path MTU.",
       "`1000`"},
      {"radius.max_conversations", "Unfinished EAP conversations held at most; new ones beyond are dropped, "
                                   "conversations under way continue.",
       "`4096`"},
      {"radius.max_conversations_per_client", "The same, per NAS.", "`1024`"},
      {"radius.conversation_timeout_seconds", "A conversation with no packet for this long is forgotten (5 to "
                                              "600).",
       "`30`"},
      {"radius.workers", "Threads that run EAP-TLS and the certificate decisions (0 to 256); `0` for four per CPU "
                         "core, so that decisions waiting on a slow CRL or OCSP server leave threads for the others.",
       "`0`"},
      {"radius.decision_log", "File receiving one JSON line per decision (events 6272 and 6273), relative to "
                              "the data directory or absolute.",
       "`radius-decisions.log`"},
  };
  return rows;
}

// ---- Reading ------------------------------------------------------------------------------------

struct Reader {
  const std::filesystem::path& data_dir;

  static int line_of(const YAML::Node& node) { return node.Mark().line >= 0 ? node.Mark().line + 1 : 0; }

  static Error refuse(const YAML::Node& node, std::string_view key, std::string_view why) {
    int line = line_of(node);
    return Error(ErrorCode::kInvalidArgument,
                 line > 0 ? fmt::format("line {}: {}: {}", line, key, why) : fmt::format("{}: {}", key, why));
  }

  // Each member of `mapping` must have a row "{documented}.{name}".
  static Status check_members(const YAML::Node& mapping, std::string_view shown, std::string_view documented) {
    if (!mapping.IsMap()) return refuse(mapping, shown, "must be a mapping");
    for (const auto& member : mapping) {
      std::string name = member.first.as<std::string>("");
      std::string key = fmt::format("{}.{}", documented, name);
      bool known = false;
      for (const RadiusSettingReference& row : reference_rows()) known = known || row.key == key;
      if (!known) return refuse(member.first, fmt::format("{}.{}", shown, name), "unknown setting (see README.md)");
    }
    return ok_status();
  }

  static Result<std::string> text(const YAML::Node& node, std::string_view key) {
    if (!node.IsScalar()) return refuse(node, key, "must be a string");
    return node.as<std::string>();
  }

  static Result<bool> flag(const YAML::Node& node, std::string_view key) {
    NIMBUS_ASSIGN_OR_RETURN(std::string value, text(node, key));
    if (value != "true" && value != "false") return refuse(node, key, "must be true or false");
    return value == "true";
  }

  static Result<int> number(const YAML::Node& node, std::string_view key, int min, int max) {
    NIMBUS_ASSIGN_OR_RETURN(std::string value, text(node, key));
    int out = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), out);
    if (ec != std::errc() || end != value.data() + value.size() || out < min || out > max) {
      return refuse(node, key, fmt::format("must be a whole number from {} to {}", min, max));
    }
    return out;
  }

  // A value or a list of values.
  static Result<std::vector<std::string>> texts(const YAML::Node& node, std::string_view key) {
    std::vector<std::string> out;
    if (node.IsSequence()) {
      for (const YAML::Node& item : node) {
        NIMBUS_ASSIGN_OR_RETURN(std::string value, text(item, key));
        out.push_back(std::move(value));
      }
    } else {
      NIMBUS_ASSIGN_OR_RETURN(std::string value, text(node, key));
      out.push_back(std::move(value));
    }
    if (out.empty()) return refuse(node, key, "is an empty list");
    for (const std::string& value : out) {
      if (value.empty()) return refuse(node, key, "holds an empty value");
    }
    return out;
  }

  static Result<AddressRange> range(const YAML::Node& node, std::string_view key) {
    NIMBUS_ASSIGN_OR_RETURN(std::string value, text(node, key));
    auto parsed = AddressRange::parse(value);
    if (!parsed.ok()) return refuse(node, key, parsed.error().message());
    return *parsed;
  }

  Result<NasClientSettings> client(const YAML::Node& node, std::string_view shown) const {
    NIMBUS_TRY(check_members(node, shown, "radius.clients[]"));
    NasClientSettings client;
    client.line = line_of(node);
    if (!node["name"]) return refuse(node, shown, "has no name");
    NIMBUS_ASSIGN_OR_RETURN(client.name, text(node["name"], fmt::format("{}.name", shown)));
    if (client.name.empty()) return refuse(node["name"], fmt::format("{}.name", shown), "is empty");
    if (!node["address"]) return refuse(node, shown, "has no address");
    NIMBUS_ASSIGN_OR_RETURN(client.range, range(node["address"], fmt::format("{}.address", shown)));
    bool inline_secret = static_cast<bool>(node["secret"]);
    bool file_secret = static_cast<bool>(node["secret_file"]);
    if (inline_secret == file_secret) return refuse(node, shown, "needs exactly one of secret and secret_file");
    if (inline_secret) {
      NIMBUS_ASSIGN_OR_RETURN(std::string value, text(node["secret"], fmt::format("{}.secret", shown)));
      if (value.empty()) return refuse(node["secret"], fmt::format("{}.secret", shown), "is empty");
      client.secret = Secret(std::move(value));
    } else {
      NIMBUS_ASSIGN_OR_RETURN(std::string file, text(node["secret_file"], fmt::format("{}.secret_file", shown)));
      auto secret = read_secret_file(resolve(file), "RADIUS secret file");
      if (!secret.ok()) return refuse(node["secret_file"], fmt::format("{}.secret_file", shown), secret.error().message());
      client.secret = std::move(*secret);
    }
    return client;
  }

  static Result<std::pair<int, int>> time_window(const YAML::Node& node, std::string_view key) {
    NIMBUS_ASSIGN_OR_RETURN(std::string value, text(node, key));
    auto minutes = [](std::string_view hhmm) -> std::optional<int> {
      if (hhmm.size() != 5 || hhmm[2] != ':') return std::nullopt;
      int h = 0, m = 0;
      if (std::from_chars(hhmm.data(), hhmm.data() + 2, h).ptr != hhmm.data() + 2) return std::nullopt;
      if (std::from_chars(hhmm.data() + 3, hhmm.data() + 5, m).ptr != hhmm.data() + 5) return std::nullopt;
      if (h > 24 || m > 59 || (h == 24 && m != 0)) return std::nullopt;
      return h * 60 + m;
    };
    std::size_t dash = value.find('-');
    std::optional<int> from = dash == std::string::npos ? std::nullopt : minutes(std::string_view(value).substr(0, dash));
    std::optional<int> to = dash == std::string::npos ? std::nullopt : minutes(std::string_view(value).substr(dash + 1));
    if (!from || !to || *from == *to) return refuse(node, key, "must be a window HH:MM-HH:MM, e.g. 08:00-18:30");
    return std::pair{*from, *to};
  }

  static Result<PolicyConditions> conditions(const YAML::Node& node, std::string_view shown) {
    NIMBUS_TRY(check_members(node, shown, "radius.policies[].when"));
    PolicyConditions when;
    auto list = [&](std::string_view name, std::vector<std::string>& into) -> Status {
      if (const YAML::Node value = node[std::string(name)]) {
        NIMBUS_ASSIGN_OR_RETURN(into, texts(value, fmt::format("{}.{}", shown, name)));
      }
      return ok_status();
    };
    NIMBUS_TRY(list("nas", when.nas));
    NIMBUS_TRY(list("issuing_ca", when.issuing_ca));
    NIMBUS_TRY(list("profile", when.profile));
    NIMBUS_TRY(list("eku", when.eku));
    NIMBUS_TRY(list("subject", when.subject));
    NIMBUS_TRY(list("san", when.san));
    std::vector<std::string> addresses;
    NIMBUS_TRY(list("nas_address", addresses));
    for (const std::string& address : addresses) {
      auto parsed = AddressRange::parse(address);
      if (!parsed.ok()) return refuse(node["nas_address"], fmt::format("{}.nas_address", shown), parsed.error().message());
      when.nas_address.push_back(*parsed);
    }
    if (const YAML::Node value = node["time"]) {
      NIMBUS_ASSIGN_OR_RETURN(when.time, time_window(value, fmt::format("{}.time", shown)));
    }
    return when;
  }

  static Result<NetworkPolicySettings> policy(const YAML::Node& node, std::string_view shown) {
    NIMBUS_TRY(check_members(node, shown, "radius.policies[]"));
    NetworkPolicySettings policy;
    policy.line = line_of(node);
    if (!node["name"]) return refuse(node, shown, "has no name");
    NIMBUS_ASSIGN_OR_RETURN(policy.name, text(node["name"], fmt::format("{}.name", shown)));
    if (policy.name.empty()) return refuse(node["name"], fmt::format("{}.name", shown), "is empty");
    if (const YAML::Node when = node["when"]) {
      NIMBUS_ASSIGN_OR_RETURN(policy.when, conditions(when, fmt::format("{}.when", shown)));
    }
    if (const YAML::Node grant = node["grant"]) {
      NIMBUS_ASSIGN_OR_RETURN(policy.grant, flag(grant, fmt::format("{}.grant", shown)));
    }
    if (const YAML::Node attributes = node["attributes"]) {
      std::string key = fmt::format("{}.attributes", shown);
      if (!attributes.IsMap()) return refuse(attributes, key, "must be a mapping of attribute name to value");
      for (const auto& member : attributes) {
        std::string name = member.first.as<std::string>("");
        NIMBUS_ASSIGN_OR_RETURN(std::string value, text(member.second, fmt::format("{}.{}", key, name)));
        auto encoded = encode_reply_attribute(name, value);
        if (!encoded.ok()) return refuse(member.first, fmt::format("{}.{}", key, name), encoded.error().message());
        policy.attributes.push_back({std::move(name), std::move(value)});
      }
    }
    return policy;
  }

  Result<ServerCertificateSettings> server_certificate(const YAML::Node& node) const {
    constexpr std::string_view kKey = "radius.server_certificate";
    ServerCertificateSettings settings;
    if (node.IsScalar()) {
      if (node.as<std::string>() != "auto") return refuse(node, kKey, "must be auto or a mapping of cert and key");
      return settings;
    }
    NIMBUS_TRY(check_members(node, kKey, kKey));
    if (!node["cert"] || !node["key"]) return refuse(node, kKey, "needs both cert and key");
    settings.automatic = false;
    NIMBUS_ASSIGN_OR_RETURN(std::string cert, text(node["cert"], "radius.server_certificate.cert"));
    NIMBUS_ASSIGN_OR_RETURN(std::string key, text(node["key"], "radius.server_certificate.key"));
    settings.certificate = resolve(cert);
    settings.key = resolve(key);
    if (const YAML::Node passphrase = node["key_passphrase_file"]) {
      NIMBUS_ASSIGN_OR_RETURN(std::string file, text(passphrase, "radius.server_certificate.key_passphrase_file"));
      settings.key_passphrase_file = resolve(file);
    }
    return settings;
  }

  Status revocation(const YAML::Node& node, RadiusSettings& settings) const {
    constexpr std::string_view kKey = "radius.revocation";
    NIMBUS_TRY(check_members(node, kKey, kKey));
    verify::RevocationPolicy& policy = settings.revocation;
    struct Knob {
      std::string_view name;
      bool verify::RevocationPolicy::*field;
    };
    for (const Knob& knob : {Knob{"no_revocation_check", &verify::RevocationPolicy::no_revocation_check},
                             Knob{"ignore_no_revocation_check", &verify::RevocationPolicy::ignore_no_revocation_check},
                             Knob{"ignore_revocation_offline", &verify::RevocationPolicy::ignore_revocation_offline},
                             Knob{"no_root_revocation_check", &verify::RevocationPolicy::no_root_revocation_check}}) {
      if (const YAML::Node value = node[std::string(knob.name)]) {
        NIMBUS_ASSIGN_OR_RETURN(policy.*knob.field, flag(value, fmt::format("{}.{}", kKey, knob.name)));
      }
    }
    if (const YAML::Node value = node["fetch_budget_seconds"]) {
      NIMBUS_ASSIGN_OR_RETURN(int seconds, number(value, "radius.revocation.fetch_budget_seconds", 1, 60));
      settings.fetch_budget = std::chrono::seconds(seconds);
    }
    return ok_status();
  }

  std::filesystem::path resolve(const std::string& path) const {
    std::filesystem::path p(path);
    return p.is_absolute() ? p : data_dir / p;
  }

  Result<RadiusSettings> read(const YAML::Node& section) const {
    NIMBUS_TRY(check_members(section, "radius", "radius"));
    RadiusSettings settings;
    if (const YAML::Node value = section["listen"]) {
      NIMBUS_ASSIGN_OR_RETURN(settings.listen, text(value, "radius.listen"));
    }
    if (const YAML::Node value = section["accounting_listen"]) {
      NIMBUS_ASSIGN_OR_RETURN(settings.accounting_listen, text(value, "radius.accounting_listen"));
    }
    const YAML::Node clients = section["clients"];
    if (!clients || !clients.IsSequence() || clients.size() == 0) {
      return refuse(clients ? clients : section, "radius.clients", "must list at least one NAS client");
    }
    for (std::size_t i = 0; i < clients.size(); ++i) {
      NIMBUS_ASSIGN_OR_RETURN(NasClientSettings client, this->client(clients[i], fmt::format("radius.clients[{}]", i)));
      for (const NasClientSettings& other : settings.clients) {
        if (other.name == client.name) {
          return refuse(clients[i], fmt::format("radius.clients[{}].name", i),
                        fmt::format("'{}' is also the name of the client on line {}", client.name, other.line));
        }
      }
      settings.clients.push_back(std::move(client));
    }
    if (const YAML::Node value = section["trust"]) {
      NIMBUS_ASSIGN_OR_RETURN(settings.trust, texts(value, "radius.trust"));
    }
    if (const YAML::Node value = section["server_certificate"]) {
      NIMBUS_ASSIGN_OR_RETURN(settings.server_certificate, server_certificate(value));
    }
    if (const YAML::Node value = section["revocation"]) NIMBUS_TRY(revocation(value, settings));
    if (const YAML::Node policies = section["policies"]) {
      if (!policies.IsSequence()) return refuse(policies, "radius.policies", "must be a list of policies");
      for (std::size_t i = 0; i < policies.size(); ++i) {
        NIMBUS_ASSIGN_OR_RETURN(NetworkPolicySettings policy, this->policy(policies[i], fmt::format("radius.policies[{}]", i)));
        for (const NetworkPolicySettings& other : settings.policies) {
          if (other.name == policy.name) {
            return refuse(policies[i], fmt::format("radius.policies[{}].name", i),
                          fmt::format("'{}' is also the name of the policy on line {}", policy.name, other.line));
          }
        }
        settings.policies.push_back(std::move(policy));
      }
    }
    if (const YAML::Node value = section["tls_min_version"]) {
      NIMBUS_ASSIGN_OR_RETURN(settings.tls_min_version, text(value, "radius.tls_min_version"));
      if (settings.tls_min_version != "1.2" && settings.tls_min_version != "1.3") {
        return refuse(value, "radius.tls_min_version", "must be 1.2 or 1.3");
      }
    }
    if (const YAML::Node value = section["tls_session_lifetime_seconds"]) {
      NIMBUS_ASSIGN_OR_RETURN(int seconds, number(value, "radius.tls_session_lifetime_seconds", 0, 86400));
      settings.tls_session_lifetime = std::chrono::seconds(seconds);
    }
    if (const YAML::Node value = section["resumption_recheck_seconds"]) {
      NIMBUS_ASSIGN_OR_RETURN(int seconds, number(value, "radius.resumption_recheck_seconds", 0, 86400));
      settings.resumption_recheck = std::chrono::seconds(seconds);
    }
    if (const YAML::Node value = section["fragment_size"]) {
      NIMBUS_ASSIGN_OR_RETURN(settings.fragment_size, number(value, "radius.fragment_size", 100, 4000));
    }
    if (const YAML::Node value = section["max_conversations"]) {
      NIMBUS_ASSIGN_OR_RETURN(settings.max_conversations, number(value, "radius.max_conversations", 1, 1'000'000));
    }
    if (const YAML::Node value = section["max_conversations_per_client"]) {
      NIMBUS_ASSIGN_OR_RETURN(settings.max_conversations_per_client,
                              number(value, "radius.max_conversations_per_client", 1, 1'000'000));
    }
    if (const YAML::Node value = section["conversation_timeout_seconds"]) {
      NIMBUS_ASSIGN_OR_RETURN(int seconds, number(value, "radius.conversation_timeout_seconds", 5, 600));
      settings.conversation_timeout = std::chrono::seconds(seconds);
    }
    if (const YAML::Node value = section["workers"]) {
      NIMBUS_ASSIGN_OR_RETURN(settings.workers, number(value, "radius.workers", 0, 256));
    }
    if (const YAML::Node value = section["decision_log"]) {
      NIMBUS_ASSIGN_OR_RETURN(settings.decision_log, text(value, "radius.decision_log"));
      if (settings.decision_log.empty()) return refuse(value, "radius.decision_log", "is empty");
    }
    settings.decision_log = resolve(settings.decision_log).string();
    return settings;
  }
};

}  // namespace

Result<RadiusSettings> read_radius_settings(const YAML::Node& section, const std::filesystem::path& data_dir) {
  try {
    return Reader{data_dir}.read(section);
  } catch (const YAML::Exception& e) {
    return Error(ErrorCode::kInvalidArgument, fmt::format("line {}: radius: {}", e.mark.line + 1, e.msg));
  }
}

std::vector<RadiusSettingReference> radius_settings_reference() { return reference_rows(); }

}  // namespace nimbus::radius
