#include "profile/enrollment_challenges.h"

#include <fmt/format.h>

#include "crypto/digest.h"
#include "crypto/random.h"
#include "profile/profile.h"

namespace nimbus::profile {

namespace {

constexpr std::size_t kChallengeBytes = 16;  // 128 bits

}  // namespace

std::string challenge_digest(std::string_view text) {
  return to_hex(crypto::sha256(as_bytes(text)));
}

Result<NewChallenge> make_challenge(store::StoreWriter& tx, const std::string& enrollment_id, Timestamp now) {
  NIMBUS_ASSIGN_OR_RETURN(std::optional<store::EnrollmentRecord> enrollment, tx.find_enrollment(enrollment_id));
  if (!enrollment) {
    return Error(ErrorCode::kNotFound, fmt::format("no enrollment '{}' (see 'nimbus enrollment list')", enrollment_id));
  }
  if (enrollment->status != store::EnrollmentStatus::kPending) {
    return Error(ErrorCode::kFailedPrecondition,
                 fmt::format("enrollment '{}' was already used (certificate {}); a challenge is for a pending one",
                             enrollment_id, enrollment->certificate_serial.value_or("?")));
  }
  NIMBUS_ASSIGN_OR_RETURN(std::optional<store::ProfileRecord> profile_record, tx.find_profile(enrollment->profile_id));
  if (!profile_record) {
    return Error(ErrorCode::kFailedPrecondition,
                 fmt::format("the profile '{}' of enrollment '{}' has been deleted", enrollment->profile_id, enrollment_id));
  }
  NIMBUS_ASSIGN_OR_RETURN(Profile profile, parse_profile(profile_record->document));
  if (profile.challenge.mode != ChallengeMode::kStore) {
    return Error(ErrorCode::kFailedPrecondition,
                 fmt::format("profile '{}' takes its challenges from the MDM at {} (challenge.mode: webhook); Nimbus "
                             "makes none",
                             profile.id, profile.challenge.webhook_url));
  }
  NIMBUS_ASSIGN_OR_RETURN(Bytes random, crypto::random_bytes(kChallengeBytes));
  Secret text(to_hex(random));
  store::ChallengeRecord record{challenge_digest(text.reveal()), enrollment_id, profile.issuing_ca, now,
                                now + profile.challenge.lifetime, store::ChallengeStatus::kOpen, std::nullopt};
  NIMBUS_TRY(tx.insert_challenge(record));
  return NewChallenge{std::move(text), std::move(record)};
}

Result<store::ChallengeRecord> usable_challenge(store::StoreReader& store, std::string_view text,
                                                const std::string& authority_id, Timestamp now) {
  std::string digest = challenge_digest(text);
  NIMBUS_ASSIGN_OR_RETURN(std::optional<store::ChallengeRecord> record, store.find_challenge(digest));
  // The look-up is by digest, so its timing tells nothing of the challenge; the comparison below
  // is the one a timing attack would probe, and takes the same time wherever the digests differ.
  if (!record || !constant_time_equal(as_bytes(record->digest), as_bytes(digest))) {
    return Error(ErrorCode::kNotFound, "the challenge is not one Nimbus made");
  }
  if (record->authority_id != authority_id) {
    return Error(ErrorCode::kNotFound, fmt::format("the challenge is for the CA '{}'", record->authority_id));
  }
  switch (record->status) {
    case store::ChallengeStatus::kUsed:
      return Error(ErrorCode::kFailedPrecondition,
                   fmt::format("the challenge of enrollment '{}' was already used at {}", record->enrollment_id,
                               format_timestamp(record->used_at.value_or(record->created_at))));
    case store::ChallengeStatus::kVoid:
      return Error(ErrorCode::kFailedPrecondition,
                   fmt::format("the challenge of enrollment '{}' was replaced by a newer one", record->enrollment_id));
    case store::ChallengeStatus::kOpen: break;
  }
  if (now >= record->expires_at) {
    return Error(ErrorCode::kFailedPrecondition, fmt::format("the challenge of enrollment '{}' expired at {}",
                                                             record->enrollment_id, format_timestamp(record->expires_at)));
  }
  return *record;
}

}  // namespace nimbus::profile
