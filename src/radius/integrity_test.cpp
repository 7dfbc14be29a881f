#include "radius/integrity.h"

#include <algorithm>

#include <gtest/gtest.h>

#include "radius/known_answers_test.h"

#include "crypto/digest.h"

namespace nimbus::radius {
namespace {

using testing::kSecret;

Authenticator counting() { return testing::counting_authenticator(); }

Packet access_request() {
  Packet request;
  request.code = Code::kAccessRequest;
  request.identifier = 9;
  request.authenticator = counting();
  request.add(attribute::kUserName, as_bytes("alice"));
  request.add_split(attribute::kEapMessage, Bytes(300, 2));
  return request;
}

Packet received(const Result<Bytes>& wire) {
  auto packet = decode_packet(*wire);
  EXPECT_TRUE(packet.ok());
  return *packet;
}

// Computed independently from RFC 2865 §3 and RFC 3579 §3.2 (Python's hmac and hashlib): an
// Access-Accept, identifier 7, User-Name "alice", to a request whose authenticator is 00 01 .. 0f.
TEST(RadiusIntegrity, ASealedResponseMatchesTheRfcsConstruction) {
  Packet accept;
  accept.code = Code::kAccessAccept;
  accept.identifier = 7;
  accept.add(attribute::kUserName, as_bytes("alice"));
  auto wire = seal_response(accept, counting(), kSecret);
  ASSERT_TRUE(wire.ok());
  EXPECT_EQ(to_hex(*wire),
            "0207002d8756a6ebedcb102c822e7e2cdbf4a07d5012abe9926dcf751862e47b714888de68a40107616c696365");
  EXPECT_TRUE(check_response(received(wire), counting(), kSecret).ok());
}

TEST(RadiusIntegrity, TheMessageAuthenticatorGoesFirstAndReplacesAnyOther) {
  Packet challenge;
  challenge.code = Code::kAccessChallenge;
  challenge.add(attribute::kState, as_bytes("conversation"));
  challenge.add(attribute::kMessageAuthenticator, Bytes(16, 0xff));
  Packet sent = received(seal_response(challenge, counting(), kSecret));
  EXPECT_EQ(sent.attributes.front().type, attribute::kMessageAuthenticator);
  EXPECT_EQ(sent.count(attribute::kMessageAuthenticator), 1u);
  EXPECT_TRUE(check_response(sent, counting(), kSecret).ok());
}

TEST(RadiusIntegrity, ARequestSealedWithTheSecretPassesAndAnyChangeFails) {
  Bytes wire = *seal_request(access_request(), kSecret);
  EXPECT_TRUE(check_message_authenticator(received(wire), kSecret).ok());

  auto wrong_secret = check_message_authenticator(received(wire), as_bytes("s3creT"));
  ASSERT_FALSE(wrong_secret.ok());
  EXPECT_EQ(wrong_secret.error().code(), ErrorCode::kPermissionDenied);
  EXPECT_NE(wrong_secret.error().message().find("Message-Authenticator is wrong"), std::string::npos);
  EXPECT_EQ(wrong_secret.error().message().find("s3cre"), std::string::npos);

  // Every octet after the length is covered: the authenticator, the other attributes, the
  // Message-Authenticator itself.
  for (std::size_t at = 4; at < wire.size(); ++at) {
    Bytes changed = wire;
    changed[at] ^= 0x01;
    auto packet = decode_packet(changed);
    if (!packet.ok()) continue;
    EXPECT_FALSE(check_message_authenticator(*packet, kSecret).ok()) << "octet " << at;
  }
}

TEST(RadiusIntegrity, ARequestWithoutExactlyOneProperMessageAuthenticatorIsRefused) {
  Packet none = access_request();
  auto missing = check_message_authenticator(none, kSecret);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message(), "the packet has no Message-Authenticator");

  Packet twice = received(seal_request(access_request(), kSecret));
  twice.add(attribute::kMessageAuthenticator, twice.attributes.front().value);
  EXPECT_EQ(check_message_authenticator(twice, kSecret).error().message(),
            "the packet has more than one Message-Authenticator");

  Packet short_one = received(seal_request(access_request(), kSecret));
  short_one.attributes.front().value.pop_back();
  EXPECT_EQ(check_message_authenticator(short_one, kSecret).error().message(),
            "the Message-Authenticator is not 16 octets");
}

TEST(RadiusIntegrity, AResponseChecksItsResponseAuthenticatorAgainstTheRequest) {
  Packet reject;
  reject.code = Code::kAccessReject;
  reject.identifier = 9;
  Packet sent = received(seal_response(reject, counting(), kSecret));
  Authenticator other = counting();
  other[15] ^= 1;
  EXPECT_FALSE(check_response(sent, other, kSecret).ok());
  EXPECT_FALSE(check_response(sent, counting(), as_bytes("other")).ok());
  sent.identifier ^= 1;
  EXPECT_FALSE(check_response(sent, counting(), kSecret).ok());
}

TEST(RadiusIntegrity, AccountingUsesTheRequestAuthenticatorOfRfc2866AndNoMessageAuthenticator) {
  Packet request;
  request.code = Code::kAccountingRequest;
  request.identifier = 3;
  request.add(attribute::kAcctStatusType, Bytes{0, 0, 0, 1});
  request.add(attribute::kAcctSessionId, as_bytes("session-1"));
  // A client computes the authenticator over the packet with zeroes in its place, then the secret.
  auto digest = crypto::Md5().update(*encode_packet(request)).update(kSecret).finish();
  std::copy(digest.begin(), digest.end(), request.authenticator.begin());
  EXPECT_TRUE(check_accounting_authenticator(request, kSecret).ok());
  EXPECT_EQ(check_accounting_authenticator(request, as_bytes("other")).error().code(), ErrorCode::kPermissionDenied);
  Packet changed = request;
  changed.attributes[1].value.back() ^= 1;
  EXPECT_FALSE(check_accounting_authenticator(changed, kSecret).ok());

  Packet response;
  response.code = Code::kAccountingResponse;
  response.identifier = 3;
  Packet sent = received(seal_response(response, request.authenticator, kSecret));
  EXPECT_EQ(sent.find(attribute::kMessageAuthenticator), nullptr);
  EXPECT_TRUE(check_response(sent, request.authenticator, kSecret).ok());
}

}  // namespace
}  // namespace nimbus::radius
