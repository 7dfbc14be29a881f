// EAP packets (RFC 3748 §4) and the EAP-TLS framing inside them (RFC 5216 §3.1): what travels in
// the EAP-Message attributes of a RADIUS conversation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "core/bytes.h"
#include "core/result.h"

namespace nimbus::radius {

enum class EapCode : std::uint8_t { kRequest = 1, kResponse = 2, kSuccess = 3, kFailure = 4 };

namespace eap_type {
inline constexpr std::uint8_t kIdentity = 1;
inline constexpr std::uint8_t kNotification = 2;
inline constexpr std::uint8_t kNak = 3;  // legacy Nak: the types the peer would rather use
inline constexpr std::uint8_t kTls = 13;
}  // namespace eap_type

struct EapPacket {
  EapCode code = EapCode::kRequest;
  std::uint8_t identifier = 0;
  // Request and Response only: the method, and what follows it.
  std::optional<std::uint8_t> type;
  Bytes data;

  bool operator==(const EapPacket&) const = default;
};

// Reads the EAP packet that the joined EAP-Message attributes hold. The Length field must equal
// what arrived (RFC 3579 §3.1 carries exactly one packet); a Request or Response must name a type;
// Success and Failure are 4 octets. kMalformed otherwise, with what was wrong.
Result<EapPacket> decode_eap(ByteView message);

Bytes encode_eap(const EapPacket& packet);

// EAP-TLS flags (RFC 5216 §3.1).
namespace tls_flag {
inline constexpr std::uint8_t kLengthIncluded = 0x80;
inline constexpr std::uint8_t kMoreFragments = 0x40;
inline constexpr std::uint8_t kStart = 0x20;
}  // namespace tls_flag

// The data of an EAP-TLS packet: flags, the TLS Message Length when the L flag is set, and a
// fragment of TLS records.
struct TlsFragment {
  std::uint8_t flags = 0;
  std::optional<std::uint32_t> message_length;
  Bytes records;

  bool more() const { return (flags & tls_flag::kMoreFragments) != 0; }
  bool start() const { return (flags & tls_flag::kStart) != 0; }
  // An empty fragment without flags: how each side acknowledges a fragment of the other's.
  bool acknowledgement() const { return flags == 0 && records.empty(); }

  bool operator==(const TlsFragment&) const = default;
};

// Reads an EAP-TLS packet's data. kMalformed when it is empty, or the L flag is set without the
// four octets of length.
Result<TlsFragment> decode_tls_fragment(ByteView data);
Bytes encode_tls_fragment(const TlsFragment& fragment);

// Joins the fragments of one TLS flight as they arrive, within a bound on the whole (RFC 5216
// §3.1 leaves it to the implementation; a peer that claims or sends more is refused rather than
// held in memory).
class TlsReassembly {
 public:
  explicit TlsReassembly(std::size_t limit) : limit_(limit) {}

  // Adds a fragment. Returns true when the flight is whole (its last fragment had no M flag), then
  // take() gives it. kMalformed when a fragment's declared length differs from an earlier one, or
  // the whole differs from what was declared; kPolicyViolation when the flight, declared or
  // received, would exceed the limit. After an error the reassembly is empty.
  Result<bool> add(const TlsFragment& fragment);
  // The whole flight; the reassembly is empty again afterwards.
  Bytes take();
  std::size_t size() const { return flight_.size(); }

 private:
  std::size_t limit_;
  std::optional<std::uint32_t> declared_;
  Bytes flight_;
};

// Cuts `flight` into EAP-TLS fragments of at most `fragment_size` octets of records each: the
// first with the L flag and the flight's length when it needs more than one, every one but the last
// with the M flag. A flight that fits in one fragment goes without the L flag.
std::vector<TlsFragment> fragment_flight(ByteView flight, std::size_t fragment_size);

}  // namespace nimbus::radius
