#include "store/sqlite/sqlite_store.h"
#include "store/sqlite/migrations.h"

#include <sqlite3.h>

#include <algorithm>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <numeric>
#include <thread>

#include <fmt/format.h>
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
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto revoked, store_->revocations("root"));
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

  NIMBUS_ASSERT_OK_AND_ASSIGN(auto revoked, store_->revocations("root"));
  ASSERT_EQ(revoked.size(), 2u);
  EXPECT_EQ(revoked[0].serial, "10");  // ordered by serial
  EXPECT_EQ(revoked[0].revoked_at, at("2026-02-01T00:00:00Z"));
  EXPECT_EQ(revoked[0].reason, 5);
  EXPECT_EQ(revoked[1].serial, "30");
  EXPECT_EQ(revoked[1].reason, 1);

  NIMBUS_ASSERT_OK_AND_ASSIGN(auto of_issuing, store_->revocations("issuing"));
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

TEST_F(SqliteStoreTest, CertificateStatusIsPerIssuerAndSerial) {
  NIMBUS_ASSERT_OK(insert(root_record("root")));
  NIMBUS_ASSERT_OK(insert(issuing_record("issuing", "root")));
  NIMBUS_ASSERT_OK(insert(certificate_record("10", "issuing")));
  NIMBUS_ASSERT_OK(insert(certificate_record("20", "issuing")));
  NIMBUS_ASSERT_OK(store_->write([](StoreWriter& tx) { return tx.revoke_certificate("20", at("2026-02-01T00:00:00Z"), 1); }));

  NIMBUS_ASSERT_OK_AND_ASSIGN(auto good, store_->certificate_status("issuing", "10"));
  ASSERT_TRUE(good.has_value());
  EXPECT_EQ(good->status, CertificateStatus::kValid);
  EXPECT_FALSE(good->revoked_at.has_value());
  EXPECT_EQ(good->not_after, at("2027-01-01T00:00:00Z"));
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto revoked, store_->certificate_status("issuing", "20"));
  ASSERT_TRUE(revoked.has_value());
  EXPECT_EQ(revoked->status, CertificateStatus::kRevoked);
  EXPECT_EQ(revoked->revoked_at, std::optional<Timestamp>(at("2026-02-01T00:00:00Z")));
  EXPECT_EQ(revoked->revocation_reason, std::optional<int>(1));
  // The same serial under another issuer is a certificate that issuer never signed.
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto elsewhere, store_->certificate_status("root", "10"));
  EXPECT_FALSE(elsewhere.has_value());
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto unknown, store_->certificate_status("issuing", "99"));
  EXPECT_FALSE(unknown.has_value());
}

TEST_F(SqliteStoreTest, OnlyACertificateOnHoldCanBeReleased) {
  NIMBUS_ASSERT_OK(insert(root_record("root")));
  for (const char* serial : {"10", "20", "30"}) NIMBUS_ASSERT_OK(insert(certificate_record(serial, "root")));
  NIMBUS_ASSERT_OK(store_->write([](StoreWriter& tx) -> Status {
    NIMBUS_TRY(tx.revoke_certificate("10", at("2026-02-01T00:00:00Z"), 6));
    return tx.revoke_certificate("20", at("2026-02-01T00:00:00Z"), 1);
  }));
  NIMBUS_ASSERT_OK(store_->write([](StoreWriter& tx) { return tx.release_certificate_hold("10"); }));
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto released, store_->find_certificate("10"));
  EXPECT_EQ(released->status, CertificateStatus::kValid);
  EXPECT_FALSE(released->revoked_at.has_value());
  EXPECT_FALSE(released->revocation_reason.has_value());

  for (const char* serial : {"10", "20", "30", "99"}) {
    NIMBUS_EXPECT_ERROR(store_->write([&](StoreWriter& tx) { return tx.release_certificate_hold(serial); }),
                        ErrorCode::kNotFound);
  }
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto still_revoked, store_->find_certificate("20"));
  EXPECT_EQ(still_revoked->status, CertificateStatus::kRevoked);
}

TEST_F(SqliteStoreTest, CurrentOcspSignerIsTheOneThatExpiresLast) {
  NIMBUS_ASSERT_OK(insert(root_record("root")));
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto none, store_->current_ocsp_signer("root"));
  EXPECT_FALSE(none.has_value());
  for (const char* serial : {"a1", "a2", "a3"}) NIMBUS_ASSERT_OK(insert(certificate_record(serial, "root")));
  auto signer = [](const char* serial, const char* not_after) {
    return OcspSignerRecord{"root", serial, std::string("ocsp-") + serial, Bytes{0x30, 0x01},
                            at("2026-01-01T00:00:00Z"), at(not_after)};
  };
  NIMBUS_ASSERT_OK(store_->write([&](StoreWriter& tx) -> Status {
    NIMBUS_TRY(tx.insert_ocsp_signer(signer("a1", "2026-02-01T00:00:00Z")));
    NIMBUS_TRY(tx.insert_ocsp_signer(signer("a3", "2026-04-01T00:00:00Z")));
    return tx.insert_ocsp_signer(signer("a2", "2026-03-01T00:00:00Z"));
  }));
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto current, store_->current_ocsp_signer("root"));
  ASSERT_TRUE(current.has_value());
  EXPECT_EQ(current->serial, "a3");
  EXPECT_EQ(current->key_reference, "ocsp-a3");
  EXPECT_EQ(current->certificate_der, (Bytes{0x30, 0x01}));
  EXPECT_EQ(current->not_before, at("2026-01-01T00:00:00Z"));
  EXPECT_EQ(current->not_after, at("2026-04-01T00:00:00Z"));
  // A signer must be a certificate the store knows (so that it can be revoked like any other).
  NIMBUS_EXPECT_ERROR(store_->write([&](StoreWriter& tx) { return tx.insert_ocsp_signer(signer("zz", "2026-05-01T00:00:00Z")); }),
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


// ---- Group commit ----

// Runs `writes` writes on each of `threads` threads at once; returns the error of every write that
// failed.
std::vector<std::string> write_concurrently(SqliteStore& store, int threads, int writes,
                                            const std::function<Status(StoreWriter&, int, int)>& work) {
  std::mutex mutex;
  std::vector<std::string> errors;
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      for (int i = 0; i < writes; ++i) {
        Status status = store.write([&](StoreWriter& tx) { return work(tx, t, i); });
        if (!status.ok()) {
          std::lock_guard lock(mutex);
          errors.push_back(fmt::format("thread {} write {}: {}", t, i, status.error().to_string()));
        }
      }
    });
  }
  for (auto& thread : pool) thread.join();
  return errors;
}

TEST_F(SqliteStoreTest, GroupCommitKeepsEveryConcurrentAuditEvent) {
  constexpr int kThreads = 16;
  constexpr int kWrites = 50;
  std::vector<std::string> errors = write_concurrently(*store_, kThreads, kWrites, [](StoreWriter& tx, int t, int i) {
    return tx.append_audit({at("2026-01-01T00:00:00Z") + std::chrono::seconds(i), fmt::format("thread:{}", t),
                            "test.write", fmt::format("{}-{}", t, i), ""});
  });
  EXPECT_TRUE(errors.empty()) << errors.size() << " failed, first: " << errors.front();

  NIMBUS_ASSERT_OK_AND_ASSIGN(auto events, store_->audit_events(10 * kThreads * kWrites));
  ASSERT_EQ(events.size(), static_cast<std::size_t>(kThreads * kWrites));
  std::vector<std::string> targets;
  for (const AuditEvent& event : events) targets.push_back(event.target);
  std::sort(targets.begin(), targets.end());
  EXPECT_EQ(std::unique(targets.begin(), targets.end()), targets.end()) << "an event was recorded twice";
  // Each thread's own events are in the order it wrote them (the ids increase).
  for (int t = 0; t < kThreads; ++t) {
    std::vector<std::string> mine;
    for (auto event = events.rbegin(); event != events.rend(); ++event) {
      if (event->actor == fmt::format("thread:{}", t)) mine.push_back(event->target);
    }
    ASSERT_EQ(mine.size(), static_cast<std::size_t>(kWrites)) << "thread " << t;
    for (int i = 0; i < kWrites; ++i) EXPECT_EQ(mine[static_cast<std::size_t>(i)], fmt::format("{}-{}", t, i));
  }
  // And durable: another connection sees them all.
  EXPECT_EQ(query_text(path_, "SELECT COUNT(*) FROM audit_events"), std::to_string(kThreads * kWrites));
}

TEST_F(SqliteStoreTest, GroupCommitKeepsEveryConcurrentCertificate) {
  NIMBUS_ASSERT_OK(insert(root_record("root")));
  constexpr int kThreads = 16;
  constexpr int kWrites = 50;
  std::vector<std::string> errors = write_concurrently(*store_, kThreads, kWrites, [](StoreWriter& tx, int t, int i) -> Status {
    std::string serial = fmt::format("{:02x}{:04x}", t, i);
    NIMBUS_TRY(tx.insert_certificate(certificate_record(serial, "root")));
    return tx.append_audit({at("2026-01-01T00:00:00Z"), "test", "certificate.issue", serial, ""});
  });
  EXPECT_TRUE(errors.empty()) << errors.size() << " failed, first: " << errors.front();
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kWrites; ++i) {
      NIMBUS_ASSERT_OK_AND_ASSIGN(bool exists, store_->serial_exists(fmt::format("{:02x}{:04x}", t, i)));
      EXPECT_TRUE(exists) << t << "/" << i;
    }
  }
  EXPECT_EQ(query_text(path_, "SELECT COUNT(*) FROM certificates"), std::to_string(kThreads * kWrites));
  EXPECT_EQ(query_text(path_, "SELECT COUNT(*) FROM audit_events"), std::to_string(kThreads * kWrites));
}

// Writes that queue up behind a running commit are committed together by one thread; one of them
// failing rolls back that one alone.
TEST_F(SqliteStoreTest, AFailingWriteInABatchRollsBackOnlyItself) {
  NIMBUS_ASSERT_OK(insert(root_record("root")));

  std::mutex mutex;
  std::condition_variable changed;
  bool first_running = false;
  bool release_first = false;
  std::thread first([&] {
    Status status = store_->write([&](StoreWriter& tx) -> Status {
      NIMBUS_TRY(tx.append_audit({at("2026-01-01T00:00:00Z"), "test", "first", "first", ""}));
      std::unique_lock lock(mutex);
      first_running = true;
      changed.notify_all();
      changed.wait(lock, [&] { return release_first; });
      return ok_status();
    });
    EXPECT_TRUE(status.ok()) << status.error().to_string();
  });
  {
    std::unique_lock lock(mutex);
    changed.wait(lock, [&] { return first_running; });
  }

  // While the first write holds the commit, four more queue up; the third of them fails after
  // making changes of its own.
  constexpr int kQueued = 4;
  std::vector<Status> results(kQueued, ok_status());
  std::vector<std::thread::id> ran_on(kQueued);
  std::vector<std::thread> queued;
  for (int w = 0; w < kQueued; ++w) {
    queued.emplace_back([&, w] {
      results[static_cast<std::size_t>(w)] = store_->write([&, w](StoreWriter& tx) -> Status {
        ran_on[static_cast<std::size_t>(w)] = std::this_thread::get_id();
        std::string serial = fmt::format("0{}", w + 1);
        NIMBUS_TRY(tx.insert_certificate(certificate_record(serial, "root")));
        NIMBUS_TRY(tx.append_audit({at("2026-01-01T00:00:00Z"), "test", "queued", serial, ""}));
        if (w == 2) return Error(ErrorCode::kPolicyViolation, "write 3 changed its mind");
        return ok_status();
      });
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // let them all reach the queue
  {
    std::lock_guard lock(mutex);
    release_first = true;
  }
  changed.notify_all();
  first.join();
  for (auto& thread : queued) thread.join();

  // They really were one batch: one leader ran every queued work.
  for (int w = 1; w < kQueued; ++w) EXPECT_EQ(ran_on[static_cast<std::size_t>(w)], ran_on[0]) << "write " << w;

  for (int w = 0; w < kQueued; ++w) {
    const Status& result = results[static_cast<std::size_t>(w)];
    if (w == 2) {
      ASSERT_FALSE(result.ok());
      EXPECT_EQ(result.error().code(), ErrorCode::kPolicyViolation);
      EXPECT_EQ(result.error().message(), "write 3 changed its mind");
    } else {
      EXPECT_TRUE(result.ok()) << "write " << w << ": " << result.error().to_string();
    }
  }
  for (const char* serial : {"01", "02", "04"}) {
    NIMBUS_ASSERT_OK_AND_ASSIGN(bool exists, store_->serial_exists(serial));
    EXPECT_TRUE(exists) << serial;
  }
  NIMBUS_ASSERT_OK_AND_ASSIGN(bool failed_exists, store_->serial_exists("03"));
  EXPECT_FALSE(failed_exists);
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto events, store_->audit_events(100));
  std::vector<std::string> targets;
  for (const AuditEvent& event : events) targets.push_back(event.target);
  std::sort(targets.begin(), targets.end());
  EXPECT_EQ(targets, (std::vector<std::string>{"01", "02", "04", "first"}));
  EXPECT_EQ(query_text(path_, "SELECT COUNT(*) FROM certificates"), "3");
}

// Two failing writes in one batch with a constraint violation among them, and nothing else: the
// store is left as it was and usable.
TEST_F(SqliteStoreTest, ABatchOfOnlyFailuresChangesNothing) {
  NIMBUS_ASSERT_OK(insert(root_record("root")));
  NIMBUS_ASSERT_OK(insert(certificate_record("aa", "root")));
  std::vector<std::string> errors = write_concurrently(*store_, 8, 5, [](StoreWriter& tx, int t, int i) -> Status {
    NIMBUS_TRY(tx.append_audit({at("2026-01-01T00:00:00Z"), "test", "doomed", fmt::format("{}-{}", t, i), ""}));
    if (t % 2 == 0) return tx.insert_certificate(certificate_record("aa", "root"));  // duplicate
    return Error(ErrorCode::kCryptoError, "signing failed");
  });
  EXPECT_EQ(errors.size(), 40u);
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto events, store_->audit_events(100));
  EXPECT_TRUE(events.empty());
  NIMBUS_EXPECT_OK(insert(certificate_record("bb", "root")));
}

// ---- Profiles ----

ProfileRecord profile_record(const std::string& id, std::uint64_t version, const std::string& document,
                             Timestamp when = at("2026-02-01T00:00:00Z")) {
  return ProfileRecord{id, version, "issuing", document, when, when};
}

class SqliteProfileStoreTest : public SqliteStoreTest {
 protected:
  void SetUp() override {
    SqliteStoreTest::SetUp();
    ASSERT_TRUE(insert(root_record("root")).ok());
    ASSERT_TRUE(insert(issuing_record("issuing", "root")).ok());
  }

  Status put(const ProfileRecord& record) {
    return store_->write([&](StoreWriter& tx) { return tx.put_profile(record); });
  }
  Status remove(const std::string& id) {
    return store_->write([&](StoreWriter& tx) { return tx.delete_profile(id); });
  }
  std::uint64_t last_version(const std::string& id) {
    std::uint64_t version = 999;
    nimbus::testing::must(store_->write([&](StoreWriter& tx) -> Status {
      NIMBUS_ASSIGN_OR_RETURN(version, tx.last_profile_version(id));
      return ok_status();
    }));
    return version;
  }
  Status insert(const EnrollmentRecord& record) {
    return store_->write([&](StoreWriter& tx) { return tx.insert_enrollment(record); });
  }
  using SqliteStoreTest::insert;

  Status mark_used(const std::string& id, const std::string& serial, Timestamp when) {
    return store_->write([&](StoreWriter& tx) { return tx.mark_enrollment_used(id, serial, when); });
  }
};

EnrollmentRecord enrollment_record(const std::string& id, const std::string& profile,
                                   Timestamp created = at("2026-02-02T00:00:00Z")) {
  EnrollmentRecord record;
  record.id = id;
  record.profile_id = profile;
  record.profile_version = 1;
  record.variables = R"({"UserName":"alice"})";
  record.subject = "CN=alice";
  record.subject_alt_names = R"([{"type":"upn","value":"alice@contoso.com"}])";
  record.created_at = created;
  return record;
}

TEST_F(SqliteProfileStoreTest, PutProfileCreatesAndReplacesVersions) {
  EXPECT_EQ(last_version("vpn"), 0u);
  NIMBUS_ASSERT_OK(put(profile_record("vpn", 1, "document v1", at("2026-02-01T00:00:00Z"))));
  EXPECT_EQ(last_version("vpn"), 1u);
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto v1, store_->find_profile("vpn"));
  ASSERT_TRUE(v1.has_value());
  EXPECT_EQ(v1->id, "vpn");
  EXPECT_EQ(v1->version, 1u);
  EXPECT_EQ(v1->issuing_ca, "issuing");
  EXPECT_EQ(v1->document, "document v1");
  EXPECT_EQ(v1->created_at, at("2026-02-01T00:00:00Z"));
  EXPECT_EQ(v1->updated_at, at("2026-02-01T00:00:00Z"));

  ProfileRecord second = profile_record("vpn", 2, "document v2", at("2026-02-05T00:00:00Z"));
  NIMBUS_ASSERT_OK(put(second));
  EXPECT_EQ(last_version("vpn"), 2u);
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto v2, store_->find_profile("vpn"));
  ASSERT_TRUE(v2.has_value());
  EXPECT_EQ(v2->version, 2u);
  EXPECT_EQ(v2->document, "document v2");
  EXPECT_EQ(v2->created_at, at("2026-02-01T00:00:00Z"));  // kept from the first version
  EXPECT_EQ(v2->updated_at, at("2026-02-05T00:00:00Z"));

  NIMBUS_ASSERT_OK_AND_ASSIGN(auto missing, store_->find_profile("nope"));
  EXPECT_FALSE(missing.has_value());
}

TEST_F(SqliteProfileStoreTest, ListsProfilesById) {
  NIMBUS_ASSERT_OK(put(profile_record("wifi", 1, "w")));
  NIMBUS_ASSERT_OK(put(profile_record("device-vpn", 1, "d")));
  NIMBUS_ASSERT_OK(put(profile_record("user-vpn", 3, "u")));
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto all, store_->list_profiles());
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].id, "device-vpn");
  EXPECT_EQ(all[1].id, "user-vpn");
  EXPECT_EQ(all[1].version, 3u);
  EXPECT_EQ(all[2].id, "wifi");
}

TEST_F(SqliteProfileStoreTest, ProfileNeedsAnExistingIssuingCa) {
  ProfileRecord orphan = profile_record("vpn", 1, "d");
  orphan.issuing_ca = "no-such-ca";
  auto status = put(orphan);
  ASSERT_FALSE(status.ok());
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto found, store_->find_profile("vpn"));
  EXPECT_FALSE(found.has_value());
}

TEST_F(SqliteProfileStoreTest, DeletedProfilesAreHiddenButKeepTheirVersion) {
  NIMBUS_ASSERT_OK(put(profile_record("vpn", 1, "v1")));
  NIMBUS_ASSERT_OK(put(profile_record("vpn", 2, "v2")));
  NIMBUS_ASSERT_OK(put(profile_record("other", 1, "o")));
  NIMBUS_ASSERT_OK(remove("vpn"));

  NIMBUS_ASSERT_OK_AND_ASSIGN(auto found, store_->find_profile("vpn"));
  EXPECT_FALSE(found.has_value());
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto all, store_->list_profiles());
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].id, "other");
  EXPECT_EQ(last_version("vpn"), 2u);  // so that a re-created profile never reuses a version

  // Deleting again, or what never existed, is kNotFound.
  NIMBUS_EXPECT_ERROR(remove("vpn"), ErrorCode::kNotFound);
  NIMBUS_EXPECT_ERROR(remove("ghost"), ErrorCode::kNotFound);

  // Putting it again brings it back.
  NIMBUS_ASSERT_OK(put(profile_record("vpn", 3, "v3", at("2026-03-01T00:00:00Z"))));
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto back, store_->find_profile("vpn"));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->version, 3u);
  EXPECT_EQ(back->document, "v3");
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto listed, store_->list_profiles());
  EXPECT_EQ(listed.size(), 2u);
}

TEST_F(SqliteProfileStoreTest, ProfileChangesRollBackWithTheirTransaction) {
  NIMBUS_ASSERT_OK(put(profile_record("vpn", 1, "v1")));
  Status failed = store_->write([](StoreWriter& tx) -> Status {
    NIMBUS_TRY(tx.put_profile(profile_record("vpn", 2, "v2")));
    NIMBUS_TRY(tx.delete_profile("vpn"));
    return Error(ErrorCode::kInternal, "abandoned");
  });
  ASSERT_FALSE(failed.ok());
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto found, store_->find_profile("vpn"));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->version, 1u);
  EXPECT_EQ(last_version("vpn"), 1u);
}

// ---- Enrollments ----

TEST_F(SqliteProfileStoreTest, InsertsFindsListsAndCountsEnrollments) {
  NIMBUS_ASSERT_OK(put(profile_record("vpn", 1, "v")));
  NIMBUS_ASSERT_OK(put(profile_record("wifi", 1, "w")));
  NIMBUS_ASSERT_OK(insert(enrollment_record("e1", "vpn", at("2026-02-02T00:00:00Z"))));
  NIMBUS_ASSERT_OK(insert(enrollment_record("e2", "vpn", at("2026-02-03T00:00:00Z"))));
  NIMBUS_ASSERT_OK(insert(enrollment_record("e3", "wifi", at("2026-02-04T00:00:00Z"))));

  NIMBUS_ASSERT_OK_AND_ASSIGN(auto found, store_->find_enrollment("e1"));
  ASSERT_TRUE(found.has_value());
  EnrollmentRecord expected = enrollment_record("e1", "vpn", at("2026-02-02T00:00:00Z"));
  EXPECT_EQ(found->id, "e1");
  EXPECT_EQ(found->profile_id, "vpn");
  EXPECT_EQ(found->profile_version, 1u);
  EXPECT_EQ(found->variables, expected.variables);
  EXPECT_EQ(found->subject, expected.subject);
  EXPECT_EQ(found->subject_alt_names, expected.subject_alt_names);
  EXPECT_EQ(found->status, EnrollmentStatus::kPending);
  EXPECT_EQ(found->created_at, at("2026-02-02T00:00:00Z"));
  EXPECT_FALSE(found->used_at.has_value());
  EXPECT_FALSE(found->certificate_serial.has_value());

  NIMBUS_ASSERT_OK_AND_ASSIGN(auto of_vpn, store_->list_enrollments("vpn"));
  ASSERT_EQ(of_vpn.size(), 2u);
  EXPECT_EQ(of_vpn[0].id, "e2");  // newest first
  EXPECT_EQ(of_vpn[1].id, "e1");
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto all, store_->list_enrollments(""));
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].id, "e3");
  NIMBUS_ASSERT_OK_AND_ASSIGN(std::size_t pending, store_->count_pending_enrollments("vpn"));
  EXPECT_EQ(pending, 2u);
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto none, store_->find_enrollment("nope"));
  EXPECT_FALSE(none.has_value());

  NIMBUS_EXPECT_ERROR(insert(enrollment_record("e1", "vpn")), ErrorCode::kAlreadyExists);
}

TEST_F(SqliteProfileStoreTest, MarksAnEnrollmentUsedOnce) {
  NIMBUS_ASSERT_OK(put(profile_record("vpn", 1, "v")));
  NIMBUS_ASSERT_OK(insert(enrollment_record("e1", "vpn")));
  NIMBUS_ASSERT_OK(insert(certificate_record("c1", "issuing")));
  NIMBUS_ASSERT_OK(insert(certificate_record("c2", "issuing")));

  NIMBUS_ASSERT_OK(mark_used("e1", "c1", at("2026-02-10T00:00:00Z")));
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto used, store_->find_enrollment("e1"));
  ASSERT_TRUE(used.has_value());
  EXPECT_EQ(used->status, EnrollmentStatus::kUsed);
  EXPECT_EQ(used->used_at, std::optional<Timestamp>(at("2026-02-10T00:00:00Z")));
  EXPECT_EQ(used->certificate_serial, std::optional<std::string>("c1"));
  NIMBUS_ASSERT_OK_AND_ASSIGN(std::size_t pending, store_->count_pending_enrollments("vpn"));
  EXPECT_EQ(pending, 0u);

  auto again = mark_used("e1", "c2", at("2026-02-11T00:00:00Z"));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(again.error().message().find("c1"), std::string::npos) << again.error().message();
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto unchanged, store_->find_enrollment("e1"));
  ASSERT_TRUE(unchanged.has_value());
  EXPECT_EQ(unchanged->certificate_serial, std::optional<std::string>("c1"));
  EXPECT_EQ(unchanged->used_at, std::optional<Timestamp>(at("2026-02-10T00:00:00Z")));

  NIMBUS_EXPECT_ERROR(mark_used("ghost", "c2", at("2026-02-11T00:00:00Z")), ErrorCode::kNotFound);
}

// ---- Certificate queries ----

class SqliteCertificateQueryTest : public SqliteProfileStoreTest {
 protected:
  void SetUp() override {
    SqliteProfileStoreTest::SetUp();
    ASSERT_TRUE(insert(issuing_record("other-issuing", "root")).ok());
    ASSERT_TRUE(put(profile_record("vpn", 1, "v")).ok());
    ASSERT_TRUE(put(profile_record("wifi", 1, "w")).ok());
    add("01", "issuing", "vpn", "CN=Alice Smith, O=Contoso", at("2027-01-01T00:00:00Z"), 1);
    add("02", "issuing", "wifi", "CN=bob jones, O=Contoso", at("2027-01-01T00:00:00Z"), 2);
    add("03", "other-issuing", "vpn", "CN=ALICE COOPER, O=Fabrikam", at("2026-03-01T00:00:00Z"), 3);  // expires
    add("04", "issuing", std::nullopt, "CN=carol, O=Contoso", at("2027-01-01T00:00:00Z"), 4);
    add("05", "issuing", "vpn", "CN=dave, O=Contoso", at("2026-03-01T00:00:00Z"), 5);  // expired and revoked
    ASSERT_TRUE(store_->write([](StoreWriter& tx) -> Status {
                  NIMBUS_TRY(tx.revoke_certificate("02", at("2026-02-20T00:00:00Z"), 1));
                  return tx.revoke_certificate("05", at("2026-02-20T00:00:00Z"), 1);
                }).ok());
  }

  void add(const std::string& serial, const std::string& issuer, std::optional<std::string> profile,
           const std::string& subject, Timestamp not_after, int order) {
    CertificateRecord record = certificate_record(serial, issuer);
    record.subject = subject;
    record.not_after = not_after;
    record.profile_id = std::move(profile);
    record.issued_at = at("2026-02-01T00:00:00Z") + std::chrono::hours(order);
    record.sha1 = std::string(40, 'a') + serial;
    record.sha256 = std::string(64, 'b') + serial;
    Status status = insert(record);
    if (!status.ok()) throw std::runtime_error("inserting " + serial + ": " + status.error().to_string());
  }

  std::vector<std::string> serials(CertificateFilter filter) {
    if (filter.now == Timestamp()) filter.now = at("2026-06-01T00:00:00Z");
    std::vector<std::string> out;
    for (const CertificateRecord& record : nimbus::testing::must(store_->list_certificates(filter))) {
      out.push_back(record.serial);
    }
    return out;
  }
};

TEST_F(SqliteCertificateQueryTest, ListsNewestFirstWithALimit) {
  CertificateFilter all;
  EXPECT_EQ(serials(all), (std::vector<std::string>{"05", "04", "03", "02", "01"}));
  CertificateFilter two;
  two.limit = 2;
  EXPECT_EQ(serials(two), (std::vector<std::string>{"05", "04"}));
}

TEST_F(SqliteCertificateQueryTest, FiltersByIssuerAndProfile) {
  CertificateFilter by_issuer;
  by_issuer.issuer_id = "other-issuing";
  EXPECT_EQ(serials(by_issuer), std::vector<std::string>{"03"});
  CertificateFilter by_profile;
  by_profile.profile_id = "vpn";
  EXPECT_EQ(serials(by_profile), (std::vector<std::string>{"05", "03", "01"}));
  CertificateFilter both;
  both.issuer_id = "issuing";
  both.profile_id = "vpn";
  EXPECT_EQ(serials(both), (std::vector<std::string>{"05", "01"}));
  CertificateFilter nothing;
  nothing.profile_id = "no-such-profile";
  EXPECT_TRUE(serials(nothing).empty());
}

TEST_F(SqliteCertificateQueryTest, FiltersBySubjectSubstringIgnoringCase) {
  CertificateFilter alice;
  alice.subject_contains = "alice";
  EXPECT_EQ(serials(alice), (std::vector<std::string>{"03", "01"}));
  CertificateFilter upper;
  upper.subject_contains = "CONTOSO";
  EXPECT_EQ(serials(upper), (std::vector<std::string>{"05", "04", "02", "01"}));
  CertificateFilter mixed;
  mixed.subject_contains = "Bob Jo";
  EXPECT_EQ(serials(mixed), std::vector<std::string>{"02"});
  // Not a pattern: '%' and '_' are plain characters.
  CertificateFilter percent;
  percent.subject_contains = "%";
  EXPECT_TRUE(serials(percent).empty());
  CertificateFilter underscore;
  underscore.subject_contains = "_";
  EXPECT_TRUE(serials(underscore).empty());
}

// Subjects are UTF-8 and people's names are often not ASCII: "zoë" should find "CN=Zoë Ünal" and
// "ZOË ÜNAL" alike.
TEST_F(SqliteCertificateQueryTest, SubjectFilterIgnoresCaseBeyondAscii) {
  add("06", "issuing", "vpn", "CN=ZOË ÜNAL, O=Contoso", at("2027-01-01T00:00:00Z"), 6);
  CertificateFilter lower;
  lower.subject_contains = "zoë ünal";
  EXPECT_EQ(serials(lower), std::vector<std::string>{"06"});
}

TEST_F(SqliteCertificateQueryTest, FiltersByStatusAtATime) {
  CertificateFilter valid;
  valid.status = CertificateFilter::Status::kValid;
  EXPECT_EQ(serials(valid), (std::vector<std::string>{"04", "01"}));
  CertificateFilter revoked;
  revoked.status = CertificateFilter::Status::kRevoked;
  EXPECT_EQ(serials(revoked), (std::vector<std::string>{"05", "02"}));  // expired or not
  CertificateFilter expired;
  expired.status = CertificateFilter::Status::kExpired;
  EXPECT_EQ(serials(expired), std::vector<std::string>{"03"});  // a revoked one is listed as revoked

  // Earlier, before anything expired, the same certificates were valid.
  CertificateFilter valid_then;
  valid_then.status = CertificateFilter::Status::kValid;
  valid_then.now = at("2026-02-25T00:00:00Z");
  EXPECT_EQ(serials(valid_then), (std::vector<std::string>{"04", "03", "01"}));
  CertificateFilter expired_then;
  expired_then.status = CertificateFilter::Status::kExpired;
  expired_then.now = at("2026-02-25T00:00:00Z");
  EXPECT_TRUE(serials(expired_then).empty());

  // Valid through its last second, expired from the next.
  CertificateFilter at_the_end;
  at_the_end.status = CertificateFilter::Status::kValid;
  at_the_end.now = at("2026-03-01T00:00:00Z");
  EXPECT_EQ(serials(at_the_end), (std::vector<std::string>{"04", "03", "01"}));
  CertificateFilter after_the_end;
  after_the_end.status = CertificateFilter::Status::kExpired;
  after_the_end.now = at("2026-03-01T00:00:01Z");
  EXPECT_EQ(serials(after_the_end), std::vector<std::string>{"03"});

  CertificateFilter combined;
  combined.status = CertificateFilter::Status::kValid;
  combined.subject_contains = "alice";
  EXPECT_EQ(serials(combined), std::vector<std::string>{"01"});
}

TEST_F(SqliteCertificateQueryTest, FindsByThumbprintOrSerial) {
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto by_serial, store_->find_certificate_by_thumbprint("03"));
  ASSERT_TRUE(by_serial.has_value());
  EXPECT_EQ(by_serial->serial, "03");
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto by_sha1, store_->find_certificate_by_thumbprint(std::string(40, 'a') + "02"));
  ASSERT_TRUE(by_sha1.has_value());
  EXPECT_EQ(by_sha1->serial, "02");
  EXPECT_EQ(by_sha1->status, CertificateStatus::kRevoked);
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto by_sha256, store_->find_certificate_by_thumbprint(std::string(64, 'b') + "04"));
  ASSERT_TRUE(by_sha256.has_value());
  EXPECT_EQ(by_sha256->serial, "04");
  EXPECT_EQ(by_sha256->subject, "CN=carol, O=Contoso");
  EXPECT_FALSE(by_sha256->profile_id.has_value());
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto missing, store_->find_certificate_by_thumbprint("ffff"));
  EXPECT_FALSE(missing.has_value());
  // A prefix is not a thumbprint.
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto prefix, store_->find_certificate_by_thumbprint(std::string(40, 'a')));
  EXPECT_FALSE(prefix.has_value());
}

TEST_F(SqliteCertificateQueryTest, KeepsEndEntityColumns) {
  CertificateRecord record = certificate_record("0e", "issuing");
  record.profile_id = "vpn";
  record.enrollment_id = "enr-1";
  record.subject_alt_names = R"([{"type":"dns","value":"pc.contoso.com"}])";
  NIMBUS_ASSERT_OK(insert(record));
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto found, store_->find_certificate("0e"));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->profile_id, std::optional<std::string>("vpn"));
  EXPECT_EQ(found->enrollment_id, std::optional<std::string>("enr-1"));
  EXPECT_EQ(found->subject_alt_names, record.subject_alt_names);
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto plain, store_->find_certificate("04"));
  ASSERT_TRUE(plain.has_value());
  EXPECT_EQ(plain->subject_alt_names, "[]");
  EXPECT_FALSE(plain->enrollment_id.has_value());
}

}  // namespace
}  // namespace nimbus::store::sqlite
