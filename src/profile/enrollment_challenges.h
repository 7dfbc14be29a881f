// One-time enrollment challenges: the SCEP challengePassword that proves a device was sent by
// whoever created its enrollment (an administrator, an MDM through the API). 128 random bits,
// shown once when made and stored only as their SHA-256; good for the profile's challenge
// lifetime; used at most once, in the same write that stores the certificate it yields; replaced
// (the old one void) when a new one is made for the same enrollment.
#pragma once

#include <string>

#include "core/result.h"
#include "core/secret.h"
#include "core/time.h"
#include "store/records.h"
#include "store/store.h"

namespace nimbus::profile {

struct NewChallenge {
  Secret text;  // 32 lower-case hex digits; never stored
  store::ChallengeRecord record;
};

// Makes a challenge for a pending enrollment, for the CA of its profile, good for the profile's
// challenge lifetime; voids the enrollment's earlier ones. Runs inside the caller's write, so
// that an enrollment and its first challenge are created together. kFailedPrecondition for an
// enrollment already used, or a profile whose challenges come from an MDM (challenge.mode webhook).
Result<NewChallenge> make_challenge(store::StoreWriter& tx, const std::string& enrollment_id, Timestamp now);

// The SHA-256 of a challenge's text, as the store keys it (lower-case hex).
std::string challenge_digest(std::string_view text);

// The open challenge `text` of the CA `authority_id`, good at `now`. The refusal says why in words
// fit for a log, never quoting the challenge: kNotFound (unknown, or another CA's),
// kFailedPrecondition (used, void, expired).
Result<store::ChallengeRecord> usable_challenge(store::StoreReader& store, std::string_view text,
                                                const std::string& authority_id, Timestamp now);

}  // namespace nimbus::profile
