// What the store keeps, in the language of the domain. Plain values; no behaviour.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/bytes.h"
#include "core/time.h"

namespace nimbus::store {

enum class AuthorityKind { kRoot, kIssuing };

enum class AuthorityStatus {
  kPending,  // key made, waiting for its certificate from an external parent
  kActive,   // issues certificates and CRLs
  kPaused,   // refuses new certificates; still publishes CRLs and answers OCSP
  kRevoked,  // its certificate is revoked by its parent; issues nothing
};

std::string_view authority_kind_name(AuthorityKind kind);
std::string_view authority_status_name(AuthorityStatus status);
std::optional<AuthorityKind> parse_authority_kind(std::string_view text);
std::optional<AuthorityStatus> parse_authority_status(std::string_view text);

struct AuthorityRecord {
  std::string id;                        // [a-z0-9-], used in URLs: /aia/{id}.crt
  AuthorityKind kind = AuthorityKind::kIssuing;
  std::optional<std::string> parent_id;  // the Nimbus parent; absent for roots and external parents
  std::string subject;                   // RFC 4514
  std::string key_spec;                  // "rsa:4096", "ec:p256"
  std::string key_reference;             // KeyStore reference; never key material
  AuthorityStatus status = AuthorityStatus::kActive;
  std::optional<Bytes> certificate_der;  // absent while pending
  std::optional<std::string> external_chain_pem;  // issuers up to the enterprise root, when external
  Timestamp created_at;
  std::uint64_t last_crl_number = 0;     // the highest CRL number ever allocated
};

enum class CertificateStatus { kValid, kRevoked };

std::string_view certificate_status_name(CertificateStatus status);

// A certificate a Nimbus authority signed (including CA certificates and self-signed roots).
struct CertificateRecord {
  std::string serial;                    // lower-case hex of the DER INTEGER content
  std::string issuer_id;                 // the authority that signed it
  std::optional<std::string> authority_id;  // set when this is an authority's own certificate
  std::string subject;
  Timestamp not_before;
  Timestamp not_after;
  std::string sha1;                      // lower-case hex thumbprints
  std::string sha256;
  Bytes der;
  CertificateStatus status = CertificateStatus::kValid;
  std::optional<Timestamp> revoked_at;
  std::optional<int> revocation_reason;  // CRLReason code
  Timestamp issued_at;
  std::optional<std::string> profile_id;     // end-entity certificates: the profile they follow
  std::optional<std::string> enrollment_id;  // and the enrollment record they were issued for
  std::string subject_alt_names;             // JSON array of {"type","value"}; "[]" when none
};

// One line of a CRL: what the publisher needs of a revoked certificate, and no more (a CA may have
// a million of them).
struct RevocationEntry {
  std::string serial;  // lower-case hex
  Timestamp revoked_at;
  int reason = 0;      // CRLReason code
  Timestamp not_after;
};

// What an OCSP answer needs to know about one serial number.
struct CertificateStatusRecord {
  CertificateStatus status = CertificateStatus::kValid;
  std::optional<Timestamp> revoked_at;
  std::optional<int> revocation_reason;
  Timestamp not_after;
};

// How many certificates one issuer has signed, as the store records them.
struct CertificateTally {
  std::string issuer_id;
  std::uint64_t issued = 0;   // every certificate, whatever its status
  std::uint64_t revoked = 0;  // of those, revoked (certificateHold included)
};

// A delegated OCSP signing certificate an authority issued to its responder (RFC 6960 4.2.2.2).
// The certificate itself is also in the certificates table, like everything the authority signs.
struct OcspSignerRecord {
  std::string authority_id;
  std::string serial;
  std::string key_reference;  // the encrypted key, in the KeyStore
  Bytes certificate_der;
  Timestamp not_before;
  Timestamp not_after;
};

// A place in the listing of certificates (newest first): a page starts after it.
struct CertificatePosition {
  Timestamp issued_at;
  std::string serial;
};

// Which certificates `cert list` and the API want; unset fields do not filter.
struct CertificateFilter {
  std::optional<std::string> issuer_id;
  std::optional<std::string> profile_id;
  std::optional<std::string> subject_contains;  // case-insensitive substring of the subject
  enum class Status { kAny, kValid, kRevoked, kExpired } status = Status::kAny;
  Timestamp now;          // what "expired" is measured against
  std::size_t limit = 1000;
  // Only certificates after this one in the listing's order: the next page of a listing.
  std::optional<CertificatePosition> after;
};

// A profile as stored: its canonical YAML document and the version `profile apply` gave it.
struct ProfileRecord {
  std::string id;
  std::uint64_t version = 1;
  std::string issuing_ca;
  std::string document;  // canonical YAML (profile::profile_to_yaml)
  Timestamp created_at;
  Timestamp updated_at;
};

enum class EnrollmentStatus { kPending, kUsed };
std::string_view enrollment_status_name(EnrollmentStatus status);

// The variables for one user or device under one profile, with the names they render to. A record
// is used by exactly one issuance.
struct EnrollmentRecord {
  std::string id;
  std::string profile_id;
  std::uint64_t profile_version = 0;
  std::string variables;          // JSON object of name -> value
  std::string subject;            // rendered, RFC 4514
  std::string subject_alt_names;  // rendered, JSON array of {"type","value"}
  EnrollmentStatus status = EnrollmentStatus::kPending;
  Timestamp created_at;
  std::optional<Timestamp> used_at;
  std::optional<std::string> certificate_serial;
};

// A one-time enrollment challenge (the SCEP challengePassword an MDM hands a device). Only its
// SHA-256 is kept: the challenge itself is shown once, when it is made. An enrollment has at most
// one open challenge; making a new one voids the others.
enum class ChallengeStatus { kOpen, kUsed, kVoid };
std::string_view challenge_status_name(ChallengeStatus status);

struct ChallengeRecord {
  std::string digest;         // lower-case hex SHA-256 of the challenge's text
  std::string enrollment_id;
  std::string authority_id;   // the issuing CA whose SCEP service accepts it
  Timestamp created_at;
  Timestamp expires_at;
  ChallengeStatus status = ChallengeStatus::kOpen;
  std::optional<Timestamp> used_at;
};

// A SCEP transaction that yielded a certificate: a client that retries (the same transactionID and
// the same key) gets that certificate again instead of a second one.
struct ScepTransactionRecord {
  std::string authority_id;
  std::string transaction_id;
  std::string key_digest;  // lower-case hex SHA-256 of the request's SubjectPublicKeyInfo
  std::string serial;      // the certificate issued
  Timestamp created_at;
};

// What the holder of an API token may do through the REST API (access/api_tokens.h).
enum class ApiRole { kAdmin, kEnroller, kAuditor, kViewer };
std::string_view api_role_name(ApiRole role);  // "admin", "enroller", "auditor", "viewer"
std::optional<ApiRole> parse_api_role(std::string_view name);

// A token for the REST API. Its text is shown once, when it is made; the store keeps the SHA-256.
struct ApiTokenRecord {
  std::string id;      // 16 lower-case hex digits, the token's public part (in its text)
  std::string name;    // unique among the tokens not revoked
  ApiRole role = ApiRole::kViewer;
  std::string digest;  // lower-case hex SHA-256 of the token's whole text
  Timestamp created_at;
  Timestamp expires_at;
  std::optional<Timestamp> revoked_at;
};

// A CRL as published: kept so that the CDP always has something to serve.
struct CrlRecord {
  std::string authority_id;
  std::uint64_t number = 0;
  Timestamp this_update;
  Timestamp next_update;
  Bytes der;
};

// Who did what to which object, and when. `detail` never holds secrets.
struct AuditEvent {
  Timestamp at;
  std::string actor;   // "cli:alice", "http:token-name", ...
  std::string action;  // "authority.create", "authority.pause", ...
  std::string target;  // the object acted on: an authority id, a serial
  std::string detail;
};

// An audit event with its place in the trail: a later event has a higher sequence number.
struct AuditEntry {
  std::uint64_t sequence = 0;
  AuditEvent event;
};

// Which audit events a reader wants, newest first; unset fields do not filter, set ones match exactly.
struct AuditQuery {
  std::optional<std::string> actor;
  std::optional<std::string> action;
  std::optional<std::string> target;
  std::optional<std::uint64_t> before;  // only events older than the one with this sequence number
  std::size_t limit = 100;
};

}  // namespace nimbus::store
