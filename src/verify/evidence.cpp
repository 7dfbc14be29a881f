#include "verify/evidence.h"

namespace nimbus::verify {

std::string_view problem_code_name(ProblemCode code) {
  switch (code) {
#define NIMBUS_PROBLEM_NAME(code, name) \
  case ProblemCode::code:               \
    return name;
    NIMBUS_CHAIN_PROBLEMS(NIMBUS_PROBLEM_NAME)
#undef NIMBUS_PROBLEM_NAME
  }
  return "other";
}

std::string_view fetch_purpose_name(FetchPurpose purpose) {
  switch (purpose) {
    case FetchPurpose::kCaIssuers: return "ca_issuers";
    case FetchPurpose::kCrl: return "crl";
    case FetchPurpose::kDeltaCrl: return "delta_crl";
    case FetchPurpose::kOcsp: return "ocsp";
  }
  return "crl";
}

std::string_view fetch_outcome_name(FetchOutcome outcome) {
  switch (outcome) {
    case FetchOutcome::kOk: return "ok";
    case FetchOutcome::kCached: return "cached";
    case FetchOutcome::kHttpError: return "http_error";
    case FetchOutcome::kTimeout: return "timeout";
    case FetchOutcome::kUnreachable: return "unreachable";
    case FetchOutcome::kBadData: return "bad_data";
    case FetchOutcome::kRejected: return "rejected";
    case FetchOutcome::kNotFetched: return "not_fetched";
  }
  return "not_fetched";
}

std::string_view revocation_status_name(RevocationStatus status) {
  switch (status) {
    case RevocationStatus::kGood: return "good";
    case RevocationStatus::kRevoked: return "revoked";
    case RevocationStatus::kNoInformation: return "no_information";
    case RevocationStatus::kOffline: return "offline";
    case RevocationStatus::kNotChecked: return "not_checked";
  }
  return "not_checked";
}

std::string_view revocation_method_name(RevocationMethod method) {
  switch (method) {
    case RevocationMethod::kNone: return "";
    case RevocationMethod::kOcsp: return "ocsp";
    case RevocationMethod::kCrl: return "crl";
  }
  return "";
}

std::string_view element_source_name(ElementSource source) {
  switch (source) {
    case ElementSource::kInput: return "input";
    case ElementSource::kUntrusted: return "untrusted";
    case ElementSource::kAia: return "aia";
    case ElementSource::kTrust: return "trust";
  }
  return "input";
}

}  // namespace nimbus::verify
