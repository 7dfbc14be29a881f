#include "x509/revocation_reason.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

namespace nimbus::x509 {

namespace {
struct ReasonName {
  RevocationReason reason;
  std::string_view name;
};
constexpr ReasonName kReasons[] = {
    {RevocationReason::kUnspecified, "unspecified"},
    {RevocationReason::kKeyCompromise, "keyCompromise"},
    {RevocationReason::kCaCompromise, "cACompromise"},
    {RevocationReason::kAffiliationChanged, "affiliationChanged"},
    {RevocationReason::kSuperseded, "superseded"},
    {RevocationReason::kCessationOfOperation, "cessationOfOperation"},
    {RevocationReason::kCertificateHold, "certificateHold"},
    {RevocationReason::kPrivilegeWithdrawn, "privilegeWithdrawn"},
    {RevocationReason::kAaCompromise, "aACompromise"},
};

bool equal_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}
}  // namespace

std::string_view revocation_reason_name(RevocationReason reason) {
  for (const ReasonName& entry : kReasons) {
    if (entry.reason == reason) return entry.name;
  }
  return "unspecified";
}

Result<RevocationReason> parse_revocation_reason(std::string_view text) {
  for (const ReasonName& entry : kReasons) {
    if (equal_ignoring_case(entry.name, text)) return entry.reason;
  }
  std::string accepted;
  for (const ReasonName& entry : kReasons) {
    if (!accepted.empty()) accepted += ", ";
    accepted += entry.name;
  }
  return Error(ErrorCode::kInvalidArgument,
               fmt::format("unknown revocation reason '{}'; use one of {}", text, accepted));
}

Result<RevocationReason> revocation_reason_from_code(int code) {
  for (const ReasonName& entry : kReasons) {
    if (static_cast<int>(entry.reason) == code) return entry.reason;
  }
  return Error(ErrorCode::kMalformed, fmt::format("{} is not a CRLReason code", code));
}

}  // namespace nimbus::x509
