// Rendering a profile's subject and subject alternative names for one enrollment record.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "profile/profile.h"
#include "profile/variables.h"
#include "x509/name.h"

namespace nimbus::profile {

struct SubjectAltName {
  SanType type = SanType::kDns;
  std::string value;
};

struct RenderedNames {
  x509::DistinguishedName subject;
  std::vector<SubjectAltName> subject_alt_names;  // includes the strong-mapping URI when asked
  std::string security_identifier;                // the SID for the SID extension; empty if none
};

// Renders and checks: the subject must parse as a non-empty DN; a UPN and an email need one '@'
// with text either side; a DNS name must be a valid host name (letters, digits, '-', dots, a
// leading "*." allowed); a URI needs a scheme. With strong mapping, OnPremisesSecurityIdentifier
// must be a SID ("S-1-5-21-..."); the SAN URI is tag:microsoft.com,2022-09-14:sid:<SID>. Each error
// names the field and the offending value.
Result<RenderedNames> render_names(const Profile& profile, const Variables& values);

// The SAN URI prefix by which Windows domain controllers map a certificate to an account
// (KB5014754); the SID follows it.
inline constexpr std::string_view kSidUriPrefix = "tag:microsoft.com,2022-09-14:sid:";

// The per-type checks render_names applies to one rendered SAN value. kInvalidArgument saying what
// is wrong with it, e.g. "'bad host!' is not a valid DNS name", without a field path.
Status check_san_value(SanType type, std::string_view value);

// A Windows SID in its string form: "S-1-5-21-1004336348-1177238915-682003330-512".
Status check_security_identifier(std::string_view sid);

}  // namespace nimbus::profile
