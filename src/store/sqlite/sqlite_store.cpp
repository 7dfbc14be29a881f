#include "store/sqlite/sqlite_store.h"

#include <sys/stat.h>

#include <algorithm>
#include <limits>

#include <utility>

#include <fmt/format.h>

#include "store/sqlite/checkpointer.h"
#include "store/sqlite/database.h"
#include "store/sqlite/migrations.h"
#include "core/time.h"

namespace nimbus::store::sqlite {

namespace {

std::int64_t seconds(Timestamp t) { return t.time_since_epoch().count(); }
Timestamp timestamp(std::int64_t s) { return Timestamp(std::chrono::seconds(s)); }

constexpr std::string_view kAuthorityColumns =
    "id, kind, parent_id, subject, key_spec, key_reference, status, certificate, external_chain, "
    "created_at, last_crl_number";

constexpr std::string_view kCertificateColumns =
    "serial, issuer_id, authority_id, subject, not_before, not_after, sha1, sha256, der, status, "
    "revoked_at, revocation_reason, issued_at, profile_id, enrollment_id, subject_alt_names";

constexpr std::string_view kProfileColumns = "id, version, issuing_ca, document, created_at, updated_at";

constexpr std::string_view kEnrollmentColumns =
    "id, profile_id, profile_version, variables, subject, subject_alt_names, status, created_at, used_at, "
    "certificate_serial";

Result<AuthorityRecord> read_authority(const Statement& row) {
  AuthorityRecord record;
  record.id = row.text(0);
  auto kind = parse_authority_kind(row.text(1));
  auto status = parse_authority_status(row.text(6));
  if (!kind || !status) {
    return Error(ErrorCode::kMalformed, fmt::format("authority '{}' has a corrupt kind or status", record.id));
  }
  record.kind = *kind;
  record.parent_id = row.optional_text(2);
  record.subject = row.text(3);
  record.key_spec = row.text(4);
  record.key_reference = row.text(5);
  record.status = *status;
  if (!row.is_null(7)) record.certificate_der = row.blob(7);
  record.external_chain_pem = row.optional_text(8);
  record.created_at = timestamp(row.integer(9));
  record.last_crl_number = static_cast<std::uint64_t>(row.integer(10));
  return record;
}

CertificateRecord read_certificate(const Statement& row) {
  CertificateRecord record;
  record.serial = row.text(0);
  record.issuer_id = row.text(1);
  record.authority_id = row.optional_text(2);
  record.subject = row.text(3);
  record.not_before = timestamp(row.integer(4));
  record.not_after = timestamp(row.integer(5));
  record.sha1 = row.text(6);
  record.sha256 = row.text(7);
  record.der = row.blob(8);
  record.status = row.text(9) == "revoked" ? CertificateStatus::kRevoked : CertificateStatus::kValid;
  if (auto at = row.optional_integer(10)) record.revoked_at = timestamp(*at);
  if (auto reason = row.optional_integer(11)) record.revocation_reason = static_cast<int>(*reason);
  record.issued_at = timestamp(row.integer(12));
  record.profile_id = row.optional_text(13);
  record.enrollment_id = row.optional_text(14);
  record.subject_alt_names = row.text(15);
  return record;
}

ProfileRecord read_profile(const Statement& row) {
  return {row.text(0), static_cast<std::uint64_t>(row.integer(1)), row.text(2), row.text(3),
          timestamp(row.integer(4)), timestamp(row.integer(5))};
}

EnrollmentRecord read_enrollment(const Statement& row) {
  EnrollmentRecord record;
  record.id = row.text(0);
  record.profile_id = row.text(1);
  record.profile_version = static_cast<std::uint64_t>(row.integer(2));
  record.variables = row.text(3);
  record.subject = row.text(4);
  record.subject_alt_names = row.text(5);
  record.status = row.text(6) == "used" ? EnrollmentStatus::kUsed : EnrollmentStatus::kPending;
  record.created_at = timestamp(row.integer(7));
  if (auto at = row.optional_integer(8)) record.used_at = timestamp(*at);
  record.certificate_serial = row.optional_text(9);
  return record;
}

constexpr std::string_view kChallengeColumns =
    "digest, enrollment_id, authority_id, created_at, expires_at, status, used_at";

ChallengeRecord read_challenge(const Statement& row) {
  ChallengeRecord record;
  record.digest = row.text(0);
  record.enrollment_id = row.text(1);
  record.authority_id = row.text(2);
  record.created_at = timestamp(row.integer(3));
  record.expires_at = timestamp(row.integer(4));
  std::string_view status = row.text_view(5);
  record.status = status == "open" ? ChallengeStatus::kOpen
                  : status == "used" ? ChallengeStatus::kUsed
                                     : ChallengeStatus::kVoid;
  if (auto at = row.optional_integer(6)) record.used_at = timestamp(*at);
  return record;
}

// Steps through every row of `query`, converting each with `read`.
constexpr std::string_view kApiTokenColumns = "id, name, role, digest, created_at, expires_at, revoked_at";

ApiTokenRecord read_api_token(const Statement& row) {
  ApiTokenRecord token;
  token.id = row.text(0);
  token.name = row.text(1);
  token.role = parse_api_role(row.text(2)).value_or(ApiRole::kViewer);  // the CHECK allows no other
  token.digest = row.text(3);
  token.created_at = timestamp(row.integer(4));
  token.expires_at = timestamp(row.integer(5));
  if (auto revoked = row.optional_integer(6)) token.revoked_at = timestamp(*revoked);
  return token;
}

template <typename Record, typename Reader>
Result<std::vector<Record>> read_all(Statement& query, Reader read) {
  std::vector<Record> records;
  for (;;) {
    NIMBUS_ASSIGN_OR_RETURN(bool row, query.step());
    if (!row) return records;
    records.push_back(read(query));
  }
}

}  // namespace

// Every query, on one connection. Used for plain reads under the store's mutex and as the writer
// inside a transaction.
class SqliteSession final : public StoreWriter {
 public:
  explicit SqliteSession(Database& db) : db_(db) {}

  Result<std::optional<AuthorityRecord>> find_authority(const std::string& id) override {
    NIMBUS_ASSIGN_OR_RETURN(Statement query,
                            db_.prepare(fmt::format("SELECT {} FROM authorities WHERE id = ?1", kAuthorityColumns)));
    query.bind(1, id);
    NIMBUS_ASSIGN_OR_RETURN(bool found, query.step());
    if (!found) return std::optional<AuthorityRecord>();
    NIMBUS_ASSIGN_OR_RETURN(AuthorityRecord record, read_authority(query));
    return std::optional<AuthorityRecord>(std::move(record));
  }

  Result<std::vector<AuthorityRecord>> list_authorities() override {
    NIMBUS_ASSIGN_OR_RETURN(
        Statement query,
        db_.prepare(fmt::format("SELECT {} FROM authorities ORDER BY created_at, rowid", kAuthorityColumns)));
    std::vector<AuthorityRecord> records;
    for (;;) {
      NIMBUS_ASSIGN_OR_RETURN(bool row, query.step());
      if (!row) break;
      NIMBUS_ASSIGN_OR_RETURN(AuthorityRecord record, read_authority(query));
      records.push_back(std::move(record));
    }
    return records;
  }

  Result<std::optional<CertificateRecord>> find_certificate(const std::string& serial) override {
    NIMBUS_ASSIGN_OR_RETURN(
        Statement query,
        db_.prepare(fmt::format("SELECT {} FROM certificates WHERE serial = ?1", kCertificateColumns)));
    query.bind(1, serial);
    NIMBUS_ASSIGN_OR_RETURN(bool found, query.step());
    if (!found) return std::optional<CertificateRecord>();
    return std::optional<CertificateRecord>(read_certificate(query));
  }

  Result<bool> serial_exists(const std::string& serial) override {
    NIMBUS_ASSIGN_OR_RETURN(Statement query, db_.prepare("SELECT 1 FROM certificates WHERE serial = ?1"));
    query.bind(1, serial);
    return query.step();
  }

  Result<std::vector<RevocationEntry>> revocations(const std::string& issuer_id) override {
    std::vector<RevocationEntry> entries;
    NIMBUS_TRY(for_each_revocation(issuer_id, [&](const RevocationEntry& entry) -> Status {
      entries.push_back(entry);
      return ok_status();
    }));
    return entries;
  }

  Status for_each_revocation(const std::string& issuer_id,
                             const std::function<Status(const RevocationEntry&)>& visit) override {
    // Served by the covering index certificates_revoked_by_issuer, already in serial order.
    NIMBUS_ASSIGN_OR_RETURN(Statement query,
                            db_.prepare("SELECT serial, revoked_at, revocation_reason, not_after FROM certificates "
                                        "WHERE issuer_id = ?1 AND status = 'revoked' ORDER BY serial"));
    query.bind(1, issuer_id);
    // One entry, refilled: its serial's buffer is reused rather than allocated per row.
    RevocationEntry entry;
    for (;;) {
      NIMBUS_ASSIGN_OR_RETURN(bool row, query.step());
      if (!row) return ok_status();
      entry.serial.assign(query.text_view(0));
      entry.revoked_at = timestamp(query.integer(1));
      entry.reason = static_cast<int>(query.integer(2));
      entry.not_after = timestamp(query.integer(3));
      NIMBUS_TRY(visit(entry));
    }
  }

  Result<std::optional<CertificateStatusRecord>> certificate_status(const std::string& issuer_id,
                                                                    const std::string& serial) override {
    NIMBUS_ASSIGN_OR_RETURN(Statement query,
                            db_.prepare("SELECT status, revoked_at, revocation_reason, not_after FROM certificates "
                                        "WHERE serial = ?1 AND issuer_id = ?2"));
    query.bind(1, serial).bind(2, issuer_id);
    NIMBUS_ASSIGN_OR_RETURN(bool row, query.step());
    if (!row) return std::optional<CertificateStatusRecord>();
    CertificateStatusRecord record;
    record.status = query.text(0) == "revoked" ? CertificateStatus::kRevoked : CertificateStatus::kValid;
    if (auto at = query.optional_integer(1)) record.revoked_at = timestamp(*at);
    if (auto reason = query.optional_integer(2)) record.revocation_reason = static_cast<int>(*reason);
    record.not_after = timestamp(query.integer(3));
    return std::optional<CertificateStatusRecord>(std::move(record));
  }

  Result<std::optional<OcspSignerRecord>> current_ocsp_signer(const std::string& authority_id) override {
    NIMBUS_ASSIGN_OR_RETURN(Statement query,
                            db_.prepare("SELECT authority_id, serial, key_reference, certificate, not_before, not_after "
                                        "FROM ocsp_signers WHERE authority_id = ?1 ORDER BY not_after DESC LIMIT 1"));
    query.bind(1, authority_id);
    NIMBUS_ASSIGN_OR_RETURN(bool row, query.step());
    if (!row) return std::optional<OcspSignerRecord>();
    return std::optional<OcspSignerRecord>(OcspSignerRecord{query.text(0), query.text(1), query.text(2), query.blob(3),
                                                            timestamp(query.integer(4)), timestamp(query.integer(5))});
  }

  Result<std::optional<CrlRecord>> latest_crl(const std::string& authority_id) override {
    NIMBUS_ASSIGN_OR_RETURN(Statement query,
                            db_.prepare("SELECT authority_id, number, this_update, next_update, der "
                                        "FROM crls WHERE authority_id = ?1 ORDER BY number DESC LIMIT 1"));
    query.bind(1, authority_id);
    NIMBUS_ASSIGN_OR_RETURN(bool found, query.step());
    if (!found) return std::optional<CrlRecord>();
    CrlRecord record{query.text(0), static_cast<std::uint64_t>(query.integer(1)),
                     timestamp(query.integer(2)), timestamp(query.integer(3)), query.blob(4)};
    return std::optional<CrlRecord>(std::move(record));
  }

  Result<std::vector<AuditEntry>> audit_trail(const AuditQuery& filter) override {
    NIMBUS_ASSIGN_OR_RETURN(
        Statement query,
        db_.prepare("SELECT id, at, actor, action, target, detail FROM audit_events "
                    "WHERE (?1 IS NULL OR actor = ?1) AND (?2 IS NULL OR action = ?2) AND (?3 IS NULL OR target = ?3) "
                    "AND (?4 IS NULL OR id < ?4) ORDER BY id DESC LIMIT ?5"));
    query.bind_optional(1, filter.actor).bind_optional(2, filter.action).bind_optional(3, filter.target);
    if (filter.before) query.bind(4, static_cast<std::int64_t>(std::min<std::uint64_t>(*filter.before, std::numeric_limits<std::int64_t>::max())));
    query.bind(5, static_cast<std::int64_t>(filter.limit));
    std::vector<AuditEntry> entries;
    for (;;) {
      NIMBUS_ASSIGN_OR_RETURN(bool row, query.step());
      if (!row) break;
      entries.push_back({static_cast<std::uint64_t>(query.integer(0)),
                         {timestamp(query.integer(1)), query.text(2), query.text(3), query.text(4), query.text(5)}});
    }
    return entries;
  }

  Result<std::optional<CertificateRecord>> find_certificate_by_thumbprint(const std::string& hex) override {
    NIMBUS_ASSIGN_OR_RETURN(
        Statement query,
        db_.prepare(fmt::format("SELECT {} FROM certificates WHERE serial = ?1 OR sha1 = ?1 OR sha256 = ?1",
                                kCertificateColumns)));
    query.bind(1, hex);
    NIMBUS_ASSIGN_OR_RETURN(bool found, query.step());
    if (!found) return std::optional<CertificateRecord>();
    return std::optional<CertificateRecord>(read_certificate(query));
  }

  // A listing walks the certificates newest first and tests each until the page is full, unless the
  // subject's text can be looked up in the trigram table (migrations 8 and 10): then its matches are
  // walked instead, newest first, and only the page's certificates read. With other filters as well,
  // each match's certificate is read to test them, so that walk is given at most
  // kExaminedSubjectMatches matches; when those leave the page short, the certificates are walked.
  Result<std::vector<CertificateRecord>> list_certificates(const CertificateFilter& filter) override {
    const std::optional<std::string> phrase = trigram_phrase(filter.subject_contains);
    if (!phrase) return list_in_order(filter, std::nullopt, std::nullopt);
    if (!has_certificate_filters(filter)) return list_in_order(filter, phrase, std::nullopt);
    NIMBUS_ASSIGN_OR_RETURN(std::optional<std::int64_t> bound, examined_matches_bound(filter, *phrase));
    NIMBUS_ASSIGN_OR_RETURN(std::vector<CertificateRecord> page, list_in_order(filter, phrase, bound));
    if (!bound || page.size() >= filter.limit) return page;
    return list_in_order(filter, std::nullopt, std::nullopt);
  }

  static constexpr std::int64_t kExaminedSubjectMatches = 8000;

  static bool has_certificate_filters(const CertificateFilter& filter) {
    return filter.issuer_id || filter.profile_id || filter.status != CertificateFilter::Status::kAny;
  }

  // The filters other than the subject, on the certificates table under `table`, each only when set
  // (an equality written "?1 IS NULL OR issuer_id = ?1" could be served by no index; migration 9).
  static std::string certificate_conditions(const CertificateFilter& filter, std::string_view table) {
    std::string sql;
    if (filter.issuer_id) sql += fmt::format(" AND {}issuer_id = ?1", table);
    if (filter.profile_id) sql += fmt::format(" AND {}profile_id = ?2", table);
    switch (filter.status) {
      case CertificateFilter::Status::kAny: break;
      case CertificateFilter::Status::kValid:
        sql += fmt::format(" AND {0}status = 'valid' AND {0}not_after >= ?4", table);
        break;
      case CertificateFilter::Status::kRevoked: sql += fmt::format(" AND {}status = 'revoked'", table); break;
      case CertificateFilter::Status::kExpired:
        sql += fmt::format(" AND {0}status = 'valid' AND {0}not_after < ?4", table);
        break;
    }
    return sql;
  }

  // One page in listing order: through the subject's trigram matches when `phrase` is given (those
  // at rowids from `bound` on, when given), otherwise by walking the certificates.
  Result<std::vector<CertificateRecord>> list_in_order(const CertificateFilter& filter,
                                                       const std::optional<std::string>& phrase,
                                                       std::optional<std::int64_t> bound) {
    // Every listing binds alike; SQLite ignores a binding of a parameter the statement does not name.
    std::string sql =
        fmt::format("SELECT {} FROM certificates WHERE (?3 IS NULL OR instr(fold(subject), fold(?3)) > 0){}",
                    kCertificateColumns, certificate_conditions(filter, ""));
    if (filter.after) sql += " AND (issued_at < ?6 OR (issued_at = ?6 AND serial < ?7))";
    if (phrase) {
      // By serial, the unary + keeping the planner from walking the listing order for them.
      sql += fmt::format(" AND serial IN ({}) ORDER BY +issued_at DESC, +serial DESC LIMIT ?5",
                         subject_page(filter, bound.has_value()));
    } else {
      sql += " ORDER BY issued_at DESC, serial DESC LIMIT ?5";
    }
    NIMBUS_ASSIGN_OR_RETURN(Statement query, db_.prepare(sql));
    query.bind_optional(1, filter.issuer_id).bind_optional(2, filter.profile_id);
    query.bind_optional(3, filter.subject_contains).bind(4, seconds(filter.now));
    query.bind(5, static_cast<std::int64_t>(filter.limit));
    if (filter.after) query.bind(6, seconds(filter.after->issued_at)).bind(7, filter.after->serial);
    if (phrase) query.bind(8, *phrase);
    if (bound) query.bind(9, *bound);
    return read_all<CertificateRecord>(query, read_certificate);
  }

  // The serials of a page of a subject search, chosen in the trigram table (migration 10). Its
  // rowids follow the listing order to the second, so the newest `limit` matches by rowid (that pass
  // the other filters, read from their certificates) hold the page but for the ties of their oldest
  // second, which are ordered by serial: those are added. It costs about as many matches as it
  // examines, however many and however old the others are.
  static std::string subject_page(const CertificateFilter& filter, bool bounded) {
    std::string match = "s.certificate_subjects MATCH ?8 AND instr(fold(s.subject), fold(?3)) > 0";
    if (filter.after) {
      match += " AND s.rowid < ((?6 + 1) << 20) AND (s.issued_at < ?6 OR (s.issued_at = ?6 AND s.serial < ?7))";
    }
    const std::string conditions = certificate_conditions(filter, "c.");
    // CROSS JOIN keeps the matches as the outer loop, walked in rowid order: the walk stops at the limit.
    const std::string matches = fmt::format(
        "certificate_subjects AS s{} WHERE {}{}",
        conditions.empty() ? "" : " CROSS JOIN certificates AS c ON c.serial = s.serial", match, conditions);
    return fmt::format(
        "WITH newest AS MATERIALIZED ("
        "SELECT s.rowid AS position, s.serial FROM {0}{1} ORDER BY s.rowid DESC LIMIT ?5), "
        "oldest_second AS (SELECT (min(position) >> 20) << 20 AS position FROM newest) "
        "SELECT serial FROM newest UNION SELECT s.serial FROM {0} AND s.rowid >= (SELECT position FROM oldest_second) "
        "AND s.rowid < (SELECT position FROM oldest_second) + (1 << 20)",
        matches, bounded ? " AND s.rowid >= ?9" : "");
  }

  // The rowid of the match that a walk with other filters stops at, past kExaminedSubjectMatches of
  // them (from the cursor on, to the second), or nothing when fewer match: then the walk is exact.
  Result<std::optional<std::int64_t>> examined_matches_bound(const CertificateFilter& filter,
                                                             const std::string& phrase) {
    NIMBUS_ASSIGN_OR_RETURN(
        Statement query,
        db_.prepare(fmt::format("SELECT rowid FROM certificate_subjects WHERE certificate_subjects MATCH ?1{} "
                                "ORDER BY rowid DESC LIMIT 1 OFFSET ?2",
                                filter.after ? " AND rowid < ((?3 + 1) << 20)" : "")));
    query.bind(1, phrase).bind(2, kExaminedSubjectMatches);
    if (filter.after) query.bind(3, seconds(filter.after->issued_at));
    NIMBUS_ASSIGN_OR_RETURN(bool row, query.step());
    if (!row) return std::optional<std::int64_t>();
    return std::optional<std::int64_t>(query.integer(0));
  }

  // The trigram query for a subject search's text, or nothing for text too short for trigrams or
  // not ASCII (where the index's case folding and fold() might differ, so only the scan is exact).
  // instr(fold()) still decides every row: the index only narrows them.
  static std::optional<std::string> trigram_phrase(const std::optional<std::string>& text) {
    if (!text || text->size() < 3) return std::nullopt;
    for (unsigned char c : *text) {
      if (c >= 0x80 || c < 0x20) return std::nullopt;
    }
    std::string phrase = "\"";
    for (char c : *text) phrase += c == '"' ? std::string("\"\"") : std::string(1, c);
    phrase += '"';
    return phrase;
  }

  Result<std::optional<ProfileRecord>> find_profile(const std::string& id) override {
    NIMBUS_ASSIGN_OR_RETURN(Statement query,
                            db_.prepare(fmt::format("SELECT {} FROM profiles WHERE id = ?1 AND deleted_at IS NULL",
                                                    kProfileColumns)));
    query.bind(1, id);
    NIMBUS_ASSIGN_OR_RETURN(bool found, query.step());
    if (!found) return std::optional<ProfileRecord>();
    return std::optional<ProfileRecord>(read_profile(query));
  }

  Result<std::vector<ProfileRecord>> list_profiles() override {
    NIMBUS_ASSIGN_OR_RETURN(
        Statement query,
        db_.prepare(fmt::format("SELECT {} FROM profiles WHERE deleted_at IS NULL ORDER BY id", kProfileColumns)));
    return read_all<ProfileRecord>(query, read_profile);
  }

  Result<std::optional<EnrollmentRecord>> find_enrollment(const std::string& id) override {
    NIMBUS_ASSIGN_OR_RETURN(Statement query,
                            db_.prepare(fmt::format("SELECT {} FROM enrollments WHERE id = ?1", kEnrollmentColumns)));
    query.bind(1, id);
    NIMBUS_ASSIGN_OR_RETURN(bool found, query.step());
    if (!found) return std::optional<EnrollmentRecord>();
    return std::optional<EnrollmentRecord>(read_enrollment(query));
  }

  Result<std::vector<EnrollmentRecord>> list_enrollments(const std::string& profile_id) override {
    NIMBUS_ASSIGN_OR_RETURN(Statement query,
                            db_.prepare(fmt::format("SELECT {} FROM enrollments WHERE ?1 = '' OR profile_id = ?1 "
                                                    "ORDER BY created_at DESC, rowid DESC",
                                                    kEnrollmentColumns)));
    query.bind(1, profile_id);
    return read_all<EnrollmentRecord>(query, read_enrollment);
  }

  Result<std::size_t> count_pending_enrollments(const std::string& profile_id) override {
    NIMBUS_ASSIGN_OR_RETURN(Statement query,
                            db_.prepare("SELECT COUNT(*) FROM enrollments WHERE profile_id = ?1 AND status = 'pending'"));
    query.bind(1, profile_id);
    NIMBUS_ASSIGN_OR_RETURN(bool row, query.step());
    return row ? static_cast<std::size_t>(query.integer(0)) : 0;
  }

  Result<std::optional<ChallengeRecord>> find_challenge(const std::string& digest) override {
    NIMBUS_ASSIGN_OR_RETURN(
        Statement query,
        db_.prepare(fmt::format("SELECT {} FROM enrollment_challenges WHERE digest = ?1", kChallengeColumns)));
    query.bind(1, digest);
    NIMBUS_ASSIGN_OR_RETURN(bool found, query.step());
    if (!found) return std::optional<ChallengeRecord>();
    return std::optional<ChallengeRecord>(read_challenge(query));
  }

  Result<std::vector<ChallengeRecord>> enrollment_challenges(const std::string& enrollment_id) override {
    NIMBUS_ASSIGN_OR_RETURN(Statement query,
                            db_.prepare(fmt::format("SELECT {} FROM enrollment_challenges WHERE enrollment_id = ?1 "
                                                    "ORDER BY created_at DESC, rowid DESC",
                                                    kChallengeColumns)));
    query.bind(1, enrollment_id);
    return read_all<ChallengeRecord>(query, read_challenge);
  }

  Result<std::optional<ScepTransactionRecord>> find_scep_transaction(const std::string& authority_id,
                                                                     const std::string& transaction_id) override {
    NIMBUS_ASSIGN_OR_RETURN(Statement query,
                            db_.prepare("SELECT key_digest, serial, created_at FROM scep_transactions "
                                        "WHERE authority_id = ?1 AND transaction_id = ?2"));
    query.bind(1, authority_id).bind(2, transaction_id);
    NIMBUS_ASSIGN_OR_RETURN(bool found, query.step());
    if (!found) return std::optional<ScepTransactionRecord>();
    return std::optional<ScepTransactionRecord>(
        ScepTransactionRecord{authority_id, transaction_id, query.text(0), query.text(1), timestamp(query.integer(2))});
  }

  Result<std::optional<ApiTokenRecord>> find_api_token(const std::string& id) override {
    NIMBUS_ASSIGN_OR_RETURN(Statement query,
                            db_.prepare(fmt::format("SELECT {} FROM api_tokens WHERE id = ?1", kApiTokenColumns)));
    query.bind(1, id);
    NIMBUS_ASSIGN_OR_RETURN(bool found, query.step());
    if (!found) return std::optional<ApiTokenRecord>();
    return std::optional<ApiTokenRecord>(read_api_token(query));
  }

  Result<std::vector<ApiTokenRecord>> list_api_tokens() override {
    NIMBUS_ASSIGN_OR_RETURN(
        Statement query,
        db_.prepare(fmt::format("SELECT {} FROM api_tokens ORDER BY created_at DESC, rowid DESC", kApiTokenColumns)));
    return read_all<ApiTokenRecord>(query, read_api_token);
  }

  Result<std::vector<CertificateTally>> certificate_tallies() override {
    // Served by certificates_by_issuer_status alone: no table row is read.
    NIMBUS_ASSIGN_OR_RETURN(Statement query, db_.prepare("SELECT issuer_id, status, COUNT(*) FROM certificates "
                                                         "GROUP BY issuer_id, status ORDER BY issuer_id"));
    std::vector<CertificateTally> tallies;
    for (;;) {
      NIMBUS_ASSIGN_OR_RETURN(bool row, query.step());
      if (!row) return tallies;
      std::string_view issuer = query.text_view(0);
      if (tallies.empty() || tallies.back().issuer_id != issuer) tallies.push_back({std::string(issuer)});
      auto count = static_cast<std::uint64_t>(query.integer(2));
      tallies.back().issued += count;
      if (query.text_view(1) == "revoked") tallies.back().revoked += count;
    }
  }

  Status put_profile(const ProfileRecord& p) override {
    NIMBUS_ASSIGN_OR_RETURN(
        Statement upsert,
        db_.prepare(fmt::format("INSERT INTO profiles ({}) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(id) DO UPDATE "
                                "SET version = ?2, issuing_ca = ?3, document = ?4, updated_at = ?6, deleted_at = NULL",
                                kProfileColumns)));
    upsert.bind(1, p.id).bind(2, static_cast<std::int64_t>(p.version)).bind(3, p.issuing_ca).bind(4, p.document);
    upsert.bind(5, seconds(p.created_at)).bind(6, seconds(p.updated_at));
    return upsert.run();
  }

  Status delete_profile(const std::string& id) override {
    NIMBUS_ASSIGN_OR_RETURN(Statement update,
                            db_.prepare("UPDATE profiles SET deleted_at = ?2 WHERE id = ?1 AND deleted_at IS NULL"));
    update.bind(1, id).bind(2, seconds(now_utc()));
    return run_one(update, fmt::format("profile '{}'", id));
  }

  Result<std::uint64_t> last_profile_version(const std::string& id) override {
    NIMBUS_ASSIGN_OR_RETURN(Statement query, db_.prepare("SELECT version FROM profiles WHERE id = ?1"));
    query.bind(1, id);
    NIMBUS_ASSIGN_OR_RETURN(bool row, query.step());
    return row ? static_cast<std::uint64_t>(query.integer(0)) : 0;
  }

  Status insert_enrollment(const EnrollmentRecord& e) override {
    NIMBUS_ASSIGN_OR_RETURN(
        Statement insert,
        db_.prepare(fmt::format("INSERT INTO enrollments ({}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                                kEnrollmentColumns)));
    insert.bind(1, e.id).bind(2, e.profile_id).bind(3, static_cast<std::int64_t>(e.profile_version));
    insert.bind(4, e.variables).bind(5, e.subject).bind(6, e.subject_alt_names);
    insert.bind(7, enrollment_status_name(e.status)).bind(8, seconds(e.created_at));
    if (e.used_at) insert.bind(9, seconds(*e.used_at)); else insert.bind_null(9);
    insert.bind_optional(10, e.certificate_serial);
    return insert.run();
  }

  Status mark_enrollment_used(const std::string& id, const std::string& serial, Timestamp at) override {
    NIMBUS_ASSIGN_OR_RETURN(Statement update,
                            db_.prepare("UPDATE enrollments SET status = 'used', used_at = ?3, certificate_serial = ?2 "
                                        "WHERE id = ?1 AND status = 'pending'"));
    update.bind(1, id).bind(2, serial).bind(3, seconds(at));
    Status ran = update.run();
    if (!ran.ok()) {
      // The only foreign key the update can break is the certificate's: the enrollment is pending.
      if (ran.error().code() != ErrorCode::kNotFound) return ran;
      return Error(ErrorCode::kNotFound,
                   fmt::format("certificate {} is not in the store; enrollment '{}' stays pending", serial, id));
    }
    if (db_.changes() == 1) return ok_status();
    NIMBUS_ASSIGN_OR_RETURN(auto existing, find_enrollment(id));
    if (!existing) return Error(ErrorCode::kNotFound, fmt::format("pending enrollment '{}' is not in the store", id));
    return Error(ErrorCode::kFailedPrecondition,
                 fmt::format("enrollment '{}' was already used (certificate {}); create a new enrollment", id,
                             existing->certificate_serial.value_or("?")));
  }

  Status insert_challenge(const ChallengeRecord& c) override {
    NIMBUS_ASSIGN_OR_RETURN(Statement void_others,
                            db_.prepare("UPDATE enrollment_challenges SET status = 'void' "
                                        "WHERE enrollment_id = ?1 AND status = 'open'"));
    void_others.bind(1, c.enrollment_id);
    NIMBUS_TRY(void_others.run());
    NIMBUS_ASSIGN_OR_RETURN(
        Statement insert,
        db_.prepare(fmt::format("INSERT INTO enrollment_challenges ({}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                                kChallengeColumns)));
    insert.bind(1, c.digest).bind(2, c.enrollment_id).bind(3, c.authority_id);
    insert.bind(4, seconds(c.created_at)).bind(5, seconds(c.expires_at)).bind(6, challenge_status_name(c.status));
    if (c.used_at) insert.bind(7, seconds(*c.used_at)); else insert.bind_null(7);
    return insert.run();
  }

  Status consume_challenge(const std::string& digest, Timestamp at) override {
    NIMBUS_ASSIGN_OR_RETURN(Statement update,
                            db_.prepare("UPDATE enrollment_challenges SET status = 'used', used_at = ?2 "
                                        "WHERE digest = ?1 AND status = 'open' AND expires_at > ?2"));
    update.bind(1, digest).bind(2, seconds(at));
    NIMBUS_TRY(update.run());
    if (db_.changes() == 1) return ok_status();
    NIMBUS_ASSIGN_OR_RETURN(std::optional<ChallengeRecord> existing, find_challenge(digest));
    if (!existing) return Error(ErrorCode::kNotFound, "no such challenge");
    switch (existing->status) {
      case ChallengeStatus::kUsed:
        return Error(ErrorCode::kFailedPrecondition,
                     fmt::format("the challenge was already used at {}", format_timestamp(*existing->used_at)));
      case ChallengeStatus::kVoid:
        return Error(ErrorCode::kFailedPrecondition, "the challenge was replaced by a newer one");
      case ChallengeStatus::kOpen: break;
    }
    return Error(ErrorCode::kFailedPrecondition,
                 fmt::format("the challenge expired at {}", format_timestamp(existing->expires_at)));
  }

  Status insert_scep_transaction(const ScepTransactionRecord& t) override {
    NIMBUS_ASSIGN_OR_RETURN(Statement insert,
                            db_.prepare("INSERT INTO scep_transactions (authority_id, transaction_id, key_digest, "
                                        "serial, created_at) VALUES (?1, ?2, ?3, ?4, ?5)"));
    insert.bind(1, t.authority_id).bind(2, t.transaction_id).bind(3, t.key_digest).bind(4, t.serial);
    insert.bind(5, seconds(t.created_at));
    return insert.run();
  }

  Status insert_api_token(const ApiTokenRecord& t) override {
    NIMBUS_ASSIGN_OR_RETURN(
        Statement insert,
        db_.prepare(fmt::format("INSERT INTO api_tokens ({}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", kApiTokenColumns)));
    insert.bind(1, t.id).bind(2, t.name).bind(3, api_role_name(t.role)).bind(4, t.digest);
    insert.bind(5, seconds(t.created_at)).bind(6, seconds(t.expires_at));
    if (t.revoked_at) insert.bind(7, seconds(*t.revoked_at)); else insert.bind_null(7);
    Status inserted = insert.run();
    if (!inserted.ok() && inserted.error().code() == ErrorCode::kAlreadyExists) {
      return Error(ErrorCode::kAlreadyExists,
                   fmt::format("an API token named '{}' (or with id {}) exists and is not revoked", t.name, t.id));
    }
    return inserted;
  }

  Status revoke_api_token(const std::string& id, Timestamp at) override {
    NIMBUS_ASSIGN_OR_RETURN(Statement update,
                            db_.prepare("UPDATE api_tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL"));
    update.bind(1, id).bind(2, seconds(at));
    NIMBUS_TRY(update.run());
    if (db_.changes() == 1) return ok_status();
    NIMBUS_ASSIGN_OR_RETURN(std::optional<ApiTokenRecord> existing, find_api_token(id));
    if (!existing) return Error(ErrorCode::kNotFound, fmt::format("no API token with id {}", id));
    return Error(ErrorCode::kFailedPrecondition,
                 fmt::format("API token '{}' was already revoked at {}", existing->name,
                             format_timestamp(*existing->revoked_at)));
  }

  Status insert_authority(const AuthorityRecord& a) override {
    NIMBUS_ASSIGN_OR_RETURN(auto existing, find_authority(a.id));
    if (existing) {
      return Error(ErrorCode::kAlreadyExists, fmt::format("an authority with id '{}' already exists", a.id));
    }
    NIMBUS_ASSIGN_OR_RETURN(
        Statement insert,
        db_.prepare(fmt::format("INSERT INTO authorities ({}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                                kAuthorityColumns)));
    insert.bind(1, a.id).bind(2, authority_kind_name(a.kind)).bind_optional(3, a.parent_id).bind(4, a.subject);
    insert.bind(5, a.key_spec).bind(6, a.key_reference).bind(7, authority_status_name(a.status));
    if (a.certificate_der) insert.bind_blob(8, ByteView(*a.certificate_der)); else insert.bind_null(8);
    insert.bind_optional(9, a.external_chain_pem).bind(10, seconds(a.created_at));
    insert.bind(11, static_cast<std::int64_t>(a.last_crl_number));
    return insert.run();
  }

  Status set_authority_status(const std::string& id, AuthorityStatus status) override {
    NIMBUS_ASSIGN_OR_RETURN(Statement update, db_.prepare("UPDATE authorities SET status = ?2 WHERE id = ?1"));
    update.bind(1, id).bind(2, authority_status_name(status));
    return run_one(update, fmt::format("authority '{}'", id));
  }

  Status set_authority_certificate(const std::string& id, const Bytes& der,
                                   const std::optional<std::string>& external_chain_pem) override {
    NIMBUS_ASSIGN_OR_RETURN(Statement update,
                            db_.prepare("UPDATE authorities SET certificate = ?2, external_chain = ?3, "
                                        "status = 'active' WHERE id = ?1"));
    update.bind(1, id).bind_blob(2, ByteView(der)).bind_optional(3, external_chain_pem);
    return run_one(update, fmt::format("authority '{}'", id));
  }

  Status insert_certificate(const CertificateRecord& c) override {
    NIMBUS_ASSIGN_OR_RETURN(
        Statement insert,
        db_.prepare(fmt::format("INSERT INTO certificates ({}) VALUES "
                                "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
                                kCertificateColumns)));
    insert.bind(1, c.serial).bind(2, c.issuer_id).bind_optional(3, c.authority_id).bind(4, c.subject);
    insert.bind(5, seconds(c.not_before)).bind(6, seconds(c.not_after)).bind(7, c.sha1).bind(8, c.sha256);
    insert.bind_blob(9, ByteView(c.der)).bind(10, certificate_status_name(c.status));
    if (c.revoked_at) insert.bind(11, seconds(*c.revoked_at)); else insert.bind_null(11);
    if (c.revocation_reason) insert.bind(12, static_cast<std::int64_t>(*c.revocation_reason)); else insert.bind_null(12);
    insert.bind(13, seconds(c.issued_at)).bind_optional(14, c.profile_id).bind_optional(15, c.enrollment_id);
    insert.bind(16, c.subject_alt_names.empty() ? std::string_view("[]") : std::string_view(c.subject_alt_names));
    Status inserted = insert.run();
    if (!inserted.ok() && inserted.error().code() == ErrorCode::kAlreadyExists) return duplicate(c);
    return inserted;
  }

  Status revoke_certificate(const std::string& serial, Timestamp at, int reason) override {
    NIMBUS_ASSIGN_OR_RETURN(Statement update,
                            db_.prepare("UPDATE certificates SET status = 'revoked', revoked_at = ?2, "
                                        "revocation_reason = ?3 WHERE serial = ?1"));
    update.bind(1, serial).bind(2, seconds(at)).bind(3, static_cast<std::int64_t>(reason));
    return run_one(update, fmt::format("certificate {}", serial));
  }

  Status release_certificate_hold(const std::string& serial) override {
    NIMBUS_ASSIGN_OR_RETURN(Statement update,
                            db_.prepare("UPDATE certificates SET status = 'valid', revoked_at = NULL, "
                                        "revocation_reason = NULL WHERE serial = ?1 AND status = 'revoked' "
                                        "AND revocation_reason = 6"));
    update.bind(1, serial);
    return run_one(update, fmt::format("certificate {} on hold", serial));
  }

  Status insert_ocsp_signer(const OcspSignerRecord& signer) override {
    NIMBUS_ASSIGN_OR_RETURN(Statement insert,
                            db_.prepare("INSERT INTO ocsp_signers (serial, authority_id, key_reference, certificate, "
                                        "not_before, not_after) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"));
    insert.bind(1, signer.serial).bind(2, signer.authority_id).bind(3, signer.key_reference);
    insert.bind_blob(4, ByteView(signer.certificate_der)).bind(5, seconds(signer.not_before));
    insert.bind(6, seconds(signer.not_after));
    return insert.run();
  }

  Result<std::uint64_t> allocate_crl_number(const std::string& authority_id) override {
    NIMBUS_ASSIGN_OR_RETURN(Statement update,
                            db_.prepare("UPDATE authorities SET last_crl_number = last_crl_number + 1 "
                                        "WHERE id = ?1 RETURNING last_crl_number"));
    update.bind(1, authority_id);
    NIMBUS_ASSIGN_OR_RETURN(bool found, update.step());
    if (!found) return Error(ErrorCode::kNotFound, fmt::format("no authority '{}'", authority_id));
    auto number = static_cast<std::uint64_t>(update.integer(0));
    NIMBUS_TRY(update.run());
    return number;
  }

  Status insert_crl(const CrlRecord& crl) override {
    NIMBUS_ASSIGN_OR_RETURN(Statement insert,
                            db_.prepare("INSERT INTO crls (authority_id, number, this_update, next_update, der) "
                                        "VALUES (?1, ?2, ?3, ?4, ?5)"));
    insert.bind(1, crl.authority_id).bind(2, static_cast<std::int64_t>(crl.number));
    insert.bind(3, seconds(crl.this_update)).bind(4, seconds(crl.next_update)).bind_blob(5, ByteView(crl.der));
    return insert.run();
  }

  Status append_audit(const AuditEvent& e) override {
    NIMBUS_ASSIGN_OR_RETURN(Statement insert,
                            db_.prepare("INSERT INTO audit_events (at, actor, action, target, detail) "
                                        "VALUES (?1, ?2, ?3, ?4, ?5)"));
    insert.bind(1, seconds(e.at)).bind(2, e.actor).bind(3, e.action).bind(4, e.target).bind(5, e.detail);
    return insert.run();
  }

 private:
  // Why `c` broke a unique key: its serial or which thumbprint, and whose it is.
  Error duplicate(const CertificateRecord& c) {
    auto taken = serial_exists(c.serial);
    if (taken.ok() && *taken) {
      return Error(ErrorCode::kAlreadyExists,
                   fmt::format("a certificate with serial number {} is already in the store", c.serial));
    }
    for (const auto& [name, thumbprint] : {std::pair{"SHA-1", &c.sha1}, std::pair{"SHA-256", &c.sha256}}) {
      auto holder = find_certificate_by_thumbprint(*thumbprint);
      if (holder.ok() && *holder) {
        return Error(ErrorCode::kAlreadyExists,
                     fmt::format("certificate {} has the {} thumbprint {} of certificate {}, already in the store",
                                 c.serial, name, *thumbprint, (*holder)->serial));
      }
    }
    return Error(ErrorCode::kAlreadyExists,
                 fmt::format("a certificate with serial number {} or the same thumbprint is already in the store",
                             c.serial));
  }

  // Runs an UPDATE that must touch exactly one row.
  Status run_one(Statement& update, const std::string& what) {
    NIMBUS_TRY(update.run());
    if (db_.changes() != 1) return Error(ErrorCode::kNotFound, what + " is not in the store");
    return ok_status();
  }

  Database& db_;
};

SqliteStore::SqliteStore(std::unique_ptr<Database> db)
    : db_(std::move(db)), session_(std::make_unique<SqliteSession>(*db_)) {}

SqliteStore::~SqliteStore() = default;

Result<std::unique_ptr<SqliteStore>> SqliteStore::create(const std::filesystem::path& path) {
  return open_database(path, true);
}

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const std::filesystem::path& path) {
  return open_database(path, false);
}

Result<std::unique_ptr<SqliteStore>> SqliteStore::open_database(const std::filesystem::path& path, bool create) {
  NIMBUS_ASSIGN_OR_RETURN(Database db, Database::open(path, create));
  if (create) ::chmod(path.c_str(), 0600);  // the WAL and shared-memory files inherit this mode
  std::unique_ptr<SqliteStore> store(new SqliteStore(std::make_unique<Database>(std::move(db))));
  NIMBUS_TRY(configure(*store->db_));
  NIMBUS_TRY(store->migrate());
  NIMBUS_TRY(store->open_reader(path));
  store->checkpointer_ = std::make_unique<Checkpointer>(path);
  store->db_->on_wal_commit([checkpointer = store->checkpointer_.get()](int pages) { checkpointer->wal_grew(pages); });
  return store;
}

Status SqliteStore::configure(Database& db) {
  // WAL lets readers (the server) proceed while a writer (the CLI) commits; synchronous=FULL makes
  // each commit durable on power loss, which a CA needs: a certificate handed out must be on disk.
  return db.execute(
      "PRAGMA busy_timeout = 5000;"
      "PRAGMA journal_mode = WAL;"
      "PRAGMA synchronous = FULL;"
      "PRAGMA foreign_keys = ON;");
}

Status SqliteStore::open_reader(const std::filesystem::path& path) {
  NIMBUS_ASSIGN_OR_RETURN(Database reader, Database::open(path, false));
  reader_db_ = std::make_unique<Database>(std::move(reader));
  NIMBUS_TRY(configure(*reader_db_));
  reader_session_ = std::make_unique<SqliteSession>(*reader_db_);
  return ok_status();
}

namespace {
Result<int> read_schema_version(Database& db) {
  NIMBUS_ASSIGN_OR_RETURN(Statement query, db.prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations"));
  NIMBUS_ASSIGN_OR_RETURN(bool row, query.step());
  return row ? static_cast<int>(query.integer(0)) : 0;
}
}  // namespace

// On the read connection, like every read: the write connection may be inside a long write.
void SqliteStore::maintain() { checkpointer_->request(); }

Result<int> SqliteStore::schema_version() {
  std::lock_guard lock(read_mutex_);
  return read_schema_version(*reader_db_);
}

Status SqliteStore::migrate() {
  NIMBUS_TRY(db_->execute("CREATE TABLE IF NOT EXISTS schema_migrations ("
                          " version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at INTEGER NOT NULL)"));
  NIMBUS_ASSIGN_OR_RETURN(int current, read_schema_version(*db_));
  int newest = migrations().back().version;
  if (current > newest) {
    return Error(ErrorCode::kFailedPrecondition,
                 fmt::format("the store is at schema version {}, newer than this nimbus knows ({}); "
                             "upgrade nimbus",
                             current, newest));
  }
  for (const Migration& migration : migrations()) {
    if (migration.version <= current) continue;
    NIMBUS_TRY(db_->run("BEGIN IMMEDIATE"));
    Status applied = db_->execute(migration.sql);
    if (applied.ok()) {
      NIMBUS_ASSIGN_OR_RETURN(Statement record,
                              db_->prepare("INSERT INTO schema_migrations VALUES (?1, ?2, ?3)"));
      record.bind(1, static_cast<std::int64_t>(migration.version)).bind(2, migration.description);
      record.bind(3, now_utc().time_since_epoch().count());
      applied = record.run();
    }
    if (!applied.ok()) {
      (void)db_->run("ROLLBACK");
      return std::move(applied).error().with_context(
          fmt::format("applying store migration {}", migration.version));
    }
    NIMBUS_TRY(db_->run("COMMIT"));
  }
  return ok_status();
}

struct SqliteStore::QueuedWrite {
  const std::function<Status(StoreWriter&)>* work;
  Status result;
  bool done = false;
};

Status SqliteStore::write(const std::function<Status(StoreWriter&)>& work) {
  QueuedWrite mine{&work, ok_status()};
  std::unique_lock lock(queue_mutex_);
  queue_.push_back(&mine);
  // Wait until a leader has committed this write, or until no commit is running and this thread
  // can lead the next one.
  queue_changed_.wait(lock, [&] { return mine.done || !committing_; });
  if (mine.done) return std::move(mine.result);

  committing_ = true;
  std::vector<QueuedWrite*> batch;
  batch.swap(queue_);
  lock.unlock();
  commit_batch(batch);
  lock.lock();
  committing_ = false;
  for (QueuedWrite* write : batch) write->done = true;
  queue_changed_.notify_all();
  return std::move(mine.result);
}

void SqliteStore::commit_batch(const std::vector<QueuedWrite*>& batch) {
  std::lock_guard lock(mutex_);
  Status begun = db_->run("BEGIN IMMEDIATE");
  if (!begun.ok()) {
    for (QueuedWrite* write : batch) write->result = begun;
    return;
  }
  bool any_succeeded = false;
  for (QueuedWrite* write : batch) {
    Status opened = db_->run("SAVEPOINT nimbus_write");
    write->result = opened.ok() ? (*write->work)(*session_) : opened;
    if (!write->result.ok()) (void)db_->run("ROLLBACK TO nimbus_write");
    (void)db_->run("RELEASE nimbus_write");
    any_succeeded = any_succeeded || write->result.ok();
  }
  if (!any_succeeded) {
    (void)db_->run("ROLLBACK");
    return;
  }
  Status committed = db_->run("COMMIT");
  if (committed.ok()) return;
  (void)db_->run("ROLLBACK");
  for (QueuedWrite* write : batch) {
    if (write->result.ok()) write->result = committed;
  }
}

#define NIMBUS_LOCKED_READ(call)    \
  std::lock_guard lock(read_mutex_); \
  return reader_session_->call

Result<std::optional<AuthorityRecord>> SqliteStore::find_authority(const std::string& id) {
  NIMBUS_LOCKED_READ(find_authority(id));
}
Result<std::vector<AuthorityRecord>> SqliteStore::list_authorities() {
  NIMBUS_LOCKED_READ(list_authorities());
}
Result<std::optional<CertificateRecord>> SqliteStore::find_certificate(const std::string& serial) {
  NIMBUS_LOCKED_READ(find_certificate(serial));
}
Result<bool> SqliteStore::serial_exists(const std::string& serial) {
  NIMBUS_LOCKED_READ(serial_exists(serial));
}
Result<std::vector<RevocationEntry>> SqliteStore::revocations(const std::string& issuer_id) {
  NIMBUS_LOCKED_READ(revocations(issuer_id));
}
Result<std::optional<CertificateStatusRecord>> SqliteStore::certificate_status(const std::string& issuer_id,
                                                                               const std::string& serial) {
  NIMBUS_LOCKED_READ(certificate_status(issuer_id, serial));
}
Result<std::optional<OcspSignerRecord>> SqliteStore::current_ocsp_signer(const std::string& authority_id) {
  NIMBUS_LOCKED_READ(current_ocsp_signer(authority_id));
}
Result<std::optional<CrlRecord>> SqliteStore::latest_crl(const std::string& authority_id) {
  NIMBUS_LOCKED_READ(latest_crl(authority_id));
}
Result<std::vector<AuditEntry>> SqliteStore::audit_trail(const AuditQuery& query) {
  NIMBUS_LOCKED_READ(audit_trail(query));
}

Result<std::optional<CertificateRecord>> SqliteStore::find_certificate_by_thumbprint(const std::string& hex) {
  NIMBUS_LOCKED_READ(find_certificate_by_thumbprint(hex));
}
Result<std::vector<CertificateRecord>> SqliteStore::list_certificates(const CertificateFilter& filter) {
  NIMBUS_LOCKED_READ(list_certificates(filter));
}
Result<std::optional<ProfileRecord>> SqliteStore::find_profile(const std::string& id) {
  NIMBUS_LOCKED_READ(find_profile(id));
}
Result<std::vector<ProfileRecord>> SqliteStore::list_profiles() { NIMBUS_LOCKED_READ(list_profiles()); }
Result<std::optional<EnrollmentRecord>> SqliteStore::find_enrollment(const std::string& id) {
  NIMBUS_LOCKED_READ(find_enrollment(id));
}
Result<std::vector<EnrollmentRecord>> SqliteStore::list_enrollments(const std::string& profile_id) {
  NIMBUS_LOCKED_READ(list_enrollments(profile_id));
}
Result<std::size_t> SqliteStore::count_pending_enrollments(const std::string& profile_id) {
  NIMBUS_LOCKED_READ(count_pending_enrollments(profile_id));
}

Result<std::vector<CertificateTally>> SqliteStore::certificate_tallies() { NIMBUS_LOCKED_READ(certificate_tallies()); }
Result<std::optional<ChallengeRecord>> SqliteStore::find_challenge(const std::string& digest) {
  NIMBUS_LOCKED_READ(find_challenge(digest));
}
Result<std::vector<ChallengeRecord>> SqliteStore::enrollment_challenges(const std::string& enrollment_id) {
  NIMBUS_LOCKED_READ(enrollment_challenges(enrollment_id));
}
Result<std::optional<ScepTransactionRecord>> SqliteStore::find_scep_transaction(const std::string& authority_id,
                                                                               const std::string& transaction_id) {
  NIMBUS_LOCKED_READ(find_scep_transaction(authority_id, transaction_id));
}

Result<std::optional<ApiTokenRecord>> SqliteStore::find_api_token(const std::string& id) {
  NIMBUS_LOCKED_READ(find_api_token(id));
}
Result<std::vector<ApiTokenRecord>> SqliteStore::list_api_tokens() { NIMBUS_LOCKED_READ(list_api_tokens()); }

#undef NIMBUS_LOCKED_READ

}  // namespace nimbus::store::sqlite
