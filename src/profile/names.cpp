#include "profile/names.h"

#include <charconv>
#include <cstdint>

#include <fmt/format.h>

#include "profile/text.h"

namespace nimbus::profile {

namespace {

constexpr std::string_view kSidVariable = "OnPremisesSecurityIdentifier";

constexpr std::size_t kMaxDnsLabel = 63;
constexpr std::size_t kMaxDnsName = 253;

bool is_ascii_letter(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Spaces and control characters end a name or address wherever they appear; non-ASCII is up to
// the caller.
bool has_space_or_control(std::string_view text) {
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte == 0x7F) return true;
  }
  return false;
}

bool is_ascii(std::string_view text) {
  for (char c : text) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

bool is_dns_label(std::string_view label) {
  if (label.empty() || label.size() > kMaxDnsLabel) return false;
  if (label.front() == '-' || label.back() == '-') return false;
  for (char c : label) {
    if (!is_ascii_letter(c) && !is_digit(c) && c != '-') return false;
  }
  return true;
}

bool is_dns_name(std::string_view name) {
  if (name.starts_with("*.")) name.remove_prefix(2);
  if (name.empty() || name.size() > kMaxDnsName) return false;
  std::size_t start = 0;
  while (true) {
    std::size_t dot = name.find('.', start);
    if (!is_dns_label(name.substr(start, dot - start))) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

// user@domain: the shape UPNs and email addresses share.
bool is_address(std::string_view text) {
  std::size_t at = text.find('@');
  return at != std::string_view::npos && at > 0 && at + 1 < text.size() &&
         text.find('@', at + 1) == std::string_view::npos && !has_space_or_control(text);
}

// RFC 3986 scheme ":" and something after it.
bool is_uri(std::string_view text) {
  std::size_t colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 >= text.size()) return false;
  if (!is_ascii_letter(text.front())) return false;
  for (char c : text.substr(0, colon)) {
    if (!is_ascii_letter(c) && !is_digit(c) && c != '+' && c != '.' && c != '-') return false;
  }
  return !has_space_or_control(text);
}

// A decimal number without leading zeros, no larger than `maximum`.
bool is_canonical_number(std::string_view text, std::uint64_t maximum) {
  if (text.empty() || (text.size() > 1 && text.front() == '0')) return false;
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc() && end == text.data() + text.size() && value <= maximum;
}

Error invalid_value(std::string_view value, std::string_view what) {
  return Error(ErrorCode::kInvalidArgument, fmt::format("'{}' is not a valid {}", value, what));
}

// Values must be printable UTF-8 before they go anywhere near a certificate: escaping keeps a
// newline from breaking the DN, but a name with a newline in it is still wrong.
Status check_variable_values(std::string_view text, const Variables& values) {
  NIMBUS_ASSIGN_OR_RETURN(std::vector<std::string> names, template_variables(text));
  for (const std::string& name : names) {
    auto value = values.find(name);
    if (value == values.end()) continue;  // rendering reports it
    Status checked = check_text(value->second);
    if (!checked.ok()) return std::move(checked).error().with_context(fmt::format("variable '{}'", name));
  }
  return ok_status();
}

Result<std::string> render_checked(std::string_view text, const Variables& values, Escaping escaping) {
  NIMBUS_TRY(check_variable_values(text, values));
  return render_template(text, values, escaping);
}

Result<x509::DistinguishedName> render_subject(const Profile& profile, const Variables& values) {
  NIMBUS_ASSIGN_OR_RETURN(std::string text,
                          render_checked(profile.subject, values, Escaping::kDistinguishedName));
  NIMBUS_ASSIGN_OR_RETURN(x509::DistinguishedName subject, x509::DistinguishedName::parse(text));
  if (subject.empty()) return Error(ErrorCode::kInvalidArgument, "the subject is empty");
  return subject;
}

Result<std::string> render_security_identifier(const Variables& values) {
  auto sid = values.find(std::string(kSidVariable));
  if (sid == values.end() || sid->second.empty()) {
    return Error(ErrorCode::kInvalidArgument,
                 fmt::format("variable '{}' is not set for this enrollment; the profile maps "
                             "certificates to accounts by SID, so every enrollment needs one",
                             kSidVariable));
  }
  NIMBUS_TRY(check_security_identifier(sid->second));
  return sid->second;
}

Error with_path(Error error, std::string_view path) {
  return std::move(error).with_context(path);
}

}  // namespace

Status check_san_value(SanType type, std::string_view value) {
  switch (type) {
    case SanType::kDns:
      if (!is_dns_name(value)) return invalid_value(value, "DNS name");
      break;
    case SanType::kUpn:
      NIMBUS_TRY(check_text(value));
      if (!is_address(value)) return invalid_value(value, "user principal name (user@domain)");
      break;
    case SanType::kEmail:
      // rfc822Name is an IA5String: international addresses do not fit in it.
      if (!is_ascii(value) || !is_address(value)) return invalid_value(value, "email address");
      break;
    case SanType::kUri:
      if (!is_ascii(value) || !is_uri(value)) return invalid_value(value, "URI (scheme:...)");
      break;
  }
  return ok_status();
}

Status check_security_identifier(std::string_view sid) {
  // S-1-<identifier authority, 48 bits>-<1 to 15 sub-authorities, 32 bits each>, as Windows writes
  // it: no leading zeros, so that the string in a SAN URI matches the account's exactly.
  constexpr std::size_t kMaxSubAuthorities = 15;
  constexpr std::uint64_t kMaxAuthority = (std::uint64_t{1} << 48) - 1;
  constexpr std::uint64_t kMaxSubAuthority = 0xFFFFFFFF;
  auto invalid = [&] {
    return Error(ErrorCode::kInvalidArgument,
                 fmt::format("'{}' is not a Windows SID (S-1-5-21-<domain>-<RID>)", sid));
  };
  if (!sid.starts_with("S-1-") || sid.size() > 200) return invalid();
  std::string_view rest = sid.substr(4);
  std::size_t dash = rest.find('-');
  if (dash == std::string_view::npos || !is_canonical_number(rest.substr(0, dash), kMaxAuthority)) {
    return invalid();
  }
  std::size_t count = 0;
  while (dash != std::string_view::npos) {
    rest.remove_prefix(dash + 1);
    dash = rest.find('-');
    if (++count > kMaxSubAuthorities || !is_canonical_number(rest.substr(0, dash), kMaxSubAuthority)) {
      return invalid();
    }
  }
  return ok_status();
}

Result<RenderedNames> render_names(const Profile& profile, const Variables& values) {
  auto subject = render_subject(profile, values);
  if (!subject.ok()) return with_path(std::move(subject).error(), "subject");
  RenderedNames names{std::move(subject).value(), {}, {}};

  for (std::size_t i = 0; i < profile.subject_alt_names.size(); ++i) {
    const SanTemplate& san = profile.subject_alt_names[i];
    std::string path = fmt::format("subject_alt_names[{}] ({})", i, san_type_name(san.type));
    auto value = render_checked(san.value, values, Escaping::kNone);
    if (!value.ok()) return with_path(std::move(value).error(), path);
    Status checked = check_san_value(san.type, *value);
    if (!checked.ok()) return with_path(std::move(checked).error(), path);
    names.subject_alt_names.push_back({san.type, std::move(value).value()});
  }

  if (profile.strong_mapping == StrongMapping::kNone) return names;
  auto sid = render_security_identifier(values);
  if (!sid.ok()) {
    return with_path(std::move(sid).error(),
                     fmt::format("strong_mapping ({})", strong_mapping_name(profile.strong_mapping)));
  }
  bool uri = profile.strong_mapping == StrongMapping::kSanUri || profile.strong_mapping == StrongMapping::kBoth;
  bool extension =
      profile.strong_mapping == StrongMapping::kSidExtension || profile.strong_mapping == StrongMapping::kBoth;
  if (uri) names.subject_alt_names.push_back({SanType::kUri, std::string(kSidUriPrefix) + *sid});
  if (extension) names.security_identifier = *sid;
  return names;
}

}  // namespace nimbus::profile
