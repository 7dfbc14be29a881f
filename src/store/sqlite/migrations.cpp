#include "store/sqlite/migrations.h"

namespace nimbus::store::sqlite {

namespace {

// Times are seconds since the Unix epoch, UTC. Serials and thumbprints are lower-case hex.
constexpr Migration kMigrations[] = {
    {1, "authorities, certificates, CRLs, audit", R"sql(
CREATE TABLE authorities (
  id               TEXT PRIMARY KEY,
  kind             TEXT NOT NULL CHECK (kind IN ('root', 'issuing')),
  parent_id        TEXT REFERENCES authorities(id),
  subject          TEXT NOT NULL,
  key_spec         TEXT NOT NULL,
  key_reference    TEXT NOT NULL,
  status           TEXT NOT NULL CHECK (status IN ('pending', 'active', 'paused', 'revoked')),
  certificate      BLOB,
  external_chain   TEXT,
  created_at       INTEGER NOT NULL,
  last_crl_number  INTEGER NOT NULL DEFAULT 0,
  CHECK (kind = 'issuing' OR parent_id IS NULL)
);

CREATE TABLE certificates (
  serial             TEXT PRIMARY KEY,
  issuer_id          TEXT NOT NULL REFERENCES authorities(id),
  authority_id       TEXT REFERENCES authorities(id),
  subject            TEXT NOT NULL,
  not_before         INTEGER NOT NULL,
  not_after          INTEGER NOT NULL,
  sha1               TEXT NOT NULL UNIQUE,
  sha256             TEXT NOT NULL UNIQUE,
  der                BLOB NOT NULL,
  status             TEXT NOT NULL CHECK (status IN ('valid', 'revoked')),
  revoked_at         INTEGER,
  revocation_reason  INTEGER,
  issued_at          INTEGER NOT NULL,
  CHECK ((status = 'revoked') = (revoked_at IS NOT NULL))
);
CREATE INDEX certificates_by_issuer_status ON certificates(issuer_id, status);

CREATE TABLE crls (
  authority_id  TEXT NOT NULL REFERENCES authorities(id),
  number        INTEGER NOT NULL,
  this_update   INTEGER NOT NULL,
  next_update   INTEGER NOT NULL,
  der           BLOB NOT NULL,
  PRIMARY KEY (authority_id, number)
);

CREATE TABLE audit_events (
  id      INTEGER PRIMARY KEY AUTOINCREMENT,
  at      INTEGER NOT NULL,
  actor   TEXT NOT NULL,
  action  TEXT NOT NULL,
  target  TEXT NOT NULL,
  detail  TEXT NOT NULL
);
)sql"},
    {2, "profiles, enrollments, end-entity certificate columns", R"sql(
ALTER TABLE certificates ADD COLUMN profile_id TEXT;
ALTER TABLE certificates ADD COLUMN enrollment_id TEXT;
ALTER TABLE certificates ADD COLUMN subject_alt_names TEXT NOT NULL DEFAULT '[]';
CREATE INDEX certificates_by_profile ON certificates(profile_id);

CREATE TABLE profiles (
  id          TEXT PRIMARY KEY,
  version     INTEGER NOT NULL,
  issuing_ca  TEXT NOT NULL REFERENCES authorities(id),
  document    TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL,
  deleted_at  INTEGER
);

CREATE TABLE enrollments (
  id                  TEXT PRIMARY KEY,
  profile_id          TEXT NOT NULL REFERENCES profiles(id),
  profile_version     INTEGER NOT NULL,
  variables           TEXT NOT NULL,
  subject             TEXT NOT NULL,
  subject_alt_names   TEXT NOT NULL,
  status              TEXT NOT NULL CHECK (status IN ('pending', 'used')),
  created_at          INTEGER NOT NULL,
  used_at             INTEGER,
  certificate_serial  TEXT REFERENCES certificates(serial),
  CHECK ((status = 'used') = (certificate_serial IS NOT NULL))
);
CREATE INDEX enrollments_by_profile ON enrollments(profile_id, status);
)sql"},
    {3, "OCSP signers", R"sql(
CREATE TABLE ocsp_signers (
  serial         TEXT PRIMARY KEY REFERENCES certificates(serial),
  authority_id   TEXT NOT NULL REFERENCES authorities(id),
  key_reference  TEXT NOT NULL,
  certificate    BLOB NOT NULL,
  not_before     INTEGER NOT NULL,
  not_after      INTEGER NOT NULL
);
CREATE INDEX ocsp_signers_by_authority ON ocsp_signers(authority_id, not_after);
)sql"},
    // Publishing a CRL reads every revoked certificate of an issuer in serial order. Without this
    // index SQLite visits each row through certificates_by_issuer_status and sorts them in a temporary
    // B-tree; this one is covering and already in order, and partial so that issuance never writes it.
    {4, "revoked certificates by issuer, for CRLs", R"sql(
CREATE INDEX certificates_revoked_by_issuer
  ON certificates(issuer_id, status, serial, revoked_at, revocation_reason, not_after)
  WHERE status = 'revoked';
)sql"},
    {5, "one-time enrollment challenges, SCEP transactions", R"sql(
CREATE TABLE enrollment_challenges (
  digest         TEXT PRIMARY KEY,
  enrollment_id  TEXT NOT NULL REFERENCES enrollments(id),
  authority_id   TEXT NOT NULL REFERENCES authorities(id),
  created_at     INTEGER NOT NULL,
  expires_at     INTEGER NOT NULL,
  status         TEXT NOT NULL CHECK (status IN ('open', 'used', 'void')),
  used_at        INTEGER,
  CHECK ((status = 'used') = (used_at IS NOT NULL))
);
CREATE INDEX enrollment_challenges_by_enrollment ON enrollment_challenges(enrollment_id, status);

CREATE TABLE scep_transactions (
  authority_id    TEXT NOT NULL REFERENCES authorities(id),
  transaction_id  TEXT NOT NULL,
  key_digest      TEXT NOT NULL,
  serial          TEXT NOT NULL REFERENCES certificates(serial),
  created_at      INTEGER NOT NULL,
  PRIMARY KEY (authority_id, transaction_id)
);
)sql"},
    {6, "API tokens", R"sql(
CREATE TABLE api_tokens (
  id          TEXT PRIMARY KEY,
  name        TEXT NOT NULL,
  role        TEXT NOT NULL CHECK (role IN ('admin', 'enroller', 'auditor', 'viewer')),
  digest      TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  expires_at  INTEGER NOT NULL,
  revoked_at  INTEGER
);
CREATE UNIQUE INDEX api_tokens_live_names ON api_tokens(name) WHERE revoked_at IS NULL;
)sql"},
    {7, "certificates in listing order, for pages of the API", R"sql(
CREATE INDEX certificates_by_issue_time ON certificates(issued_at, serial);
)sql"},
    // A subject search reads the few certificates whose subject holds the text, not all of them.
    // The index keeps the serial rather than the rowid: rowids of a table keyed by text may change.
    {8, "certificate subjects by trigram, for subject search", R"sql(
CREATE VIRTUAL TABLE certificate_subjects USING fts5(subject, serial UNINDEXED,
                                                     tokenize = 'trigram case_sensitive 0');
INSERT INTO certificate_subjects(subject, serial) SELECT subject, serial FROM certificates;
CREATE TRIGGER certificate_subjects_insert AFTER INSERT ON certificates BEGIN
  INSERT INTO certificate_subjects(subject, serial) VALUES (new.subject, new.serial);
END;
CREATE TRIGGER certificate_subjects_update AFTER UPDATE OF subject, serial ON certificates BEGIN
  DELETE FROM certificate_subjects WHERE serial = old.serial;
  INSERT INTO certificate_subjects(subject, serial) VALUES (new.subject, new.serial);
END;
CREATE TRIGGER certificate_subjects_delete AFTER DELETE ON certificates BEGIN
  DELETE FROM certificate_subjects WHERE serial = old.serial;
END;
)sql"},
    // A listing of one issuer's or one profile's certificates, newest first, reads its own rows in
    // order instead of walking every certificate until enough of them match (a profile of 0.1 %).
    {9, "certificates of an issuer or a profile in listing order", R"sql(
CREATE INDEX certificates_by_profile_issue_time ON certificates(profile_id, issued_at, serial);
CREATE INDEX certificates_by_issuer_issue_time ON certificates(issuer_id, issued_at, serial);
)sql"},
    // A subject search walks its matches newest first inside the trigram table, whatever their
    // number or age, and reads only the page's certificates. The table's rowid orders subjects as
    // the listing does, to the second: issued_at * 2^20 plus a count within that second (room for
    // 1,048,576 issuances in one second), so the matches of any range of seconds are a rowid range.
    {10, "certificate subjects in listing order, for subject search", R"sql(
DROP TRIGGER certificate_subjects_insert;
DROP TRIGGER certificate_subjects_update;
DROP TRIGGER certificate_subjects_delete;
DROP TABLE certificate_subjects;
CREATE VIRTUAL TABLE certificate_subjects USING fts5(subject, serial UNINDEXED, issued_at UNINDEXED,
                                                     tokenize = 'trigram case_sensitive 0');
INSERT INTO certificate_subjects(rowid, subject, serial, issued_at)
  SELECT (issued_at << 20) + row_number() OVER (PARTITION BY issued_at ORDER BY serial) - 1,
         subject, serial, issued_at
  FROM certificates ORDER BY issued_at, serial;
CREATE TRIGGER certificate_subjects_insert AFTER INSERT ON certificates BEGIN
  INSERT INTO certificate_subjects(rowid, subject, serial, issued_at)
  VALUES ((SELECT coalesce(max(rowid) + 1, new.issued_at << 20) FROM certificate_subjects
           WHERE rowid >= new.issued_at << 20 AND rowid < (new.issued_at + 1) << 20),
          new.subject, new.serial, new.issued_at);
END;
CREATE TRIGGER certificate_subjects_update AFTER UPDATE OF subject, serial, issued_at ON certificates BEGIN
  DELETE FROM certificate_subjects WHERE serial = old.serial;
  INSERT INTO certificate_subjects(rowid, subject, serial, issued_at)
  VALUES ((SELECT coalesce(max(rowid) + 1, new.issued_at << 20) FROM certificate_subjects
           WHERE rowid >= new.issued_at << 20 AND rowid < (new.issued_at + 1) << 20),
          new.subject, new.serial, new.issued_at);
END;
CREATE TRIGGER certificate_subjects_delete AFTER DELETE ON certificates BEGIN
  DELETE FROM certificate_subjects WHERE serial = old.serial;
END;
)sql"},
};

}  // namespace

std::span<const Migration> migrations() { return kMigrations; }

}  // namespace nimbus::store::sqlite
