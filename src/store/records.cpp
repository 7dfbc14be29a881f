#include "store/records.h"

namespace nimbus::store {

std::string_view authority_kind_name(AuthorityKind kind) {
  return kind == AuthorityKind::kRoot ? "root" : "issuing";
}

std::string_view authority_status_name(AuthorityStatus status) {
  switch (status) {
    case AuthorityStatus::kPending: return "pending";
    case AuthorityStatus::kActive: return "active";
    case AuthorityStatus::kPaused: return "paused";
    case AuthorityStatus::kRevoked: return "revoked";
  }
  return "unknown";
}

std::optional<AuthorityKind> parse_authority_kind(std::string_view text) {
  if (text == "root") return AuthorityKind::kRoot;
  if (text == "issuing") return AuthorityKind::kIssuing;
  return std::nullopt;
}

std::optional<AuthorityStatus> parse_authority_status(std::string_view text) {
  for (auto status : {AuthorityStatus::kPending, AuthorityStatus::kActive, AuthorityStatus::kPaused,
                      AuthorityStatus::kRevoked}) {
    if (authority_status_name(status) == text) return status;
  }
  return std::nullopt;
}

std::string_view enrollment_status_name(EnrollmentStatus status) {
  return status == EnrollmentStatus::kPending ? "pending" : "used";
}

std::string_view challenge_status_name(ChallengeStatus status) {
  switch (status) {
    case ChallengeStatus::kOpen: return "open";
    case ChallengeStatus::kUsed: return "used";
    case ChallengeStatus::kVoid: return "void";
  }
  return "unknown";
}

std::string_view api_role_name(ApiRole role) {
  switch (role) {
    case ApiRole::kAdmin: return "admin";
    case ApiRole::kEnroller: return "enroller";
    case ApiRole::kAuditor: return "auditor";
    case ApiRole::kViewer: return "viewer";
  }
  return "unknown";
}

std::optional<ApiRole> parse_api_role(std::string_view name) {
  for (ApiRole role : {ApiRole::kAdmin, ApiRole::kEnroller, ApiRole::kAuditor, ApiRole::kViewer}) {
    if (api_role_name(role) == name) return role;
  }
  return std::nullopt;
}

std::string_view certificate_status_name(CertificateStatus status) {
  return status == CertificateStatus::kValid ? "valid" : "revoked";
}

}  // namespace nimbus::store
