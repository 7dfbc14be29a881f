// AccessHandler: one authentic Access-Request in, the answer out — the EAP conversation over RADIUS
// (RFC 3579) that carries EAP-TLS, ending in a decision.
//
//   Response/Identity, no State      → a new conversation: Access-Challenge with EAP-TLS Start
//   Response/TLS with a known State  → the next step of the handshake: Access-Challenge
//   the handshake done               → the certificate decision: Access-Accept with EAP-Success,
//                                      the MS-MPPE keys, User-Name and the policy's attributes; or
//                                      Access-Reject with EAP-Failure
//   Nak, another type, a failed TLS  → Access-Reject, reason code 22
//   an unknown State                 → Access-Reject
//
// The handler knows nothing of sockets: the UDP listener (and, later, RADIUS over TLS) hands it
// requests whose authenticity it has checked, and seals and sends what it returns.
//
// Thread-safety: handle() may run on many threads at once; a conversation is worked on by one at a
// time (its mutex).
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>

#include <boost/asio/ip/address.hpp>

#include "core/secret.h"
#include "radius/packet.h"
#include "radius/service/certificate_decision.h"
#include "radius/service/conversations.h"
#include "radius/service/decision_log.h"

namespace nimbus::radius {

// The NAS a request came from: the client whose address range holds its source.
struct NasClient {
  std::string name;
  Secret secret;
};

// Counters the service reports as metrics.
struct AccessCounters {
  std::atomic<std::uint64_t> challenges{0};
  std::atomic<std::uint64_t> accepts{0};
  std::atomic<std::uint64_t> rejects{0};
  std::atomic<std::uint64_t> dropped_conversation_full{0};
  std::atomic<std::uint64_t> dropped_malformed_eap{0};
  std::atomic<std::uint64_t> dropped_out_of_order{0};
};

class AccessHandler {
 public:
  // Everything must outlive the handler.
  AccessHandler(const x509::TlsContext& tls, EapTlsLimits limits, ConversationTable& conversations,
                const CertificateDecision& decision, DecisionLog& log, AccessCounters& counters);

  // The response to send, not yet sealed; nullopt to send nothing (each such case is logged and
  // counted). `request` has passed the Message-Authenticator check.
  std::optional<Packet> handle(const NasClient& nas, const boost::asio::ip::address& from, const Packet& request);

 private:
  std::optional<Packet> open_conversation(const NasClient& nas, const Packet& request, const EapPacket& identity);
  std::optional<Packet> continue_conversation(const NasClient& nas, const boost::asio::ip::address& from,
                                              const Packet& request, Conversation& conversation,
                                              const EapPacket& response);
  Packet finish(const NasClient& nas, const boost::asio::ip::address& from, const Packet& request,
                Conversation& conversation, std::uint8_t identifier);
  Packet refuse(const NasClient& nas, const boost::asio::ip::address& from, const Packet& request,
                const std::string& identity, std::optional<std::uint8_t> identifier, verify::ReasonCode reason,
                std::string explanation);

  const x509::TlsContext& tls_;
  EapTlsLimits limits_;
  ConversationTable& conversations_;
  const CertificateDecision& decision_;
  DecisionLog& log_;
  AccessCounters& counters_;
};

}  // namespace nimbus::radius
