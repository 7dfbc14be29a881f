#include "store/conformance/sample_records.h"

#include <stdexcept>

namespace nimbus::store::conformance {

Timestamp sample_time(const char* rfc3339) {
  auto parsed = parse_timestamp(rfc3339);
  if (!parsed.ok()) throw std::invalid_argument(std::string("sample time ") + rfc3339);
  return *parsed;
}

AuthorityRecord root_record(const std::string& id, Timestamp created) {
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

AuthorityRecord issuing_record(const std::string& id, const std::string& parent, Timestamp created) {
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
  record.not_before = sample_time("2026-01-01T00:00:00Z");
  record.not_after = sample_time("2027-01-01T00:00:00Z");
  record.sha1 = "sha1-" + serial;
  record.sha256 = "sha256-" + serial;
  record.der = Bytes{0x30, 0x00, static_cast<std::uint8_t>(serial.size())};
  record.issued_at = sample_time("2026-01-01T00:00:01Z");
  return record;
}

CrlRecord crl_record(const std::string& authority, std::uint64_t number) {
  return CrlRecord{authority, number,
                   sample_time("2026-03-01T00:00:00Z") + std::chrono::hours(static_cast<long>(number)),
                   sample_time("2026-03-08T00:00:00Z"), Bytes{0x30, static_cast<std::uint8_t>(number)}};
}

ProfileRecord profile_record(const std::string& id, std::uint64_t version, const std::string& document,
                             Timestamp when) {
  return ProfileRecord{id, version, "issuing", document, when, when};
}

EnrollmentRecord enrollment_record(const std::string& id, const std::string& profile, Timestamp created) {
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

OcspSignerRecord ocsp_signer_record(const std::string& authority, const std::string& serial, Timestamp not_after) {
  return OcspSignerRecord{authority, serial, "ocsp-" + serial, Bytes{0x30, 0x01},
                          sample_time("2026-01-01T00:00:00Z"), not_after};
}

}  // namespace nimbus::store::conformance
