// OCSP responses made by OpenSSL's responder functions (OCSP_basic_sign and its kin): the peer
// that Nimbus's own OCSP parsing and checking are tested against.
#pragma once

#include <openssl/ocsp.h>

#include <optional>

#include "core/bytes.h"
#include "core/time.h"
#include "testing/test_support.h"
#include "x509/certificate.h"

namespace nimbus::testing {

// What a responder says about one certificate, and how it signs the answer.
struct OpenSslOcspAnswer {
  const x509::Certificate* subject = nullptr;
  const x509::Certificate* issuer = nullptr;  // of the subject, for the CertID (SHA-1)
  int status = V_OCSP_CERTSTATUS_GOOD;
  int reason = OCSP_REVOKED_STATUS_NOSTATUS;
  Timestamp revoked_at;
  Timestamp this_update;
  std::optional<Timestamp> next_update;
  const TestCa* signer = nullptr;
  // OCSP_basic_sign's flags: by default the responder is named by its subject and its certificate
  // is included.
  unsigned long flags = 0;
  std::optional<Bytes> nonce;
  bool pss = false;  // RSA-PSS rather than the signer key's usual scheme

  // A good answer about `subject`, current at `now`: thisUpdate an hour before, nextUpdate two
  // days after (and, should a test make it revoked, revoked three days before).
  static OpenSslOcspAnswer about(const x509::Certificate& subject, const x509::Certificate& issuer,
                                 const TestCa& signer, Timestamp now);
};

// A successful response carrying `answer`, in DER. Throws when OpenSSL refuses to make it.
Bytes openssl_ocsp_response(const OpenSslOcspAnswer& answer);

// An unsuccessful response that carries only its status (OCSP_RESPONSE_STATUS_TRYLATER...), in DER.
Bytes openssl_ocsp_error_response(int status);

}  // namespace nimbus::testing
