// The names a certificate request asks for, held to a profile's templates. For enrollments an MDM
// vouches for (challenge.mode: webhook) there is no enrollment record to render from: the device
// says who it is, and the profile says what it may be.
#pragma once

#include <string>
#include <vector>

#include "core/result.h"
#include "profile/profile.h"
#include "profile/variables.h"
#include "x509/name.h"

namespace nimbus::profile {

// The variables with which the profile's subject and subject alternative name templates render
// exactly `subject` and `alt_names` (written as x509::subject_alt_names writes them: "DNS:host",
// "UPN:user@domain", "email:a@b", "URI:..."). Every attribute of the subject must come from the
// subject template (the same types in the same RDNs, in the same order, its literal text as the
// template has it) and every requested name from one of the SAN templates of its type; a name the
// templates do not give, or one they give that the request lacks, is refused, never dropped or
// added. With strong mapping, the SID comes from the request's SID URI. Refusals are
// kPolicyViolation naming the name; values are checked as render_names checks them.
Result<Variables> variables_for_request(const Profile& profile, const x509::DistinguishedName& subject,
                                        const std::vector<std::string>& alt_names);

}  // namespace nimbus::profile
