#include "profile/profile.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <optional>
#include <span>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include "ca/authority_id.h"
#include "crypto/handles.h"
#include "crypto/object_identifier.h"
#include "crypto/openssl_error.h"
#include "profile/names.h"
#include "profile/text.h"
#include "profile/variables.h"
#include "x509/name.h"

namespace nimbus::profile {

namespace {

// ---- Vocabulary ---------------------------------------------------------------------------------

// One spelling per value: the canonical YAML writes it, the parser reads only it.
template <typename T>
struct Named {
  std::string_view name;
  T value;
};

template <typename T, std::size_t N>
std::optional<T> value_named(const Named<T> (&table)[N], std::string_view name) {
  for (const Named<T>& entry : table) {
    if (entry.name == name) return entry.value;
  }
  return std::nullopt;
}

template <typename T, std::size_t N>
std::string_view name_of(const Named<T> (&table)[N], T value) {
  for (const Named<T>& entry : table) {
    if (entry.value == value) return entry.name;
  }
  return "unknown";
}

template <typename T, std::size_t N>
std::string names_of(const Named<T> (&table)[N]) {
  std::vector<std::string_view> names;
  for (const Named<T>& entry : table) names.push_back(entry.name);
  return fmt::format("{}", fmt::join(names, ", "));
}

constexpr Named<CertificateType> kCertificateTypes[] = {
    {"user", CertificateType::kUser},
    {"device", CertificateType::kDevice},
};

constexpr Named<SanType> kSanTypes[] = {
    {"upn", SanType::kUpn},
    {"dns", SanType::kDns},
    {"email", SanType::kEmail},
    {"uri", SanType::kUri},
};

constexpr Named<KeyStorage> kKeyStorages[] = {
    {"tpm-required", KeyStorage::kTpmRequired},
    {"tpm-preferred", KeyStorage::kTpmPreferred},
    {"software", KeyStorage::kSoftware},
};

constexpr Named<StrongMapping> kStrongMappings[] = {
    {"none", StrongMapping::kNone},
    {"sid_extension", StrongMapping::kSidExtension},
    {"san_uri", StrongMapping::kSanUri},
    {"both", StrongMapping::kBoth},
};

// The usages an end-entity certificate may carry.
constexpr Named<x509::KeyUsage> kEndEntityKeyUsages[] = {
    {"digital_signature", x509::KeyUsage::kDigitalSignature},
    {"non_repudiation", x509::KeyUsage::kNonRepudiation},
    {"key_encipherment", x509::KeyUsage::kKeyEncipherment},
    {"data_encipherment", x509::KeyUsage::kDataEncipherment},
    {"key_agreement", x509::KeyUsage::kKeyAgreement},
};

constexpr Named<x509::KeyUsage> kCaKeyUsages[] = {
    {"key_cert_sign", x509::KeyUsage::kKeyCertSign},
    {"crl_sign", x509::KeyUsage::kCrlSign},
};

constexpr Named<crypto::SignatureDigest> kDigests[] = {
    {"sha256", crypto::SignatureDigest::kSha256},
    {"sha384", crypto::SignatureDigest::kSha384},
    {"sha512", crypto::SignatureDigest::kSha512},
};

constexpr Named<std::string_view> kExtendedKeyUsages[] = {
    {"client_auth", "1.3.6.1.5.5.7.3.2"},
    {"server_auth", "1.3.6.1.5.5.7.3.1"},
    {"code_signing", "1.3.6.1.5.5.7.3.3"},
    {"email_protection", "1.3.6.1.5.5.7.3.4"},
    {"time_stamping", "1.3.6.1.5.5.7.3.8"},
    {"ocsp_signing", "1.3.6.1.5.5.7.3.9"},
    {"ipsec_ike", "1.3.6.1.5.5.7.3.17"},
    {"smartcard_logon", "1.3.6.1.4.1.311.20.2.2"},
};

constexpr std::string_view kAnyExtendedKeyUsage = "2.5.29.37.0";

// Curves Nimbus itself generates; the same set clients' TPMs and platform key stores offer.
constexpr std::string_view kCurves[] = {"p256", "p384"};

constexpr int kMinRsaBits = 2048;
constexpr int kMaxRsaBits = 16384;

constexpr std::string_view kProfileFields[] = {
    "id", "description", "issuing_ca", "type", "subject", "subject_alt_names", "validity", "key_usage",
    "extended_key_usage", "key", "hash", "renewal_threshold", "key_storage", "strong_mapping", "custom_variables",
};
constexpr std::string_view kSanFields[] = {"type", "value"};
constexpr std::string_view kKeyFields[] = {"algorithms", "rsa_min_bits", "rsa_max_bits", "ec_curves"};

// A profile is a page of YAML; anything much larger is not one, and parsing it costs for nothing.
constexpr std::size_t kMaxDocumentSize = 64 * 1024;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// ---- Reading YAML -------------------------------------------------------------------------------

// "key.rsa_min_bits", "subject_alt_names[0].type"
std::string member_path(std::string_view parent, std::string_view name) {
  return parent.empty() ? std::string(name) : fmt::format("{}.{}", parent, name);
}

std::string element_path(std::string_view parent, std::size_t index) {
  return fmt::format("{}[{}]", parent, index);
}

std::string at_line(const YAML::Node& node) {
  const YAML::Mark mark = node.Mark();
  return mark.line >= 0 ? fmt::format(" (line {})", mark.line + 1) : std::string();
}

Error field_error(ErrorCode code, std::string_view path, const YAML::Node& node, std::string_view why) {
  return Error(code, fmt::format("{}: {}{}", path, why, at_line(node)));
}

Error invalid(std::string_view path, const YAML::Node& node, std::string_view why) {
  return field_error(ErrorCode::kInvalidArgument, path, node, why);
}

Error refused(std::string_view path, const YAML::Node& node, std::string_view why) {
  return field_error(ErrorCode::kPolicyViolation, path, node, why);
}

// The members of a mapping, by name. Unknown and repeated names are refused: a misspelt field
// silently taking its default is how a profile ends up weaker than its author meant.
class Fields {
 public:
  static Result<Fields> read(const YAML::Node& node, std::string_view path,
                             std::span<const std::string_view> known) {
    std::string where = path.empty() ? "the profile" : std::string(path);
    if (!node.IsMap()) return invalid(path.empty() ? "profile" : path, node, "expected a mapping of fields");
    Fields fields(path);
    for (const auto& member : node) {
      if (!member.first.IsScalar()) return invalid(where, member.first, "field names must be plain words");
      std::string name = member.first.Scalar();
      std::string name_path = member_path(path, name);
      if (std::find(known.begin(), known.end(), name) == known.end()) {
        return invalid(name_path, member.first,
                       fmt::format("unknown field; the fields of {} are {}", where, fmt::join(known, ", ")));
      }
      if (!fields.members_.emplace(name, member.second).second) {
        return invalid(name_path, member.first, "appears twice");
      }
    }
    return fields;
  }

  const YAML::Node* find(std::string_view name) const {
    auto member = members_.find(std::string(name));
    return member == members_.end() ? nullptr : &member->second;
  }

  Result<YAML::Node> required(std::string_view name) const {
    if (const YAML::Node* node = find(name)) return *node;
    return Error(ErrorCode::kInvalidArgument, fmt::format("{}: this field is required", path(name)));
  }

  std::string path(std::string_view name) const { return member_path(path_, name); }

 private:
  explicit Fields(std::string_view path) : path_(path) {}
  std::string path_;
  std::map<std::string, YAML::Node> members_;
};

Result<std::string> read_string(const YAML::Node& node, std::string_view path, bool free_text = false) {
  if (!node.IsScalar()) return invalid(path, node, "expected a single value");
  Status text = check_text(node.Scalar(), free_text);
  if (!text.ok()) return invalid(path, node, text.error().message());
  return node.Scalar();
}

// A non-empty string; the common case for every field that is not free text.
Result<std::string> read_word(const YAML::Node& node, std::string_view path) {
  NIMBUS_ASSIGN_OR_RETURN(std::string value, read_string(node, path));
  if (value.empty()) return invalid(path, node, "is empty");
  return value;
}

Result<int> read_integer(const YAML::Node& node, std::string_view path) {
  NIMBUS_ASSIGN_OR_RETURN(std::string text, read_word(node, path));
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return invalid(path, node, fmt::format("'{}' is not a whole number", text));
  }
  return value;
}

template <typename T, std::size_t N>
Result<T> read_choice(const YAML::Node& node, std::string_view path, const Named<T> (&table)[N]) {
  NIMBUS_ASSIGN_OR_RETURN(std::string name, read_word(node, path));
  if (std::optional<T> value = value_named(table, name)) return *value;
  return invalid(path, node, fmt::format("'{}' is not one of {}", name, names_of(table)));
}

// A sequence, element by element: `read` turns each into a T. Empty lists are refused unless
// `may_be_empty`; repeated entries are refused, since a list that says a thing twice was rarely
// meant that way.
template <typename T, typename Reader>
Result<std::vector<T>> read_list(const YAML::Node& node, std::string_view path, bool may_be_empty,
                                 Reader read) {
  if (!node.IsSequence()) return invalid(path, node, "expected a list");
  if (node.size() == 0 && !may_be_empty) return invalid(path, node, "the list is empty");
  std::vector<T> values;
  for (std::size_t i = 0; i < node.size(); ++i) {
    std::string item_path = element_path(path, i);
    NIMBUS_ASSIGN_OR_RETURN(T value, read(node[i], item_path));
    if (std::find(values.begin(), values.end(), value) != values.end()) {
      return invalid(item_path, node[i], "repeats an earlier entry");
    }
    values.push_back(std::move(value));
  }
  return values;
}

template <typename T, std::size_t N>
Result<std::vector<T>> read_choices(const YAML::Node& node, std::string_view path, bool may_be_empty,
                                    const Named<T> (&table)[N]) {
  return read_list<T>(node, path, may_be_empty, [&](const YAML::Node& item, const std::string& item_path) {
    return read_choice(item, item_path, table);
  });
}

// ---- Fields -------------------------------------------------------------------------------------

bool is_standard_variable(std::string_view name) {
  auto standard = standard_variables();
  return std::find(standard.begin(), standard.end(), name) != standard.end();
}

Status read_identity(const Fields& fields, Profile& profile) {
  NIMBUS_ASSIGN_OR_RETURN(YAML::Node id, fields.required("id"));
  NIMBUS_ASSIGN_OR_RETURN(profile.id, read_word(id, "id"));
  // Profile ids end up in URLs and file names next to authority ids, so they follow the same rule.
  if (!ca::check_authority_id(profile.id).ok()) {
    return invalid("id", id,
                   fmt::format("'{}' is not a valid profile id: use 1 to 63 characters of a-z, 0-9 "
                               "and '-', not starting with '-'",
                               profile.id));
  }
  if (const YAML::Node* description = fields.find("description")) {
    NIMBUS_ASSIGN_OR_RETURN(profile.description, read_string(*description, "description", true));
  }
  NIMBUS_ASSIGN_OR_RETURN(YAML::Node issuing_ca, fields.required("issuing_ca"));
  NIMBUS_ASSIGN_OR_RETURN(profile.issuing_ca, read_word(issuing_ca, "issuing_ca"));
  Status authority = ca::check_authority_id(profile.issuing_ca);
  if (!authority.ok()) return invalid("issuing_ca", issuing_ca, authority.error().message());
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
                   fmt::format("'{}' is neither a known purpose ({}) nor a dotted OID such as "
                               "1.3.6.1.5.5.7.3.2",
                               text, names_of(kExtendedKeyUsages)));
  }
  if (*oid == kAnyExtendedKeyUsage) {
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
  if (bits < kMinRsaBits) {
    return refused(path, node,
                   fmt::format("{} bits is too short: RSA keys below {} bits can be factored and are "
                               "refused by clients; use {} or more",
                               bits, kMinRsaBits, kMinRsaBits));
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
    constexpr Named<crypto::KeyAlgorithm> kAlgorithms[] = {{"rsa", crypto::KeyAlgorithm::kRsa},
                                                           {"ec", crypto::KeyAlgorithm::kEc}};
    NIMBUS_ASSIGN_OR_RETURN(std::vector<crypto::KeyAlgorithm> allowed,
                            read_choices(*algorithms, key.path("algorithms"), false, kAlgorithms));
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

// Key encipherment means RSA key transport, key agreement means (EC)DH: a usage the allowed keys
// cannot perform would make certificates that fail in use, not at issuance.
Status check_usages_fit_keys(const Profile& profile, const Fields& fields) {
  YAML::Node usages = *fields.find("key_usage");
  for (std::size_t i = 0; i < profile.key_usage.size(); ++i) {
    x509::KeyUsage usage = profile.key_usage[i];
    bool needs_rsa = usage == x509::KeyUsage::kKeyEncipherment || usage == x509::KeyUsage::kDataEncipherment;
    bool needs_ec = usage == x509::KeyUsage::kKeyAgreement;
    std::string path = element_path("key_usage", i);
    if (needs_rsa && !profile.key.allow_rsa) {
      return refused(path, usages[i],
                     fmt::format("{} needs an RSA key; the profile allows only EC (key.algorithms)",
                                 key_usage_name(usage)));
    }
    if (needs_ec && !profile.key.allow_ec) {
      return refused(path, usages[i],
                     fmt::format("{} needs an EC key; the profile allows only RSA (key.algorithms)",
                                 key_usage_name(usage)));
    }
  }
  return ok_status();
}

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

std::vector<x509::KeyUsage> usages_for(const std::vector<x509::KeyUsage>& usages, crypto::KeyAlgorithm algorithm) {
  std::vector<x509::KeyUsage> applicable;
  for (x509::KeyUsage usage : usages) {
    if (usage_applies(usage, algorithm)) applicable.push_back(usage);
  }
  return applicable;
}

bool has_usage(const std::vector<x509::KeyUsage>& usages, x509::KeyUsage usage) {
  return std::find(usages.begin(), usages.end(), usage) != usages.end();
}

// With a profile that allows both algorithms, each key gets only the usages it can perform
// (key_usages_for). Whatever a key ends up with must still be a usable certificate: at least one
// usage, and the ones its purposes need (RFC 5280 4.2.1.12).
Status check_usages_per_algorithm(const Profile& profile, const Fields& fields) {
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
      return refused("key_usage", *fields.find("key_usage"),
                     fmt::format("none of these usages applies to {}, which the profile allows; add "
                                 "digital_signature or narrow key.algorithms",
                                 each.label));
    }
    bool signs = has_usage(usages, x509::KeyUsage::kDigitalSignature);
    bool agrees = has_usage(usages, x509::KeyUsage::kKeyAgreement);
    bool enciphers = has_usage(usages, x509::KeyUsage::kKeyEncipherment);
    YAML::Node purposes = *fields.find("extended_key_usage");
    for (std::size_t i = 0; i < profile.extended_key_usage.size(); ++i) {
      const std::string& purpose = profile.extended_key_usage[i];
      std::string path = element_path("extended_key_usage", i);
      if (purpose == *value_named(kExtendedKeyUsages, "client_auth") && !signs && !agrees) {
        return refused(path, purposes[i],
                       fmt::format("client_auth needs digital_signature (or key_agreement, for EC keys) in "
                                   "key_usage; {} would get neither",
                                   each.label));
      }
      if (purpose == *value_named(kExtendedKeyUsages, "server_auth") && !signs && !agrees && !enciphers) {
        return refused(path, purposes[i],
                       fmt::format("server_auth needs digital_signature, key_encipherment (RSA) or "
                                   "key_agreement (EC) in key_usage; {} would get none of them",
                                   each.label));
      }
    }
  }
  return ok_status();
}

// Ignores parser events except where documents start.
class DocumentStarts : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark& mark) override { starts.push_back(mark); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}

  std::vector<YAML::Mark> starts;
};

// Where the documents in `yaml` start, looking no further than the second. Not YAML::LoadAll:
// yaml-cpp 0.7 can report empty documents forever on malformed input (",") and LoadAll collects
// them until memory runs out (fixed upstream in yaml-cpp#1319).
std::vector<YAML::Mark> document_starts(const std::string& yaml) {
  std::istringstream in(yaml);
  YAML::Parser parser(in);
  DocumentStarts events;
  for (int document = 0; document < 2 && parser.HandleNextDocument(events); ++document) {
  }
  return events.starts;
}

Result<YAML::Node> load_document(std::string_view yaml) {
  if (yaml.size() > kMaxDocumentSize) {
    return Error(ErrorCode::kInvalidArgument,
                 fmt::format("the profile is {} bytes; a profile is at most {} bytes", yaml.size(), kMaxDocumentSize));
  }
  std::string text(yaml);
  try {
    // YAML::Load would silently ignore whatever follows the first document; refuse it instead.
    std::vector<YAML::Mark> starts = document_starts(text);
    if (starts.empty()) return Error(ErrorCode::kInvalidArgument, "the profile is empty");
    if (starts.size() > 1) {
      return Error(ErrorCode::kInvalidArgument,
                   fmt::format("line {}: the profile ends before this line; a profile is exactly one YAML "
                               "document",
                               starts[1].line + 1));
    }
    return YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return Error(ErrorCode::kInvalidArgument, fmt::format("line {}: {}", e.mark.line + 1, e.msg));
  }
}

Result<Profile> read_profile(const YAML::Node& root) {
  NIMBUS_ASSIGN_OR_RETURN(Fields fields, Fields::read(root, "", kProfileFields));
  Profile profile;
  NIMBUS_TRY(read_identity(fields, profile));
  NIMBUS_TRY(read_names(fields, profile));
  NIMBUS_TRY(read_usages(fields, profile));
  NIMBUS_TRY(read_key_and_lifecycle(fields, profile));
  NIMBUS_TRY(check_usages_fit_keys(profile, fields));
  NIMBUS_TRY(check_usages_per_algorithm(profile, fields));
  return profile;
}

// ---- Writing ------------------------------------------------------------------------------------

std::string validity_text(Duration validity) {
  auto hours = std::chrono::duration_cast<std::chrono::hours>(validity).count();
  return hours % 24 == 0 ? fmt::format("{}d", hours / 24) : fmt::format("{}h", hours);
}

std::string extended_key_usage_text(const std::string& oid) {
  for (const auto& entry : kExtendedKeyUsages) {
    if (entry.value == oid) return std::string(entry.name);
  }
  return oid;
}

std::vector<std::string> algorithm_names(const KeyPolicy& key) {
  std::vector<std::string> names;
  if (key.allow_rsa) names.push_back("rsa");
  if (key.allow_ec) names.push_back("ec");
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

}  // namespace

std::string_view certificate_type_name(CertificateType type) { return name_of(kCertificateTypes, type); }
std::string_view san_type_name(SanType type) { return name_of(kSanTypes, type); }
std::string_view key_storage_name(KeyStorage storage) { return name_of(kKeyStorages, storage); }
std::string_view strong_mapping_name(StrongMapping mapping) { return name_of(kStrongMappings, mapping); }

std::string_view key_usage_name(x509::KeyUsage usage) {
  std::string_view name = name_of(kEndEntityKeyUsages, usage);
  return name != "unknown" ? name : name_of(kCaKeyUsages, usage);
}

std::vector<x509::KeyUsage> key_usages_for(const Profile& profile, const crypto::PublicKey& key) {
  if (key.is_rsa()) return usages_for(profile.key_usage, crypto::KeyAlgorithm::kRsa);
  if (key.is_ec()) return usages_for(profile.key_usage, crypto::KeyAlgorithm::kEc);
  return profile.key_usage;
}

Result<Profile> parse_profile(std::string_view yaml) {
  NIMBUS_ASSIGN_OR_RETURN(YAML::Node root, load_document(yaml));
  // Reading uses only checked accessors; this is for whatever yaml-cpp may still throw.
  try {
    return read_profile(root);
  } catch (const YAML::Exception& e) {
    return Error(ErrorCode::kInvalidArgument, fmt::format("line {}: {}", e.mark.line + 1, e.msg));
  }
}

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
  emit_list(out, "extended_key_usage", names_of_values(profile.extended_key_usage, extended_key_usage_text));
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
      {"extended_key_usage", names_of_values(profile.extended_key_usage, extended_key_usage_text)},
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
  };
}

}  // namespace nimbus::profile
