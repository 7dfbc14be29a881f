// Many EAP-TLS authentications against one RADIUS server from parallel clients — the load
// generator of `nimbus radius test --count N --parallel K` and of bench/radius. Each client has its
// own UDP socket (its own source port, as separate NASes or NAS threads would) and runs one
// conversation at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"
#include "radius/authentication.h"
#include "radius/client.h"
#include "x509/tls_session.h"

namespace nimbus::cli {

struct LoadOptions {
  int count = 1;     // authentications in all
  int parallel = 1;  // clients at once
  bool resume = false;  // after its first, each client offers the session of its previous one
  radius::ClientOptions client;
  radius::AuthenticationOptions authentication;
};

struct LoadReport {
  int accepted = 0;   // Access-Accept with matching MS-MPPE keys
  int refused = 0;    // Access-Reject, or keys that do not match
  int errors = 0;     // no authentic answer
  int resumed = 0;    // of the accepted, how many resumed their session
  std::string first_error;
  std::chrono::microseconds wall{0};
  std::vector<std::chrono::microseconds> latencies;  // sorted, one per answered authentication

  double per_second() const;
  // The latency below which `fraction` of the authentications finished (0.5, 0.99).
  std::chrono::microseconds percentile(double fraction) const;
};

Result<LoadReport> run_load(const radius::Endpoint& server, const Bytes& secret, const x509::TlsContext& context,
                            const LoadOptions& options);

}  // namespace nimbus::cli
