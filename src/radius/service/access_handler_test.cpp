#include "radius/service/access_handler.h"

#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "crypto/random.h"
#include "radius/mppe.h"
#include "verify/verify_test_pki.h"

namespace nimbus::radius {
namespace {

using namespace nimbus::verify::testing;
using nimbus::testing::bytes_of;
using nimbus::testing::TempDir;

constexpr std::string_view kSecret = "handler-test-secret";

// A whole RADIUS server but its sockets: the handler with a verifier over a test PKI whose CRLs a
// map serves, current at the real time (the handler decides at now_utc()).
class AccessHandlerTest : public ::testing::Test {
 protected:
  AccessHandlerTest() { build({}); }

  void build(std::vector<NetworkPolicySettings> policies, ConversationLimits limits = {}) {
    fetcher_.put(kRootCrl, crl_for(pki_.root, {}, now_utc() - kDay, now_utc() + kDay));
    fetcher_.put(kIssuingCrl, crl_for(pki_.issuing, revoked_, now_utc() - kDay, now_utc() + kDay));
    fetcher_.put(kIssuingCert, pki_.issuing.certificate.der());
    verifier_ = std::make_unique<verify::Verifier>(must(verify::TrustAnchors::from({pki_.root.certificate})), &fetcher_,
                                                   nullptr);
    decision_ = std::make_unique<CertificateDecision>(
        *verifier_, verify::RevocationPolicy{},
        std::make_shared<const NetworkPolicies>(must(NetworkPolicies::build(policies))), IssuedLookup{});
    conversations_ = std::make_unique<ConversationTable>(limits);
    handler_ = std::make_unique<AccessHandler>(server_context_, EapTlsLimits{}, *conversations_, *decision_, *log_,
                                               counters_);
  }

  static CertificateOptions server_options() {
    CertificateOptions options;
    options.subject = "CN=radius.test";
    options.ca = false;
    options.eku = {"1.3.6.1.5.5.7.3.1"};
    return options;
  }
  x509::TlsContext client_context(const TestCa& client, x509::TlsVersion version = x509::TlsVersion::k1_3) const {
    x509::TlsOptions options;
    options.min_version = options.max_version = version;
    std::vector<x509::Certificate> chain = {pki_.issuing.certificate};
    return must(x509::TlsContext::client(client.certificate, chain, client.key, options));
  }

  Packet request(std::optional<EapPacket> eap, ByteView state = {}) {
    Packet packet;
    packet.code = Code::kAccessRequest;
    packet.identifier = next_identifier_++;
    Bytes random = must(crypto::random_bytes(16));
    std::copy(random.begin(), random.end(), packet.authenticator.begin());
    packet.add(attribute::kUserName, bytes_of("alice"));
    packet.add(attribute::kCallingStationId, bytes_of("02-00-00-00-00-01"));
    if (eap) packet.add_split(attribute::kEapMessage, encode_eap(*eap));
    if (!state.empty()) packet.add(attribute::kState, state);
    return packet;
  }
  static EapPacket identity(std::string_view name, std::uint8_t identifier = 0) {
    return {EapCode::kResponse, identifier, eap_type::kIdentity, Bytes(name.begin(), name.end())};
  }
  std::optional<Packet> handle(const Packet& packet, const NasClient& nas) {
    return handler_->handle(nas, boost::asio::ip::make_address("127.0.0.1"), packet);
  }
  std::optional<Packet> handle(const Packet& packet) { return handle(packet, nas_); }

  struct Outcome {
    Packet answer;
    Authenticator request_authenticator{};
    std::optional<Bytes> msk;
  };
  // Runs a whole authentication with `peer`.
  Outcome authenticate(EapTlsPeer& peer) {
    Packet next = request(identity("alice"));
    for (int round = 0; round < 50; ++round) {
      std::optional<Packet> answer = handle(next);
      if (!answer) throw std::runtime_error("the handler dropped a request of the conversation");
      if (answer->code != Code::kAccessChallenge) {
        Outcome outcome{*answer, next.authenticator, std::nullopt};
        if (auto msk = eap_tls_msk(peer.session()); msk.ok()) outcome.msk = *msk;
        return outcome;
      }
      EapPacket eap = must(decode_eap(answer->joined(attribute::kEapMessage)));
      EapTlsStep step = must(peer.receive(eap));
      if (step.kind != EapTlsStep::Kind::kSend) throw std::runtime_error("the peer stopped: " + step.reason);
      next = request(*step.packet, answer->find(attribute::kState)->value);
    }
    throw std::runtime_error("no decision after 50 round trips");
  }

  // The decision log's last line.
  nlohmann::json last_decision() const {
    std::ifstream in(dir_ / "decisions.log");
    std::string line, last;
    while (std::getline(in, line)) last = line;
    return last.empty() ? nlohmann::json() : nlohmann::json::parse(last);
  }

  // What the EAP-Message of `answer` holds.
  static EapPacket eap_of(const Packet& answer) { return must(decode_eap(answer.joined(attribute::kEapMessage))); }

  TempDir dir_;
  TestPki pki_ = make_pki();
  TestCa server_ = make_ca(server_options(), &pki_.issuing);
  static x509::TlsOptions resumable() {
    x509::TlsOptions options;
    options.session_lifetime = std::chrono::seconds(60);
    return options;
  }
  x509::TlsContext server_context_ =
      must(x509::TlsContext::server(server_.certificate, std::vector<x509::Certificate>{pki_.issuing.certificate},
                                    server_.key, resumable()));
  std::vector<x509::RevokedCertificate> revoked_;
  MapFetcher fetcher_;
  std::unique_ptr<verify::Verifier> verifier_;
  std::unique_ptr<CertificateDecision> decision_;
  std::unique_ptr<DecisionLog> log_ = must(DecisionLog::open(dir_ / "decisions.log"));
  std::unique_ptr<ConversationTable> conversations_;
  AccessCounters counters_;
  std::unique_ptr<AccessHandler> handler_;
  NasClient nas_{"vpn-gateway", Secret(std::string(kSecret))};
  std::uint8_t next_identifier_ = 0;
};

class AccessHandlerVersions : public AccessHandlerTest, public ::testing::WithParamInterface<x509::TlsVersion> {};

TEST_P(AccessHandlerVersions, AGoodClientIsAcceptedWithTheMppeKeysOfItsMsk) {
  EapTlsPeer peer(client_context(pki_.leaf, GetParam()), {});
  Outcome outcome = authenticate(peer);
  ASSERT_EQ(outcome.answer.code, Code::kAccessAccept);
  EXPECT_EQ(eap_of(outcome.answer).code, EapCode::kSuccess);
  ASSERT_TRUE(outcome.msk.has_value());
  std::string secret_text(kSecret);
  ByteView secret = bytes_of(secret_text);
  EXPECT_EQ(must(recover_mppe_key(outcome.answer, MppeKey::kRecv, secret, outcome.request_authenticator)),
            Bytes(outcome.msk->begin(), outcome.msk->begin() + 32));
  EXPECT_EQ(must(recover_mppe_key(outcome.answer, MppeKey::kSend, secret, outcome.request_authenticator)),
            Bytes(outcome.msk->begin() + 32, outcome.msk->begin() + 64));
  const Attribute* user_name = outcome.answer.find(attribute::kUserName);
  ASSERT_NE(user_name, nullptr);
  EXPECT_EQ(std::string(user_name->value.begin(), user_name->value.end()), "alice") << "the certificate's CN";
  nlohmann::json decision = last_decision();
  EXPECT_EQ(decision["event"], 6272);
  EXPECT_EQ(decision["reason_code"], 0);
  EXPECT_EQ(decision["certificate"]["serial"], pki_.leaf.certificate.serial_hex());
  EXPECT_EQ(decision["calling_station_id"], "02-00-00-00-00-01");
  EXPECT_EQ(decision["tls_version"], std::string(x509::tls_version_name(GetParam())));
  EXPECT_EQ(conversations_->size(), 0u) << "a decided conversation is forgotten";
}

TEST_P(AccessHandlerVersions, AResumedSessionIsCheckedAgainAndGetsKeysOfItsOwn) {
  x509::TlsContext client = client_context(pki_.leaf, GetParam());
  EapTlsPeer first(client, {});
  Outcome full = authenticate(first);
  ASSERT_EQ(full.answer.code, Code::kAccessAccept);
  std::optional<x509::TlsResumableSession> saved = first.session().resumable_session();
  ASSERT_TRUE(saved.has_value());

  EapTlsPeer second(client, {}, &*saved);
  Outcome resumed = authenticate(second);
  ASSERT_EQ(resumed.answer.code, Code::kAccessAccept);
  EXPECT_TRUE(second.session().resumed());
  EXPECT_EQ(last_decision()["resumed"], true);
  EXPECT_NE(resumed.msk, full.msk);

  // Revoked in between: the resumed session is checked again (resumption_recheck_seconds 0).
  revoked_ = {revoked(pki_.leaf.certificate)};
  fetcher_.put(kIssuingCrl, crl_for(pki_.issuing, revoked_, now_utc() - kDay, now_utc() + kDay));
  std::optional<x509::TlsResumableSession> again = second.session().resumable_session();
  ASSERT_TRUE(again.has_value());
  EapTlsPeer third(client, {}, &*again);
  EXPECT_EQ(authenticate(third).answer.code, Code::kAccessReject);
  EXPECT_TRUE(third.session().resumed());
  EXPECT_EQ(last_decision()["reason_code"], 256);
}

INSTANTIATE_TEST_SUITE_P(Radius, AccessHandlerVersions, ::testing::Values(x509::TlsVersion::k1_2, x509::TlsVersion::k1_3),
                         [](const auto& info) { return info.param == x509::TlsVersion::k1_2 ? "Tls12" : "Tls13"; });

TEST_F(AccessHandlerTest, ARevokedClientIsDeniedWith256) {
  revoked_ = {revoked(pki_.leaf.certificate)};
  build({});
  EapTlsPeer peer(client_context(pki_.leaf), {});
  Outcome outcome = authenticate(peer);
  EXPECT_EQ(outcome.answer.code, Code::kAccessReject);
  EXPECT_EQ(eap_of(outcome.answer).code, EapCode::kFailure);
  EXPECT_EQ(outcome.answer.find(0x1a), nullptr) << "no keys in a reject";
  nlohmann::json decision = last_decision();
  EXPECT_EQ(decision["event"], 6273);
  EXPECT_EQ(decision["reason_code"], 256);
  EXPECT_EQ(decision["client_error"], 855);
  EXPECT_NE(decision["explanation"].get<std::string>().find("is revoked"), std::string::npos);
}

TEST_F(AccessHandlerTest, PoliciesDenyWith65AndLeaveNoMatchAt48) {
  NetworkPolicySettings deny;
  deny.name = "no-alice";
  deny.when.subject = {"CN=alice*"};
  deny.grant = false;
  build({deny});
  EapTlsPeer denied(client_context(pki_.leaf), {});
  EXPECT_EQ(authenticate(denied).answer.code, Code::kAccessReject);
  EXPECT_EQ(last_decision()["reason_code"], 65);
  EXPECT_EQ(last_decision()["policy"], "no-alice");

  NetworkPolicySettings other;
  other.name = "wifi-only";
  other.when.nas = {"wifi-controller"};
  build({other});
  EapTlsPeer unmatched(client_context(pki_.leaf), {});
  EXPECT_EQ(authenticate(unmatched).answer.code, Code::kAccessReject);
  EXPECT_EQ(last_decision()["reason_code"], 48);
}

TEST_F(AccessHandlerTest, AClientWithoutTheClientAuthPurposeIsDeniedWith283) {
  CertificateOptions options = default_pki_options().leaf;
  options.eku = {"1.3.6.1.5.5.7.3.1"};
  TestCa server_only = make_ca(options, &pki_.issuing);
  EapTlsPeer peer(client_context(server_only), {});
  EXPECT_EQ(authenticate(peer).answer.code, Code::kAccessReject);
  EXPECT_EQ(last_decision()["reason_code"], 283);
}

TEST_F(AccessHandlerTest, TheNasFramedMtuBoundsTheFragmentsSent) {
  EapTlsPeer peer(client_context(pki_.leaf), {});
  Packet next = request(identity("alice"));
  const std::uint8_t mtu[] = {0, 0, 0x01, 0x2c};  // 300
  next.add(attribute::kFramedMtu, mtu);
  std::size_t largest = 0;
  std::optional<Packet> answer;
  for (int round = 0; round < 50; ++round) {
    answer = handle(next);
    ASSERT_TRUE(answer.has_value());
    if (answer->code != Code::kAccessChallenge) break;
    EapPacket eap = eap_of(*answer);
    largest = std::max(largest, encode_eap(eap).size());
    EapTlsStep step = must(peer.receive(eap));
    ASSERT_EQ(step.kind, EapTlsStep::Kind::kSend);
    next = request(*step.packet, answer->find(attribute::kState)->value);
  }
  EXPECT_EQ(answer->code, Code::kAccessAccept);
  EXPECT_LE(largest, 300u);
  EXPECT_GT(largest, 250u) << "the fragments fill what the MTU allows";
}

TEST_F(AccessHandlerTest, ProxyStateIsEchoedInOrder) {
  Packet identity_request = request(identity("alice"));
  identity_request.add(attribute::kProxyState, bytes_of("first"));
  identity_request.add(attribute::kProxyState, bytes_of("second"));
  std::optional<Packet> challenge = handle(identity_request);
  ASSERT_TRUE(challenge.has_value());
  std::vector<std::string> echoed;
  for (const Attribute& each : challenge->attributes) {
    if (each.type == attribute::kProxyState) echoed.emplace_back(each.value.begin(), each.value.end());
  }
  EXPECT_EQ(echoed, (std::vector<std::string>{"first", "second"}));
}

TEST_F(AccessHandlerTest, StatusServerIsAnsweredAlive) {
  Packet status = request(std::nullopt);
  status.code = Code::kStatusServer;
  std::optional<Packet> answer = handle(status);
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->code, Code::kAccessAccept);
}

// The bad input of a conversation: each is rejected (with a decision event) or dropped (counted).
TEST_F(AccessHandlerTest, BadInputIsRejectedOrDroppedAndChangesNothing) {
  // The State of a conversation under way, for the cases that need one.
  auto open = [&]() -> Bytes {
    std::optional<Packet> challenge = handle(request(identity("alice")));
    EXPECT_TRUE(challenge && challenge->code == Code::kAccessChallenge);
    return challenge ? challenge->find(attribute::kState)->value : Bytes{};
  };
  auto rejected_with = [&](const std::optional<Packet>& answer, int reason, std::string_view because) {
    ASSERT_TRUE(answer.has_value());
    EXPECT_EQ(answer->code, Code::kAccessReject);
    nlohmann::json decision = last_decision();
    EXPECT_EQ(decision["event"], 6273);
    EXPECT_EQ(decision["reason_code"], reason);
    EXPECT_NE(decision["explanation"].get<std::string>().find(because), std::string::npos) << decision.dump();
  };

  SCOPED_TRACE("no EAP-Message");
  rejected_with(handle(request(std::nullopt)), 22, "carries no EAP-Message");

  SCOPED_TRACE("an EAP length that disagrees with the attributes");
  Packet long_eap = request(std::nullopt);
  long_eap.add(attribute::kEapMessage, Bytes{2, 0, 0, 40, 1, 'a'});
  EXPECT_FALSE(handle(long_eap).has_value());
  EXPECT_EQ(counters_.dropped_malformed_eap, 1u);

  SCOPED_TRACE("an EAP Request from the NAS");
  EXPECT_FALSE(handle(request(EapPacket{EapCode::kRequest, 1, eap_type::kIdentity, {}})).has_value());
  EXPECT_EQ(counters_.dropped_malformed_eap, 2u);

  SCOPED_TRACE("an unknown State");
  rejected_with(handle(request(EapPacket{EapCode::kResponse, 1, eap_type::kTls, {0}}, bytes_of("no-such-state-16"))),
                22, "names no conversation");

  SCOPED_TRACE("EAP-TLS without a State");
  rejected_with(handle(request(EapPacket{EapCode::kResponse, 1, eap_type::kTls, {0}})), 22, "without a State");

  SCOPED_TRACE("a State another NAS was given");
  Bytes state = open();
  rejected_with(handle(request(EapPacket{EapCode::kResponse, 1, eap_type::kTls, {0}}, state),
                       NasClient{"wifi-controller", Secret(std::string(kSecret))}),
                22, "names no conversation");
  EXPECT_EQ(conversations_->size(), 1u) << "the owner's conversation is untouched";

  SCOPED_TRACE("a Nak: the client wants PEAP");
  rejected_with(handle(request(EapPacket{EapCode::kResponse, 1, eap_type::kNak, {25}}, state)), 22,
                "proposed EAP types 25");
  EXPECT_EQ(conversations_->size(), 0u);

  SCOPED_TRACE("another EAP type in answer to EAP-TLS");
  state = open();
  rejected_with(handle(request(EapPacket{EapCode::kResponse, 1, 4, {16, 1, 2, 3}}, state)), 22, "EAP type 4");

  SCOPED_TRACE("a TLS record of garbage");
  state = open();
  Bytes garbage(200, 0x42);
  garbage.insert(garbage.begin(), 0x00);  // EAP-TLS flags: none
  rejected_with(handle(request(EapPacket{EapCode::kResponse, 1, eap_type::kTls, garbage}, state)), 22,
                "TLS handshake failed");

  SCOPED_TRACE("a flight announced past the reassembly limit");
  state = open();
  Bytes huge = {tls_flag::kLengthIncluded | tls_flag::kMoreFragments, 0x00, 0x10, 0x00, 0x00, 0x16};
  rejected_with(handle(request(EapPacket{EapCode::kResponse, 1, eap_type::kTls, huge}, state)), 22,
                "TLS handshake failed");

  SCOPED_TRACE("a Response to an older Request");
  state = open();
  EXPECT_FALSE(handle(request(EapPacket{EapCode::kResponse, 7, eap_type::kTls, {0}}, state)).has_value());
  EXPECT_EQ(counters_.dropped_out_of_order, 1u);
  EXPECT_EQ(conversations_->size(), 1u) << "the conversation waits for the right answer";
}

TEST_F(AccessHandlerTest, AFloodOfNewConversationsLeavesTheOnesUnderWayAlone) {
  build({}, ConversationLimits{.max_total = 1, .max_per_nas = 1, .idle_timeout = std::chrono::seconds(30)});
  EapTlsPeer peer(client_context(pki_.leaf), {});
  Packet first = request(identity("alice"));
  std::optional<Packet> challenge = handle(first);
  ASSERT_TRUE(challenge.has_value());
  for (int i = 0; i < 20; ++i) EXPECT_FALSE(handle(request(identity("flood"))).has_value());
  EXPECT_EQ(counters_.dropped_conversation_full, 20u);
  // The conversation under way still finishes.
  for (int round = 0; round < 20 && challenge->code == Code::kAccessChallenge; ++round) {
    EapTlsStep step = must(peer.receive(eap_of(*challenge)));
    ASSERT_EQ(step.kind, EapTlsStep::Kind::kSend);
    challenge = handle(request(*step.packet, challenge->find(attribute::kState)->value));
    ASSERT_TRUE(challenge.has_value());
  }
  EXPECT_EQ(challenge->code, Code::kAccessAccept);
}

}  // namespace
}  // namespace nimbus::radius
