#include "radius/authentication.h"

#include <fmt/format.h>

#include "radius/mppe.h"

namespace nimbus::radius {

namespace {

// More round trips than any EAP-TLS handshake of 64 KiB in 1,000-octet fragments needs.
constexpr int kMaxRoundTrips = 160;
constexpr std::uint8_t kFramedMtu[] = {0, 0, 0x05, 0x78};  // 1400: RFC 3579 §2.4
constexpr std::size_t kMppeKeySize = 32;

Packet access_request(const AuthenticationOptions& options, const EapPacket& eap, const Bytes& state) {
  Packet request;
  request.code = Code::kAccessRequest;
  request.add(attribute::kUserName, as_bytes(options.identity));
  request.add(attribute::kNasIdentifier, as_bytes(options.nas_identifier));
  request.add(attribute::kCallingStationId, as_bytes(options.calling_station_id));
  request.add(attribute::kFramedMtu, kFramedMtu);
  request.add_split(attribute::kEapMessage, encode_eap(eap));
  if (!state.empty()) request.add(attribute::kState, state);
  return request;
}

std::optional<bool> keys_match(const Answer& answer, const x509::TlsSession& session, ByteView secret) {
  auto recv = recover_mppe_key(answer.packet, MppeKey::kRecv, secret, answer.request_authenticator);
  auto send = recover_mppe_key(answer.packet, MppeKey::kSend, secret, answer.request_authenticator);
  if (!recv.ok() && !send.ok() && recv.error().code() == ErrorCode::kNotFound) return std::nullopt;
  auto msk = eap_tls_msk(session);
  if (!msk.ok() || !recv.ok() || !send.ok()) return false;
  ByteView derived(*msk);
  return *recv == Bytes(derived.begin(), derived.begin() + kMppeKeySize) &&
         *send == Bytes(derived.begin() + kMppeKeySize, derived.end());
}

}  // namespace

Result<AuthenticationOutcome> authenticate_eap_tls(RadiusClient& client, const x509::TlsContext& context,
                                                  const AuthenticationOptions& options) {
  auto started = std::chrono::steady_clock::now();
  AuthenticationOutcome outcome;
  EapTlsPeer peer(context, options.limits, options.resume ? &*options.resume : nullptr);
  auto finish = [&] {
    auto elapsed = std::chrono::steady_clock::now() - started;
    outcome.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(elapsed);
    outcome.elapsed_precise = std::chrono::duration_cast<std::chrono::microseconds>(elapsed);
    outcome.resumed = peer.session().resumed();
    outcome.resumable = peer.session().resumable_session();
  };
  Bytes identity(options.identity.begin(), options.identity.end());
  EapPacket response{EapCode::kResponse, 0, eap_type::kIdentity, identity};
  Bytes state;
  for (int round = 0; round < kMaxRoundTrips; ++round) {
    NIMBUS_ASSIGN_OR_RETURN(Answer answer, client.exchange(access_request(options, response, state)));
    ++outcome.round_trips;
    const Packet& packet = answer.packet;
    if (packet.code == Code::kAccessAccept || packet.code == Code::kAccessReject) {
      outcome.decision = packet.code;
      outcome.final_answer = packet;
      outcome.tls_version = peer.session().version();
      outcome.server_chain = peer.session().peer_chain();
      if (packet.code == Code::kAccessAccept) outcome.keys_match = keys_match(answer, peer.session(), client.secret());
      finish();
      return outcome;
    }
    if (packet.code != Code::kAccessChallenge) {
      return Error(ErrorCode::kMalformed, fmt::format("the server answered an Access-Request with {}", code_name(packet.code)));
    }
    const Attribute* next_state = packet.find(attribute::kState);
    state = next_state ? next_state->value : Bytes();
    auto eap = decode_eap(packet.joined(attribute::kEapMessage));
    if (!eap.ok()) return std::move(eap).error().with_context("the server's Access-Challenge");
    if (eap->code != EapCode::kRequest) {
      return Error(ErrorCode::kMalformed, "the server's Access-Challenge carries no EAP Request");
    }
    if (eap->type != eap_type::kTls) {
      // The server proposed another method first (FreeRADIUS's default is MD5): ask for EAP-TLS.
      response = EapPacket{EapCode::kResponse, eap->identifier, eap_type::kNak, Bytes{eap_type::kTls}};
      continue;
    }
    NIMBUS_ASSIGN_OR_RETURN(EapTlsStep step, peer.receive(*eap));
    if (step.kind == EapTlsStep::Kind::kFailed) {
      // The conversation ends here, as a supplicant's that gives up: the server forgets it when
      // its State expires.
      outcome.method_failure = step.reason;
      outcome.final_answer = packet;
      finish();
      return outcome;
    }
    response = *step.packet;
  }
  return Error(ErrorCode::kMalformed, fmt::format("the server did not decide within {} round trips", kMaxRoundTrips));
}

}  // namespace nimbus::radius
