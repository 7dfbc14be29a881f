#include "store/sqlite/sqlite_store.h"
#include "store/sqlite/migrations.h"

#include <sqlite3.h>

#include <algorithm>
#include <mutex>
#include <numeric>
#include <thread>

#include <gtest/gtest.h>

#include "core/file.h"
#include "testing/test_support.h"

namespace nimbus::store::sqlite {
namespace {

using nimbus::testing::at;
using nimbus::testing::TempDir;

AuthorityRecord root_record(const std::string& id, Timestamp created = at("2026-01-01T00:00:00Z")) {
  AuthorityRecord record;
  record.id = id;
  record.kind = AuthorityKind::kRoot;
  record.subject = "CN=" + id + ", O=Nimbus Tests";
  record.key_spec = "ec:p384";
  record.key_reference = "file:" + id + "-0000.key";
  record.status = AuthorityStatus::kActive;
  record.certificate_der = Bytes{0x30, 0x01, 0x02};
  record.created_at = created;
  return record;
}

AuthorityRecord issuing_record(const std::string& id, const std::string& parent,
                               Timestamp created = at("2026-01-02T00:00:00Z")) {
  AuthorityRecord record = root_record(id, created);
  record.kind = AuthorityKind::kIssuing;
  record.parent_id = parent;
  record.key_spec = "ec:p256";
  return record;
}

CertificateRecord certificate_record(const std::string& serial, const std::string& issuer) {
  CertificateRecord record;
  record.serial = serial;
  record.issuer_id = issuer;
  record.subject = "CN=cert " + serial;
  record.not_before = at("2026-01-01T00:00:00Z");
  record.not_after = at("2027-01-01T00:00:00Z");
  record.sha1 = "sha1-" + serial;
  record.sha256 = "sha256-" + serial;
  record.der = Bytes{0x30, 0x00, static_cast<std::uint8_t>(serial.size())};
  record.issued_at = at("2026-01-01T00:00:01Z");
  return record;
}

CrlRecord crl_record(const std::string& authority, std::uint64_t number) {
  return CrlRecord{authority, number, at("2026-03-01T00:00:00Z") + std::chrono::hours(number),
                   at("2026-03-08T00:00:00Z"), Bytes{0x30, static_cast<std::uint8_t>(number)}};
}

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_ / "nimbus.db";
    auto created = SqliteStore::create(path_);
    ASSERT_TRUE(created.ok()) << created.error().to_string();
    store_ = std::move(created).value();
  }

  Status insert(const AuthorityRecord& record) {
    return store_->write([&](StoreWriter& tx) { return tx.insert_authority(record); });
  }
  Status insert(const CertificateRecord& record) {
    return store_->write([&](StoreWriter& tx) { return tx.insert_certificate(record); });
  }
  Result<std::uint64_t> allocate(const std::string& id) {
    std::uint64_t number = 0;
    Status status = store_->write([&](StoreWriter& tx) -> Status {
      NIMBUS_ASSIGN_OR_RETURN(number, tx.allocate_crl_number(id));
      return ok_status();
    });
    if (!status.ok()) return std::move(status).error();
    return number;
  }

  TempDir dir_;
  std::filesystem::path path_;
  std::unique_ptr<SqliteStore> store_;
};

// A raw query through a second connection, for what the Store interface does not expose.
std::string query_text(const std::filesystem::path& path, const char* sql) {
  sqlite3* db = nullptr;
  std::string out = "<error>";
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW) {
      const unsigned char* text = sqlite3_column_text(stmt, 0);
      out = text ? reinterpret_cast<const char*>(text) : "<null>";
    }
    sqlite3_finalize(stmt);
  }
  sqlite3_close(db);
  return out;
}

TEST(SqliteStoreLifecycle, CreateRefusesAnExistingFile) {
  TempDir dir;
  nimbus::testing::write_text(dir / "nimbus.db", "precious data");
  auto created = SqliteStore::create(dir / "nimbus.db");
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.error().code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(nimbus::testing::read_text(dir / "nimbus.db"), "precious data");

  NIMBUS_ASSERT_OK(SqliteStore::create(dir / "fresh.db"));
  NIMBUS_EXPECT_ERROR(SqliteStore::create(dir / "fresh.db"), ErrorCode::kAlreadyExists);
}

TEST(SqliteStoreLifecycle, OpenRefusesAMissingFile) {
  TempDir dir;
  auto opened = SqliteStore::open(dir / "missing.db");
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code(), ErrorCode::kNotFound);
  EXPECT_FALSE(std::filesystem::exists(dir / "missing.db"));
}

TEST(SqliteStoreLifecycle, OpenRefusesAFileThatIsNotADatabase) {
  TempDir dir;
  nimbus::testing::write_text(dir / "nimbus.db", std::string(4096, 'x'));
  auto opened = SqliteStore::open(dir / "nimbus.db");
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code(), ErrorCode::kMalformed) << opened.error().to_string();
}

TEST(SqliteStoreLifecycle, RefusesASchemaNewerThanItKnows) {
  TempDir dir;
  { NIMBUS_ASSERT_OK(SqliteStore::create(dir / "nimbus.db")); }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir / "nimbus.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "INSERT INTO schema_migrations VALUES (99, 'future', 0)", nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  auto opened = SqliteStore::open(dir / "nimbus.db");
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(opened.error().message().find("99"), std::string::npos) << opened.error().message();
}

TEST_F(SqliteStoreTest, IsAtTheNewestSchemaVersionAndStaysThereOnReopen) {
  const int newest = migrations().back().version;
  NIMBUS_ASSERT_OK_AND_ASSIGN(int version, store_->schema_version());
  EXPECT_EQ(version, newest);
  store_.reset();
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto reopened, SqliteStore::open(path_));
  NIMBUS_ASSERT_OK_AND_ASSIGN(int again, reopened->schema_version());
  EXPECT_EQ(again, newest);
  EXPECT_EQ(query_text(path_, "SELECT COUNT(*) FROM schema_migrations"), std::to_string(migrations().size()));
}

TEST_F(SqliteStoreTest, UsesWriteAheadLoggingAndAPrivateFile) {
  EXPECT_EQ(query_text(path_, "PRAGMA journal_mode"), "wal");
  NIMBUS_ASSERT_OK(insert(root_record("root")));
  EXPECT_TRUE(std::filesystem::exists(path_.string() + "-wal"));
  NIMBUS_ASSERT_OK_AND_ASSIGN(unsigned mode, file_mode(path_));
  EXPECT_EQ(mode, 0600u);
  NIMBUS_ASSERT_OK_AND_ASSIGN(unsigned wal_mode, file_mode(path_.string() + "-wal"));
  EXPECT_EQ(wal_mode & 077u, 0u);
}

TEST_F(SqliteStoreTest, InsertsFindsAndListsAuthorities) {
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

TEST_F(SqliteStoreTest, ListsAuthoritiesInCreationOrder) {
  NIMBUS_ASSERT_OK(insert(root_record("b-root", at("2026-01-03T00:00:00Z"))));
  NIMBUS_ASSERT_OK(insert(root_record("a-root", at("2026-01-01T00:00:00Z"))));
  NIMBUS_ASSERT_OK(insert(root_record("c-root", at("2026-01-01T00:00:00Z"))));  // same time: insertion order
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto all, store_->list_authorities());
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].id, "a-root");
  EXPECT_EQ(all[1].id, "c-root");
  EXPECT_EQ(all[2].id, "b-root");
}

TEST_F(SqliteStoreTest, DuplicateAuthorityIdIsAlreadyExists) {
  NIMBUS_ASSERT_OK(insert(root_record("root")));
  AuthorityRecord again = root_record("root");
  again.subject = "CN=another";
  auto status = insert(again);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), ErrorCode::kAlreadyExists);
  EXPECT_NE(status.error().message().find("'root'"), std::string::npos) << status.error().message();
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto found, store_->find_authority("root"));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->subject, "CN=root, O=Nimbus Tests");
}

TEST_F(SqliteStoreTest, InsertsAndFindsCertificates) {
  NIMBUS_ASSERT_OK(insert(root_record("root")));
  CertificateRecord cert = certificate_record("0a0b0c", "root");
  cert.authority_id = "root";
  NIMBUS_ASSERT_OK(insert(cert));
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto found, store_->find_certificate("0a0b0c"));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->serial, "0a0b0c");
  EXPECT_EQ(found->issuer_id, "root");
  EXPECT_EQ(found->authority_id, std::optional<std::string>("root"));
  EXPECT_EQ(found->subject, cert.subject);
  EXPECT_EQ(found->not_before, cert.not_before);
  EXPECT_EQ(found->not_after, cert.not_after);
  EXPECT_EQ(found->sha1, cert.sha1);
  EXPECT_EQ(found->sha256, cert.sha256);
  EXPECT_EQ(found->der, cert.der);
  EXPECT_EQ(found->status, CertificateStatus::kValid);
  EXPECT_FALSE(found->revoked_at.has_value());
  EXPECT_FALSE(found->revocation_reason.has_value());
  EXPECT_EQ(found->issued_at, cert.issued_at);

  NIMBUS_ASSERT_OK_AND_ASSIGN(bool exists, store_->serial_exists("0a0b0c"));
  EXPECT_TRUE(exists);
  NIMBUS_ASSERT_OK_AND_ASSIGN(bool absent, store_->serial_exists("ffff"));
  EXPECT_FALSE(absent);
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto missing, store_->find_certificate("ffff"));
  EXPECT_FALSE(missing.has_value());
}

TEST_F(SqliteStoreTest, DuplicateSerialIsAlreadyExists) {
  NIMBUS_ASSERT_OK(insert(root_record("root")));
  NIMBUS_ASSERT_OK(insert(certificate_record("01", "root")));
  CertificateRecord same_serial = certificate_record("01", "root");
  same_serial.sha1 = "different-sha1";
  same_serial.sha256 = "different-sha256";
  NIMBUS_EXPECT_ERROR(insert(same_serial), ErrorCode::kAlreadyExists);
}

TEST_F(SqliteStoreTest, DuplicateThumbprintIsAlreadyExists) {
  NIMBUS_ASSERT_OK(insert(root_record("root")));
  NIMBUS_ASSERT_OK(insert(certificate_record("01", "root")));
  CertificateRecord same_sha256 = certificate_record("02", "root");
  same_sha256.sha256 = "sha256-01";
  NIMBUS_EXPECT_ERROR(insert(same_sha256), ErrorCode::kAlreadyExists);
  CertificateRecord same_sha1 = certificate_record("03", "root");
  same_sha1.sha1 = "sha1-01";
  NIMBUS_EXPECT_ERROR(insert(same_sha1), ErrorCode::kAlreadyExists);
  NIMBUS_ASSERT_OK_AND_ASSIGN(bool second, store_->serial_exists("02"));
  EXPECT_FALSE(second);
}

// A certificate whose issuer is not in the store breaks a foreign key: whatever that is, it is not
// "already exists", which is what store.h promises kAlreadyExists means for insert_certificate.
TEST_F(SqliteStoreTest, UnknownIssuerIsNotReportedAsAlreadyExists) {
  auto status = insert(certificate_record("01", "no-such-authority"));
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().code(), ErrorCode::kAlreadyExists) << status.error().to_string();
  NIMBUS_ASSERT_OK_AND_ASSIGN(bool exists, store_->serial_exists("01"));
  EXPECT_FALSE(exists);
}

TEST_F(SqliteStoreTest, WriteRollsBackEverythingWhenTheWorkFails) {
  NIMBUS_ASSERT_OK(insert(root_record("root")));
  Status status = store_->write([&](StoreWriter& tx) -> Status {
    NIMBUS_TRY(tx.insert_authority(issuing_record("issuing", "root")));
    NIMBUS_TRY(tx.insert_certificate(certificate_record("0102", "root")));
    NIMBUS_TRY(tx.revoke_certificate("0102", at("2026-02-01T00:00:00Z"), 1));
    NIMBUS_TRY(tx.set_authority_status("root", AuthorityStatus::kPaused));
    NIMBUS_TRY(tx.insert_crl(crl_record("root", 1)));
    NIMBUS_TRY(tx.allocate_crl_number("root"));
    NIMBUS_TRY(tx.append_audit({at("2026-02-01T00:00:00Z"), "test", "authority.create", "issuing", ""}));
    // The transaction sees its own changes.
    NIMBUS_ASSIGN_OR_RETURN(auto inside, tx.find_authority("issuing"));
    if (!inside) return Error(ErrorCode::kInternal, "own insert not visible");
    return Error(ErrorCode::kPolicyViolation, "the work changed its mind");
  });
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), ErrorCode::kPolicyViolation);
  EXPECT_EQ(status.error().message(), "the work changed its mind");

  NIMBUS_ASSERT_OK_AND_ASSIGN(auto issuing, store_->find_authority("issuing"));
  EXPECT_FALSE(issuing.has_value());
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto root, store_->find_authority("root"));
  ASSERT_TRUE(root.has_value());
  EXPECT_EQ(root->status, AuthorityStatus::kActive);
  EXPECT_EQ(root->last_crl_number, 0u);
  NIMBUS_ASSERT_OK_AND_ASSIGN(bool cert, store_->serial_exists("0102"));
  EXPECT_FALSE(cert);
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto revoked, store_->revoked_certificates("root"));
  EXPECT_TRUE(revoked.empty());
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto crl, store_->latest_crl("root"));
  EXPECT_FALSE(crl.has_value());
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto events, store_->audit_events(10));
  EXPECT_TRUE(events.empty());
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto all, store_->list_authorities());
  EXPECT_EQ(all.size(), 1u);

  // The store is usable afterwards: no transaction was left open.
  NIMBUS_EXPECT_OK(insert(issuing_record("issuing", "root")));
}

TEST_F(SqliteStoreTest, WriteRollsBackEarlierChangesWhenALaterOneFails) {
  NIMBUS_ASSERT_OK(insert(root_record("root")));
  Status status = store_->write([&](StoreWriter& tx) -> Status {
    NIMBUS_TRY(tx.insert_authority(issuing_record("new-one", "root")));
    return tx.insert_authority(root_record("root"));  // duplicate
  });
  NIMBUS_ASSERT_ERROR(status, ErrorCode::kAlreadyExists);
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto found, store_->find_authority("new-one"));
  EXPECT_FALSE(found.has_value());
}

TEST_F(SqliteStoreTest, CommittedWritesAreVisibleToAnotherConnection) {
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto other, SqliteStore::open(path_));
  NIMBUS_ASSERT_OK(insert(root_record("root")));
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto seen, other->find_authority("root"));
  EXPECT_TRUE(seen.has_value());
  NIMBUS_ASSERT_OK(other->write([](StoreWriter& tx) { return tx.set_authority_status("root", AuthorityStatus::kPaused); }));
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto back, store_->find_authority("root"));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->status, AuthorityStatus::kPaused);
}

TEST_F(SqliteStoreTest, AllocatesMonotonicCrlNumbersPerAuthority) {
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
  NIMBUS_ASSERT_OK(store_->write([&](StoreWriter& tx) -> Status {
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

// Observed behaviour: a number allocated in a transaction that rolls back is not recorded, and is
// handed out again by the next allocation. That is safe because a rolled-back transaction cannot
// have stored (published) a CRL with it: no CRL number is ever used twice.
TEST_F(SqliteStoreTest, NumberAllocatedInARolledBackTransactionIsNotConsumed) {
  NIMBUS_ASSERT_OK(insert(root_record("root")));
  NIMBUS_ASSERT_OK_AND_ASSIGN(std::uint64_t first, allocate("root"));
  EXPECT_EQ(first, 1u);
  std::uint64_t abandoned = 0;
  Status failed = store_->write([&](StoreWriter& tx) -> Status {
    NIMBUS_ASSIGN_OR_RETURN(abandoned, tx.allocate_crl_number("root"));
    NIMBUS_TRY(tx.insert_crl(crl_record("root", abandoned)));
    return Error(ErrorCode::kCryptoError, "signing failed");
  });
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(abandoned, 2u);
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto root, store_->find_authority("root"));
  ASSERT_TRUE(root.has_value());
  EXPECT_EQ(root->last_crl_number, 1u);
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto crl, store_->latest_crl("root"));
  EXPECT_FALSE(crl.has_value());
  NIMBUS_ASSERT_OK_AND_ASSIGN(std::uint64_t next, allocate("root"));
  EXPECT_EQ(next, 2u);
}

// Writers in several threads and on two connections (as a CLI and a server would be) never get the
// same number.
TEST_F(SqliteStoreTest, ConcurrentAllocationsNeverRepeatANumber) {
  NIMBUS_ASSERT_OK(insert(root_record("root")));
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto second, SqliteStore::open(path_));
  std::mutex mutex;
  std::vector<std::uint64_t> numbers;
  std::vector<std::string> errors;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    SqliteStore* store = t % 2 == 0 ? store_.get() : second.get();
    threads.emplace_back([&, store] {
      for (int i = 0; i < 25; ++i) {
        std::uint64_t number = 0;
        Status status = store->write([&](StoreWriter& tx) -> Status {
          NIMBUS_ASSIGN_OR_RETURN(number, tx.allocate_crl_number("root"));
          return ok_status();
        });
        std::lock_guard lock(mutex);
        if (status.ok()) {
          numbers.push_back(number);
        } else {
          errors.push_back(status.error().to_string());
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_TRUE(errors.empty()) << errors.front();
  std::sort(numbers.begin(), numbers.end());
  std::vector<std::uint64_t> expected(100);
  std::iota(expected.begin(), expected.end(), 1);
  EXPECT_EQ(numbers, expected);
}

TEST_F(SqliteStoreTest, AllocatingForAMissingAuthorityIsNotFound) {
  NIMBUS_EXPECT_ERROR(allocate("nobody"), ErrorCode::kNotFound);
}

TEST_F(SqliteStoreTest, RevokesCertificatesAndListsThemPerIssuer) {
  NIMBUS_ASSERT_OK(insert(root_record("root")));
  NIMBUS_ASSERT_OK(insert(issuing_record("issuing", "root")));
  for (const char* serial : {"30", "10", "20"}) NIMBUS_ASSERT_OK(insert(certificate_record(serial, "root")));
  NIMBUS_ASSERT_OK(insert(certificate_record("40", "issuing")));

  NIMBUS_ASSERT_OK(store_->write([](StoreWriter& tx) -> Status {
    NIMBUS_TRY(tx.revoke_certificate("30", at("2026-02-03T00:00:00Z"), 1));
    NIMBUS_TRY(tx.revoke_certificate("10", at("2026-02-01T00:00:00Z"), 5));
    return tx.revoke_certificate("40", at("2026-02-04T00:00:00Z"), 4);
  }));

  NIMBUS_ASSERT_OK_AND_ASSIGN(auto revoked, store_->revoked_certificates("root"));
  ASSERT_EQ(revoked.size(), 2u);
  EXPECT_EQ(revoked[0].serial, "10");  // ordered by serial
  EXPECT_EQ(revoked[0].status, CertificateStatus::kRevoked);
  EXPECT_EQ(revoked[0].revoked_at, std::optional<Timestamp>(at("2026-02-01T00:00:00Z")));
  EXPECT_EQ(revoked[0].revocation_reason, std::optional<int>(5));
  EXPECT_EQ(revoked[1].serial, "30");
  EXPECT_EQ(revoked[1].revocation_reason, std::optional<int>(1));

  NIMBUS_ASSERT_OK_AND_ASSIGN(auto of_issuing, store_->revoked_certificates("issuing"));
  ASSERT_EQ(of_issuing.size(), 1u);
  EXPECT_EQ(of_issuing[0].serial, "40");

  NIMBUS_ASSERT_OK_AND_ASSIGN(auto still_valid, store_->find_certificate("20"));
  ASSERT_TRUE(still_valid.has_value());
  EXPECT_EQ(still_valid->status, CertificateStatus::kValid);
}

TEST_F(SqliteStoreTest, RevokingAMissingCertificateIsNotFound) {
  NIMBUS_EXPECT_ERROR(
      store_->write([](StoreWriter& tx) { return tx.revoke_certificate("dead", at("2026-02-01T00:00:00Z"), 1); }),
      ErrorCode::kNotFound);
}

TEST_F(SqliteStoreTest, LatestCrlIsTheHighestNumber) {
  NIMBUS_ASSERT_OK(insert(root_record("root")));
  NIMBUS_ASSERT_OK(insert(root_record("other")));
  NIMBUS_ASSERT_OK(store_->write([](StoreWriter& tx) -> Status {
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
  NIMBUS_EXPECT_ERROR(store_->write([](StoreWriter& tx) { return tx.insert_crl(crl_record("root", 2)); }),
                      ErrorCode::kAlreadyExists);
}

TEST_F(SqliteStoreTest, AuditEventsAreMostRecentFirstAndLimited) {
  NIMBUS_ASSERT_OK(store_->write([](StoreWriter& tx) -> Status {
    NIMBUS_TRY(tx.append_audit({at("2026-01-01T00:00:00Z"), "cli:alice", "authority.create", "root", "first"}));
    NIMBUS_TRY(tx.append_audit({at("2026-01-01T00:00:00Z"), "cli:alice", "authority.create", "issuing", "second"}));
    return ok_status();
  }));
  NIMBUS_ASSERT_OK(store_->write([](StoreWriter& tx) {
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
}

TEST_F(SqliteStoreTest, SetAuthorityStatus) {
  NIMBUS_ASSERT_OK(insert(root_record("root")));
  NIMBUS_ASSERT_OK(store_->write([](StoreWriter& tx) { return tx.set_authority_status("root", AuthorityStatus::kPaused); }));
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto root, store_->find_authority("root"));
  ASSERT_TRUE(root.has_value());
  EXPECT_EQ(root->status, AuthorityStatus::kPaused);

  auto missing = store_->write([](StoreWriter& tx) { return tx.set_authority_status("ghost", AuthorityStatus::kActive); });
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(missing.error().message().find("ghost"), std::string::npos);
}

TEST_F(SqliteStoreTest, SetAuthorityCertificateActivatesAPendingAuthority) {
  AuthorityRecord pending = issuing_record("ext", "root");
  pending.parent_id.reset();
  pending.status = AuthorityStatus::kPending;
  pending.certificate_der.reset();
  NIMBUS_ASSERT_OK(insert(pending));
  Bytes der = {0x30, 0x03, 0x01, 0x02, 0x03};
  NIMBUS_ASSERT_OK(store_->write([&](StoreWriter& tx) {
    return tx.set_authority_certificate("ext", der, std::string("chain pem"));
  }));
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto found, store_->find_authority("ext"));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->status, AuthorityStatus::kActive);
  EXPECT_EQ(found->certificate_der, std::optional<Bytes>(der));
  EXPECT_EQ(found->external_chain_pem, std::optional<std::string>("chain pem"));
  NIMBUS_EXPECT_ERROR(store_->write([&](StoreWriter& tx) {
                        return tx.set_authority_certificate("ghost", der, std::nullopt);
                      }),
                      ErrorCode::kNotFound);
}

TEST_F(SqliteStoreTest, DataSurvivesReopening) {
  NIMBUS_ASSERT_OK(insert(root_record("root")));
  NIMBUS_ASSERT_OK(insert(certificate_record("abcd", "root")));
  NIMBUS_ASSERT_OK(allocate("root"));
  NIMBUS_ASSERT_OK(store_->write([](StoreWriter& tx) -> Status {
    NIMBUS_TRY(tx.insert_crl(crl_record("root", 1)));
    return tx.append_audit({at("2026-01-01T00:00:00Z"), "cli:alice", "authority.create", "root", ""});
  }));
  store_.reset();

  NIMBUS_ASSERT_OK_AND_ASSIGN(auto reopened, SqliteStore::open(path_));
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto root, reopened->find_authority("root"));
  ASSERT_TRUE(root.has_value());
  EXPECT_EQ(root->last_crl_number, 1u);
  NIMBUS_ASSERT_OK_AND_ASSIGN(bool cert, reopened->serial_exists("abcd"));
  EXPECT_TRUE(cert);
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto crl, reopened->latest_crl("root"));
  ASSERT_TRUE(crl.has_value());
  EXPECT_EQ(crl->number, 1u);
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto events, reopened->audit_events(5));
  EXPECT_EQ(events.size(), 1u);
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto all, reopened->list_authorities());
  EXPECT_EQ(all.size(), 1u);
}

}  // namespace
}  // namespace nimbus::store::sqlite
