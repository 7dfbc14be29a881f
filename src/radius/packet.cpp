#include "radius/packet.h"

#include <algorithm>
#include <cassert>

#include <fmt/format.h>

namespace nimbus::radius {

std::string code_name(Code code) {
  switch (code) {
    case Code::kAccessRequest: return "Access-Request";
    case Code::kAccessAccept: return "Access-Accept";
    case Code::kAccessReject: return "Access-Reject";
    case Code::kAccountingRequest: return "Accounting-Request";
    case Code::kAccountingResponse: return "Accounting-Response";
    case Code::kAccessChallenge: return "Access-Challenge";
    case Code::kStatusServer: return "Status-Server";
  }
  return fmt::format("code {}", static_cast<unsigned>(code));
}

std::string Packet::text(std::uint8_t type) const {
  const Attribute* attribute = find(type);
  return attribute ? std::string(attribute->value.begin(), attribute->value.end()) : std::string();
}

void copy_proxy_state(const Packet& request, Packet& response) {
  for (const Attribute& each : request.attributes) {
    if (each.type == attribute::kProxyState) response.attributes.push_back(each);
  }
}

const Attribute* Packet::find(std::uint8_t type) const {
  auto found = std::find_if(attributes.begin(), attributes.end(), [type](const Attribute& a) { return a.type == type; });
  return found == attributes.end() ? nullptr : &*found;
}

std::size_t Packet::count(std::uint8_t type) const {
  return static_cast<std::size_t>(
      std::count_if(attributes.begin(), attributes.end(), [type](const Attribute& a) { return a.type == type; }));
}

Bytes Packet::joined(std::uint8_t type) const {
  Bytes value;
  for (const auto& a : attributes) {
    if (a.type == type) value.insert(value.end(), a.value.begin(), a.value.end());
  }
  return value;
}

void Packet::add(std::uint8_t type, ByteView value) {
  assert(!value.empty() && value.size() <= kMaxAttributeValueSize);
  attributes.push_back(Attribute{type, Bytes(value.begin(), value.end())});
}

void Packet::add_split(std::uint8_t type, ByteView value) {
  for (std::size_t at = 0; at < value.size(); at += kMaxAttributeValueSize) {
    add(type, value.subspan(at, std::min(kMaxAttributeValueSize, value.size() - at)));
  }
}

std::size_t Packet::encoded_size() const {
  std::size_t size = kHeaderSize;
  for (const auto& a : attributes) size += 2 + a.value.size();
  return size;
}

Result<Packet> decode_packet(ByteView datagram) {
  if (datagram.size() < kHeaderSize) {
    return Error(ErrorCode::kMalformed,
                 fmt::format("a RADIUS packet has at least 20 octets; this datagram has {}", datagram.size()));
  }
  std::size_t length = (std::size_t{datagram[2]} << 8) | datagram[3];
  if (length < kHeaderSize || length > kMaxPacketSize) {
    return Error(ErrorCode::kMalformed, fmt::format("Length {} is outside 20 to 4096", length));
  }
  if (length > datagram.size()) {
    return Error(ErrorCode::kMalformed,
                 fmt::format("Length {} exceeds the {} octets received", length, datagram.size()));
  }
  Packet packet;
  packet.code = static_cast<Code>(datagram[0]);
  packet.identifier = datagram[1];
  std::copy_n(datagram.begin() + 4, packet.authenticator.size(), packet.authenticator.begin());
  for (std::size_t at = kHeaderSize; at < length;) {
    if (length - at < 2) {
      return Error(ErrorCode::kMalformed, fmt::format("the attribute at octet {} has no length", at));
    }
    std::uint8_t type = datagram[at];
    std::size_t size = datagram[at + 1];
    // RFC 2865 §5: every attribute's value holds at least one octet.
    if (size < 3) {
      return Error(ErrorCode::kMalformed,
                   fmt::format("attribute {} at octet {} has length {}; the least is 3", type, at, size));
    }
    if (size > length - at) {
      return Error(ErrorCode::kMalformed,
                   fmt::format("attribute {} at octet {} runs {} octets past the packet's end", type, at,
                               size - (length - at)));
    }
    packet.attributes.push_back(Attribute{type, Bytes(datagram.begin() + at + 2, datagram.begin() + at + size)});
    at += size;
  }
  return packet;
}

Result<Bytes> encode_packet(const Packet& packet) {
  std::size_t length = packet.encoded_size();
  if (length > kMaxPacketSize) {
    return Error(ErrorCode::kInvalidArgument,
                 fmt::format("the {} would take {} octets; RADIUS allows 4096", code_name(packet.code), length));
  }
  Bytes wire;
  wire.reserve(length);
  wire.push_back(static_cast<std::uint8_t>(packet.code));
  wire.push_back(packet.identifier);
  wire.push_back(static_cast<std::uint8_t>(length >> 8));
  wire.push_back(static_cast<std::uint8_t>(length));
  wire.insert(wire.end(), packet.authenticator.begin(), packet.authenticator.end());
  for (const auto& a : packet.attributes) {
    assert(!a.value.empty() && a.value.size() <= kMaxAttributeValueSize);
    wire.push_back(a.type);
    wire.push_back(static_cast<std::uint8_t>(2 + a.value.size()));
    wire.insert(wire.end(), a.value.begin(), a.value.end());
  }
  return wire;
}

}  // namespace nimbus::radius
