// Conformance: one-time enrollment challenges and SCEP transactions. A challenge is used once,
// never after it expires or is replaced; of writers racing for one challenge, one wins.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "store/conformance/sample_records.h"
#include "store/conformance/store_conformance.h"
#include "testing/test_support.h"

namespace nimbus::store::conformance {
namespace {

using nimbus::testing::at;

ChallengeRecord challenge_record(const std::string& digest, const std::string& enrollment,
                                 Timestamp created = at("2026-02-02T00:00:00Z")) {
  return {digest, enrollment, "issuing", created, created + std::chrono::hours(1), ChallengeStatus::kOpen, std::nullopt};
}

Status insert_challenge(Store& store, const ChallengeRecord& record) {
  return store.write([&](StoreWriter& tx) { return tx.insert_challenge(record); });
}

Status consume(Store& store, const std::string& digest, Timestamp when) {
  return store.write([&](StoreWriter& tx) { return tx.consume_challenge(digest, when); });
}

TEST_P(StoreConformance, AChallengeIsUsedOnceAndNeverAfterItExpires) {
  add_authorities_and_profiles();
  NIMBUS_ASSERT_OK(insert(enrollment_record("e1", "vpn")));
  NIMBUS_ASSERT_OK(insert_challenge(*store_, challenge_record("aa", "e1")));
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto found, store_->find_challenge("aa"));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->enrollment_id, "e1");
  EXPECT_EQ(found->authority_id, "issuing");
  EXPECT_EQ(found->status, ChallengeStatus::kOpen);
  EXPECT_EQ(found->expires_at, at("2026-02-02T01:00:00Z"));

  std::string before = contents();
  // At its expiry instant a challenge is no longer good.
  NIMBUS_EXPECT_ERROR(consume(*store_, "aa", at("2026-02-02T01:00:00Z")), ErrorCode::kFailedPrecondition);
  NIMBUS_EXPECT_ERROR(consume(*store_, "bb", at("2026-02-02T00:30:00Z")), ErrorCode::kNotFound);
  EXPECT_EQ(contents(), before);

  NIMBUS_ASSERT_OK(consume(*store_, "aa", at("2026-02-02T00:30:00Z")));
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto used, store_->find_challenge("aa"));
  ASSERT_TRUE(used.has_value());
  EXPECT_EQ(used->status, ChallengeStatus::kUsed);
  EXPECT_EQ(used->used_at, std::optional<Timestamp>(at("2026-02-02T00:30:00Z")));
  before = contents();
  Status again = consume(*store_, "aa", at("2026-02-02T00:31:00Z"));
  NIMBUS_ASSERT_ERROR(again, ErrorCode::kFailedPrecondition);
  EXPECT_NE(again.error().message().find("already used"), std::string::npos) << again.error().message();
  EXPECT_EQ(contents(), before);
}

TEST_P(StoreConformance, ANewChallengeVoidsTheOpenOnes) {
  add_authorities_and_profiles();
  NIMBUS_ASSERT_OK(insert(enrollment_record("e1", "vpn")));
  NIMBUS_ASSERT_OK(insert(enrollment_record("e2", "vpn")));
  NIMBUS_ASSERT_OK(insert_challenge(*store_, challenge_record("aa", "e1", at("2026-02-02T00:00:00Z"))));
  NIMBUS_ASSERT_OK(insert_challenge(*store_, challenge_record("cc", "e2", at("2026-02-02T00:00:00Z"))));
  NIMBUS_ASSERT_OK(insert_challenge(*store_, challenge_record("bb", "e1", at("2026-02-02T00:10:00Z"))));

  NIMBUS_ASSERT_OK_AND_ASSIGN(auto of_e1, store_->enrollment_challenges("e1"));
  ASSERT_EQ(of_e1.size(), 2u);
  EXPECT_EQ(of_e1[0].digest, "bb");  // newest first
  EXPECT_EQ(of_e1[0].status, ChallengeStatus::kOpen);
  EXPECT_EQ(of_e1[1].digest, "aa");
  EXPECT_EQ(of_e1[1].status, ChallengeStatus::kVoid);
  Status voided = consume(*store_, "aa", at("2026-02-02T00:20:00Z"));
  NIMBUS_ASSERT_ERROR(voided, ErrorCode::kFailedPrecondition);
  EXPECT_NE(voided.error().message().find("replaced"), std::string::npos) << voided.error().message();
  // Another enrollment's challenge is untouched.
  NIMBUS_ASSERT_OK(consume(*store_, "cc", at("2026-02-02T00:20:00Z")));

  std::string before = contents();
  NIMBUS_EXPECT_ERROR(insert_challenge(*store_, challenge_record("bb", "e2")), ErrorCode::kAlreadyExists);
  NIMBUS_EXPECT_ERROR(insert_challenge(*store_, challenge_record("dd", "ghost")), ErrorCode::kNotFound);
  EXPECT_EQ(contents(), before);
}

TEST_P(StoreConformance, RecordsAScepTransactionOnce) {
  add_authorities_and_profiles();
  NIMBUS_ASSERT_OK(insert(certificate_record("c1", "issuing")));
  ScepTransactionRecord transaction{"issuing", "tx-1", "ab12", "c1", at("2026-02-02T00:00:00Z")};
  NIMBUS_ASSERT_OK(write([&](StoreWriter& tx) { return tx.insert_scep_transaction(transaction); }));
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto found, store_->find_scep_transaction("issuing", "tx-1"));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->key_digest, "ab12");
  EXPECT_EQ(found->serial, "c1");
  EXPECT_EQ(found->created_at, at("2026-02-02T00:00:00Z"));
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto elsewhere, store_->find_scep_transaction("root", "tx-1"));
  EXPECT_FALSE(elsewhere.has_value());

  NIMBUS_EXPECT_ERROR(write([&](StoreWriter& tx) { return tx.insert_scep_transaction(transaction); }),
                      ErrorCode::kAlreadyExists);
  ScepTransactionRecord dangling{"issuing", "tx-2", "ab12", "no-such-serial", at("2026-02-02T00:00:00Z")};
  NIMBUS_EXPECT_ERROR(write([&](StoreWriter& tx) { return tx.insert_scep_transaction(dangling); }),
                      ErrorCode::kNotFound);
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto absent, store_->find_scep_transaction("issuing", "tx-2"));
  EXPECT_FALSE(absent.has_value());
}

}  // namespace
}  // namespace nimbus::store::conformance
