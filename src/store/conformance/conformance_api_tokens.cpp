// Conformance: API tokens. A name belongs to one token that is not revoked; a token is revoked
// once; nothing but revocation changes a token.
#include <gtest/gtest.h>

#include "store/conformance/store_conformance.h"
#include "testing/test_support.h"

namespace nimbus::store::conformance {
namespace {

using nimbus::testing::at;

ApiTokenRecord token_record(const std::string& id, const std::string& name, Timestamp created = at("2026-03-01T00:00:00Z")) {
  return {id, name, ApiRole::kEnroller, std::string(64, 'a'), created, created + std::chrono::hours(24 * 90), std::nullopt};
}

Status insert_token(Store& store, const ApiTokenRecord& token) {
  return store.write([&](StoreWriter& tx) { return tx.insert_api_token(token); });
}

Status revoke_token(Store& store, const std::string& id, Timestamp when) {
  return store.write([&](StoreWriter& tx) { return tx.revoke_api_token(id, when); });
}

TEST_P(StoreConformance, AnApiTokenIsKeptAsWrittenAndRevokedOnce) {
  NIMBUS_ASSERT_OK(insert_token(*store_, token_record("00000000000000a1", "intune-connector")));
  NIMBUS_ASSERT_OK(insert_token(*store_, token_record("00000000000000a2", "auditor", at("2026-03-02T00:00:00Z"))));
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto found, store_->find_api_token("00000000000000a1"));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->name, "intune-connector");
  EXPECT_EQ(found->role, ApiRole::kEnroller);
  EXPECT_EQ(found->digest, std::string(64, 'a'));
  EXPECT_EQ(found->expires_at, at("2026-05-30T00:00:00Z"));
  EXPECT_FALSE(found->revoked_at.has_value());
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto none, store_->find_api_token("00000000000000ff"));
  EXPECT_FALSE(none.has_value());
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto listed, store_->list_api_tokens());
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(listed[0].name, "auditor");  // newest first

  std::string before = contents();
  NIMBUS_EXPECT_ERROR(insert_token(*store_, token_record("00000000000000a3", "intune-connector")),
                      ErrorCode::kAlreadyExists);
  NIMBUS_EXPECT_ERROR(insert_token(*store_, token_record("00000000000000a1", "another")), ErrorCode::kAlreadyExists);
  NIMBUS_EXPECT_ERROR(revoke_token(*store_, "00000000000000ff", at("2026-03-03T00:00:00Z")), ErrorCode::kNotFound);
  EXPECT_EQ(contents(), before);

  NIMBUS_ASSERT_OK(revoke_token(*store_, "00000000000000a1", at("2026-03-03T00:00:00Z")));
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto revoked, store_->find_api_token("00000000000000a1"));
  EXPECT_EQ(revoked->revoked_at, std::optional<Timestamp>(at("2026-03-03T00:00:00Z")));
  before = contents();
  NIMBUS_EXPECT_ERROR(revoke_token(*store_, "00000000000000a1", at("2026-03-04T00:00:00Z")),
                      ErrorCode::kFailedPrecondition);
  EXPECT_EQ(contents(), before);
  // Its name is free again once it is revoked.
  NIMBUS_EXPECT_OK(insert_token(*store_, token_record("00000000000000a4", "intune-connector")));
}

}  // namespace
}  // namespace nimbus::store::conformance
