// RADIUS packets (RFC 2865 §3, §5): their structure, read from and written to datagrams. Whether a
// packet is authentic is the concern of radius/integrity.h.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "core/result.h"

namespace nimbus::radius {

enum class Code : std::uint8_t {
  kAccessRequest = 1,
  kAccessAccept = 2,
  kAccessReject = 3,
  kAccountingRequest = 4,
  kAccountingResponse = 5,
  kAccessChallenge = 11,
  kStatusServer = 12,  // RFC 5997
};

// "Access-Request", ..., or "code 42" for one this server does not know.
std::string code_name(Code code);

// The attribute types Nimbus reads or writes (IANA "RADIUS Attribute Types").
namespace attribute {
inline constexpr std::uint8_t kUserName = 1;
inline constexpr std::uint8_t kNasIpAddress = 4;
inline constexpr std::uint8_t kNasPort = 5;
inline constexpr std::uint8_t kServiceType = 6;
inline constexpr std::uint8_t kFramedIpAddress = 8;
inline constexpr std::uint8_t kFilterId = 11;
inline constexpr std::uint8_t kFramedMtu = 12;
inline constexpr std::uint8_t kReplyMessage = 18;
inline constexpr std::uint8_t kState = 24;
inline constexpr std::uint8_t kClass = 25;
inline constexpr std::uint8_t kVendorSpecific = 26;
inline constexpr std::uint8_t kSessionTimeout = 27;
inline constexpr std::uint8_t kCalledStationId = 30;
inline constexpr std::uint8_t kCallingStationId = 31;
inline constexpr std::uint8_t kNasIdentifier = 32;
inline constexpr std::uint8_t kProxyState = 33;
inline constexpr std::uint8_t kAcctStatusType = 40;
inline constexpr std::uint8_t kAcctSessionId = 44;
inline constexpr std::uint8_t kNasPortType = 61;
inline constexpr std::uint8_t kTunnelType = 64;
inline constexpr std::uint8_t kTunnelMediumType = 65;
inline constexpr std::uint8_t kEapMessage = 79;            // RFC 3579 §3.1
inline constexpr std::uint8_t kMessageAuthenticator = 80;  // RFC 3579 §3.2
inline constexpr std::uint8_t kTunnelPrivateGroupId = 81;
inline constexpr std::uint8_t kNasIpv6Address = 95;
}  // namespace attribute

inline constexpr std::size_t kHeaderSize = 20;
inline constexpr std::size_t kMaxPacketSize = 4096;
inline constexpr std::size_t kMaxAttributeValueSize = 253;

using Authenticator = std::array<std::uint8_t, 16>;

struct Attribute {
  std::uint8_t type = 0;
  Bytes value;

  bool operator==(const Attribute&) const = default;
};

struct Packet {
  Code code = Code::kAccessRequest;
  std::uint8_t identifier = 0;
  Authenticator authenticator{};
  std::vector<Attribute> attributes;  // in the order of the wire, which matters for some types

  // The first attribute of `type`, or nullptr.
  const Attribute* find(std::uint8_t type) const;
  // The value of the first attribute of `type` as text (User-Name, NAS-Identifier, ...); empty when
  // there is none. Not escaped: what a NAS sends is outside input.
  std::string text(std::uint8_t type) const;
  std::size_t count(std::uint8_t type) const;
  // The values of every attribute of `type` joined in order: how a value longer than one attribute
  // holds travels (EAP-Message, RFC 3579 §3.1).
  Bytes joined(std::uint8_t type) const;

  // Appends one attribute; the value must hold 1 to 253 octets.
  void add(std::uint8_t type, ByteView value);
  // Appends `value` split over as many attributes of `type` as it needs, 253 octets each.
  void add_split(std::uint8_t type, ByteView value);

  // The size of the wire form.
  std::size_t encoded_size() const;

  bool operator==(const Packet&) const = default;
};

// RFC 2865 §5.33: every Proxy-State of `request`, unmodified and in order, appended to `response`.
void copy_proxy_state(const Packet& request, Packet& response);

// Reads one datagram. Octets beyond the Length field are padding and ignored (RFC 2865 §3). A
// datagram shorter than 20 octets or than its Length, a Length under 20 or over 4096, and an
// attribute shorter than 3 octets or running past the Length are kMalformed, with what was wrong
// and where; nothing is read from such a packet.
Result<Packet> decode_packet(ByteView datagram);

// The wire form, with the packet's authenticator as it stands. kInvalidArgument when the packet
// would exceed 4,096 octets.
Result<Bytes> encode_packet(const Packet& packet);

}  // namespace nimbus::radius
