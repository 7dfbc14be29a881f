#include "views/certificate_view.h"

#include "x509/revocation_reason.h"

namespace nimbus::views {

using json = nlohmann::json;

std::string certificate_status(const store::CertificateRecord& record, Timestamp now) {
  if (record.status == store::CertificateStatus::kRevoked) return "revoked";
  return record.not_after < now ? "expired" : "valid";
}

json certificate_json(const store::CertificateRecord& record, Timestamp now) {
  json out;
  out["serial"] = record.serial;
  out["issuer"] = record.issuer_id;
  out["subject"] = record.subject;
  out["subject_alt_names"] = json::parse(record.subject_alt_names, nullptr, false);
  out["status"] = certificate_status(record, now);
  out["not_before"] = format_timestamp(record.not_before);
  out["not_after"] = format_timestamp(record.not_after);
  out["issued_at"] = format_timestamp(record.issued_at);
  out["revoked_at"] = record.revoked_at ? json(format_timestamp(*record.revoked_at)) : json(nullptr);
  auto reason = record.revocation_reason ? x509::revocation_reason_from_code(*record.revocation_reason)
                                         : Result<x509::RevocationReason>(Error(ErrorCode::kNotFound, ""));
  out["revocation_reason"] = reason.ok() ? json(std::string(x509::revocation_reason_name(*reason))) : json(nullptr);
  out["profile"] = record.profile_id ? json(*record.profile_id) : json(nullptr);
  out["enrollment"] = record.enrollment_id ? json(*record.enrollment_id) : json(nullptr);
  out["authority"] = record.authority_id ? json(*record.authority_id) : json(nullptr);
  out["sha1"] = record.sha1;
  out["sha256"] = record.sha256;
  return out;
}

}  // namespace nimbus::views
