#include "radius/packet.h"

#include <gtest/gtest.h>

namespace nimbus::radius {
namespace {

Bytes header(std::uint8_t code, std::uint8_t identifier, std::size_t length) {
  Bytes wire = {code, identifier, static_cast<std::uint8_t>(length >> 8), static_cast<std::uint8_t>(length)};
  wire.resize(kHeaderSize, 0xaa);
  return wire;
}

Bytes with(Bytes wire, std::initializer_list<std::uint8_t> more) {
  wire.insert(wire.end(), more);
  return wire;
}

TEST(RadiusPacket, ReadsTheHeaderAndAttributesInOrder) {
  Bytes wire = with(header(1, 42, 31), {1, 7, 'a', 'l', 'i', 'c', 'e', 79, 4, 2, 1});
  auto packet = decode_packet(wire);
  ASSERT_TRUE(packet.ok()) << packet.error().message();
  EXPECT_EQ(packet->code, Code::kAccessRequest);
  EXPECT_EQ(packet->identifier, 42);
  Authenticator filler;
  filler.fill(0xaa);
  EXPECT_EQ(packet->authenticator, filler);
  ASSERT_EQ(packet->attributes.size(), 2u);
  EXPECT_EQ(packet->attributes[0], (Attribute{attribute::kUserName, Bytes{'a', 'l', 'i', 'c', 'e'}}));
  EXPECT_EQ(packet->attributes[1], (Attribute{attribute::kEapMessage, Bytes{2, 1}}));
  EXPECT_EQ(*encode_packet(*packet), wire);
}

TEST(RadiusPacket, OctetsBeyondTheLengthAreIgnoredAsPadding) {
  Bytes wire = with(header(2, 1, 23), {18, 3, 'x', 0xde, 0xad});
  auto packet = decode_packet(wire);
  ASSERT_TRUE(packet.ok()) << packet.error().message();
  ASSERT_EQ(packet->attributes.size(), 1u);
  EXPECT_EQ(*encode_packet(*packet), Bytes(wire.begin(), wire.begin() + 23));
}

struct Malformed {
  const char* what;
  Bytes datagram;
  const char* says;
};

TEST(RadiusPacket, RefusesEveryMalformedShapeSayingWhatIsWrong) {
  const Malformed cases[] = {
      {"empty", {}, "at least 20 octets; this datagram has 0"},
      {"19 octets", Bytes{1, 0, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, "this datagram has 19"},
      {"Length 19", header(1, 0, 19), "Length 19 is outside 20 to 4096"},
      {"Length 4097", header(1, 0, 4097), "Length 4097 is outside"},
      {"Length past the datagram", header(1, 0, 21), "Length 21 exceeds the 20 octets received"},
      {"attribute of length 0", with(header(1, 0, 22), {1, 0}), "attribute 1 at octet 20 has length 0"},
      {"attribute of length 1", with(header(1, 0, 22), {1, 1}), "has length 1"},
      {"attribute of length 2", with(header(1, 0, 22), {1, 2}), "has length 2; the least is 3"},
      {"attribute past the end", with(header(1, 0, 23), {79, 9, 1}), "runs 6 octets past the packet's end"},
      {"attribute past the Length but inside the datagram", with(header(1, 0, 23), {79, 5, 1, 2, 3}),
       "runs 2 octets past"},
      {"lone type octet", with(header(1, 0, 21), {79}), "the attribute at octet 20 has no length"},
  };
  for (const auto& c : cases) {
    auto packet = decode_packet(c.datagram);
    ASSERT_FALSE(packet.ok()) << c.what;
    EXPECT_EQ(packet.error().code(), ErrorCode::kMalformed) << c.what;
    EXPECT_NE(packet.error().message().find(c.says), std::string::npos) << c.what << ": " << packet.error().message();
  }
}

TEST(RadiusPacket, ALongValueIsSplitOverAttributesAndJoinedBackInOrder) {
  Bytes eap(600);
  for (std::size_t i = 0; i < eap.size(); ++i) eap[i] = static_cast<std::uint8_t>(i * 7);
  Packet packet;
  packet.add(attribute::kUserName, as_bytes("bob"));
  packet.add_split(attribute::kEapMessage, eap);
  packet.add(attribute::kState, as_bytes("s"));
  ASSERT_EQ(packet.count(attribute::kEapMessage), 3u);
  EXPECT_EQ(packet.attributes[1].value.size(), 253u);
  EXPECT_EQ(packet.attributes[3].value.size(), 600u - 2 * 253u);
  auto again = decode_packet(*encode_packet(packet));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->joined(attribute::kEapMessage), eap);
  EXPECT_EQ(*again, packet);
  EXPECT_EQ(again->find(attribute::kState)->value, Bytes{'s'});
  EXPECT_EQ(again->find(attribute::kClass), nullptr);
}

TEST(RadiusPacket, APacketOver4096OctetsIsNotEncoded) {
  Packet packet;
  packet.code = Code::kAccessChallenge;
  packet.add_split(attribute::kEapMessage, Bytes(4045, 1));  // 16 attributes: 20 + 32 + 4045 octets
  auto wire = encode_packet(packet);
  ASSERT_FALSE(wire.ok());
  EXPECT_EQ(wire.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(wire.error().message().find("Access-Challenge would take 4097 octets"), std::string::npos)
      << wire.error().message();
}

TEST(RadiusPacket, CodesHaveTheirNames) {
  EXPECT_EQ(code_name(Code::kAccessRequest), "Access-Request");
  EXPECT_EQ(code_name(Code::kAccountingResponse), "Accounting-Response");
  EXPECT_EQ(code_name(static_cast<Code>(42)), "code 42");
}

}  // namespace
}  // namespace nimbus::radius
