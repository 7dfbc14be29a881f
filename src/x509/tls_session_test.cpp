#include "x509/tls_session.h"

#include <gtest/gtest.h>

#include "testing/test_support.h"

namespace nimbus::x509 {
namespace {

using testing::must;

struct Sides {
  testing::TestChain client = testing::make_chain();
  testing::TestChain server = testing::make_chain();
};

TlsContext server_context(const Sides& sides, TlsOptions options = {}) {
  std::vector<Certificate> chain = {sides.server.intermediate.certificate};
  return must(TlsContext::server(sides.server.leaf.certificate, chain, sides.server.leaf.key, options));
}

TlsContext client_context(const Sides& sides, TlsOptions options = {}) {
  std::vector<Certificate> chain = {sides.client.intermediate.certificate};
  return must(TlsContext::client(sides.client.leaf.certificate, chain, sides.client.leaf.key, options));
}

// Passes records back and forth until neither side has more to say.
void handshake(TlsSession& client, TlsSession& server) {
  Bytes to_server = must(client.exchange({}));
  for (int round = 0; round < 8 && !to_server.empty(); ++round) {
    Bytes to_client = must(server.exchange(to_server));
    to_server = must(client.exchange(to_client));
  }
}

Bytes eap_tls_key_material(const TlsSession& session) {
  if (session.version() == TlsVersion::k1_3) {
    const std::uint8_t type_code = 13;
    return must(session.export_keying_material("EXPORTER_EAP_TLS_Key_Material", ByteView(&type_code, 1), 128));
  }
  return must(session.export_keying_material("client EAP encryption", std::nullopt, 128));
}

class TlsSessionVersions : public ::testing::TestWithParam<TlsVersion> {};

TEST_P(TlsSessionVersions, BothSidesAgreeOnTheVersionThePeersChainAndTheKeys) {
  Sides sides;
  TlsOptions options{GetParam(), GetParam()};
  TlsSession server(server_context(sides, options));
  TlsSession client(client_context(sides, options));
  EXPECT_FALSE(server.established());
  EXPECT_TRUE(server.peer_chain().empty());
  EXPECT_FALSE(server.export_keying_material("client EAP encryption", std::nullopt, 128).ok());

  handshake(client, server);
  ASSERT_TRUE(server.established());
  ASSERT_TRUE(client.established());
  EXPECT_EQ(server.version(), GetParam());
  EXPECT_EQ(client.version(), GetParam());
  EXPECT_FALSE(server.resumed());

  auto chain = server.peer_chain();
  ASSERT_EQ(chain.size(), 2u);
  EXPECT_EQ(chain[0].der(), sides.client.leaf.certificate.der());
  EXPECT_EQ(chain[1].der(), sides.client.intermediate.certificate.der());
  auto server_chain = client.peer_chain();
  ASSERT_EQ(server_chain.size(), 2u);
  EXPECT_EQ(server_chain[0].der(), sides.server.leaf.certificate.der());

  Bytes keys = eap_tls_key_material(server);
  EXPECT_EQ(keys.size(), 128u);
  EXPECT_EQ(keys, eap_tls_key_material(client));

  // Another conversation derives other keys.
  TlsSession second_server(server_context(sides, options));
  TlsSession second_client(client_context(sides, options));
  handshake(second_client, second_server);
  EXPECT_NE(eap_tls_key_material(second_server), keys);
}

TEST_P(TlsSessionVersions, AResumedSessionKeepsThePeersChainAndDerivesNewKeys) {
  Sides sides;
  TlsOptions options{GetParam(), GetParam()};
  options.session_lifetime = std::chrono::seconds(60);
  TlsContext server_side = server_context(sides, options);
  TlsContext client_side = client_context(sides, options);
  TlsSession first_server(server_side);
  TlsSession first_client(client_side);
  handshake(first_client, first_server);
  if (GetParam() == TlsVersion::k1_3) {
    // The ticket travels after the handshake, with the first application data.
    const std::uint8_t commitment = 0;
    ASSERT_TRUE(first_server.send(ByteView(&commitment, 1)).ok());
    must(first_client.exchange(first_server.pending_output()));
  }
  std::optional<TlsResumableSession> saved = first_client.resumable_session();
  ASSERT_TRUE(saved.has_value());
  EXPECT_FALSE(first_server.resumable_session().has_value()) << "a server keeps its sessions itself";

  TlsSession server(server_side);
  TlsSession client(client_side, &*saved);
  handshake(client, server);
  ASSERT_TRUE(server.established());
  EXPECT_TRUE(server.resumed());
  EXPECT_TRUE(client.resumed());
  auto chain = server.peer_chain();
  ASSERT_FALSE(chain.empty()) << "the peer's certificate comes from the session it resumed";
  EXPECT_EQ(chain[0].der(), sides.client.leaf.certificate.der());
  EXPECT_EQ(eap_tls_key_material(server), eap_tls_key_material(client));
  EXPECT_NE(eap_tls_key_material(server), eap_tls_key_material(first_server));

  // A server without resumption does a full handshake for the same offer.
  TlsOptions no_resumption{GetParam(), GetParam()};
  TlsSession fresh_server(server_context(sides, no_resumption));
  TlsSession offering_client(client_side, &*saved);
  handshake(offering_client, fresh_server);
  ASSERT_TRUE(fresh_server.established());
  EXPECT_FALSE(fresh_server.resumed());
}

INSTANTIATE_TEST_SUITE_P(Tls, TlsSessionVersions, ::testing::Values(TlsVersion::k1_2, TlsVersion::k1_3),
                         [](const auto& info) { return info.param == TlsVersion::k1_2 ? "v1_2" : "v1_3"; });

TEST(TlsSession, ApplicationDataReachesThePeer) {
  Sides sides;
  TlsSession server(server_context(sides));
  TlsSession client(client_context(sides));
  handshake(client, server);
  ASSERT_EQ(server.version(), TlsVersion::k1_3);
  // RFC 9190 §2.5: the server's commitment message is one octet of application data, 0x00.
  const std::uint8_t commitment = 0;
  ASSERT_TRUE(server.send(ByteView(&commitment, 1)).ok());
  Bytes records = server.pending_output();
  EXPECT_FALSE(records.empty());
  EXPECT_TRUE(must(client.exchange(records)).empty());
  EXPECT_EQ(client.take_received(), Bytes{0});
  EXPECT_TRUE(client.take_received().empty());
}

TEST(TlsSession, AVersionTheOtherSideRefusesFailsTheHandshakeWithAnAlert) {
  Sides sides;
  TlsSession server(server_context(sides, {TlsVersion::k1_3, TlsVersion::k1_3}));
  TlsSession client(client_context(sides, {TlsVersion::k1_2, TlsVersion::k1_2}));
  auto failed = server.exchange(must(client.exchange({})));
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code(), ErrorCode::kPermissionDenied);
  EXPECT_NE(failed.error().message().find("the TLS handshake failed"), std::string::npos);
  Bytes alert = server.pending_output();
  ASSERT_FALSE(alert.empty());
  EXPECT_EQ(alert[0], 0x15);  // ContentType alert
  EXPECT_FALSE(server.established());
}

TEST(TlsSession, GarbageRecordsFailTheHandshake) {
  Sides sides;
  TlsSession server(server_context(sides));
  Bytes garbage(64, 0x42);
  auto failed = server.exchange(garbage);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code(), ErrorCode::kPermissionDenied);
}

TEST(TlsSession, AKeyThatIsNotTheCertificatesIsRefused) {
  Sides sides;
  auto context = TlsContext::server(sides.server.leaf.certificate, {}, sides.client.leaf.key, {});
  ASSERT_FALSE(context.ok());
  EXPECT_EQ(context.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(context.error().message().find("does not match its certificate"), std::string::npos);
}

}  // namespace
}  // namespace nimbus::x509
