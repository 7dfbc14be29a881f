#include "profile/requested_names.h"

#include <algorithm>
#include <utility>

#include <fmt/format.h>

#include "profile/names.h"

namespace nimbus::profile {

namespace {

// Matching backtracks over a value for each variable it has yet to bind: values longer than any
// name a certificate should carry are refused first, and the work per value is bounded.
constexpr std::size_t kMaxValueSize = 1024;
constexpr std::size_t kMaxMatchSteps = 100000;

// A variable's stand-in while the subject template is parsed as a DN: U+E080 plus the variable's
// index, a character of the Unicode private use area that neither templates nor escaping produce.
constexpr std::string_view kMarkerLead = "\xEE\x82";
constexpr unsigned char kMarkerBase = 0x80;
constexpr std::size_t kMaxMarkedVariables = 64;

constexpr std::string_view kSidVariable = "OnPremisesSecurityIdentifier";

Error refused(std::string why) { return Error(ErrorCode::kPolicyViolation, std::move(why)); }

std::string_view alt_name_prefix(SanType type) {
  switch (type) {
    case SanType::kDns: return "DNS:";
    case SanType::kUpn: return "UPN:";
    case SanType::kEmail: return "email:";
    case SanType::kUri: return "URI:";
  }
  return "";
}

// Binds template variables to the text of the names a request asks for, consistently across all of
// them: a variable bound by one name must have the same value in every other.
class Matcher {
 public:
  // True when `pieces` render `value` with the variables bound so far, binding the ones still
  // free; on false the bindings are as they were.
  bool match(const std::vector<TemplatePiece>& pieces, std::string_view value) {
    if (value.size() > kMaxValueSize) return false;
    steps_ = 0;
    return match_from(pieces, 0, value);
  }

  Variables& bound() { return bound_; }

 private:
  bool match_from(const std::vector<TemplatePiece>& pieces, std::size_t index, std::string_view rest) {
    if (++steps_ > kMaxMatchSteps) return false;
    if (index == pieces.size()) return rest.empty();
    const TemplatePiece& piece = pieces[index];
    if (!piece.is_variable) {
      return rest.starts_with(piece.text) && match_from(pieces, index + 1, rest.substr(piece.text.size()));
    }
    if (auto bound = bound_.find(piece.text); bound != bound_.end()) {
      return rest.starts_with(bound->second) && match_from(pieces, index + 1, rest.substr(bound->second.size()));
    }
    for (std::size_t length = 1; length <= rest.size(); ++length) {
      bound_[piece.text] = std::string(rest.substr(0, length));
      if (match_from(pieces, index + 1, rest.substr(length))) return true;
    }
    bound_.erase(piece.text);
    return false;
  }

  Variables bound_;
  std::size_t steps_ = 0;
};

// The pieces of one attribute value of the marked subject template.
std::vector<TemplatePiece> marked_pieces(std::string_view value, const std::vector<std::string>& names) {
  std::vector<TemplatePiece> pieces;
  std::string literal;
  for (std::size_t i = 0; i < value.size();) {
    if (value.substr(i).starts_with(kMarkerLead) && i + kMarkerLead.size() < value.size()) {
      std::size_t index = static_cast<unsigned char>(value[i + kMarkerLead.size()]) - std::size_t{kMarkerBase};
      if (index < names.size()) {
        if (!literal.empty()) pieces.push_back({false, std::exchange(literal, {})});
        pieces.push_back({true, names[index]});
        i += kMarkerLead.size() + 1;
        continue;
      }
    }
    literal.push_back(value[i++]);
  }
  if (!literal.empty()) pieces.push_back({false, std::move(literal)});
  return pieces;
}

// The subject template as a DN whose values hold markers where the variables go.
Result<std::vector<x509::NameAttribute>> marked_subject(const Profile& profile, std::vector<std::string>& names) {
  NIMBUS_ASSIGN_OR_RETURN(std::vector<std::string> referenced, template_variables(profile.subject));
  for (std::string& name : referenced) {
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(std::move(name));
  }
  if (names.size() > kMaxMarkedVariables) {
    return refused(fmt::format("the subject template names more than {} variables", kMaxMarkedVariables));
  }
  Variables markers;
  for (std::size_t i = 0; i < names.size(); ++i) {
    markers[names[i]] = std::string(kMarkerLead) + static_cast<char>(kMarkerBase + i);
  }
  NIMBUS_ASSIGN_OR_RETURN(std::string marked, render_template(profile.subject, markers, Escaping::kNone));
  NIMBUS_ASSIGN_OR_RETURN(x509::DistinguishedName parsed, x509::DistinguishedName::parse(marked));
  return parsed.attributes();
}

Status match_subject(const Profile& profile, const x509::DistinguishedName& subject, Matcher& matcher) {
  std::vector<std::string> names;
  NIMBUS_ASSIGN_OR_RETURN(std::vector<x509::NameAttribute> wanted, marked_subject(profile, names));
  std::vector<x509::NameAttribute> given = subject.attributes();
  for (std::size_t i = 0; i < given.size(); ++i) {
    const x509::NameAttribute& attribute = given[i];
    if (i >= wanted.size() || attribute.type != wanted[i].type || attribute.rdn != wanted[i].rdn) {
      return refused(fmt::format("the subject's {}={} is not where the profile's subject template '{}' has it",
                                 attribute.type, attribute.value, profile.subject));
    }
    if (!matcher.match(marked_pieces(wanted[i].value, names), attribute.value)) {
      return refused(fmt::format("the subject's {}={} does not match the profile's subject template '{}'",
                                 attribute.type, attribute.value, profile.subject));
    }
  }
  if (wanted.size() > given.size()) {
    return refused(fmt::format("the subject \"{}\" lacks the {} attribute of the profile's subject template '{}'",
                               subject.to_string(), wanted[given.size()].type, profile.subject));
  }
  return ok_status();
}

Status match_alt_names(const Profile& profile, const std::vector<std::string>& requested, Matcher& matcher) {
  std::vector<bool> used(requested.size(), false);
  if (profile.strong_mapping != StrongMapping::kNone) {
    std::string sid_uri = fmt::format("URI:{}", kSidUriPrefix);
    for (std::size_t i = 0; i < requested.size(); ++i) {
      if (!requested[i].starts_with(sid_uri)) continue;
      std::string sid = requested[i].substr(sid_uri.size());
      auto [bound, fresh] = matcher.bound().emplace(kSidVariable, sid);
      if (!fresh && bound->second != sid) {
        return refused(fmt::format("the request asks for {}, another SID than its other names give", requested[i]));
      }
      used[i] = true;
      break;
    }
  }
  for (std::size_t t = 0; t < profile.subject_alt_names.size(); ++t) {
    const SanTemplate& san = profile.subject_alt_names[t];
    NIMBUS_ASSIGN_OR_RETURN(std::vector<TemplatePiece> pieces, split_template(san.value));
    std::string_view prefix = alt_name_prefix(san.type);
    bool found = false;
    for (std::size_t i = 0; i < requested.size() && !found; ++i) {
      if (used[i] || !requested[i].starts_with(prefix)) continue;
      found = used[i] = matcher.match(pieces, std::string_view(requested[i]).substr(prefix.size()));
    }
    if (!found) {
      return refused(fmt::format("the request asks for no {} name of the form '{}' (subject_alt_names[{}]), which "
                                 "the profile gives every certificate",
                                 san_type_name(san.type), san.value, t));
    }
  }
  for (std::size_t i = 0; i < requested.size(); ++i) {
    if (!used[i]) {
      return refused(fmt::format("the request asks for {}, which the profile's subject_alt_names do not give",
                                 requested[i]));
    }
  }
  return ok_status();
}

std::vector<std::string> sorted(std::vector<std::string> names) {
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

Result<Variables> variables_for_request(const Profile& profile, const x509::DistinguishedName& subject,
                                        const std::vector<std::string>& alt_names) {
  Matcher matcher;
  NIMBUS_TRY(match_subject(profile, subject, matcher));
  NIMBUS_TRY(match_alt_names(profile, alt_names, matcher));
  auto rendered = render_names(profile, matcher.bound());
  if (!rendered.ok()) {
    return refused(fmt::format("the names the request asks for make no certificate of profile '{}': {}", profile.id,
                               rendered.error().message()));
  }
  // The matches were made piece by piece; the names rendered whole must be the ones asked for.
  std::vector<std::string> produced;
  for (const SubjectAltName& name : rendered->subject_alt_names) {
    produced.push_back(fmt::format("{}{}", alt_name_prefix(name.type), name.value));
  }
  if (rendered->subject.to_string() != subject.to_string() || sorted(produced) != sorted(alt_names)) {
    return refused(fmt::format("profile '{}' renders \"{}\" from the names the request asks for, not \"{}\"",
                               profile.id, rendered->subject.to_string(), subject.to_string()));
  }
  return std::move(matcher.bound());
}

}  // namespace nimbus::profile
