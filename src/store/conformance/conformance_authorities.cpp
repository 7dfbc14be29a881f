// Conformance: authorities, their CRL numbers and CRLs, OCSP signers, the audit trail, the schema.
#include <gtest/gtest.h>

#include "store/conformance/sample_records.h"
#include "store/conformance/store_conformance.h"
#include "testing/test_support.h"

namespace nimbus::store::conformance {
namespace {

using nimbus::testing::at;

TEST_P(StoreConformance, SchemaVersionIsTheSameOnEveryHandleAndAfterReopening) {
  NIMBUS_ASSERT_OK_AND_ASSIGN(int version, store_->schema_version());
  EXPECT_GT(version, 0);
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto other, open_another());
  NIMBUS_ASSERT_OK_AND_ASSIGN(int seen, other->schema_version());
  EXPECT_EQ(seen, version);
  NIMBUS_ASSERT_OK(reopen());
  NIMBUS_ASSERT_OK_AND_ASSIGN(int again, store_->schema_version());
  EXPECT_EQ(again, version);
}

TEST_P(StoreConformance, ANewStoreIsEmpty) {
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto authorities, store_->list_authorities());
  EXPECT_TRUE(authorities.empty());
  EXPECT_EQ(contents(), "");
}

TEST_P(StoreConformance, InsertsFindsAndListsAuthorities) {
  AuthorityRecord root = root_record("root", at("2026-01-01T00:00:00Z"));
  AuthorityRecord issuing = issuing_record("issuing", "root", at("2026-01-02T00:00:00Z"));
  issuing.status = AuthorityStatus::kPending;
  issuing.certificate_der.reset();
  issuing.external_chain_pem = "-----BEGIN CERTIFICATE-----\n...\n";
  issuing.last_crl_number = 41;
  NIMBUS_ASSERT_OK(insert(root));
  NIMBUS_ASSERT_OK(insert(issuing));

  NIMBUS_ASSERT_OK_AND_ASSIGN(auto found, store_->find_authority("issuing"));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->id, "issuing");
  EXPECT_EQ(found->kind, AuthorityKind::kIssuing);
  EXPECT_EQ(found->parent_id, std::optional<std::string>("root"));
  EXPECT_EQ(found->subject, issuing.subject);
  EXPECT_EQ(found->key_spec, "ec:p256");
  EXPECT_EQ(found->key_reference, issuing.key_reference);
  EXPECT_EQ(found->status, AuthorityStatus::kPending);
  EXPECT_FALSE(found->certificate_der.has_value());
  EXPECT_EQ(found->external_chain_pem, issuing.external_chain_pem);
  EXPECT_EQ(found->created_at, at("2026-01-02T00:00:00Z"));
  EXPECT_EQ(found->last_crl_number, 41u);

  NIMBUS_ASSERT_OK_AND_ASSIGN(auto found_root, store_->find_authority("root"));
  ASSERT_TRUE(found_root.has_value());
  EXPECT_EQ(found_root->kind, AuthorityKind::kRoot);
  EXPECT_FALSE(found_root->parent_id.has_value());
  EXPECT_EQ(found_root->certificate_der, root.certificate_der);
  EXPECT_FALSE(found_root->external_chain_pem.has_value());

  NIMBUS_ASSERT_OK_AND_ASSIGN(auto missing, store_->find_authority("nope"));
  EXPECT_FALSE(missing.has_value());

  NIMBUS_ASSERT_OK_AND_ASSIGN(auto all, store_->list_authorities());
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].id, "root");
  EXPECT_EQ(all[1].id, "issuing");
}

TEST_P(StoreConformance, ListsAuthoritiesInCreationOrder) {
  NIMBUS_ASSERT_OK(insert(root_record("b-root", at("2026-01-03T00:00:00Z"))));
  NIMBUS_ASSERT_OK(insert(root_record("a-root", at("2026-01-01T00:00:00Z"))));
  NIMBUS_ASSERT_OK(insert(root_record("c-root", at("2026-01-01T00:00:00Z"))));  // same time: insertion order
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto all, store_->list_authorities());
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].id, "a-root");
  EXPECT_EQ(all[1].id, "c-root");
  EXPECT_EQ(all[2].id, "b-root");
}

TEST_P(StoreConformance, DuplicateAuthorityIdIsAlreadyExistsAndChangesNothing) {
  NIMBUS_ASSERT_OK(insert(root_record("root")));
  std::string before = contents();
  AuthorityRecord again = root_record("root");
  again.subject = "CN=another";
  auto status = insert(again);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), ErrorCode::kAlreadyExists);
  EXPECT_NE(status.error().message().find("'root'"), std::string::npos) << status.error().message();
  EXPECT_EQ(contents(), before);
}

TEST_P(StoreConformance, AnIssuingAuthorityNeedsAKnownParent) {
  NIMBUS_EXPECT_ERROR(insert(issuing_record("orphan", "no-such-root")), ErrorCode::kNotFound);
  EXPECT_EQ(contents(), "");
}

TEST_P(StoreConformance, SetAuthorityStatus) {
  NIMBUS_ASSERT_OK(insert(root_record("root")));
  NIMBUS_ASSERT_OK(write([](StoreWriter& tx) { return tx.set_authority_status("root", AuthorityStatus::kPaused); }));
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto root, store_->find_authority("root"));
  ASSERT_TRUE(root.has_value());
  EXPECT_EQ(root->status, AuthorityStatus::kPaused);

  auto missing = write([](StoreWriter& tx) { return tx.set_authority_status("ghost", AuthorityStatus::kActive); });
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(missing.error().message().find("ghost"), std::string::npos);
}

TEST_P(StoreConformance, SetAuthorityCertificateActivatesAPendingAuthority) {
  AuthorityRecord pending = issuing_record("ext", "root");
  pending.parent_id.reset();
  pending.status = AuthorityStatus::kPending;
  pending.certificate_der.reset();
  NIMBUS_ASSERT_OK(insert(pending));
  Bytes der = {0x30, 0x03, 0x01, 0x02, 0x03};
  NIMBUS_ASSERT_OK(write([&](StoreWriter& tx) { return tx.set_authority_certificate("ext", der, std::string("chain pem")); }));
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto found, store_->find_authority("ext"));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->status, AuthorityStatus::kActive);
  EXPECT_EQ(found->certificate_der, std::optional<Bytes>(der));
  EXPECT_EQ(found->external_chain_pem, std::optional<std::string>("chain pem"));
  NIMBUS_EXPECT_ERROR(write([&](StoreWriter& tx) { return tx.set_authority_certificate("ghost", der, std::nullopt); }),
                      ErrorCode::kNotFound);
}

TEST_P(StoreConformance, AllocatesMonotonicCrlNumbersPerAuthority) {
  NIMBUS_ASSERT_OK(insert(root_record("root")));
  NIMBUS_ASSERT_OK(insert(root_record("other")));
  for (std::uint64_t expected : {1u, 2u, 3u}) {
    NIMBUS_ASSERT_OK_AND_ASSIGN(std::uint64_t number, allocate("root"));
    EXPECT_EQ(number, expected);
  }
  NIMBUS_ASSERT_OK_AND_ASSIGN(std::uint64_t other, allocate("other"));
  EXPECT_EQ(other, 1u);

  // Several in one transaction keep counting.
  std::vector<std::uint64_t> numbers;
  NIMBUS_ASSERT_OK(write([&](StoreWriter& tx) -> Status {
    numbers.clear();  // a store may run the work again
    for (int i = 0; i < 2; ++i) {
      NIMBUS_ASSIGN_OR_RETURN(std::uint64_t n, tx.allocate_crl_number("root"));
      numbers.push_back(n);
    }
    return ok_status();
  }));
  EXPECT_EQ(numbers, (std::vector<std::uint64_t>{4, 5}));
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto root, store_->find_authority("root"));
  ASSERT_TRUE(root.has_value());
  EXPECT_EQ(root->last_crl_number, 5u);
}

// An authority inserted with a number already used elsewhere (an imported CA) continues from it.
TEST_P(StoreConformance, CrlNumbersContinueFromTheInsertedLastNumber) {
  AuthorityRecord imported = root_record("imported");
  imported.last_crl_number = 41;
  NIMBUS_ASSERT_OK(insert(imported));
  NIMBUS_ASSERT_OK_AND_ASSIGN(std::uint64_t number, allocate("imported"));
  EXPECT_EQ(number, 42u);
}

// A number allocated in a write that rolls back was never stored with a CRL; the store may hand it
// out again or skip it, but the next committed number is still above every committed one, and
// the authority still says the last committed number.
TEST_P(StoreConformance, ANumberAllocatedInAFailedWriteIsNeverStored) {
  NIMBUS_ASSERT_OK(insert(root_record("root")));
  NIMBUS_ASSERT_OK_AND_ASSIGN(std::uint64_t first, allocate("root"));
  EXPECT_EQ(first, 1u);
  std::uint64_t abandoned = 0;
  Status failed = write([&](StoreWriter& tx) -> Status {
    NIMBUS_ASSIGN_OR_RETURN(abandoned, tx.allocate_crl_number("root"));
    NIMBUS_TRY(tx.insert_crl(crl_record("root", abandoned)));
    return Error(ErrorCode::kCryptoError, "signing failed");
  });
  NIMBUS_ASSERT_ERROR(failed, ErrorCode::kCryptoError);
  EXPECT_GT(abandoned, first);
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto root, store_->find_authority("root"));
  ASSERT_TRUE(root.has_value());
  EXPECT_EQ(root->last_crl_number, 1u);
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto crl, store_->latest_crl("root"));
  EXPECT_FALSE(crl.has_value());
  NIMBUS_ASSERT_OK_AND_ASSIGN(std::uint64_t next, allocate("root"));
  EXPECT_GT(next, first);
  NIMBUS_ASSERT_OK(write([&](StoreWriter& tx) { return tx.insert_crl(crl_record("root", next)); }));
}

TEST_P(StoreConformance, AllocatingForAMissingAuthorityIsNotFound) {
  NIMBUS_EXPECT_ERROR(allocate("nobody"), ErrorCode::kNotFound);
}

TEST_P(StoreConformance, LatestCrlIsTheHighestNumber) {
  NIMBUS_ASSERT_OK(insert(root_record("root")));
  NIMBUS_ASSERT_OK(insert(root_record("other")));
  NIMBUS_ASSERT_OK(write([](StoreWriter& tx) -> Status {
    NIMBUS_TRY(tx.insert_crl(crl_record("root", 1)));
    NIMBUS_TRY(tx.insert_crl(crl_record("root", 3)));
    return tx.insert_crl(crl_record("root", 2));
  }));
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto latest, store_->latest_crl("root"));
  ASSERT_TRUE(latest.has_value());
  CrlRecord expected = crl_record("root", 3);
  EXPECT_EQ(latest->authority_id, "root");
  EXPECT_EQ(latest->number, 3u);
  EXPECT_EQ(latest->this_update, expected.this_update);
  EXPECT_EQ(latest->next_update, expected.next_update);
  EXPECT_EQ(latest->der, expected.der);
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto none, store_->latest_crl("other"));
  EXPECT_FALSE(none.has_value());

  std::string before = contents();
  NIMBUS_EXPECT_ERROR(write([](StoreWriter& tx) { return tx.insert_crl(crl_record("root", 2)); }),
                      ErrorCode::kAlreadyExists);
  NIMBUS_EXPECT_ERROR(write([](StoreWriter& tx) { return tx.insert_crl(crl_record("ghost", 1)); }),
                      ErrorCode::kNotFound);
  EXPECT_EQ(contents(), before);
}

// A CRL of megabytes (a million entries make tens) is stored and read back whole.
TEST_P(StoreConformance, KeepsALargeCrlWhole) {
  NIMBUS_ASSERT_OK(insert(root_record("root")));
  CrlRecord large = crl_record("root", 1);
  large.der.resize(3 * 1024 * 1024);
  for (std::size_t i = 0; i < large.der.size(); ++i) large.der[i] = static_cast<std::uint8_t>(i * 131 + i / 4096);
  NIMBUS_ASSERT_OK(write([&](StoreWriter& tx) { return tx.insert_crl(large); }));
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto latest, store_->latest_crl("root"));
  ASSERT_TRUE(latest.has_value());
  EXPECT_TRUE(latest->der == large.der);
}

TEST_P(StoreConformance, CurrentOcspSignerIsTheOneThatExpiresLast) {
  NIMBUS_ASSERT_OK(insert(root_record("root")));
  NIMBUS_ASSERT_OK(insert(root_record("other")));
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto none, store_->current_ocsp_signer("root"));
  EXPECT_FALSE(none.has_value());
  for (const char* serial : {"a1", "a2", "a3"}) NIMBUS_ASSERT_OK(insert(certificate_record(serial, "root")));
  NIMBUS_ASSERT_OK(write([&](StoreWriter& tx) -> Status {
    NIMBUS_TRY(tx.insert_ocsp_signer(ocsp_signer_record("root", "a1", at("2026-02-01T00:00:00Z"))));
    NIMBUS_TRY(tx.insert_ocsp_signer(ocsp_signer_record("root", "a3", at("2026-04-01T00:00:00Z"))));
    return tx.insert_ocsp_signer(ocsp_signer_record("root", "a2", at("2026-03-01T00:00:00Z")));
  }));
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto current, store_->current_ocsp_signer("root"));
  ASSERT_TRUE(current.has_value());
  EXPECT_EQ(current->authority_id, "root");
  EXPECT_EQ(current->serial, "a3");
  EXPECT_EQ(current->key_reference, "ocsp-a3");
  EXPECT_EQ(current->certificate_der, (Bytes{0x30, 0x01}));
  EXPECT_EQ(current->not_before, at("2026-01-01T00:00:00Z"));
  EXPECT_EQ(current->not_after, at("2026-04-01T00:00:00Z"));
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto of_other, store_->current_ocsp_signer("other"));
  EXPECT_FALSE(of_other.has_value());

  // A signer must be a certificate the store knows (so that it can be revoked like any other),
  // and is one signer once.
  std::string before = contents();
  NIMBUS_EXPECT_ERROR(write([&](StoreWriter& tx) {
                        return tx.insert_ocsp_signer(ocsp_signer_record("root", "zz", at("2026-05-01T00:00:00Z")));
                      }),
                      ErrorCode::kNotFound);
  NIMBUS_EXPECT_ERROR(write([&](StoreWriter& tx) {
                        return tx.insert_ocsp_signer(ocsp_signer_record("root", "a1", at("2026-05-01T00:00:00Z")));
                      }),
                      ErrorCode::kAlreadyExists);
  EXPECT_EQ(contents(), before);
}

TEST_P(StoreConformance, AuditEventsAreMostRecentFirstAndLimited) {
  NIMBUS_ASSERT_OK(write([](StoreWriter& tx) -> Status {
    NIMBUS_TRY(tx.append_audit({at("2026-01-01T00:00:00Z"), "cli:alice", "authority.create", "root", "first"}));
    return tx.append_audit({at("2026-01-01T00:00:00Z"), "cli:alice", "authority.create", "issuing", "second"});
  }));
  NIMBUS_ASSERT_OK(write([](StoreWriter& tx) {
    return tx.append_audit({at("2025-12-31T00:00:00Z"), "cli:bob", "authority.pause", "issuing", "third"});
  }));
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto events, store_->audit_events(10));
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].detail, "third");  // appended last, even though its time is earlier
  EXPECT_EQ(events[0].actor, "cli:bob");
  EXPECT_EQ(events[0].action, "authority.pause");
  EXPECT_EQ(events[0].target, "issuing");
  EXPECT_EQ(events[0].at, at("2025-12-31T00:00:00Z"));
  EXPECT_EQ(events[1].detail, "second");
  EXPECT_EQ(events[2].detail, "first");

  NIMBUS_ASSERT_OK_AND_ASSIGN(auto two, store_->audit_events(2));
  ASSERT_EQ(two.size(), 2u);
  EXPECT_EQ(two[0].detail, "third");
  EXPECT_EQ(two[1].detail, "second");
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto none, store_->audit_events(0));
  EXPECT_TRUE(none.empty());
}

TEST_P(StoreConformance, AuditTrailPagesAndFilters) {
  NIMBUS_ASSERT_OK(write([](StoreWriter& tx) -> Status {
    NIMBUS_TRY(tx.append_audit({at("2026-01-01T00:00:00Z"), "cli:alice", "authority.create", "root", "1"}));
    NIMBUS_TRY(tx.append_audit({at("2026-01-01T00:00:01Z"), "http:mdm", "enrollment.create", "e1", "2"}));
    NIMBUS_TRY(tx.append_audit({at("2026-01-01T00:00:02Z"), "cli:alice", "authority.pause", "root", "3"}));
    return tx.append_audit({at("2026-01-01T00:00:03Z"), "http:mdm", "enrollment.create", "e2", "4"});
  }));
  auto details = [&](const AuditQuery& query) {
    std::vector<std::string> out;
    for (const AuditEntry& entry : testing::must(store_->audit_trail(query))) out.push_back(entry.event.detail);
    return out;
  };
  AuditQuery all;
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto entries, store_->audit_trail(all));
  ASSERT_EQ(entries.size(), 4u);
  EXPECT_GT(entries[0].sequence, entries[1].sequence);
  EXPECT_GT(entries[2].sequence, entries[3].sequence);

  AuditQuery page;
  page.limit = 2;
  page.before = entries[1].sequence;
  EXPECT_EQ(details(page), (std::vector<std::string>{"2", "1"}));
  AuditQuery by_actor;
  by_actor.actor = "http:mdm";
  EXPECT_EQ(details(by_actor), (std::vector<std::string>{"4", "2"}));
  AuditQuery by_target;
  by_target.target = "root";
  by_target.action = "authority.pause";
  EXPECT_EQ(details(by_target), std::vector<std::string>{"3"});
  AuditQuery nothing_older;
  nothing_older.before = entries[3].sequence;
  EXPECT_TRUE(details(nothing_older).empty());
}

}  // namespace
}  // namespace nimbus::store::conformance
