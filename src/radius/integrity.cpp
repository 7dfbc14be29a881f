#include "radius/integrity.h"

#include <algorithm>
#include <utility>

#include "crypto/digest.h"

namespace nimbus::radius {

namespace {

constexpr std::size_t kMessageAuthenticatorSize = 16;

Error refused(std::string why) { return Error(ErrorCode::kPermissionDenied, std::move(why)); }

// `packet` with its Message-Authenticator's value zeroed and its authenticator replaced, in wire
// form: what the HMAC covers.
Result<Bytes> hmac_input(Packet packet, const Authenticator& authenticator) {
  packet.authenticator = authenticator;
  for (auto& a : packet.attributes) {
    if (a.type == attribute::kMessageAuthenticator) std::fill(a.value.begin(), a.value.end(), 0);
  }
  return encode_packet(packet);
}

void drop_message_authenticators(Packet& packet) {
  std::erase_if(packet.attributes, [](const Attribute& a) { return a.type == attribute::kMessageAuthenticator; });
}

// Places a zeroed Message-Authenticator first, dropping any other.
void reserve_message_authenticator(Packet& packet) {
  drop_message_authenticators(packet);
  packet.attributes.insert(packet.attributes.begin(),
                           Attribute{attribute::kMessageAuthenticator, Bytes(kMessageAuthenticatorSize, 0)});
}

// The value of the Message-Authenticator reserved first in `wire`.
std::span<std::uint8_t> first_attribute_value(Bytes& wire) {
  return std::span<std::uint8_t>(wire).subspan(kHeaderSize + 2, kMessageAuthenticatorSize);
}

crypto::Md5Digest digest_with_secret(ByteView wire, ByteView secret) {
  return crypto::Md5().update(wire).update(secret).finish();
}

Status check_hmac(const Packet& packet, const Authenticator& authenticator, ByteView secret) {
  if (packet.count(attribute::kMessageAuthenticator) != 1) {
    return refused(packet.find(attribute::kMessageAuthenticator) == nullptr
                       ? "the packet has no Message-Authenticator"
                       : "the packet has more than one Message-Authenticator");
  }
  const Attribute& carried = *packet.find(attribute::kMessageAuthenticator);
  if (carried.value.size() != kMessageAuthenticatorSize) {
    return refused("the Message-Authenticator is not 16 octets");
  }
  NIMBUS_ASSIGN_OR_RETURN(Bytes covered, hmac_input(packet, authenticator));
  if (!constant_time_equal(crypto::hmac_md5(secret, covered), carried.value)) {
    return refused("the Message-Authenticator is wrong: the secret differs, or the packet was changed");
  }
  return ok_status();
}

}  // namespace

Status check_message_authenticator(const Packet& request, ByteView secret) {
  return check_hmac(request, request.authenticator, secret);
}

Status check_accounting_authenticator(const Packet& request, ByteView secret) {
  Packet zeroed = request;
  zeroed.authenticator = {};
  NIMBUS_ASSIGN_OR_RETURN(Bytes wire, encode_packet(zeroed));
  if (!constant_time_equal(digest_with_secret(wire, secret), request.authenticator)) {
    return refused("the Request Authenticator is wrong: the secret differs, or the packet was changed");
  }
  return ok_status();
}

Result<Bytes> seal_response(Packet response, const Authenticator& request_authenticator, ByteView secret) {
  response.authenticator = request_authenticator;
  bool keyed = response.code != Code::kAccountingResponse;
  if (keyed) {
    reserve_message_authenticator(response);
  } else {
    drop_message_authenticators(response);
  }
  NIMBUS_ASSIGN_OR_RETURN(Bytes wire, encode_packet(response));
  if (keyed) {
    auto mac = crypto::hmac_md5(secret, wire);
    std::copy(mac.begin(), mac.end(), first_attribute_value(wire).begin());
  }
  auto response_authenticator = digest_with_secret(wire, secret);
  std::copy(response_authenticator.begin(), response_authenticator.end(), wire.begin() + 4);
  return wire;
}

Result<Bytes> seal_request(Packet request, ByteView secret) {
  reserve_message_authenticator(request);
  NIMBUS_ASSIGN_OR_RETURN(Bytes wire, encode_packet(request));
  auto mac = crypto::hmac_md5(secret, wire);
  std::copy(mac.begin(), mac.end(), first_attribute_value(wire).begin());
  return wire;
}

Status check_response(const Packet& response, const Authenticator& request_authenticator, ByteView secret) {
  Packet as_signed = response;
  as_signed.authenticator = request_authenticator;
  NIMBUS_ASSIGN_OR_RETURN(Bytes wire, encode_packet(as_signed));
  if (!constant_time_equal(digest_with_secret(wire, secret), response.authenticator)) {
    return refused("the Response Authenticator is wrong: the secret differs, or the packet was changed");
  }
  if (response.find(attribute::kMessageAuthenticator) != nullptr || response.code != Code::kAccountingResponse) {
    return check_hmac(response, request_authenticator, secret);
  }
  return ok_status();
}

}  // namespace nimbus::radius
