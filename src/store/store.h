// Store: the durable state of a Nimbus deployment — authorities, the certificates they signed,
// revocations, CRLs and the audit trail.
//
// The interface speaks the domain; implementations (SQLite embedded, PostgreSQL for several
// nodes) hide their SQL. Every change happens inside Store::write, in one transaction that commits
// only if the work succeeds, so a failed command leaves the store exactly as it was.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "store/records.h"

namespace nimbus::store {

// Reads. On a Store, each call sees the latest committed state; inside write(), it sees the
// transaction's own changes too.
class StoreReader {
 public:
  virtual ~StoreReader() = default;

  virtual Result<std::optional<AuthorityRecord>> find_authority(const std::string& id) = 0;
  // In creation order.
  virtual Result<std::vector<AuthorityRecord>> list_authorities() = 0;

  virtual Result<std::optional<CertificateRecord>> find_certificate(const std::string& serial) = 0;
  virtual Result<bool> serial_exists(const std::string& serial) = 0;
  // Every revoked certificate of one issuer, for its CRL, ordered by serial.
  virtual Result<std::vector<RevocationEntry>> revocations(const std::string& issuer_id) = 0;
  // revocations() one entry at a time, so that a CRL of a million entries is built without first
  // holding them all as records. `visit` sees each entry only during its call; its error stops the
  // scan and is returned.
  virtual Status for_each_revocation(const std::string& issuer_id,
                                     const std::function<Status(const RevocationEntry&)>& visit) {
    NIMBUS_ASSIGN_OR_RETURN(std::vector<RevocationEntry> entries, revocations(issuer_id));
    for (const RevocationEntry& entry : entries) NIMBUS_TRY(visit(entry));
    return ok_status();
  }
  // The status of the certificate `issuer_id` issued with `serial`; nullopt if it never did.
  virtual Result<std::optional<CertificateStatusRecord>> certificate_status(const std::string& issuer_id,
                                                                            const std::string& serial) = 0;

  // By serial or by SHA-1 / SHA-256 thumbprint (lower-case hex).
  virtual Result<std::optional<CertificateRecord>> find_certificate_by_thumbprint(const std::string& hex) = 0;
  // Newest first, at most filter.limit.
  virtual Result<std::vector<CertificateRecord>> list_certificates(const CertificateFilter& filter) = 0;

  virtual Result<std::optional<CrlRecord>> latest_crl(const std::string& authority_id) = 0;

  // The authority's OCSP signer that expires last; nullopt if it has none.
  virtual Result<std::optional<OcspSignerRecord>> current_ocsp_signer(const std::string& authority_id) = 0;

  // Profiles that have not been deleted.
  virtual Result<std::optional<ProfileRecord>> find_profile(const std::string& id) = 0;
  virtual Result<std::vector<ProfileRecord>> list_profiles() = 0;

  virtual Result<std::optional<EnrollmentRecord>> find_enrollment(const std::string& id) = 0;
  // Newest first; all profiles when `profile_id` is empty.
  virtual Result<std::vector<EnrollmentRecord>> list_enrollments(const std::string& profile_id) = 0;
  virtual Result<std::size_t> count_pending_enrollments(const std::string& profile_id) = 0;
  // Certificates per issuer, for metrics; issuers with none are left out.
  virtual Result<std::vector<CertificateTally>> certificate_tallies() = 0;

  // Most recent first.
  virtual Result<std::vector<AuditEvent>> audit_events(std::size_t limit) = 0;

 protected:
  StoreReader() = default;
  StoreReader(const StoreReader&) = delete;
  StoreReader& operator=(const StoreReader&) = delete;
};

// Changes, available only inside Store::write.
class StoreWriter : public StoreReader {
 public:
  // kAlreadyExists if the id is taken.
  virtual Status insert_authority(const AuthorityRecord& authority) = 0;
  virtual Status set_authority_status(const std::string& id, AuthorityStatus status) = 0;
  // Installs the certificate of a pending authority (and its external chain) and makes it active.
  virtual Status set_authority_certificate(const std::string& id, const Bytes& der,
                                           const std::optional<std::string>& external_chain_pem) = 0;

  // kAlreadyExists if the serial or a thumbprint is already in the store.
  virtual Status insert_certificate(const CertificateRecord& certificate) = 0;
  virtual Status revoke_certificate(const std::string& serial, Timestamp at, int reason) = 0;
  // Returns a certificate on hold (revoked with reason certificateHold) to valid; kNotFound if the
  // serial is not on hold.
  virtual Status release_certificate_hold(const std::string& serial) = 0;

  // Returns the next CRL number for an authority and records it as used, so that no number is ever
  // handed out twice, even if the CRL it was meant for is never stored.
  virtual Result<std::uint64_t> allocate_crl_number(const std::string& authority_id) = 0;
  virtual Status insert_crl(const CrlRecord& crl) = 0;

  virtual Status insert_ocsp_signer(const OcspSignerRecord& signer) = 0;

  virtual Status append_audit(const AuditEvent& event) = 0;

  // Creates a profile, or replaces the document of an existing (or deleted) one; the caller sets
  // the version.
  virtual Status put_profile(const ProfileRecord& profile) = 0;
  // Hides a profile from reads; its enrollments and certificates keep their reference.
  virtual Status delete_profile(const std::string& id) = 0;
  // The highest version a profile id ever had (0 if never), deleted or not.
  virtual Result<std::uint64_t> last_profile_version(const std::string& id) = 0;

  virtual Status insert_enrollment(const EnrollmentRecord& enrollment) = 0;
  // Marks a pending enrollment used by `serial`; kFailedPrecondition if it is already used, so an
  // enrollment can never yield two certificates.
  virtual Status mark_enrollment_used(const std::string& id, const std::string& serial, Timestamp at) = 0;
};

// Thread-safety: a Store may be shared by threads; each write() is serialised with other writers
// (in this process and others using the same database).
class Store : public StoreReader {
 public:
  // Runs `work` in one transaction; commits if it returns ok, rolls back otherwise and returns its
  // error. `work` must not call write() again.
  virtual Status write(const std::function<Status(StoreWriter&)>& work) = 0;

  // The schema version this store is at.
  virtual Result<int> schema_version() = 0;
};

}  // namespace nimbus::store
