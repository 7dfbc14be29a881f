#include "radius/eap.h"

#include <algorithm>
#include <cassert>
#include <utility>

#include <fmt/format.h>

namespace nimbus::radius {

namespace {

constexpr std::size_t kEapHeaderSize = 4;

Error malformed(std::string why) { return Error(ErrorCode::kMalformed, std::move(why)); }

}  // namespace

Result<EapPacket> decode_eap(ByteView message) {
  if (message.size() < kEapHeaderSize) {
    return malformed(fmt::format("an EAP packet has at least 4 octets; the EAP-Message holds {}", message.size()));
  }
  std::size_t length = (std::size_t{message[2]} << 8) | message[3];
  if (length != message.size()) {
    return malformed(fmt::format("the EAP Length is {}, but the EAP-Message holds {} octets", length, message.size()));
  }
  EapPacket packet;
  packet.code = static_cast<EapCode>(message[0]);
  packet.identifier = message[1];
  switch (packet.code) {
    case EapCode::kRequest:
    case EapCode::kResponse:
      if (length == kEapHeaderSize) return malformed("an EAP Request or Response without a Type");
      packet.type = message[4];
      packet.data.assign(message.begin() + 5, message.end());
      return packet;
    case EapCode::kSuccess:
    case EapCode::kFailure:
      if (length != kEapHeaderSize) return malformed("an EAP Success or Failure with data");
      return packet;
  }
  return malformed(fmt::format("EAP code {} is none of Request, Response, Success, Failure", message[0]));
}

Bytes encode_eap(const EapPacket& packet) {
  std::size_t length = kEapHeaderSize + (packet.type ? 1 + packet.data.size() : 0);
  Bytes wire = {static_cast<std::uint8_t>(packet.code), packet.identifier, static_cast<std::uint8_t>(length >> 8),
                static_cast<std::uint8_t>(length)};
  if (packet.type) {
    wire.push_back(*packet.type);
    wire.insert(wire.end(), packet.data.begin(), packet.data.end());
  }
  return wire;
}

Result<TlsFragment> decode_tls_fragment(ByteView data) {
  if (data.empty()) return malformed("an EAP-TLS packet without its flags octet");
  TlsFragment fragment;
  fragment.flags = data[0];
  std::size_t at = 1;
  if (fragment.flags & tls_flag::kLengthIncluded) {
    if (data.size() < 5) return malformed("the EAP-TLS L flag is set, but the four octets of length are missing");
    fragment.message_length = (std::uint32_t{data[1]} << 24) | (std::uint32_t{data[2]} << 16) |
                              (std::uint32_t{data[3]} << 8) | data[4];
    at = 5;
  }
  fragment.records.assign(data.begin() + static_cast<std::ptrdiff_t>(at), data.end());
  return fragment;
}

Bytes encode_tls_fragment(const TlsFragment& fragment) {
  // The L flag follows from whether a length is given, so that no packet claims a length it lacks.
  std::uint8_t flags = fragment.flags & ~tls_flag::kLengthIncluded;
  Bytes data = {static_cast<std::uint8_t>(flags | (fragment.message_length ? tls_flag::kLengthIncluded : 0))};
  if (fragment.message_length) {
    for (int shift : {24, 16, 8, 0}) data.push_back(static_cast<std::uint8_t>(*fragment.message_length >> shift));
  }
  data.insert(data.end(), fragment.records.begin(), fragment.records.end());
  return data;
}

Result<bool> TlsReassembly::add(const TlsFragment& fragment) {
  auto fail = [this](Error error) -> Result<bool> {
    declared_.reset();
    flight_.clear();
    return error;
  };
  if (fragment.message_length) {
    if (declared_ && *declared_ != *fragment.message_length) {
      return fail(malformed(fmt::format("an EAP-TLS fragment declares {} octets, an earlier one {}",
                                        *fragment.message_length, *declared_)));
    }
    if (*fragment.message_length > limit_) {
      return fail(Error(ErrorCode::kPolicyViolation,
                        fmt::format("the peer declares a TLS flight of {} octets; at most {} are accepted",
                                    *fragment.message_length, limit_)));
    }
    declared_ = fragment.message_length;
  }
  if (fragment.records.size() > limit_ - flight_.size()) {
    return fail(Error(ErrorCode::kPolicyViolation,
                      fmt::format("the peer's TLS flight exceeds {} octets", limit_)));
  }
  flight_.insert(flight_.end(), fragment.records.begin(), fragment.records.end());
  if (declared_ && flight_.size() > *declared_) {
    return fail(malformed(fmt::format("the peer sent more than the {} octets its TLS flight declared", *declared_)));
  }
  if (fragment.more()) return false;
  if (declared_ && flight_.size() != *declared_) {
    return fail(malformed(fmt::format("the peer's TLS flight ended at {} of the {} octets it declared",
                                      flight_.size(), *declared_)));
  }
  return true;
}

Bytes TlsReassembly::take() {
  declared_.reset();
  return std::exchange(flight_, Bytes());
}

std::vector<TlsFragment> fragment_flight(ByteView flight, std::size_t fragment_size) {
  assert(fragment_size > 0);
  std::vector<TlsFragment> fragments;
  bool several = flight.size() > fragment_size;
  for (std::size_t at = 0; at < flight.size() || fragments.empty(); at += fragment_size) {
    TlsFragment fragment;
    std::size_t size = std::min(fragment_size, flight.size() - at);
    fragment.records.assign(flight.begin() + static_cast<std::ptrdiff_t>(at),
                            flight.begin() + static_cast<std::ptrdiff_t>(at + size));
    if (several && at == 0) {
      fragment.flags |= tls_flag::kLengthIncluded;
      fragment.message_length = static_cast<std::uint32_t>(flight.size());
    }
    if (at + size < flight.size()) fragment.flags |= tls_flag::kMoreFragments;
    fragments.push_back(std::move(fragment));
  }
  return fragments;
}

}  // namespace nimbus::radius
