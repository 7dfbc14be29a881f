// The rules that concern a profile as a whole rather than one field: whether its key usages suit
// the key algorithms it allows and the purposes (extended key usages) it grants, for every allowed
// algorithm. Checked on a parsed Profile, so they know nothing of YAML; parse_profile reports a
// violation at the field it names, with that field's line.
//
// Internal to profile/ (key_usages_for, in profile.h, is the public face of these rules).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/key.h"
#include "profile/profile.h"
#include "x509/certificate.h"

namespace nimbus::profile {

// A rule a profile breaks: the field it is reported at ("key_usage", "extended_key_usage"), the
// element of that list when one element is at fault, and why, in words for the profile's author.
struct RuleViolation {
  std::string_view field;
  std::optional<std::size_t> element;
  std::string reason;
};

// The first rule `profile` breaks, or nullopt. Fields are otherwise valid (each was read and
// checked on its own); key_usage and extended_key_usage are not empty. The rules, in order:
//  - a usage the allowed algorithms cannot perform at all (key encipherment with EC keys only);
//  - for each allowed algorithm, the usages a key of it would get (usages_for) must not be empty
//    and must include what each purpose needs (RFC 5280 4.2.1.12).
std::optional<RuleViolation> find_rule_violation(const Profile& profile);

// The usages in `usages` (in their order) that a key of `algorithm` can perform: key and data
// encipherment only with RSA (RFC 5480 forbids them for EC keys), key agreement only with EC.
std::vector<x509::KeyUsage> usages_for(const std::vector<x509::KeyUsage>& usages, crypto::KeyAlgorithm algorithm);

}  // namespace nimbus::profile
