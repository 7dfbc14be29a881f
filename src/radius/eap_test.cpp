#include "radius/eap.h"

#include <gtest/gtest.h>

namespace nimbus::radius {
namespace {

TEST(Eap, ReadsAResponseWithItsTypeAndData) {
  Bytes wire = {2, 5, 0, 10, eap_type::kIdentity, 'a', 'l', 'i', 'c', 'e'};
  auto packet = decode_eap(wire);
  ASSERT_TRUE(packet.ok()) << packet.error().message();
  EXPECT_EQ(packet->code, EapCode::kResponse);
  EXPECT_EQ(packet->identifier, 5);
  EXPECT_EQ(packet->type, eap_type::kIdentity);
  EXPECT_EQ(packet->data, (Bytes{'a', 'l', 'i', 'c', 'e'}));
  EXPECT_EQ(encode_eap(*packet), wire);
}

TEST(Eap, SuccessAndFailureAreFourOctets) {
  EXPECT_EQ(encode_eap(EapPacket{EapCode::kSuccess, 9, std::nullopt, {}}), (Bytes{3, 9, 0, 4}));
  auto failure = decode_eap(Bytes{4, 9, 0, 4});
  ASSERT_TRUE(failure.ok());
  EXPECT_EQ(failure->code, EapCode::kFailure);
  EXPECT_FALSE(failure->type.has_value());
}

TEST(Eap, RefusesMalformedPacketsSayingWhy) {
  struct Case {
    Bytes wire;
    const char* says;
  } cases[] = {
      {{}, "holds 0"},
      {{2, 1, 0}, "at least 4 octets"},
      {{2, 1, 0, 9, 1, 'x'}, "the EAP Length is 9, but the EAP-Message holds 6 octets"},
      {{2, 1, 0, 5, 1, 'x'}, "the EAP Length is 5, but the EAP-Message holds 6"},
      {{1, 1, 0, 4}, "without a Type"},
      {{3, 1, 0, 5, 0}, "Success or Failure with data"},
      {{7, 1, 0, 4}, "EAP code 7 is none of"},
  };
  for (const auto& c : cases) {
    auto packet = decode_eap(c.wire);
    ASSERT_FALSE(packet.ok()) << c.says;
    EXPECT_EQ(packet.error().code(), ErrorCode::kMalformed);
    EXPECT_NE(packet.error().message().find(c.says), std::string::npos) << packet.error().message();
  }
}

TEST(EapTls, FragmentsCarryTheirFlagsAndLength) {
  auto start = decode_tls_fragment(Bytes{tls_flag::kStart});
  ASSERT_TRUE(start.ok());
  EXPECT_TRUE(start->start());
  EXPECT_FALSE(start->acknowledgement());
  EXPECT_TRUE(decode_tls_fragment(Bytes{0})->acknowledgement());

  auto first = decode_tls_fragment(Bytes{0xc0, 0, 0, 0x07, 0xd0, 0x16, 0x03});
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(first->more());
  EXPECT_EQ(first->message_length, 2000u);
  EXPECT_EQ(first->records, (Bytes{0x16, 0x03}));
  EXPECT_EQ(encode_tls_fragment(*first), (Bytes{0xc0, 0, 0, 0x07, 0xd0, 0x16, 0x03}));

  EXPECT_EQ(decode_tls_fragment(Bytes{}).error().code(), ErrorCode::kMalformed);
  EXPECT_NE(decode_tls_fragment(Bytes{0x80, 0, 0}).error().message().find("four octets of length"), std::string::npos);
  // A length without the L flag in `flags` is still written with it.
  EXPECT_EQ(encode_tls_fragment(TlsFragment{0, 3, {1, 2, 3}}), (Bytes{0x80, 0, 0, 0, 3, 1, 2, 3}));
}

Bytes flight_of(std::size_t size) {
  Bytes flight(size);
  for (std::size_t i = 0; i < size; ++i) flight[i] = static_cast<std::uint8_t>(i * 13 + 1);
  return flight;
}

TEST(EapTls, AFlightCutIntoFragmentsIsReassembledWhole) {
  Bytes flight = flight_of(2500);
  auto fragments = fragment_flight(flight, 1000);
  ASSERT_EQ(fragments.size(), 3u);
  EXPECT_EQ(fragments[0].message_length, 2500u);
  EXPECT_TRUE(fragments[0].more());
  EXPECT_TRUE(fragments[1].more());
  EXPECT_FALSE(fragments[1].message_length.has_value());
  EXPECT_FALSE(fragments[2].more());
  EXPECT_EQ(fragments[2].records.size(), 500u);

  TlsReassembly reassembly(64 * 1024);
  for (std::size_t i = 0; i < fragments.size(); ++i) {
    auto wire = encode_tls_fragment(fragments[i]);
    auto whole = reassembly.add(*decode_tls_fragment(wire));
    ASSERT_TRUE(whole.ok()) << whole.error().message();
    EXPECT_EQ(*whole, i + 1 == fragments.size());
  }
  EXPECT_EQ(reassembly.take(), flight);
  EXPECT_EQ(reassembly.size(), 0u);

  auto single = fragment_flight(flight_of(1000), 1000);
  ASSERT_EQ(single.size(), 1u);
  EXPECT_FALSE(single[0].message_length.has_value());
  EXPECT_FALSE(single[0].more());
}

TEST(EapTls, AFlightOverTheLimitOrDisagreeingWithItsLengthIsRefusedAndForgotten) {
  TlsReassembly reassembly(4000);
  auto declared = reassembly.add(TlsFragment{0xc0, 1'000'000, flight_of(10)});
  ASSERT_FALSE(declared.ok());
  EXPECT_EQ(declared.error().code(), ErrorCode::kPolicyViolation);
  EXPECT_EQ(reassembly.size(), 0u);

  // No length declared, but fragments keep coming.
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(reassembly.add(TlsFragment{0x40, std::nullopt, flight_of(1000)}).ok());
  auto grown = reassembly.add(TlsFragment{0x40, std::nullopt, flight_of(1001)});
  ASSERT_FALSE(grown.ok());
  EXPECT_EQ(grown.error().code(), ErrorCode::kPolicyViolation);
  EXPECT_EQ(reassembly.size(), 0u);

  ASSERT_TRUE(reassembly.add(TlsFragment{0xc0, 1500, flight_of(1000)}).ok());
  auto longer = reassembly.add(TlsFragment{0x00, std::nullopt, flight_of(501)});
  ASSERT_FALSE(longer.ok());
  EXPECT_EQ(longer.error().code(), ErrorCode::kMalformed);

  ASSERT_TRUE(reassembly.add(TlsFragment{0xc0, 1500, flight_of(1000)}).ok());
  auto shorter = reassembly.add(TlsFragment{0x00, std::nullopt, flight_of(499)});
  ASSERT_FALSE(shorter.ok());
  EXPECT_NE(shorter.error().message().find("ended at 1499 of the 1500"), std::string::npos);

  ASSERT_TRUE(reassembly.add(TlsFragment{0xc0, 1500, flight_of(1000)}).ok());
  auto other = reassembly.add(TlsFragment{0xc0, 1600, flight_of(500)});
  ASSERT_FALSE(other.ok());
  EXPECT_NE(other.error().message().find("declares 1600 octets, an earlier one 1500"), std::string::npos);
}

}  // namespace
}  // namespace nimbus::radius
