#include "views/profile_view.h"

#include "core/time.h"

namespace nimbus::views {

using nlohmann::json;

json profile_record_json(const profile::StoredProfile& stored) {
  json out = profile::profile_to_json(stored.profile);
  out["version"] = stored.record.version;
  out["created_at"] = format_timestamp(stored.record.created_at);
  out["updated_at"] = format_timestamp(stored.record.updated_at);
  return out;
}

json enrollment_json(const store::EnrollmentRecord& record) {
  json out;
  out["id"] = record.id;
  out["profile"] = record.profile_id;
  out["profile_version"] = record.profile_version;
  out["status"] = std::string(store::enrollment_status_name(record.status));
  out["subject"] = record.subject;
  out["subject_alt_names"] = json::parse(record.subject_alt_names, nullptr, false);
  out["variables"] = json::parse(record.variables, nullptr, false);
  out["created_at"] = format_timestamp(record.created_at);
  out["used_at"] = record.used_at ? json(format_timestamp(*record.used_at)) : json(nullptr);
  out["certificate_serial"] = record.certificate_serial ? json(*record.certificate_serial) : json(nullptr);
  return out;
}

json challenge_json(const profile::NewChallenge& challenge, const std::string& scep_url) {
  return {{"challenge", std::string(challenge.text.reveal())},
          {"challenge_expires_at", format_timestamp(challenge.record.expires_at)},
          {"scep_url", scep_url}};
}

}  // namespace nimbus::views
