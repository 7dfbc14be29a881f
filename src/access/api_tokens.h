// API tokens: how an MDM connector, a script or the console proves who it is to the REST API.
//
// A token's text is "nimbus_<id>_<secret>": the id is 16 hex digits that name the token in lists
// and logs, the secret 256 random bits as 64 hex digits. It is shown once, when it is made; the
// store keeps the SHA-256 of the whole text, compared in constant time. A token has a role
// (store::ApiRole), an expiry, and can be revoked; making and revoking one are audit events.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"
#include "core/secret.h"
#include "core/time.h"
#include "store/records.h"
#include "store/store.h"

namespace nimbus::access {

inline constexpr Duration kMaxTokenLifetime = std::chrono::hours(24 * 3650);

struct NewApiToken {
  Secret text;  // shown once; never stored or logged
  store::ApiTokenRecord record;
};

// Makes a token named `name` (1-64 of A-Z a-z 0-9 . _ -; unique among the tokens not revoked),
// good for `lifetime` (an hour to ten years) from `now`.
Result<NewApiToken> create_api_token(store::Store& store, const std::string& name, store::ApiRole role,
                                     Duration lifetime, const std::string& actor, Timestamp now);

// The token whose text is `text`, if it is good at `now`. kPermissionDenied, in words fit for a
// log and never quoting the secret, when it is malformed, unknown, wrong, expired or revoked.
Result<store::ApiTokenRecord> authenticate_api_token(store::StoreReader& store, std::string_view text, Timestamp now);

// Revokes the token named by its id or by the name of a token that is not revoked.
Result<store::ApiTokenRecord> revoke_api_token(store::Store& store, const std::string& id_or_name,
                                               const std::string& actor, Timestamp now);

}  // namespace nimbus::access
