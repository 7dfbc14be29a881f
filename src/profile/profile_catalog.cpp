#include "profile/profile_catalog.h"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "crypto/random.h"
#include "pki/authority_id.h"
#include "profile/names.h"
#include "x509/certificate.h"

namespace nimbus::profile {

namespace {

Status check_variable_names(const Profile& profile, const Variables& variables) {
  for (const auto& [name, value] : variables) {
    auto standard = standard_variables();
    bool known = std::find(standard.begin(), standard.end(), name) != standard.end() ||
                 std::find(profile.custom_variables.begin(), profile.custom_variables.end(), name) !=
                     profile.custom_variables.end();
    if (!known) {
      return Error(ErrorCode::kInvalidArgument,
                   fmt::format("variable '{}' is not used by profile '{}' (standard variables: {}{})", name,
                               profile.id, fmt::join(standard, ", "),
                               profile.custom_variables.empty()
                                   ? std::string()
                                   : fmt::format("; custom: {}", fmt::join(profile.custom_variables, ", "))));
    }
  }
  return ok_status();
}

std::string names_json(const std::vector<SubjectAltName>& names) {
  nlohmann::json list = nlohmann::json::array();
  for (const SubjectAltName& name : names) {
    list.push_back({{"type", std::string(san_type_name(name.type))}, {"value", name.value}});
  }
  return list.dump();
}

}  // namespace

ProfileCatalog::ProfileCatalog(store::Store& store, std::string actor, Clock clock)
    : store_(store), actor_(std::move(actor)), clock_(std::move(clock)) {}

Result<AppliedProfile> ProfileCatalog::apply(std::string_view yaml, const std::optional<IssuingCaChoice>& issuing_ca) {
  std::string_view named_by = "issuing_ca";
  std::optional<std::string_view> chosen;
  if (issuing_ca) {
    Status valid = pki::check_authority_id(issuing_ca->id);
    if (!valid.ok()) return std::move(valid).error().with_context(issuing_ca->given_as);
    named_by = issuing_ca->given_as;
    chosen = issuing_ca->id;
  }
  NIMBUS_ASSIGN_OR_RETURN(Profile profile, parse_profile(yaml, chosen));
  NIMBUS_ASSIGN_OR_RETURN(auto authority, store_.find_authority(profile.issuing_ca));
  if (!authority) {
    return Error(ErrorCode::kInvalidArgument,
                 fmt::format("{}: no authority '{}' in this deployment (see 'nimbus ca list')", named_by,
                             profile.issuing_ca));
  }
  if (authority->kind != store::AuthorityKind::kIssuing || !authority->certificate_der ||
      authority->status == store::AuthorityStatus::kRevoked) {
    return Error(ErrorCode::kPolicyViolation,
                 fmt::format("{}: '{}' is {} {} CA that is {}; a profile needs an issuing CA with a certificate "
                             "that is not revoked",
                             named_by, profile.issuing_ca, authority->kind == store::AuthorityKind::kRoot ? "a" : "an",
                             store::authority_kind_name(authority->kind),
                             store::authority_status_name(authority->status)));
  }
  NIMBUS_ASSIGN_OR_RETURN(x509::Certificate ca_certificate, x509::Certificate::from_der(*authority->certificate_der));
  Timestamp now = clock_();
  if (now + profile.validity > ca_certificate.not_after()) {
    auto days_left = std::chrono::duration_cast<std::chrono::hours>(ca_certificate.not_after() - now).count() / 24;
    return Error(ErrorCode::kPolicyViolation,
                 fmt::format("validity: {} is longer than the {} days the issuing CA '{}' has left (it expires {})",
                             describe_duration(profile.validity), days_left, profile.issuing_ca,
                             format_timestamp(ca_certificate.not_after())));
  }

  if (profile.challenge.mode == ChallengeMode::kWebhook) {
    NIMBUS_ASSIGN_OR_RETURN(std::optional<StoredProfile> other, webhook_profile(profile.issuing_ca));
    if (other && other->record.id != profile.id) {
      return Error(ErrorCode::kPolicyViolation,
                   fmt::format("challenge.mode: profile '{}' already takes the challenges of '{}' from an MDM; a "
                               "CA has at most one such profile, because a challenge it does not know names none",
                               other->record.id, profile.issuing_ca));
    }
  }

  std::string document = profile_to_yaml(profile);
  NIMBUS_ASSIGN_OR_RETURN(auto existing, store_.find_profile(profile.id));
  AppliedProfile applied{{}, profile, !existing.has_value(), !existing || existing->document != document};
  if (!applied.changed) {
    applied.record = *existing;
    return applied;
  }
  NIMBUS_TRY(store_.write([&](store::StoreWriter& tx) -> Status {
    NIMBUS_ASSIGN_OR_RETURN(std::uint64_t last_version, tx.last_profile_version(profile.id));
    applied.record = {profile.id, last_version + 1, profile.issuing_ca, document,
                      existing ? existing->created_at : now, now};
    NIMBUS_TRY(tx.put_profile(applied.record));
    return tx.append_audit({now, actor_, "profile.apply", profile.id,
                            fmt::format("version={} issuing_ca={}", applied.record.version, profile.issuing_ca)});
  }));
  spdlog::info("profile '{}' is now version {}", profile.id, applied.record.version);
  if (profile.challenge.mode == ChallengeMode::kWebhook && profile.challenge.webhook_url.starts_with("http://") &&
      !profile.challenge.webhook_url.starts_with("http://127.0.0.1") &&
      !profile.challenge.webhook_url.starts_with("http://localhost")) {
    // The question carries the device's challenge; the HMAC proves who asked, but hides nothing.
    spdlog::warn("profile '{}': challenge.webhook_url {} is plain http: the challenges it is asked about cross the "
                 "network readable; use https:// unless the MDM is on this host",
                 profile.id, profile.challenge.webhook_url);
  }
  return applied;
}

Result<StoredProfile> ProfileCatalog::get(const std::string& id) {
  NIMBUS_ASSIGN_OR_RETURN(auto record, store_.find_profile(id));
  if (!record) return Error(ErrorCode::kNotFound, fmt::format("no profile '{}' (see 'nimbus profile list')", id));
  auto profile = parse_profile(record->document);
  if (!profile.ok()) return std::move(profile).error().with_context(fmt::format("stored profile '{}'", id));
  return StoredProfile{std::move(*record), std::move(profile).value()};
}

Result<std::vector<StoredProfile>> ProfileCatalog::list() {
  NIMBUS_ASSIGN_OR_RETURN(auto records, store_.list_profiles());
  std::vector<StoredProfile> profiles;
  for (const store::ProfileRecord& record : records) {
    NIMBUS_ASSIGN_OR_RETURN(StoredProfile stored, get(record.id));
    profiles.push_back(std::move(stored));
  }
  return profiles;
}

Result<std::optional<StoredProfile>> ProfileCatalog::webhook_profile(const std::string& authority_id) {
  NIMBUS_ASSIGN_OR_RETURN(auto records, store_.list_profiles());
  for (const store::ProfileRecord& record : records) {
    if (record.issuing_ca != authority_id) continue;
    NIMBUS_ASSIGN_OR_RETURN(StoredProfile stored, get(record.id));
    if (stored.profile.challenge.mode == ChallengeMode::kWebhook) return std::optional<StoredProfile>(std::move(stored));
  }
  return std::optional<StoredProfile>();
}

Status ProfileCatalog::remove(const std::string& id) {
  NIMBUS_ASSIGN_OR_RETURN(StoredProfile stored, get(id));
  Timestamp now = clock_();
  return store_.write([&](store::StoreWriter& tx) -> Status {
    NIMBUS_ASSIGN_OR_RETURN(std::size_t pending, tx.count_pending_enrollments(id));
    if (pending > 0) {
      return Error(ErrorCode::kFailedPrecondition,
                   fmt::format("profile '{}' has {} pending enrollment{}; they would be orphaned, so it is kept", id,
                               pending, pending == 1 ? "" : "s"));
    }
    NIMBUS_TRY(tx.delete_profile(id));
    return tx.append_audit({now, actor_, "profile.delete", id, fmt::format("version={}", stored.record.version)});
  });
}

Result<store::EnrollmentRecord> new_enrollment_record(const StoredProfile& stored, const Variables& variables,
                                                      Timestamp now) {
  NIMBUS_TRY(check_variable_names(stored.profile, variables));
  NIMBUS_ASSIGN_OR_RETURN(RenderedNames names, render_names(stored.profile, variables));
  NIMBUS_ASSIGN_OR_RETURN(Bytes id, crypto::random_bytes(8));
  store::EnrollmentRecord record;
  record.id = to_hex(id);
  record.profile_id = stored.record.id;
  record.profile_version = stored.record.version;
  record.variables = nlohmann::json(variables).dump();
  record.subject = names.subject.to_string();
  record.subject_alt_names = names_json(names.subject_alt_names);
  record.status = store::EnrollmentStatus::kPending;
  record.created_at = now;
  return record;
}

Result<NewEnrollment> ProfileCatalog::create_enrollment(const std::string& profile_id, const Variables& variables) {
  NIMBUS_ASSIGN_OR_RETURN(StoredProfile stored, get(profile_id));
  NIMBUS_ASSIGN_OR_RETURN(store::EnrollmentRecord record, new_enrollment_record(stored, variables, clock_()));
  std::optional<NewChallenge> challenge;
  NIMBUS_TRY(store_.write([&](store::StoreWriter& tx) -> Status {
    challenge.reset();
    NIMBUS_TRY(tx.insert_enrollment(record));
    if (stored.profile.challenge.mode == ChallengeMode::kStore) {
      NIMBUS_ASSIGN_OR_RETURN(challenge, make_challenge(tx, record.id, record.created_at));
    }
    return tx.append_audit({record.created_at, actor_, "enrollment.create", record.id,
                            fmt::format("profile={} subject=\"{}\"{}", profile_id, record.subject,
                                        challenge ? fmt::format(" challenge_expires={}",
                                                                format_timestamp(challenge->record.expires_at))
                                                  : "")});
  }));
  return NewEnrollment{std::move(record), std::move(challenge)};
}

Result<NewChallenge> ProfileCatalog::new_challenge(const std::string& enrollment_id) {
  std::optional<NewChallenge> challenge;
  Timestamp now = clock_();
  NIMBUS_TRY(store_.write([&](store::StoreWriter& tx) -> Status {
    NIMBUS_ASSIGN_OR_RETURN(challenge, make_challenge(tx, enrollment_id, now));
    return tx.append_audit({now, actor_, "enrollment.challenge", enrollment_id,
                            fmt::format("expires={}; earlier challenges void", format_timestamp(challenge->record.expires_at))});
  }));
  return std::move(*challenge);
}

Result<store::EnrollmentRecord> ProfileCatalog::enrollment(const std::string& id) {
  NIMBUS_ASSIGN_OR_RETURN(auto record, store_.find_enrollment(id));
  if (!record) return Error(ErrorCode::kNotFound, fmt::format("no enrollment '{}' (see 'nimbus enrollment list')", id));
  return std::move(*record);
}

}  // namespace nimbus::profile
