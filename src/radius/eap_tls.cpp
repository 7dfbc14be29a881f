#include "radius/eap_tls.h"

#include <utility>

#include <fmt/format.h>

namespace nimbus::radius {

namespace {

constexpr std::size_t kMskSize = 64;
constexpr std::size_t kKeyMaterialSize = 128;
// RFC 9190 §2.5: the server's last handshake message is followed by one octet of application data.
constexpr std::uint8_t kCommitment = 0x00;

// An empty EAP-TLS packet: the acknowledgement of a fragment (RFC 5216 §3.2, §3.3).
Bytes acknowledgement() { return encode_tls_fragment(TlsFragment{}); }

std::string refused_method(const EapPacket& packet) {
  if (packet.type == eap_type::kNak) {
    std::string proposed;
    for (std::uint8_t type : packet.data) proposed += fmt::format("{}{}", proposed.empty() ? "" : ", ", type);
    return fmt::format("the peer refused EAP-TLS and proposed EAP type(s) {}", proposed.empty() ? "none" : proposed);
  }
  return fmt::format("the peer answered with EAP type {}, not EAP-TLS", packet.type.value_or(0));
}

EapTlsStep failed(std::string reason) { return EapTlsStep{EapTlsStep::Kind::kFailed, std::nullopt, std::move(reason)}; }

void queue_flight(std::deque<TlsFragment>& outgoing, ByteView records, std::size_t fragment_size) {
  for (auto& fragment : fragment_flight(records, fragment_size)) outgoing.push_back(std::move(fragment));
}

}  // namespace

Result<Bytes> eap_tls_msk(const x509::TlsSession& session) {
  Result<Bytes> material = Error(ErrorCode::kFailedPrecondition, "the EAP-TLS handshake is not finished");
  if (session.version() == x509::TlsVersion::k1_3) {
    const std::uint8_t type_code = eap_type::kTls;
    material = session.export_keying_material("EXPORTER_EAP_TLS_Key_Material", ByteView(&type_code, 1),
                                              kKeyMaterialSize);
  } else if (session.version() == x509::TlsVersion::k1_2) {
    material = session.export_keying_material("client EAP encryption", std::nullopt, kKeyMaterialSize);
  }
  if (!material.ok()) return material;
  material->resize(kMskSize);
  return material;
}

// ---- Server ---------------------------------------------------------------------------------------

EapTlsServer::EapTlsServer(const x509::TlsContext& context, EapTlsLimits limits)
    : session_(context), limits_(limits), reassembly_(limits.flight_limit) {}

EapPacket EapTlsServer::start(std::uint8_t identifier) {
  identifier_ = identifier;
  return EapPacket{EapCode::kRequest, identifier_, eap_type::kTls,
                   encode_tls_fragment(TlsFragment{tls_flag::kStart, std::nullopt, {}})};
}

EapTlsStep EapTlsServer::request(Bytes data) {
  ++identifier_;
  return EapTlsStep{EapTlsStep::Kind::kSend, EapPacket{EapCode::kRequest, identifier_, eap_type::kTls, std::move(data)}, {}};
}

EapTlsStep EapTlsServer::send_next_fragment() {
  TlsFragment next = std::move(outgoing_.front());
  outgoing_.pop_front();
  return request(encode_tls_fragment(next));
}

Result<EapTlsStep> EapTlsServer::receive(const EapPacket& response) {
  if (response.code != EapCode::kResponse || response.identifier != identifier_) {
    return Error(ErrorCode::kInvalidArgument,
                 fmt::format("an EAP packet with identifier {} does not answer the last Request ({})",
                             response.identifier, identifier_));
  }
  if (response.type != eap_type::kTls) return failed(refused_method(response));
  auto fragment = decode_tls_fragment(response.data);
  if (!fragment.ok()) return failed(fragment.error().message());

  if (!outgoing_.empty()) {
    if (!fragment->acknowledgement()) return failed("the peer sent TLS data before acknowledging our fragment");
    return send_next_fragment();
  }
  // Our last flight is out; once the handshake is done, all the peer has left to say is that it
  // arrived.
  if (session_.established()) {
    if (!fragment->acknowledgement()) return failed("the peer sent TLS data after the handshake ended");
    return EapTlsStep{EapTlsStep::Kind::kComplete, std::nullopt, {}};
  }

  auto whole = reassembly_.add(*fragment);
  if (!whole.ok()) return failed(whole.error().message());
  if (!*whole) return request(acknowledgement());
  auto records = session_.exchange(reassembly_.take());
  if (!records.ok()) return failed(records.error().message());
  if (session_.established() && session_.version() == x509::TlsVersion::k1_3 && !committed_) {
    if (auto sent = session_.send(ByteView(&kCommitment, 1)); !sent.ok()) return failed(sent.error().message());
    Bytes commitment = session_.pending_output();
    records->insert(records->end(), commitment.begin(), commitment.end());
    committed_ = true;
  }
  if (records->empty()) return request(acknowledgement());
  queue_flight(outgoing_, *records, limits_.fragment_size);
  return send_next_fragment();
}

// ---- Peer -----------------------------------------------------------------------------------------

EapTlsPeer::EapTlsPeer(const x509::TlsContext& context, EapTlsLimits limits, const x509::TlsResumableSession* resume)
    : session_(context, resume), limits_(limits), reassembly_(limits.flight_limit) {}

bool EapTlsPeer::finished() const {
  return session_.established() && (session_.version() == x509::TlsVersion::k1_2 || committed_);
}

EapTlsStep EapTlsPeer::respond(std::uint8_t identifier, Bytes data) {
  return EapTlsStep{EapTlsStep::Kind::kSend, EapPacket{EapCode::kResponse, identifier, eap_type::kTls, std::move(data)}, {}};
}

EapTlsStep EapTlsPeer::send_next_fragment(std::uint8_t identifier) {
  TlsFragment next = std::move(outgoing_.front());
  outgoing_.pop_front();
  return respond(identifier, encode_tls_fragment(next));
}

Result<EapTlsStep> EapTlsPeer::receive(const EapPacket& request) {
  if (request.code != EapCode::kRequest || request.type != eap_type::kTls) {
    return Error(ErrorCode::kInvalidArgument, "not an EAP-TLS Request");
  }
  auto fragment = decode_tls_fragment(request.data);
  if (!fragment.ok()) return failed(fragment.error().message());

  if (!started_) {
    if (!fragment->start()) return failed("the server's first EAP-TLS Request is not a Start");
    started_ = true;
    auto hello = session_.exchange({});
    if (!hello.ok()) return failed(hello.error().message());
    queue_flight(outgoing_, *hello, limits_.fragment_size);
    return send_next_fragment(request.identifier);
  }
  if (!outgoing_.empty()) {
    if (!fragment->acknowledgement()) return failed("the server sent TLS data before acknowledging our fragment");
    return send_next_fragment(request.identifier);
  }
  auto whole = reassembly_.add(*fragment);
  if (!whole.ok()) return failed(whole.error().message());
  if (!*whole) return respond(request.identifier, acknowledgement());
  auto records = session_.exchange(reassembly_.take());
  if (!records.ok()) return failed(records.error().message());
  Bytes received = session_.take_received();
  if (!received.empty()) {
    if (session_.version() != x509::TlsVersion::k1_3 || received != Bytes{kCommitment}) {
      return failed("the server sent application data other than the TLS 1.3 commitment message");
    }
    committed_ = true;
  }
  if (records->empty()) return respond(request.identifier, acknowledgement());
  queue_flight(outgoing_, *records, limits_.fragment_size);
  return send_next_fragment(request.identifier);
}

}  // namespace nimbus::radius
