// Reading a profile document into a Profile (profile.h, parse_profile): each field, with the
// checks that concern that field alone (ids, templates, names, sizes, digests). The rules that
// concern the profile as a whole are in profile_rules.h, the words in vocabulary.h, the YAML
// access in yaml_reader.h, and the written forms in profile_writer.cpp.
#include "profile/profile.h"

#include <algorithm>
#include <charconv>
#include <optional>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <yaml-cpp/yaml.h>

#include "crypto/handles.h"
#include "crypto/object_identifier.h"
#include "crypto/openssl_error.h"
#include "pki/authority_id.h"
#include "profile/names.h"
#include "profile/profile_rules.h"
#include "profile/text.h"
#include "profile/variables.h"
#include "profile/vocabulary.h"
#include "profile/yaml_reader.h"
#include "x509/key_purposes.h"
#include "x509/name.h"

namespace nimbus::profile {

namespace {

// Curves Nimbus itself generates; the same set clients' TPMs and platform key stores offer.
constexpr std::string_view kCurves[] = {"p256", "p384"};

// The longest RSA key a profile may ask for; clients generate at most this.
constexpr int kMaxRsaBits = 16384;

constexpr std::string_view kProfileFields[] = {
    "id", "description", "issuing_ca", "type", "subject", "subject_alt_names", "validity", "key_usage",
    "extended_key_usage", "key", "hash", "renewal_threshold", "key_storage", "strong_mapping", "custom_variables",
    "revoke_on_renewal", "challenge",
};
constexpr std::string_view kChallengeFields[] = {"mode", "lifetime", "webhook_url", "secret_file", "timeout"};
constexpr std::string_view kSanFields[] = {"type", "value"};
constexpr std::string_view kKeyFields[] = {"algorithms", "rsa_min_bits", "rsa_max_bits", "ec_curves"};

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// ---- Fields -------------------------------------------------------------------------------------

bool is_standard_variable(std::string_view name) {
  auto standard = standard_variables();
  return std::find(standard.begin(), standard.end(), name) != standard.end();
}

Result<std::string> read_issuing_ca(const YAML::Node& node) {
  NIMBUS_ASSIGN_OR_RETURN(std::string id, read_word(node, "issuing_ca"));
  Status authority = pki::check_authority_id(id);
  if (!authority.ok()) return invalid("issuing_ca", node, authority.error().message());
  return id;
}

Status read_identity(const Fields& fields, std::optional<std::string_view> chosen_issuing_ca, Profile& profile) {
  NIMBUS_ASSIGN_OR_RETURN(YAML::Node id, fields.required("id"));
  NIMBUS_ASSIGN_OR_RETURN(profile.id, read_word(id, "id"));
  // Profile ids end up in URLs and file names next to authority ids, so they follow the same rule.
  if (!pki::check_authority_id(profile.id).ok()) {
    return invalid("id", id,
                   fmt::format("'{}' is not a valid profile id: use 1 to 63 characters of a-z, 0-9 "
                               "and '-', not starting with '-'",
                               profile.id));
  }
  if (const YAML::Node* description = fields.find("description")) {
    NIMBUS_ASSIGN_OR_RETURN(profile.description, read_string(*description, "description", true));
  }
  if (chosen_issuing_ca) {
    // The document's own choice is checked all the same: it is what applies the next time the file
    // is applied without one.
    if (const YAML::Node* written = fields.find("issuing_ca")) NIMBUS_TRY(read_issuing_ca(*written));
    profile.issuing_ca = std::string(*chosen_issuing_ca);
  } else {
    NIMBUS_ASSIGN_OR_RETURN(YAML::Node written, fields.required("issuing_ca"));
    NIMBUS_ASSIGN_OR_RETURN(profile.issuing_ca, read_issuing_ca(written));
  }
  NIMBUS_ASSIGN_OR_RETURN(YAML::Node type, fields.required("type"));
  NIMBUS_ASSIGN_OR_RETURN(profile.type, read_choice(type, "type", kCertificateTypes));
  return ok_status();
}

Result<std::string> read_custom_variable(const YAML::Node& node, const std::string& path) {
  NIMBUS_ASSIGN_OR_RETURN(std::string name, read_word(node, path));
  if (!is_variable_name(name)) {
    return invalid(path, node,
                   fmt::format("'{}' is not a variable name (letters, digits and '_', not starting "
                               "with a digit)",
                               name));
  }
  if (is_standard_variable(name)) {
    return invalid(path, node, fmt::format("'{}' is a standard variable; list only others", name));
  }
  return name;
}

// Every variable a template names must be one an enrollment record can carry.
Status check_template(const Profile& profile, const YAML::Node& node, std::string_view path) {
  auto names = template_variables(node.Scalar());
  if (!names.ok()) return invalid(path, node, names.error().message());
  for (const std::string& name : *names) {
    bool custom = std::find(profile.custom_variables.begin(), profile.custom_variables.end(), name) !=
                  profile.custom_variables.end();
    if (!is_standard_variable(name) && !custom) {
      return invalid(path, node,
                     fmt::format("unknown variable '{}'; the standard variables are {}, and others "
                                 "must be listed under custom_variables",
                                 name, fmt::join(standard_variables(), ", ")));
    }
  }
  return ok_status();
}

// The subject is checked by rendering it with a stand-in value for each variable: what parses
// then will parse with real values too, since those are escaped.
Status check_subject(const Profile& profile, const YAML::Node& node) {
  NIMBUS_TRY(check_template(profile, node, "subject"));
  std::vector<std::string> names = template_variables(profile.subject).value();
  Variables stand_ins;
  for (const std::string& name : names) stand_ins[name] = "x";
  auto rendered = render_template(profile.subject, stand_ins, Escaping::kDistinguishedName);
  if (!rendered.ok()) return invalid("subject", node, rendered.error().message());
  auto subject = x509::DistinguishedName::parse(*rendered);
  if (!subject.ok()) return invalid("subject", node, subject.error().message());
  return ok_status();
}

Result<SanTemplate> read_san(const Profile& profile, const YAML::Node& node, const std::string& path) {
  NIMBUS_ASSIGN_OR_RETURN(Fields fields, Fields::read(node, path, kSanFields));
  SanTemplate san;
  NIMBUS_ASSIGN_OR_RETURN(YAML::Node type, fields.required("type"));
  NIMBUS_ASSIGN_OR_RETURN(san.type, read_choice(type, fields.path("type"), kSanTypes));
  NIMBUS_ASSIGN_OR_RETURN(YAML::Node value, fields.required("value"));
  std::string value_path = fields.path("value");
  NIMBUS_ASSIGN_OR_RETURN(san.value, read_word(value, value_path));
  NIMBUS_TRY(check_template(profile, value, value_path));
  // A value without variables is the same for every enrollment: check it now, not at the first
  // enrollment.
  if (template_variables(san.value).value().empty()) {
    Status checked = check_san_value(san.type, san.value);
    if (!checked.ok()) return invalid(value_path, value, checked.error().message());
  }
  return san;
}

Status read_names(const Fields& fields, Profile& profile) {
  if (const YAML::Node* custom = fields.find("custom_variables")) {
    NIMBUS_ASSIGN_OR_RETURN(profile.custom_variables,
                            read_list<std::string>(*custom, "custom_variables", true, read_custom_variable));
  }
  NIMBUS_ASSIGN_OR_RETURN(YAML::Node subject, fields.required("subject"));
  NIMBUS_ASSIGN_OR_RETURN(profile.subject, read_word(subject, "subject"));
  NIMBUS_TRY(check_subject(profile, subject));
  if (const YAML::Node* sans = fields.find("subject_alt_names")) {
    auto read = [&](const YAML::Node& node, const std::string& path) { return read_san(profile, node, path); };
    NIMBUS_ASSIGN_OR_RETURN(profile.subject_alt_names,
                            read_list<SanTemplate>(*sans, "subject_alt_names", true, read));
  }
  if (const YAML::Node* mapping = fields.find("strong_mapping")) {
    NIMBUS_ASSIGN_OR_RETURN(profile.strong_mapping, read_choice(*mapping, "strong_mapping", kStrongMappings));
  }
  return ok_status();
}

Result<x509::KeyUsage> read_key_usage(const YAML::Node& node, const std::string& path) {
  NIMBUS_ASSIGN_OR_RETURN(std::string name, read_word(node, path));
  if (value_named(kCaKeyUsages, name)) {
    return refused(path, node,
                   fmt::format("{} is for CA certificates; an end-entity profile cannot grant it", name));
  }
  if (std::optional<x509::KeyUsage> usage = value_named(kEndEntityKeyUsages, name)) return *usage;
  return invalid(path, node, fmt::format("'{}' is not one of {}", name, names_of(kEndEntityKeyUsages)));
}

// Two or more arcs of digits, without leading zeros, the first 0, 1 or 2. OpenSSL alone is more
// forgiving ("1.3.6..1", "1.3.6.1."), and a profile should say exactly one thing.
// The dotted form OpenSSL reads back, or nullopt when `text` is not a dotted OID.
std::optional<std::string> canonical_oid(const std::string& text) { return crypto::canonical_oid(text); }

Result<std::string> read_extended_key_usage(const YAML::Node& node, const std::string& path) {
  NIMBUS_ASSIGN_OR_RETURN(std::string text, read_word(node, path));
  if (std::optional<std::string_view> oid = value_named(kExtendedKeyUsages, text)) return std::string(*oid);
  std::optional<std::string> oid = canonical_oid(text);
  if (!oid) {
    return invalid(path, node,
                   fmt::format("'{}' is neither a known purpose ({}) nor a dotted OID such as {}", text,
                               names_of(kExtendedKeyUsages), x509::kClientAuthOid));
  }
  if (*oid == x509::kAnyExtendedKeyUsageOid) {
    return refused(path, node,
                   "anyExtendedKeyUsage lets the certificate serve any purpose; list the purposes it "
                   "is for instead");
  }
  return *oid;
}

Status read_usages(const Fields& fields, Profile& profile) {
  NIMBUS_ASSIGN_OR_RETURN(YAML::Node key_usage, fields.required("key_usage"));
  NIMBUS_ASSIGN_OR_RETURN(profile.key_usage,
                          read_list<x509::KeyUsage>(key_usage, "key_usage", false, read_key_usage));
  NIMBUS_ASSIGN_OR_RETURN(YAML::Node extended, fields.required("extended_key_usage"));
  NIMBUS_ASSIGN_OR_RETURN(profile.extended_key_usage,
                          read_list<std::string>(extended, "extended_key_usage", false,
                                                 read_extended_key_usage));
  return ok_status();
}

Result<int> read_rsa_bits(const YAML::Node& node, const std::string& path) {
  NIMBUS_ASSIGN_OR_RETURN(int bits, read_integer(node, path));
  if (bits < crypto::kMinimumRsaBits) {
    return refused(path, node,
                   fmt::format("{} bits is too short: RSA keys below {} bits can be factored and are "
                               "refused by clients; use {} or more",
                               bits, crypto::kMinimumRsaBits, crypto::kMinimumRsaBits));
  }
  if (bits > kMaxRsaBits) {
    return invalid(path, node, fmt::format("{} bits is more than the {} any client generates", bits, kMaxRsaBits));
  }
  return bits;
}

Result<std::string> read_curve(const YAML::Node& node, const std::string& path) {
  NIMBUS_ASSIGN_OR_RETURN(std::string curve, read_word(node, path));
  if (std::find(std::begin(kCurves), std::end(kCurves), curve) == std::end(kCurves)) {
    return invalid(path, node, fmt::format("curve '{}' is not supported; use {}", curve, fmt::join(kCurves, " or ")));
  }
  return curve;
}

Status read_key_policy(const Fields& fields, Profile& profile) {
  const YAML::Node* node = fields.find("key");
  if (node == nullptr) return ok_status();
  NIMBUS_ASSIGN_OR_RETURN(Fields key, Fields::read(*node, "key", kKeyFields));
  KeyPolicy& policy = profile.key;
  if (const YAML::Node* algorithms = key.find("algorithms")) {
    NIMBUS_ASSIGN_OR_RETURN(std::vector<crypto::KeyAlgorithm> allowed,
                            read_choices(*algorithms, key.path("algorithms"), false, kKeyAlgorithms));
    policy.allow_rsa = std::find(allowed.begin(), allowed.end(), crypto::KeyAlgorithm::kRsa) != allowed.end();
    policy.allow_ec = std::find(allowed.begin(), allowed.end(), crypto::KeyAlgorithm::kEc) != allowed.end();
  }
  if (const YAML::Node* bits = key.find("rsa_min_bits")) {
    NIMBUS_ASSIGN_OR_RETURN(policy.rsa_min_bits, read_rsa_bits(*bits, key.path("rsa_min_bits")));
  }
  if (const YAML::Node* bits = key.find("rsa_max_bits")) {
    NIMBUS_ASSIGN_OR_RETURN(policy.rsa_max_bits, read_rsa_bits(*bits, key.path("rsa_max_bits")));
  }
  if (policy.rsa_min_bits > policy.rsa_max_bits) {
    return invalid(key.path("rsa_min_bits"), *node,
                   fmt::format("{} is more than rsa_max_bits ({})", policy.rsa_min_bits, policy.rsa_max_bits));
  }
  if (const YAML::Node* curves = key.find("ec_curves")) {
    NIMBUS_ASSIGN_OR_RETURN(policy.ec_curves, read_list<std::string>(*curves, key.path("ec_curves"), true, read_curve));
  }
  if (policy.allow_ec && policy.ec_curves.empty()) {
    return invalid(key.path("ec_curves"), *node, "EC keys are allowed but no curve is listed");
  }
  return ok_status();
}

Result<crypto::SignatureDigest> read_digest(const YAML::Node& node, const std::string& path) {
  NIMBUS_ASSIGN_OR_RETURN(std::string name, read_word(node, path));
  std::string lower = name;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c); });
  if (lower == "sha1" || lower == "sha-1" || lower == "md5") {
    return refused(path, node,
                   fmt::format("{} is broken for signatures (colliding requests can be made); use {}",
                               lower == "md5" ? "MD5" : "SHA-1", names_of(kDigests)));
  }
  return read_choice(node, path, kDigests);
}

// "365d", "72h". Years are refused: a year is not a fixed number of days, and a profile should
// say exactly how long its certificates live.
Result<Duration> read_validity(const YAML::Node& node, std::string_view path) {
  NIMBUS_ASSIGN_OR_RETURN(std::string text, read_word(node, path));
  if (text.back() == 'y') {
    return invalid(path, node,
                   fmt::format("'{}': profiles give validity in days (d) or hours (h), not years; "
                               "for one year write 365d",
                               text));
  }
  bool digits = text.size() >= 2 && std::all_of(text.begin(), text.end() - 1, is_digit);
  if (!digits || (text.back() != 'd' && text.back() != 'h')) {
    return invalid(path, node,
                   fmt::format("'{}' is not a positive number followed by d or h (for example 365d, 72h)", text));
  }
  auto validity = parse_validity(text);
  if (!validity.ok()) return invalid(path, node, validity.error().message());
  return *validity;
}

Result<int> read_percent(const YAML::Node& node, std::string_view path) {
  NIMBUS_ASSIGN_OR_RETURN(std::string text, read_word(node, path));
  int percent = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), percent);
  bool well_formed = ec == std::errc() && end + 1 == text.data() + text.size() && *end == '%';
  if (!well_formed || percent < 1 || percent > 99) {
    return invalid(path, node,
                   fmt::format("'{}' is not a percentage from 1% to 99% of the validity (for example 20%)", text));
  }
  return percent;
}

Status read_key_and_lifecycle(const Fields& fields, Profile& profile) {
  NIMBUS_TRY(read_key_policy(fields, profile));
  if (const YAML::Node* hash = fields.find("hash")) {
    NIMBUS_ASSIGN_OR_RETURN(profile.hashes, read_list<crypto::SignatureDigest>(*hash, "hash", false, read_digest));
  }
  if (const YAML::Node* validity = fields.find("validity")) {
    NIMBUS_ASSIGN_OR_RETURN(profile.validity, read_validity(*validity, "validity"));
  }
  if (const YAML::Node* threshold = fields.find("renewal_threshold")) {
    NIMBUS_ASSIGN_OR_RETURN(profile.renewal_threshold_percent, read_percent(*threshold, "renewal_threshold"));
  }
  if (const YAML::Node* storage = fields.find("key_storage")) {
    NIMBUS_ASSIGN_OR_RETURN(profile.key_storage, read_choice(*storage, "key_storage", kKeyStorages));
  }
  return ok_status();
}

// "90s", "60m", "2h": a positive whole number and a unit, within [least, most].
Result<Duration> read_short_duration(const YAML::Node& node, std::string_view path, Duration least, Duration most) {
  NIMBUS_ASSIGN_OR_RETURN(std::string text, read_word(node, path));
  long long amount = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), amount);
  bool well_formed = ec == std::errc() && amount > 0 && end + 1 == text.data() + text.size();
  Duration value{};
  if (well_formed && *end == 's') value = std::chrono::seconds(amount);
  else if (well_formed && *end == 'm') value = std::chrono::minutes(amount);
  else if (well_formed && *end == 'h') value = std::chrono::hours(amount);
  else return invalid(path, node, fmt::format("'{}' is not a positive number followed by s, m or h (for example 60m)", text));
  if (value < least || value > most) {
    return invalid(path, node, fmt::format("'{}' is outside {} to {}", text, describe_duration(least), describe_duration(most)));
  }
  return value;
}

Status read_challenge(const YAML::Node& node, Profile& profile) {
  NIMBUS_ASSIGN_OR_RETURN(Fields fields, Fields::read(node, "challenge", kChallengeFields));
  ChallengePolicy& policy = profile.challenge;
  if (const YAML::Node* mode = fields.find("mode")) {
    NIMBUS_ASSIGN_OR_RETURN(policy.mode, read_choice(*mode, "challenge.mode", kChallengeModes));
  }
  if (const YAML::Node* lifetime = fields.find("lifetime")) {
    NIMBUS_ASSIGN_OR_RETURN(policy.lifetime, read_short_duration(*lifetime, "challenge.lifetime",
                                                                 std::chrono::minutes(1), std::chrono::hours(24 * 30)));
  }
  if (const YAML::Node* timeout = fields.find("timeout")) {
    NIMBUS_ASSIGN_OR_RETURN(policy.timeout, read_short_duration(*timeout, "challenge.timeout", std::chrono::seconds(1),
                                                                std::chrono::seconds(60)));
  }
  bool webhook = policy.mode == ChallengeMode::kWebhook;
  for (auto [name, value] : {std::pair{"webhook_url", &policy.webhook_url}, std::pair{"secret_file", &policy.secret_file}}) {
    const YAML::Node* given = fields.find(name);
    std::string path = fields.path(name);
    if (given && !webhook) return invalid(path, *given, "is only for mode: webhook");
    if (!given && webhook) return invalid(path, node, "mode: webhook needs it");
    if (given) {
      NIMBUS_ASSIGN_OR_RETURN(*value, read_word(*given, path));
    }
  }
  if (webhook && !policy.webhook_url.starts_with("https://") && !policy.webhook_url.starts_with("http://")) {
    return invalid("challenge.webhook_url", *fields.find("webhook_url"),
                   fmt::format("'{}' is not an http:// or https:// URL", policy.webhook_url));
  }
  return ok_status();
}

Status read_renewal_and_challenge(const Fields& fields, Profile& profile) {
  if (const YAML::Node* revoke = fields.find("revoke_on_renewal")) {
    NIMBUS_ASSIGN_OR_RETURN(std::string text, read_word(*revoke, "revoke_on_renewal"));
    if (text != "true" && text != "false") return invalid("revoke_on_renewal", *revoke, "expected true or false");
    profile.revoke_on_renewal = text == "true";
  }
  if (const YAML::Node* challenge = fields.find("challenge")) NIMBUS_TRY(read_challenge(*challenge, profile));
  return ok_status();
}

// A rule broken by the profile as a whole is reported at the field (or list element) it names.
Error rule_violation(const Fields& fields, const RuleViolation& violation) {
  YAML::Node node = *fields.find(violation.field);
  if (!violation.element) return refused(violation.field, node, violation.reason);
  return refused(element_path(violation.field, *violation.element), node[*violation.element], violation.reason);
}

Result<Profile> read_profile(const YAML::Node& root, std::optional<std::string_view> issuing_ca) {
  NIMBUS_ASSIGN_OR_RETURN(Fields fields, Fields::read(root, "", kProfileFields));
  Profile profile;
  NIMBUS_TRY(read_identity(fields, issuing_ca, profile));
  NIMBUS_TRY(read_names(fields, profile));
  NIMBUS_TRY(read_usages(fields, profile));
  NIMBUS_TRY(read_key_and_lifecycle(fields, profile));
  NIMBUS_TRY(read_renewal_and_challenge(fields, profile));
  if (std::optional<RuleViolation> violation = find_rule_violation(profile)) {
    return rule_violation(fields, *violation);
  }
  return profile;
}

}  // namespace

Result<Profile> parse_profile(std::string_view yaml, std::optional<std::string_view> issuing_ca) {
  NIMBUS_ASSIGN_OR_RETURN(YAML::Node root, load_profile_document(yaml));
  // Reading uses only checked accessors; this is for whatever yaml-cpp may still throw.
  try {
    return read_profile(root, issuing_ca);
  } catch (const YAML::Exception& e) {
    return Error(ErrorCode::kInvalidArgument, fmt::format("line {}: {}", e.mark.line + 1, e.msg));
  }
}

}  // namespace nimbus::profile
