// The EAP-TLS method (RFC 5216; TLS 1.3 as RFC 9190 amends it): a TLS handshake carried in EAP
// Requests and Responses, one flight at a time, each cut into fragments that the other side
// acknowledges. The server side is what Nimbus answers NASes with; the peer side is what its own
// test client (`nimbus radius test`) and the tests speak.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "core/result.h"
#include "radius/eap.h"
#include "x509/tls_session.h"

namespace nimbus::radius {

struct EapTlsLimits {
  std::size_t fragment_size = 1000;       // octets of TLS records per EAP packet we send
  std::size_t flight_limit = 64 * 1024;   // octets of one TLS flight we accept from the other side
};

// What the conversation asks of its caller next.
struct EapTlsStep {
  enum class Kind {
    kSend,      // send `packet` and wait for the answer
    kComplete,  // the handshake is done: the server decides (Success or Failure), the peer is done
    kFailed,    // the method failed; `reason` says why
  };
  Kind kind = Kind::kSend;
  std::optional<EapPacket> packet;
  std::string reason;
};

// The Master Session Key of a finished EAP-TLS conversation: the first 64 octets of the key
// material (RFC 5216 §2.3; RFC 9190 §2.3 for TLS 1.3).
Result<Bytes> eap_tls_msk(const x509::TlsSession& session);

// One server side of one conversation. Not thread-safe.
class EapTlsServer {
 public:
  EapTlsServer(const x509::TlsContext& context, EapTlsLimits limits);

  // The EAP-Request/TLS-Start that opens the method.
  EapPacket start(std::uint8_t identifier);
  // Takes the peer's answer to the last Request. A Response whose identifier is not the last
  // Request's is kInvalidArgument (the caller discards it, RFC 3748 §4.1); everything else is a step.
  Result<EapTlsStep> receive(const EapPacket& response);

  const x509::TlsSession& session() const { return session_; }
  // The client was admitted: it may resume this session (TlsSession::retain_for_resumption).
  void retain_for_resumption() { session_.retain_for_resumption(); }

 private:
  EapTlsStep send_next_fragment();
  EapTlsStep request(Bytes data);

  x509::TlsSession session_;
  EapTlsLimits limits_;
  TlsReassembly reassembly_;
  std::deque<TlsFragment> outgoing_;
  std::uint8_t identifier_ = 0;
  bool committed_ = false;  // TLS 1.3: the commitment message is on its way
};

// The peer side. Not thread-safe.
class EapTlsPeer {
 public:
  // `resume`: a session of an earlier conversation to offer (RFC 5216 §2.1.2, RFC 9190 §2.1.2).
  EapTlsPeer(const x509::TlsContext& context, EapTlsLimits limits, const x509::TlsResumableSession* resume = nullptr);

  // Takes the server's Request (the Start first); kSend answers it. Once finished(), the answer
  // was an acknowledgement and the server's Success or Failure comes next. A packet that is not an
  // EAP-TLS Request is kInvalidArgument.
  Result<EapTlsStep> receive(const EapPacket& request);

  // The handshake is done, and under TLS 1.3 the server's commitment message has arrived.
  bool finished() const;
  const x509::TlsSession& session() const { return session_; }

 private:
  EapTlsStep respond(std::uint8_t identifier, Bytes data);
  EapTlsStep send_next_fragment(std::uint8_t identifier);

  x509::TlsSession session_;
  EapTlsLimits limits_;
  TlsReassembly reassembly_;
  std::deque<TlsFragment> outgoing_;
  bool started_ = false;
  bool committed_ = false;  // TLS 1.3: the server's commitment message has arrived
};

}  // namespace nimbus::radius
