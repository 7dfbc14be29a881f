// The record of every RADIUS decision, as NPS keeps it in its security log: event 6272 when access
// is granted, 6273 when it is denied, each with the reason code. One JSON object per line in the
// decision log (radius.decision_log), and the same facts as one line of the normal log.
//
// Thread-safety: write() may be called from any thread; lines are never interleaved.
#pragma once

#include <cstdio>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>

#include "core/result.h"
#include "core/time.h"
#include "verify/reason_codes.h"

namespace nimbus::radius {

inline constexpr int kEventGranted = 6272;
inline constexpr int kEventDenied = 6273;

struct DecisionEvent {
  Timestamp at;
  bool granted = false;
  verify::ReasonCode reason = verify::ReasonCode::kAccepted;
  std::string user;         // the EAP identity the client gave
  std::string user_name;    // the identity its certificate proves; empty when it proved none
  std::string subject;      // of the client certificate
  std::string issuer;
  std::string serial;       // hex
  std::string thumbprint;   // SHA-1 hex, as Windows shows it
  std::string nas;          // the NAS client's name
  std::string nas_address;
  std::string nas_identifier;
  std::string calling_station;
  std::string called_station;
  std::string policy;
  std::string eap_type = "EAP-TLS";
  std::string tls_version;  // "TLS 1.3"
  bool resumed = false;     // a resumed TLS session (a short handshake)
  std::string explanation;
  std::string fix;
  long long duration_ms = 0;
};

// The event as one JSON object, without a newline.
std::string decision_json(const DecisionEvent& event);

class DecisionLog {
 public:
  // Opens `path` for appending (created with mode 0640).
  static Result<std::unique_ptr<DecisionLog>> open(const std::filesystem::path& path);
  ~DecisionLog();
  DecisionLog(const DecisionLog&) = delete;
  DecisionLog& operator=(const DecisionLog&) = delete;

  void write(const DecisionEvent& event);

 private:
  explicit DecisionLog(int fd) : fd_(fd) {}
  std::mutex mutex_;
  int fd_;
};

}  // namespace nimbus::radius
