// How profiles, enrollments and their challenges are shown to scripts: the JSON of `profile`,
// `enrollment` and the REST API (schema: docs/json.md).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "profile/enrollment_challenges.h"
#include "profile/profile_catalog.h"
#include "store/records.h"

namespace nimbus::views {

nlohmann::json profile_record_json(const profile::StoredProfile& stored);

nlohmann::json enrollment_json(const store::EnrollmentRecord& record);

// A challenge as it is shown once, when it is made: its text, expiry and the SCEP URL to use it at.
nlohmann::json challenge_json(const profile::NewChallenge& challenge, const std::string& scep_url);

}  // namespace nimbus::views
