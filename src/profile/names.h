// Rendering a profile's subject and subject alternative names for one enrollment record.
#pragma once

#include <string>
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

}  // namespace nimbus::profile
