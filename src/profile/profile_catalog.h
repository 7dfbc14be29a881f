// ProfileCatalog: the profiles of a deployment — applied, listed, shown, deleted — and the
// enrollment records created under them.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/time.h"
#include "profile/enrollment_challenges.h"
#include "profile/profile.h"
#include "profile/variables.h"
#include "store/store.h"

namespace nimbus::profile {

struct AppliedProfile {
  store::ProfileRecord record;
  Profile profile;
  bool created = false;  // a new id (or a deleted one brought back)
  bool changed = false;  // the document differs from the stored one; the version went up
};

// An issuing CA the caller chooses in place of the document's `issuing_ca`.
struct IssuingCaChoice {
  std::string id;
  std::string given_as;  // how errors name the choice: "--issuing-ca"
};

struct NewEnrollment {
  store::EnrollmentRecord record;
  // Its one-time challenge, to hand the device with its SCEP URL; absent when the profile's
  // challenges come from an MDM (challenge.mode: webhook).
  std::optional<NewChallenge> challenge;
};

struct StoredProfile {
  store::ProfileRecord record;
  Profile profile;
};

// A pending enrollment for `variables` under the stored profile, made but not written: with its
// subject and SANs rendered now, so that a missing or malformed value is an error here. The
// catalog stores it with its first challenge; an enrollment an MDM vouches for is stored in the
// write of its certificate.
Result<store::EnrollmentRecord> new_enrollment_record(const StoredProfile& stored, const Variables& variables,
                                                      Timestamp now);

// Not thread-safe; one per command or request. The store must outlive it.
class ProfileCatalog {
 public:
  using Clock = std::function<Timestamp()>;

  ProfileCatalog(store::Store& store, std::string actor, Clock clock = now_utc);

  // Validates the document (parse_profile), checks that its issuing CA exists, can issue, and
  // lives longer than the profile's validity, then creates or updates it. Re-applying the same
  // document changes nothing. With `issuing_ca`, the profile is bound to that authority whatever
  // the document names (the stored document names it), under the same checks.
  Result<AppliedProfile> apply(std::string_view yaml, const std::optional<IssuingCaChoice>& issuing_ca = std::nullopt);

  Result<StoredProfile> get(const std::string& id);
  Result<std::vector<StoredProfile>> list();
  // The profile of the issuing CA `authority_id` whose challenges come from an MDM
  // (challenge.mode: webhook); apply() allows at most one per CA.
  Result<std::optional<StoredProfile>> webhook_profile(const std::string& authority_id);

  // Refused while the profile has pending enrollments; issued certificates keep their reference.
  Status remove(const std::string& id);

  // Renders the subject and SANs from `variables` now, so that a missing or malformed value is
  // an error here rather than a blank in a certificate later; refuses variables the profile does
  // not know. The enrollment's first challenge is made in the same write.
  Result<NewEnrollment> create_enrollment(const std::string& profile_id, const Variables& variables);

  Result<store::EnrollmentRecord> enrollment(const std::string& id);

  // A fresh challenge for a pending enrollment; the ones made before are void from now on.
  Result<NewChallenge> new_challenge(const std::string& enrollment_id);

 private:
  store::Store& store_;
  std::string actor_;
  Clock clock_;
};

}  // namespace nimbus::profile
