// Fuzzes the RADIUS server's conversations: a sequence of Access-Requests (each datagram preceded
// by its length, two octets) handed to the access handler as the UDP listener would after the
// Message-Authenticator check — EAP decoding, the conversation table, the EAP-TLS state machine and
// OpenSSL's server side of the handshake on whatever the client sends. A State attribute holding
// "last" stands for the State of the previous answer, so that mutations reach past the first
// round trip. Nothing may crash or leak, and every answer must be a RADIUS answer that encodes.
#include <cstddef>
#include <cstdint>
#include <memory>

#include "crypto/key.h"
#include "crypto/random.h"
#include "radius/service/access_handler.h"
#include "x509/certificate_builder.h"
#include "x509/extensions.h"

#include "input_scope.h"

namespace {

using namespace nimbus;
using namespace nimbus::radius;

// One server for the whole run: a self-signed certificate is both its TLS identity and the only
// trust anchor, so that a chain can reach the decision without any fetch.
struct Server {
  crypto::PrivateKey key = *crypto::PrivateKey::generate(*crypto::KeySpec::parse("ec:p256"));
  x509::Certificate certificate = make_certificate();
  x509::TlsContext tls = *x509::TlsContext::server(certificate, {}, key, resumable());
  verify::Verifier verifier{*verify::TrustAnchors::from({certificate}), nullptr, nullptr};
  CertificateDecision decision{verifier, verify::RevocationPolicy{},
                               std::make_shared<const NetworkPolicies>(*NetworkPolicies::build({})), IssuedLookup{}};
  std::unique_ptr<DecisionLog> log = open_log();
  ConversationTable conversations{ConversationLimits{.max_total = 64, .max_per_nas = 64,
                                                     .idle_timeout = std::chrono::seconds(30)}};
  AccessCounters counters;
  AccessHandler handler{tls, EapTlsLimits{}, conversations, decision, *log, counters};
  NasClient nas{"fuzz-nas", Secret(std::string("fuzzing"))};

  static std::unique_ptr<DecisionLog> open_log() {
    auto log = DecisionLog::open("/dev/null");
    return std::move(*log);
  }
  static x509::TlsOptions resumable() {
    x509::TlsOptions options;
    options.session_lifetime = std::chrono::seconds(60);
    return options;
  }
  x509::Certificate make_certificate() const {
    x509::DistinguishedName name = *x509::DistinguishedName::parse("CN=fuzz.radius.test");
    x509::CertificateBuilder builder;
    builder.set_subject(name)
        .set_issuer(name)
        .set_serial(*crypto::random_serial())
        .set_validity(now_utc() - std::chrono::hours(1), now_utc() + std::chrono::hours(24 * 365))
        .set_public_key(key.public_key());
    return *builder.sign(key, crypto::SignatureDigest::kSha256);
  }
};

Server& server() {
  static Server* instance = new Server();  // never destroyed: the fuzzer exits without unwinding
  return *instance;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  nimbus::fuzz::InputScope scope;
  Server& s = server();
  Bytes last_state;
  const boost::asio::ip::address from = boost::asio::ip::make_address("192.0.2.1");
  for (std::size_t at = 0; at + 2 <= size;) {
    std::size_t length = (std::size_t{data[at]} << 8) | data[at + 1];
    at += 2;
    if (length > size - at) length = size - at;
    auto packet = decode_packet(ByteView(data + at, length));
    at += length;
    if (!packet.ok()) continue;
    for (Attribute& attribute : packet->attributes) {
      if (attribute.type == attribute::kState && attribute.value == Bytes{'l', 'a', 's', 't'} && !last_state.empty()) {
        attribute.value = last_state;
      }
    }
    std::optional<Packet> answer = s.handler.handle(s.nas, from, *packet);
    if (!answer) continue;
    if (answer->code != Code::kAccessChallenge && answer->code != Code::kAccessAccept &&
        answer->code != Code::kAccessReject) {
      __builtin_trap();
    }
    if (!encode_packet(*answer).ok()) __builtin_trap();
    if (const Attribute* state = answer->find(attribute::kState)) last_state = state->value;
  }
  // Each input starts afresh: what it left open is forgotten, as a stalled conversation would be.
  s.conversations.expire(std::chrono::steady_clock::now() + std::chrono::hours(1));
  return 0;
}
