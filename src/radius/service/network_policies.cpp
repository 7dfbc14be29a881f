#include "radius/service/network_policies.h"

#include <algorithm>
#include <cctype>

#include "radius/dictionary.h"

namespace nimbus::radius {

namespace {

bool any_equal(const std::vector<std::string>& wanted, std::string_view value) {
  return std::find(wanted.begin(), wanted.end(), value) != wanted.end();
}

// The value of a SAN without its "DNS:" kind.
std::string_view san_value(std::string_view san) {
  std::size_t colon = san.find(':');
  return colon == std::string_view::npos ? san : san.substr(colon + 1);
}

int minute_of_day(Timestamp at) {
  auto since_midnight = at - std::chrono::floor<std::chrono::days>(at);
  return static_cast<int>(std::chrono::duration_cast<std::chrono::minutes>(since_midnight).count());
}

bool holds(const PolicyConditions& when, const RequestFacts& facts) {
  if (!when.nas.empty() && !any_equal(when.nas, facts.nas)) return false;
  if (!when.nas_address.empty() &&
      std::none_of(when.nas_address.begin(), when.nas_address.end(),
                   [&](const AddressRange& range) { return range.contains(facts.nas_address); })) {
    return false;
  }
  if (!when.issuing_ca.empty()) {
    bool by_id = facts.issuing_ca && any_equal(when.issuing_ca, *facts.issuing_ca);
    if (!by_id && !any_equal(when.issuing_ca, facts.issuer)) return false;
  }
  if (!when.profile.empty() && !(facts.profile && any_equal(when.profile, *facts.profile))) return false;
  if (!when.eku.empty() &&
      std::none_of(facts.ekus.begin(), facts.ekus.end(), [&](const std::string& eku) { return any_equal(when.eku, eku); })) {
    return false;
  }
  if (!when.subject.empty() &&
      std::none_of(when.subject.begin(), when.subject.end(),
                   [&](const std::string& pattern) { return glob_matches(pattern, facts.subject); })) {
    return false;
  }
  if (!when.san.empty()) {
    bool any = false;
    for (const std::string& san : facts.sans) {
      for (const std::string& pattern : when.san) any = any || glob_matches(pattern, san_value(san));
    }
    if (!any) return false;
  }
  if (when.time) {
    auto [from, to] = *when.time;
    int minute = minute_of_day(facts.at);
    bool inside = from < to ? (minute >= from && minute < to) : (minute >= from || minute < to);
    if (!inside) return false;
  }
  return true;
}

}  // namespace

bool glob_matches(std::string_view pattern, std::string_view text) {
  // Iterative matching with one backtrack point: linear in practice, never exponential.
  std::size_t p = 0, t = 0, star = std::string_view::npos, resume = 0;
  auto same = [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
  };
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || (pattern[p] != '*' && same(pattern[p], text[t])))) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

Result<NetworkPolicies> NetworkPolicies::build(const std::vector<NetworkPolicySettings>& settings) {
  NetworkPolicies policies;
  for (const NetworkPolicySettings& each : settings) {
    Policy policy{each, {}};
    for (const PolicyAttribute& attribute : each.attributes) {
      NIMBUS_ASSIGN_OR_RETURN(Attribute encoded, encode_reply_attribute(attribute.name, attribute.value));
      policy.attributes.push_back(std::move(encoded));
    }
    policies.policies_.push_back(std::move(policy));
  }
  return policies;
}

std::optional<PolicyMatch> NetworkPolicies::match(const RequestFacts& facts) const {
  if (policies_.empty()) return PolicyMatch{"default", true, {}};
  for (const Policy& policy : policies_) {
    if (holds(policy.settings.when, facts)) return PolicyMatch{policy.settings.name, policy.settings.grant, policy.attributes};
  }
  return std::nullopt;
}

bool NetworkPolicies::needs_issued_facts() const {
  return std::any_of(policies_.begin(), policies_.end(), [](const Policy& policy) {
    return !policy.settings.when.profile.empty() || !policy.settings.when.issuing_ca.empty();
  });
}

}  // namespace nimbus::radius
