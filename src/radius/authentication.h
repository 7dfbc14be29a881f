// One EAP-TLS authentication against a RADIUS server, as a NAS and its supplicant together would
// run it: EAP-Response/Identity, the method's round trips carried in Access-Requests with the
// server's State, and the server's decision with the keys it hands the NAS.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "radius/client.h"
#include "radius/eap_tls.h"
#include "x509/tls_session.h"

namespace nimbus::radius {

struct AuthenticationOptions {
  std::string identity;                      // User-Name and the EAP identity
  std::string nas_identifier = "nimbus-radius-test";
  std::string calling_station_id = "02-00-00-00-00-01";
  EapTlsLimits limits;
  // A session of an earlier authentication to offer for resumption.
  std::optional<x509::TlsResumableSession> resume;
};

struct AuthenticationOutcome {
  Code decision = Code::kAccessReject;  // Access-Accept or Access-Reject
  Packet final_answer;
  int round_trips = 0;
  std::optional<x509::TlsVersion> tls_version;
  std::vector<x509::Certificate> server_chain;
  // Why our side gave up, when it did (the server then had the last word, or none).
  std::string method_failure;
  // On an Access-Accept: whether MS-MPPE-Recv-Key and -Send-Key hold the MSK this side derived
  // (RFC 5216 §2.3: Recv-Key its first 32 octets, Send-Key the next 32); empty when the answer has
  // none.
  std::optional<bool> keys_match;
  std::chrono::milliseconds elapsed{0};
  std::chrono::microseconds elapsed_precise{0};
  // Whether the server resumed the session offered, and the session to offer next time.
  bool resumed = false;
  std::optional<x509::TlsResumableSession> resumable;
};

// Runs the authentication. Errors are only those of the exchange itself (no authentic answer, an
// answer that is no RADIUS answer to an Access-Request); a refusal is an outcome.
Result<AuthenticationOutcome> authenticate_eap_tls(RadiusClient& client, const x509::TlsContext& context,
                                                  const AuthenticationOptions& options);

}  // namespace nimbus::radius
