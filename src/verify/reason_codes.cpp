#include "verify/reason_codes.h"

namespace nimbus::verify {

namespace {

constexpr ReasonCodeInfo kReasonCodes[] = {
#define NIMBUS_NPS_REASON_ROW(name, code, error, hresult, text, client, why) {code, error, hresult, text, client, why},
    NIMBUS_NPS_REASON_CODES(NIMBUS_NPS_REASON_ROW)
#undef NIMBUS_NPS_REASON_ROW
};

}  // namespace

const ReasonCodeInfo& reason_code_info(ReasonCode reason) { return kReasonCodes[static_cast<int>(reason)]; }

std::string_view client_error_name(int client_error) {
  switch (client_error) {
    case 853: return "ERROR_EAP_USER_CERT_INVALID";
    case 854: return "ERROR_EAP_USER_CERT_EXPIRED";
    case 855: return "ERROR_EAP_USER_CERT_REVOKED";
    case 856: return "ERROR_EAP_USER_CERT_OTHER_ERROR";
    case 861: return "ERROR_EAP_USER_ROOT_CERT_NOT_FOUND";
    default: return "";
  }
}

}  // namespace nimbus::verify
