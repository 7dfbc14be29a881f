#include "radius/eap_tls.h"

#include <gtest/gtest.h>

#include "testing/test_support.h"

namespace nimbus::radius {
namespace {

using nimbus::testing::must;

struct Sides {
  nimbus::testing::TestChain client = nimbus::testing::make_chain();
  nimbus::testing::TestChain server = nimbus::testing::make_chain();

  x509::TlsContext server_context(x509::TlsOptions options) const {
    std::vector<x509::Certificate> chain = {server.intermediate.certificate};
    return must(x509::TlsContext::server(server.leaf.certificate, chain, server.leaf.key, options));
  }
  x509::TlsContext client_context(x509::TlsOptions options) const {
    std::vector<x509::Certificate> chain = {client.intermediate.certificate};
    return must(x509::TlsContext::client(client.leaf.certificate, chain, client.leaf.key, options));
  }
};

// Each packet goes through its wire form, as it would inside EAP-Message attributes.
EapPacket over_the_wire(const EapPacket& packet) { return must(decode_eap(encode_eap(packet))); }

struct Conversation {
  int requests = 0;
  std::size_t largest_fragment = 0;
  EapTlsStep last;
};

// Runs the method until the server completes or either side fails.
Conversation converse(EapTlsServer& server, EapTlsPeer& peer) {
  Conversation conversation;
  EapPacket request = server.start(7);
  for (int round = 0; round < 200; ++round) {
    ++conversation.requests;
    auto fragment = must(decode_tls_fragment(request.data));
    conversation.largest_fragment = std::max(conversation.largest_fragment, fragment.records.size());
    EapTlsStep answer = must(peer.receive(over_the_wire(request)));
    if (answer.kind != EapTlsStep::Kind::kSend) {
      conversation.last = answer;
      return conversation;
    }
    EapTlsStep next = must(server.receive(over_the_wire(*answer.packet)));
    if (next.kind != EapTlsStep::Kind::kSend) {
      conversation.last = next;
      return conversation;
    }
    request = *next.packet;
  }
  ADD_FAILURE() << "the conversation did not end";
  return conversation;
}

struct Case {
  x509::TlsVersion version;
  std::size_t fragment_size;
};

class EapTlsConversation : public ::testing::TestWithParam<Case> {};

TEST_P(EapTlsConversation, EndsWithTheSameKeysOnBothSidesAndThePeersChain) {
  Sides sides;
  x509::TlsOptions options{GetParam().version, GetParam().version};
  EapTlsLimits limits{GetParam().fragment_size, 64 * 1024};
  EapTlsServer server(sides.server_context(options), limits);
  EapTlsPeer peer(sides.client_context(options), limits);

  Conversation conversation = converse(server, peer);
  ASSERT_EQ(conversation.last.kind, EapTlsStep::Kind::kComplete) << conversation.last.reason;
  EXPECT_TRUE(peer.finished());
  EXPECT_EQ(server.session().version(), GetParam().version);
  EXPECT_LE(conversation.largest_fragment, GetParam().fragment_size);
  if (GetParam().fragment_size < 200) {
    EXPECT_GT(conversation.requests, 8);
  }

  Bytes msk = must(eap_tls_msk(server.session()));
  EXPECT_EQ(msk.size(), 64u);
  EXPECT_EQ(msk, must(eap_tls_msk(peer.session())));
  auto chain = server.session().peer_chain();
  ASSERT_FALSE(chain.empty());
  EXPECT_EQ(chain.front().der(), sides.client.leaf.certificate.der());
}

INSTANTIATE_TEST_SUITE_P(EapTls, EapTlsConversation,
                         ::testing::Values(Case{x509::TlsVersion::k1_2, 1000}, Case{x509::TlsVersion::k1_3, 1000},
                                           Case{x509::TlsVersion::k1_2, 100}, Case{x509::TlsVersion::k1_3, 100}),
                         [](const auto& info) {
                           return std::string(info.param.version == x509::TlsVersion::k1_2 ? "v1_2" : "v1_3") +
                                  "_fragments_of_" + std::to_string(info.param.fragment_size);
                         });

TEST(EapTlsMethod, TheMskIsRefusedBeforeTheHandshakeEnds) {
  Sides sides;
  EapTlsServer server(sides.server_context({}), {});
  EXPECT_EQ(eap_tls_msk(server.session()).error().code(), ErrorCode::kFailedPrecondition);
}

TEST(EapTlsMethod, ANakOrAnotherMethodFailsTheConversationSayingWhatThePeerWanted) {
  Sides sides;
  EapTlsServer server(sides.server_context({}), {});
  EapPacket start = server.start(1);
  auto nak = must(server.receive(EapPacket{EapCode::kResponse, start.identifier, eap_type::kNak, {25, 26}}));
  EXPECT_EQ(nak.kind, EapTlsStep::Kind::kFailed);
  EXPECT_EQ(nak.reason, "the peer refused EAP-TLS and proposed EAP type(s) 25, 26");

  EapTlsServer other(sides.server_context({}), {});
  EapPacket again = other.start(1);
  auto md5 = must(other.receive(EapPacket{EapCode::kResponse, again.identifier, 4, {}}));
  EXPECT_EQ(md5.reason, "the peer answered with EAP type 4, not EAP-TLS");
}

TEST(EapTlsMethod, AResponseToAnotherRequestIsNotTakenAndChangesNothing) {
  Sides sides;
  EapTlsServer server(sides.server_context({}), {});
  EapTlsPeer peer(sides.client_context({}), {});
  EapPacket start = server.start(40);
  EapTlsStep hello = must(peer.receive(start));
  EapPacket stale = *hello.packet;
  stale.identifier = 39;
  auto refused = server.receive(stale);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), ErrorCode::kInvalidArgument);
  // The right one still goes through.
  EXPECT_EQ(must(server.receive(*hello.packet)).kind, EapTlsStep::Kind::kSend);
}

TEST(EapTlsMethod, AFlightOverTheLimitFailsTheConversation) {
  Sides sides;
  EapTlsServer server(sides.server_context({}), EapTlsLimits{1000, 4000});
  EapPacket start = server.start(1);
  TlsFragment claim{tls_flag::kLengthIncluded | tls_flag::kMoreFragments, 100000, Bytes(900, 0x16)};
  auto step = must(server.receive(EapPacket{EapCode::kResponse, start.identifier, eap_type::kTls, encode_tls_fragment(claim)}));
  EXPECT_EQ(step.kind, EapTlsStep::Kind::kFailed);
  EXPECT_NE(step.reason.find("declares a TLS flight of 100000 octets; at most 4000"), std::string::npos) << step.reason;
}

TEST(EapTlsMethod, GarbageInsteadOfAClientHelloFailsWithTheTlsReason) {
  Sides sides;
  EapTlsServer server(sides.server_context({}), {});
  EapPacket start = server.start(1);
  Bytes garbage = encode_tls_fragment(TlsFragment{0, std::nullopt, Bytes(50, 0x42)});
  auto step = must(server.receive(EapPacket{EapCode::kResponse, start.identifier, eap_type::kTls, garbage}));
  EXPECT_EQ(step.kind, EapTlsStep::Kind::kFailed);
  EXPECT_NE(step.reason.find("the TLS handshake failed"), std::string::npos) << step.reason;
}

TEST(EapTlsMethod, DataInsteadOfAnAcknowledgementFailsTheConversation) {
  Sides sides;
  EapTlsServer server(sides.server_context({}), EapTlsLimits{100, 64 * 1024});
  EapTlsPeer peer(sides.client_context({}), EapTlsLimits{100, 64 * 1024});
  EapPacket request = server.start(1);
  // Let the peer's ClientHello through, fragment by fragment, until the server starts its flight.
  EapTlsStep answer = must(peer.receive(request));
  EapTlsStep next = must(server.receive(*answer.packet));
  while (must(decode_tls_fragment(next.packet->data)).records.empty()) {
    answer = must(peer.receive(*next.packet));
    next = must(server.receive(*answer.packet));
  }
  ASSERT_TRUE(must(decode_tls_fragment(next.packet->data)).more());
  EapPacket pushy{EapCode::kResponse, next.packet->identifier, eap_type::kTls,
                  encode_tls_fragment(TlsFragment{0, std::nullopt, Bytes(10, 0x17)})};
  auto step = must(server.receive(pushy));
  EXPECT_EQ(step.kind, EapTlsStep::Kind::kFailed);
  EXPECT_EQ(step.reason, "the peer sent TLS data before acknowledging our fragment");
}

}  // namespace
}  // namespace nimbus::radius
