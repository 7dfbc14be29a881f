// SqliteStore: the embedded store, one SQLite database file in WAL mode.
#pragma once

#include <filesystem>
#include <memory>
#include <condition_variable>
#include <mutex>
#include <vector>

#include "store/store.h"

namespace nimbus::store::sqlite {

class Checkpointer;
class Database;
class SqliteSession;

// Thread-safe: two connections, each used under its own mutex — one for writes, one for reads, so
// that reads proceed (on the last committed state, thanks to WAL) while a commit waits for its
// fsync. Several processes may open the same file; SQLite's locking serialises their writes (busy
// timeout 5 s).
//
// Writes use group commit: while one transaction is committing (and waiting for its fsync), the
// writes that arrive queue up; the next commit runs them all, each inside its own savepoint, and
// makes them durable with a single fsync. Each write() still returns only once its changes are on
// disk, and a write that fails is rolled back alone. Checkpoints run on a thread of their own
// (Checkpointer), not inside a commit.
class SqliteStore final : public Store {
 public:
  // Creates a new database at `path` (refusing an existing one) and applies every migration.
  static Result<std::unique_ptr<SqliteStore>> create(const std::filesystem::path& path);
  // Opens an existing database and applies any migration it lacks.
  static Result<std::unique_ptr<SqliteStore>> open(const std::filesystem::path& path);

  ~SqliteStore() override;

  Status write(const std::function<Status(StoreWriter&)>& work) override;
  Result<int> schema_version() override;
  void maintain() override;

  Result<std::optional<AuthorityRecord>> find_authority(const std::string& id) override;
  Result<std::vector<AuthorityRecord>> list_authorities() override;
  Result<std::optional<CertificateRecord>> find_certificate(const std::string& serial) override;
  Result<bool> serial_exists(const std::string& serial) override;
  Result<std::vector<RevocationEntry>> revocations(const std::string& issuer_id) override;
  Result<std::optional<CertificateStatusRecord>> certificate_status(const std::string& issuer_id,
                                                                    const std::string& serial) override;
  Result<std::optional<OcspSignerRecord>> current_ocsp_signer(const std::string& authority_id) override;
  Result<std::optional<CertificateRecord>> find_certificate_by_thumbprint(const std::string& hex) override;
  Result<std::vector<CertificateRecord>> list_certificates(const CertificateFilter& filter) override;
  Result<std::optional<CrlRecord>> latest_crl(const std::string& authority_id) override;
  Result<std::optional<ProfileRecord>> find_profile(const std::string& id) override;
  Result<std::vector<ProfileRecord>> list_profiles() override;
  Result<std::optional<EnrollmentRecord>> find_enrollment(const std::string& id) override;
  Result<std::vector<EnrollmentRecord>> list_enrollments(const std::string& profile_id) override;
  Result<std::size_t> count_pending_enrollments(const std::string& profile_id) override;
  Result<std::vector<CertificateTally>> certificate_tallies() override;
  Result<std::optional<ChallengeRecord>> find_challenge(const std::string& digest) override;
  Result<std::vector<ChallengeRecord>> enrollment_challenges(const std::string& enrollment_id) override;
  Result<std::optional<ScepTransactionRecord>> find_scep_transaction(const std::string& authority_id,
                                                                     const std::string& transaction_id) override;
  Result<std::optional<ApiTokenRecord>> find_api_token(const std::string& id) override;
  Result<std::vector<ApiTokenRecord>> list_api_tokens() override;
  Result<std::vector<AuditEntry>> audit_trail(const AuditQuery& query) override;

 private:
  SqliteStore(std::unique_ptr<Database> db);
  static Result<std::unique_ptr<SqliteStore>> open_database(const std::filesystem::path& path,
                                                            bool create);
  static Status configure(Database& db);
  Status open_reader(const std::filesystem::path& path);
  Status migrate();

  struct QueuedWrite;
  void commit_batch(const std::vector<QueuedWrite*>& batch);

  std::mutex mutex_;  // the write connection
  std::mutex read_mutex_;  // the read connection
  std::unique_ptr<Database> reader_db_;
  std::unique_ptr<SqliteSession> reader_session_;

  std::mutex queue_mutex_;  // the write queue below
  std::condition_variable queue_changed_;
  std::vector<QueuedWrite*> queue_;
  bool committing_ = false;
  std::unique_ptr<Database> db_;
  std::unique_ptr<SqliteSession> session_;

  // Last, so that it stops before the connections close.
  std::unique_ptr<Checkpointer> checkpointer_;
};

}  // namespace nimbus::store::sqlite
