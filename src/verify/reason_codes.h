// The reason codes a Windows Network Policy Server logs when it denies an EAP-TLS client (event
// 6273), and the error the Windows client then shows. Nimbus explains every denial with one of
// these so that an administrator can match what `nimbus verify` or the Nimbus RADIUS server says
// against what NPS said.
//
// The codes of the server's own decisions (22, 48, 65) have no HRESULT: 0 in that column.
//
// Where Windows could report one failure with two codes (one from the TLS layer, SEC_E_*; one
// from chain policy, CERT_E_* / CRYPT_E_*), the table says which one Nimbus uses and why.
//
// Sources:
//  - Microsoft Learn, "NPS reason codes" (Network Policy Server event 6273 reason codes).
//  - winerror.h: the HRESULT values and their message texts.
//  - RasError.h (microsoft/win32metadata): the client's error numbers (ERROR_EAP_USER_CERT_*).
//  - Microsoft Learn, "NPS Reason Codes 0 Through 37" (dd197464) and "38 Through 257" (dd197521):
//    22, 48 and 65, the codes of the RADIUS server's own decisions rather than of the chain.
#pragma once

#include <string_view>

namespace nimbus::verify {

// Columns: enumerator, NPS reason code, Windows error name, HRESULT, the text NPS logs, the
// client error the Windows VPN client reports, and why this code was chosen for the failure.
#define NIMBUS_NPS_REASON_CODES(X)                                                                   \
  X(kAccepted, 0, "", 0x00000000u, "The connection was accepted.", 0, "")                           \
  X(kEapTypeNotProcessable, 22, "ERROR_PROTOCOL_NOT_CONFIGURED", 0x00000000u,                       \
    "The client could not be authenticated because the Extensible Authentication Protocol (EAP) type " \
    "cannot be processed by the server.",                                                          \
    0, "the peer refused EAP-TLS, or its TLS handshake failed before it proved a certificate")       \
  X(kNoMatchingPolicy, 48, "", 0x00000000u,                                                          \
    "The connection request did not match a configured network policy, so the connection request "    \
    "was denied by Network Policy Server.",                                                         \
    0, "the chain is valid, but no network policy's conditions match the request")                   \
  X(kPolicyDenied, 65, "", 0x00000000u,                                                              \
    "The connection attempt failed because remote access permission for the user account was "        \
    "denied.",                                                                                       \
    0, "what NPS logs when the matching network policy is set to deny access")                       \
  X(kRevoked, 256, "CRYPT_E_REVOKED", 0x80092010u, "The certificate is revoked.", 855,               \
    "revocation results come from CryptoAPI's revocation check, like 258 and 259")                   \
  X(kNoRevocationCheck, 258, "CRYPT_E_NO_REVOCATION_CHECK", 0x80092012u,                             \
    "The revocation function was unable to check revocation for the certificate.", 853,              \
    "an element has no CRL distribution point and no OCSP URL")                                     \
  X(kRevocationOffline, 259, "CRYPT_E_REVOCATION_OFFLINE", 0x80092013u,                              \
    "The revocation function was unable to check revocation because the revocation server was "      \
    "offline.",                                                                                     \
    853, "URLs are present but none gave a usable answer")                                          \
  X(kUntrustedRoot, 265, "SEC_E_UNTRUSTED_ROOT", 0x80090325u,                                       \
    "The certificate chain was issued by an authority that is not trusted.", 853,                    \
    "the TLS-layer code is the one field reports show for an untrusted root")                       \
  X(kIllegalMessage, 266, "SEC_E_ILLEGAL_MESSAGE", 0x80090326u,                                     \
    "The message received was unexpected or badly formatted.", 853,                                  \
    "Schannel's answer to a certificate it cannot accept for a reason without a code of its own "    \
    "(a bad signature, a broken constraint)")                                                       \
  X(kCertExpired, 268, "SEC_E_CERT_EXPIRED", 0x80090328u, "The received certificate has expired.",   \
    854, "the TLS layer reports a certificate outside its validity period before chain policy runs") \
  X(kNoClientAuthPurpose, 283, "CERT_E_PURPOSE", 0x800B0106u,                                       \
    "The certificate provided by the connecting user or computer does not contain the Client "        \
    "Authentication purpose in the application policies extension.",                                 \
    853, "NPS's own EAP-TLS check of the end entity's EKU")                                          \
  X(kDoesNotChain, 287, "CERT_E_CHAINING", 0x800B010Au,                                             \
    "The certificate provided by the connecting user or computer does not chain to an enterprise "    \
    "root CA that NPS trusts.",                                                                       \
    853, "an issuer could not be found, locally or through AIA")

enum class ReasonCode {
#define NIMBUS_NPS_REASON_ENUM(name, code, error, hresult, text, client, why) name,
  NIMBUS_NPS_REASON_CODES(NIMBUS_NPS_REASON_ENUM)
#undef NIMBUS_NPS_REASON_ENUM
};

// One row of the table.
struct ReasonCodeInfo {
  int nps_code;                   // 258
  std::string_view windows_error;  // "CRYPT_E_NO_REVOCATION_CHECK"; empty for kAccepted
  unsigned hresult;               // 0x80092012
  std::string_view text;          // what NPS logs
  int client_error;               // 853; 0 for kAccepted
  std::string_view why;           // why Nimbus reports this code for this failure
};

const ReasonCodeInfo& reason_code_info(ReasonCode reason);

// The name RasError.h gives a client error: "ERROR_EAP_USER_CERT_INVALID" for 853.
std::string_view client_error_name(int client_error);

}  // namespace nimbus::verify
