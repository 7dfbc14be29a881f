#include "access/api_tokens.h"

#include <algorithm>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/bytes.h"
#include "core/log_text.h"
#include "crypto/digest.h"
#include "crypto/random.h"

namespace nimbus::access {

namespace {

constexpr std::string_view kPrefix = "nimbus_";
constexpr std::size_t kIdDigits = 16;
constexpr std::size_t kSecretDigits = 64;

bool is_hex(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

Status check_name(const std::string& name) {
  bool allowed = std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
  });
  if (name.empty() || name.size() > 64 || !allowed) {
    return Error(ErrorCode::kInvalidArgument,
                 fmt::format("token name '{}': 1 to 64 of letters, digits, '.', '_' and '-'", name));
  }
  return ok_status();
}

std::string digest_of(std::string_view text) { return to_hex(crypto::sha256(as_bytes(text))); }

Error denied(std::string why) { return Error(ErrorCode::kPermissionDenied, "API token refused: " + why); }

}  // namespace

Result<NewApiToken> create_api_token(store::Store& store, const std::string& name, store::ApiRole role,
                                     Duration lifetime, const std::string& actor, Timestamp now) {
  NIMBUS_TRY(check_name(name));
  if (lifetime < std::chrono::hours(1) || lifetime > kMaxTokenLifetime) {
    return Error(ErrorCode::kInvalidArgument,
                 fmt::format("token lifetime {}: between 1 hour and 3650 days", describe_duration(lifetime)));
  }
  NIMBUS_ASSIGN_OR_RETURN(Bytes id, crypto::random_bytes(kIdDigits / 2));
  NIMBUS_ASSIGN_OR_RETURN(Bytes secret, crypto::random_bytes(kSecretDigits / 2));
  NewApiToken token{Secret(fmt::format("{}{}_{}", kPrefix, to_hex(id), to_hex(secret))), {}};
  token.record = {to_hex(id), name, role, digest_of(token.text.reveal()), now, now + lifetime, std::nullopt};
  NIMBUS_TRY(store.write([&](store::StoreWriter& tx) -> Status {
    NIMBUS_TRY(tx.insert_api_token(token.record));
    return tx.append_audit({now, actor, "token.create", token.record.id,
                            fmt::format("name={} role={} expires={}", name, store::api_role_name(role),
                                        format_timestamp(token.record.expires_at))});
  }));
  spdlog::info("API token {} '{}' made, role {}, until {}", token.record.id, name, store::api_role_name(role),
               format_timestamp(token.record.expires_at));
  return token;
}

Result<store::ApiTokenRecord> authenticate_api_token(store::StoreReader& store, std::string_view text, Timestamp now) {
  if (!text.starts_with(kPrefix) || text.size() != kPrefix.size() + kIdDigits + 1 + kSecretDigits ||
      text[kPrefix.size() + kIdDigits] != '_') {
    return denied("it is not of the form nimbus_<id>_<secret>");
  }
  std::string_view id = text.substr(kPrefix.size(), kIdDigits);
  if (!is_hex(id) || !is_hex(text.substr(kPrefix.size() + kIdDigits + 1))) {
    return denied("it is not of the form nimbus_<id>_<secret>");
  }
  NIMBUS_ASSIGN_OR_RETURN(std::optional<store::ApiTokenRecord> token, store.find_api_token(std::string(id)));
  if (!token) return denied(fmt::format("no token has id {}", id));
  std::optional<Bytes> expected = from_hex(token->digest);
  if (!expected || !constant_time_equal(crypto::sha256(as_bytes(text)), *expected)) {
    return denied(fmt::format("the secret of token {} is wrong", id));
  }
  if (token->revoked_at) {
    return denied(fmt::format("token {} '{}' was revoked at {}", id, token->name, format_timestamp(*token->revoked_at)));
  }
  if (now >= token->expires_at) {
    return denied(fmt::format("token {} '{}' expired at {}", id, token->name, format_timestamp(token->expires_at)));
  }
  return *token;
}

Result<store::ApiTokenRecord> revoke_api_token(store::Store& store, const std::string& id_or_name,
                                               const std::string& actor, Timestamp now) {
  NIMBUS_ASSIGN_OR_RETURN(std::vector<store::ApiTokenRecord> tokens, store.list_api_tokens());
  auto named = std::find_if(tokens.begin(), tokens.end(), [&](const store::ApiTokenRecord& token) {
    return token.id == id_or_name || (token.name == id_or_name && !token.revoked_at);
  });
  if (named == tokens.end()) {
    return Error(ErrorCode::kNotFound,
                 fmt::format("no API token '{}' (see 'nimbus token list')", id_or_name));
  }
  store::ApiTokenRecord token = *named;
  NIMBUS_TRY(store.write([&](store::StoreWriter& tx) -> Status {
    NIMBUS_TRY(tx.revoke_api_token(token.id, now));
    return tx.append_audit({now, actor, "token.revoke", token.id, fmt::format("name={}", token.name)});
  }));
  token.revoked_at = now;
  spdlog::info("API token {} '{}' revoked", token.id, loggable(token.name));
  return token;
}

}  // namespace nimbus::access
