// Store: the durable state of a Nimbus deployment — authorities, the certificates they signed,
// revocations, CRLs and the audit trail.
//
// The interface speaks the domain; implementations (SQLite embedded, PostgreSQL for several
// nodes) hide their SQL. Every change happens inside Store::write, in one transaction that commits
// only if the work succeeds, so a failed command leaves the store exactly as it was.
//
// Consistency and concurrency: what every implementation promises, whether it is one embedded
// database that takes one writer at a time or a database server shared by several nodes that
// locks rows. The conformance suite (store/conformance/) checks each point against every
// implementation.
//
// - Handles. Several Store objects ("handles") may be open on the same store, in one process, in
//   several processes or on several machines; everything below holds across all of them. A
//   Store object may be shared by any number of threads without external locking.
// - Atomic, durable writes. Everything one write() does commits together or not at all: when it
//   returns an error, no table has changed, whatever the work did before failing; when it returns
//   ok, the changes are durable (they survive a crash or power loss of this machine, or of the
//   database server) and visible to every read that starts afterwards, on any handle. One write
//   failing never undoes or spoils another.
// - Reads on a Store (outside write()) see committed data only. Each call sees one committed
//   state as a whole, even when writes commit while it runs (a scan by for_each_revocation lists
//   the revocations as they were when it began), and that state includes every write that
//   returned before the call began. Two calls are two states: a caller that needs several
//   facts consistent with each other reads them inside a write.
// - Readers never wait for writers, nor writers for readers: a read during a write in progress
//   (even a long one) answers at once from the last commit, and opening a handle needs no write
//   to finish. Writers may wait for each other.
// - Writes are serialisable: concurrent writes end as if they had run one at a time, each seeing
//   everything committed before it; in particular no update is lost (a write that reads a value
//   through its StoreWriter and writes something derived from it cannot interleave with another
//   write doing the same). A store may take one writer at a time (an embedded database), run
//   serialisable transactions, or run read-committed transactions with row locks: then each
//   read a write makes in order to decide a change locks what it read — the methods Nimbus reads
//   that way inside writes say what (allocate_crl_number, last_profile_version,
//   count_pending_enrollments) — and each check that guards a change is part of the change (the
//   conditional updates of mark_enrollment_used and release_certificate_hold, the unique keys of
//   the insert_* methods).
// - Conflicts are the store's to resolve. A networked store may find two writes in conflict (a
//   serialisation failure, a deadlock between row locks) only after the work has run; it then
//   rolls back and runs the work again from the start, a bounded number of times. So the work
//   of write() must be safe to run more than once: all its changes go through the StoreWriter,
//   and anything else it does is either recomputed by each run (an output it assigns) or undone
//   by the caller when write() fails. When waiting for another writer or retrying does not
//   succeed in the store's time limit, write() returns kStoreError (a failure, not a refusal:
//   the request may be tried again) and has changed nothing.
// - Refusals name their cause in the error code, the same for every implementation: a taken
//   unique key is kAlreadyExists, an unknown record (or an unknown record a new one refers to) is
//   kNotFound, a state that forbids the change is kFailedPrecondition. kStoreError is kept for
//   the store failing.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "store/records.h"

namespace nimbus::store {

// Reads. On a Store, each call sees the latest committed state (see the contract above); inside
// write(), it sees the transaction's own changes too, and what the transaction has read stays
// true until it commits.
class StoreReader {
 public:
  virtual ~StoreReader() = default;

  virtual Result<std::optional<AuthorityRecord>> find_authority(const std::string& id) = 0;
  // In creation order (created_at, then the order of insertion).
  virtual Result<std::vector<AuthorityRecord>> list_authorities() = 0;

  virtual Result<std::optional<CertificateRecord>> find_certificate(const std::string& serial) = 0;
  virtual Result<bool> serial_exists(const std::string& serial) = 0;
  // Every revoked certificate of one issuer (certificateHold included), for its CRL, ordered by
  // serial as bytes of its text.
  virtual Result<std::vector<RevocationEntry>> revocations(const std::string& issuer_id) = 0;
  // revocations() one entry at a time, so that a CRL of a million entries is built without first
  // holding them all as records. `visit` sees each entry only during its call; its error stops the
  // scan and is returned. `visit` must not call this store (other threads may, meanwhile).
  virtual Status for_each_revocation(const std::string& issuer_id,
                                     const std::function<Status(const RevocationEntry&)>& visit) {
    NIMBUS_ASSIGN_OR_RETURN(std::vector<RevocationEntry> entries, revocations(issuer_id));
    for (const RevocationEntry& entry : entries) NIMBUS_TRY(visit(entry));
    return ok_status();
  }
  // The status of the certificate `issuer_id` issued with `serial`; nullopt if it never did.
  virtual Result<std::optional<CertificateStatusRecord>> certificate_status(const std::string& issuer_id,
                                                                            const std::string& serial) = 0;

  // By serial or by SHA-1 / SHA-256 thumbprint (lower-case hex); the whole value, not a prefix.
  virtual Result<std::optional<CertificateRecord>> find_certificate_by_thumbprint(const std::string& hex) = 0;
  // Newest first (issued_at, then the higher serial as text first), at most filter.limit; with
  // filter.after, those that come after that position in this order.
  virtual Result<std::vector<CertificateRecord>> list_certificates(const CertificateFilter& filter) = 0;

  // The authority's CRL with the highest number; nullopt if it has none.
  virtual Result<std::optional<CrlRecord>> latest_crl(const std::string& authority_id) = 0;

  // The authority's OCSP signer that expires last; nullopt if it has none.
  virtual Result<std::optional<OcspSignerRecord>> current_ocsp_signer(const std::string& authority_id) = 0;

  // Profiles that have not been deleted.
  virtual Result<std::optional<ProfileRecord>> find_profile(const std::string& id) = 0;
  // By id.
  virtual Result<std::vector<ProfileRecord>> list_profiles() = 0;

  virtual Result<std::optional<EnrollmentRecord>> find_enrollment(const std::string& id) = 0;
  // Newest first (created_at, then the later insertion first); all profiles when `profile_id` is
  // empty.
  virtual Result<std::vector<EnrollmentRecord>> list_enrollments(const std::string& profile_id) = 0;
  // Inside a write, read for update: no enrollment joins the profile until the write ends (so a
  // profile found to have none can be deleted).
  virtual Result<std::size_t> count_pending_enrollments(const std::string& profile_id) = 0;
  // The challenge whose SHA-256 is `digest`, whatever its status; nullopt if none.
  virtual Result<std::optional<ChallengeRecord>> find_challenge(const std::string& digest) = 0;
  // The enrollment's challenges, newest first.
  virtual Result<std::vector<ChallengeRecord>> enrollment_challenges(const std::string& enrollment_id) = 0;
  virtual Result<std::optional<ScepTransactionRecord>> find_scep_transaction(const std::string& authority_id,
                                                                             const std::string& transaction_id) = 0;

  virtual Result<std::optional<ApiTokenRecord>> find_api_token(const std::string& id) = 0;
  // Newest first, revoked and expired ones included.
  virtual Result<std::vector<ApiTokenRecord>> list_api_tokens() = 0;

  // Certificates per issuer, for metrics; issuers with none are left out.
  virtual Result<std::vector<CertificateTally>> certificate_tallies() = 0;

  // Most recent first (in the order they were appended, whatever their times), at most
  // query.limit, with their sequence numbers.
  virtual Result<std::vector<AuditEntry>> audit_trail(const AuditQuery& query) = 0;
  // The latest `limit` events, most recent first.
  Result<std::vector<AuditEvent>> audit_events(std::size_t limit) {
    AuditQuery query;
    query.limit = limit;
    NIMBUS_ASSIGN_OR_RETURN(std::vector<AuditEntry> entries, audit_trail(query));
    std::vector<AuditEvent> events;
    events.reserve(entries.size());
    for (AuditEntry& entry : entries) events.push_back(std::move(entry.event));
    return events;
  }

 protected:
  StoreReader() = default;
  StoreReader(const StoreReader&) = delete;
  StoreReader& operator=(const StoreReader&) = delete;
};

// Changes, available only inside Store::write. A StoreWriter belongs to the one write() that
// passed it to its work: use it only during that call.
//
// Unless a method says otherwise, a change refers to records that exist (kNotFound otherwise:
// an unknown authority, certificate, profile or enrollment, or an unknown one a new record refers
// to) and a unique key that is taken is kAlreadyExists. Uniqueness is the store's to enforce, not
// the caller's to check: of two writes inserting the same key at once, one gets kAlreadyExists
// (with a row-locking store, a unique constraint, never a look-up before the insert).
class StoreWriter : public StoreReader {
 public:
  // kAlreadyExists if the id is taken; kNotFound if parent_id names no authority.
  virtual Status insert_authority(const AuthorityRecord& authority) = 0;
  virtual Status set_authority_status(const std::string& id, AuthorityStatus status) = 0;
  // Installs the certificate of a pending authority (and its external chain) and makes it active.
  virtual Status set_authority_certificate(const std::string& id, const Bytes& der,
                                           const std::optional<std::string>& external_chain_pem) = 0;

  // kAlreadyExists if the serial or a thumbprint is already in the store (the message names
  // which); kNotFound if the issuer (or authority_id) is not.
  virtual Status insert_certificate(const CertificateRecord& certificate) = 0;
  // Revokes a certificate, or replaces the reason and time of a revoked one (a hold that becomes
  // keyCompromise).
  virtual Status revoke_certificate(const std::string& serial, Timestamp at, int reason) = 0;
  // Returns a certificate on hold (revoked with reason certificateHold) to valid; kNotFound if the
  // serial is not on hold. A conditional update: of writes releasing the same hold at once, one
  // succeeds and the others get kNotFound.
  virtual Status release_certificate_hold(const std::string& serial) = 0;

  // Returns the next CRL number for an authority and records it as used, so that no number is ever
  // handed out twice, even if the CRL it was meant for is never stored. The numbers committed
  // writes receive rise in the order the writes are serialised: the authority stays locked until
  // the write ends, so what the write reads after allocating (the revocations for its CRL)
  // includes every write that received a lower number, and a higher-numbered CRL never lacks a
  // revocation a lower one lists. A number allocated by a write that fails was never stored with
  // a CRL: the store may hand it out again or skip it. kNotFound for an unknown authority.
  virtual Result<std::uint64_t> allocate_crl_number(const std::string& authority_id) = 0;
  // kAlreadyExists if the authority already has a CRL with this number.
  virtual Status insert_crl(const CrlRecord& crl) = 0;

  // The signer's certificate must already be in the store (kNotFound); kAlreadyExists if it is
  // already a signer.
  virtual Status insert_ocsp_signer(const OcspSignerRecord& signer) = 0;

  virtual Status append_audit(const AuditEvent& event) = 0;

  // Creates a profile, or replaces the document of an existing (or deleted) one, keeping its
  // created_at; the caller sets the version. kNotFound if issuing_ca names no authority.
  virtual Status put_profile(const ProfileRecord& profile) = 0;
  // Hides a profile from reads; its enrollments and certificates keep their reference. kNotFound
  // if there is no such profile, or it is already deleted.
  virtual Status delete_profile(const std::string& id) = 0;
  // The highest version a profile id ever had (0 if never), deleted or not. Read for update: the
  // id stays locked until the write ends, even when it has no profile yet, so that two writes
  // putting last_profile_version + 1 never both get the same version.
  virtual Result<std::uint64_t> last_profile_version(const std::string& id) = 0;

  // kAlreadyExists if the id is taken; kNotFound if the profile id was never put.
  virtual Status insert_enrollment(const EnrollmentRecord& enrollment) = 0;
  // Marks a pending enrollment used by the stored certificate `serial`; kFailedPrecondition if it
  // is already used (the message names the certificate), so an enrollment can never yield two
  // certificates: a conditional update, of which one write succeeds when several race for the
  // same enrollment. kNotFound if there is no such enrollment or no such certificate.
  virtual Status mark_enrollment_used(const std::string& id, const std::string& serial, Timestamp at) = 0;

  // Records an open challenge and voids the enrollment's other open ones. kAlreadyExists if the
  // digest is taken; kNotFound for an unknown enrollment or authority.
  virtual Status insert_challenge(const ChallengeRecord& challenge) = 0;
  // Marks an open challenge used at `at`: a conditional update, of which one write succeeds when
  // several race for the same challenge. kNotFound if no challenge has this digest;
  // kFailedPrecondition if it is used, void or expired at `at` (the message says which).
  virtual Status consume_challenge(const std::string& digest, Timestamp at) = 0;
  // kAlreadyExists if the authority already has this transaction id; kNotFound for an unknown
  // authority or certificate.
  virtual Status insert_scep_transaction(const ScepTransactionRecord& transaction) = 0;

  // kAlreadyExists if the id is taken, or the name by a token that is not revoked.
  virtual Status insert_api_token(const ApiTokenRecord& token) = 0;
  // kNotFound for an unknown id; kFailedPrecondition if it is revoked already.
  virtual Status revoke_api_token(const std::string& id, Timestamp at) = 0;
};

// A handle on a store. Thread-safe; see the contract at the top of this file.
class Store : public StoreReader {
 public:
  // Runs `work` in one transaction; commits if it returns ok, rolls back otherwise and returns its
  // error as it is. `work` may be run more than once (after a conflict) and on another thread
  // than the caller's (an implementation may batch the writes of several threads into one
  // commit); it must not call write() again, and reads what it needs through its StoreWriter (a
  // read on the Store sees only what is committed).
  virtual Status write(const std::function<Status(StoreWriter&)>& work) = 0;

  // The schema version this store is at. A read like the others: never waits for a write.
  virtual Result<int> schema_version() = 0;

  // Upkeep that a long-running process asks for now and then (the node, every few minutes); a
  // store that needs none does nothing. Returns at once and changes no contents: the work may run
  // on a thread of the store's own, and its failures are the store's to log. SQLite checkpoints
  // whatever its write-ahead log still holds: a checkpoint that ran while a reader held pages, or
  // another process's commits that never reached the threshold, would otherwise stay in the log.
  virtual void maintain() = 0;
};

}  // namespace nimbus::store
