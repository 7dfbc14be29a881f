#include "radius/service/access_handler.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/bytes.h"
#include "core/log_text.h"
#include "crypto/random.h"
#include "radius/mppe.h"

namespace nimbus::radius {

namespace {

Packet answer(const Packet& request, Code code) {
  Packet response;
  response.code = code;
  response.identifier = request.identifier;
  return response;
}

void add_eap(Packet& packet, const EapPacket& eap) { packet.add_split(attribute::kEapMessage, encode_eap(eap)); }

EapPacket eap_outcome(EapCode code, std::uint8_t identifier) {
  EapPacket eap;
  eap.code = code;
  eap.identifier = identifier;
  return eap;
}

DecisionEvent event_for(const NasClient& nas, const boost::asio::ip::address& from, const Packet& request) {
  DecisionEvent event;
  event.at = now_utc();
  event.nas = nas.name;
  event.nas_address = from.to_string();
  event.nas_identifier = request.text(attribute::kNasIdentifier);
  event.calling_station = request.text(attribute::kCallingStationId);
  event.called_station = request.text(attribute::kCalledStationId);
  return event;
}

// RFC 3579 §2.4: the NAS's Framed-MTU bounds the EAP packets it can carry to the client. An EAP-TLS
// Request adds 10 octets to its TLS data (code, identifier, length, type, flags, TLS length).
EapTlsLimits limits_for(const Packet& request, EapTlsLimits limits) {
  constexpr std::size_t kEapTlsOverhead = 10;
  constexpr std::size_t kSmallestFragment = 64;
  const Attribute* mtu = request.find(attribute::kFramedMtu);
  if (mtu == nullptr || mtu->value.size() != 4) return limits;
  std::size_t octets = (std::size_t{mtu->value[0]} << 24) | (std::size_t{mtu->value[1]} << 16) |
                       (std::size_t{mtu->value[2]} << 8) | mtu->value[3];
  if (octets < kSmallestFragment + kEapTlsOverhead) return limits;  // nonsense: keep the configured size
  limits.fragment_size = std::min(limits.fragment_size, octets - kEapTlsOverhead);
  return limits;
}

// The EAP types a Nak proposes, for the log: "25, 26".
std::string proposed_types(const EapPacket& nak) {
  std::string types;
  for (std::uint8_t type : nak.data) types += fmt::format("{}{}", types.empty() ? "" : ", ", type);
  return types.empty() ? "none" : types;
}

}  // namespace

AccessHandler::AccessHandler(const x509::TlsContext& tls, EapTlsLimits limits, ConversationTable& conversations,
                             const CertificateDecision& decision, DecisionLog& log, AccessCounters& counters)
    : tls_(tls), limits_(limits), conversations_(conversations), decision_(decision), log_(log), counters_(counters) {}

std::optional<Packet> AccessHandler::handle(const NasClient& nas, const boost::asio::ip::address& from,
                                            const Packet& request) {
  std::optional<Packet> response;
  if (request.code == Code::kStatusServer) {
    response = answer(request, Code::kAccessAccept);  // RFC 5997 §4: alive
  } else if (request.count(attribute::kEapMessage) == 0) {
    response = refuse(nas, from, request, request.text(attribute::kUserName), std::nullopt,
                      verify::ReasonCode::kEapTypeNotProcessable,
                      "the request carries no EAP-Message: this server authenticates by EAP-TLS only");
  } else if (auto eap = decode_eap(request.joined(attribute::kEapMessage)); !eap.ok()) {
    ++counters_.dropped_malformed_eap;
    spdlog::warn("radius: dropped an Access-Request from NAS {} ({}): {}", loggable(nas.name), from.to_string(),
                 loggable(eap.error().message()));
  } else if (eap->code != EapCode::kResponse) {
    ++counters_.dropped_malformed_eap;
    spdlog::warn("radius: dropped an Access-Request from NAS {} ({}): it carries an EAP {} where a Response belongs",
                 loggable(nas.name), from.to_string(), static_cast<int>(eap->code));
  } else if (const Attribute* state = request.find(attribute::kState); state == nullptr) {
    if (eap->type == eap_type::kIdentity) {
      response = open_conversation(nas, request, *eap);
    } else {
      response = refuse(nas, from, request, request.text(attribute::kUserName), eap->identifier,
                        verify::ReasonCode::kEapTypeNotProcessable,
                        fmt::format("an EAP Response of type {} without a State: a conversation starts with an "
                                    "EAP-Response/Identity",
                                    eap->type.value_or(0)));
    }
  } else if (std::shared_ptr<Conversation> conversation = conversations_.find(state->value, nas.name)) {
    std::lock_guard lock(conversation->mutex);
    if (!conversation->finished) response = continue_conversation(nas, from, request, *conversation, *eap);
  } else {
    response = refuse(nas, from, request, request.text(attribute::kUserName), eap->identifier,
                      verify::ReasonCode::kEapTypeNotProcessable,
                      "the State names no conversation under way (it expired, was decided, or never existed)");
  }
  if (response) copy_proxy_state(request, *response);
  return response;
}

std::optional<Packet> AccessHandler::open_conversation(const NasClient& nas, const Packet& request,
                                                       const EapPacket& identity) {
  auto conversation =
      conversations_.admit(std::make_unique<Conversation>(nas.name, tls_, limits_for(request, limits_)));
  if (!conversation) {
    ++counters_.dropped_conversation_full;
    return std::nullopt;  // the listener logs the drops, throttled: a flood must not flood the log too
  }
  std::lock_guard lock(conversation->mutex);
  conversation->identity.assign(identity.data.begin(), identity.data.end());
  Packet challenge = answer(request, Code::kAccessChallenge);
  add_eap(challenge, conversation->tls.start(static_cast<std::uint8_t>(identity.identifier + 1)));
  challenge.add(attribute::kState, conversation->state);
  ++counters_.challenges;
  return challenge;
}

std::optional<Packet> AccessHandler::continue_conversation(const NasClient& nas, const boost::asio::ip::address& from,
                                                           const Packet& request, Conversation& conversation,
                                                           const EapPacket& response) {
  auto give_up = [&](std::string why) {
    conversation.finished = true;
    conversations_.remove(conversation.state);
    return refuse(nas, from, request, conversation.identity, response.identifier,
                  verify::ReasonCode::kEapTypeNotProcessable, std::move(why));
  };
  if (response.type == eap_type::kNak) {
    return give_up(fmt::format("the client refused EAP-TLS and proposed EAP types {}; this server offers EAP-TLS only",
                               proposed_types(response)));
  }
  if (response.type != eap_type::kTls) {
    return give_up(fmt::format("the client answered EAP-TLS with EAP type {}", response.type.value_or(0)));
  }
  auto step = conversation.tls.receive(response);
  if (!step.ok()) {
    // A Response to an older Request: a retransmission the NAS made on its own. RFC 3748 §4.1
    // says to discard it.
    ++counters_.dropped_out_of_order;
    return std::nullopt;
  }
  switch (step->kind) {
    case EapTlsStep::Kind::kSend: {
      Packet challenge = answer(request, Code::kAccessChallenge);
      add_eap(challenge, *step->packet);
      challenge.add(attribute::kState, conversation.state);
      ++counters_.challenges;
      return challenge;
    }
    case EapTlsStep::Kind::kFailed: return give_up(fmt::format("the TLS handshake failed: {}", step->reason));
    case EapTlsStep::Kind::kComplete: break;
  }
  conversation.finished = true;
  conversations_.remove(conversation.state);
  return finish(nas, from, request, conversation, response.identifier);
}

Packet AccessHandler::finish(const NasClient& nas, const boost::asio::ip::address& from, const Packet& request,
                             Conversation& conversation, std::uint8_t identifier) {
  const x509::TlsSession& session = conversation.tls.session();
  std::vector<x509::Certificate> chain = session.peer_chain();
  if (chain.empty()) {
    return refuse(nas, from, request, conversation.identity, identifier, verify::ReasonCode::kEapTypeNotProcessable,
                  "the client finished the TLS handshake without a certificate");
  }
  DecisionEvent event = event_for(nas, from, request);
  RequestFacts facts;
  facts.nas = nas.name;
  facts.nas_address = from;
  facts.at = event.at;
  Decision decision = decision_.decide(chain, std::move(facts), session.resumed());
  event.resumed = session.resumed();

  const x509::Certificate& leaf = chain.front();
  event.user = conversation.identity;
  event.user_name = decision.user_name;
  event.subject = leaf.subject().to_string();
  event.issuer = leaf.issuer().to_string();
  event.serial = leaf.serial_hex();
  event.thumbprint = to_hex(leaf.sha1_thumbprint());
  event.policy = decision.policy;
  if (auto version = session.version()) event.tls_version = std::string(x509::tls_version_name(*version));
  event.reason = decision.reason;
  event.explanation = decision.explanation;
  event.fix = decision.fix;
  event.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                            conversation.started)
                          .count();

  Packet response = answer(request, decision.granted ? Code::kAccessAccept : Code::kAccessReject);
  if (decision.granted) {
    auto msk = eap_tls_msk(session);
    auto salts = crypto::random_bytes(4);
    if (!msk.ok() || !salts.ok()) {
      decision.granted = false;
      response.code = Code::kAccessReject;
      event.reason = verify::ReasonCode::kEapTypeNotProcessable;
      event.explanation = "the EAP-TLS keys could not be derived";
      spdlog::error("radius: no MS-MPPE keys for a granted client: {}",
                    msk.ok() ? salts.error().message() : msk.error().message());
    } else {
      ByteView keys(*msk);
      auto salt = [&](int i) { return static_cast<std::uint16_t>(((*salts)[i] << 8) | (*salts)[i + 1]); };
      std::uint16_t recv_salt = salt(0), send_salt = salt(2);
      if ((recv_salt | 0x8000) == (send_salt | 0x8000)) send_salt ^= 1;  // RFC 2548: salts of one packet differ
      ByteView secret = as_bytes(nas.secret.reveal());
      add_eap(response, eap_outcome(EapCode::kSuccess, identifier));
      response.attributes.push_back(
          mppe_key_attribute(MppeKey::kRecv, keys.subspan(0, 32), recv_salt, secret, request.authenticator));
      response.attributes.push_back(
          mppe_key_attribute(MppeKey::kSend, keys.subspan(32, 32), send_salt, secret, request.authenticator));
      if (!decision.user_name.empty() && decision.user_name.size() <= kMaxAttributeValueSize) {
        response.add(attribute::kUserName,
                     ByteView(reinterpret_cast<const std::uint8_t*>(decision.user_name.data()), decision.user_name.size()));
      }
      for (const Attribute& attribute : decision.attributes) response.attributes.push_back(attribute);
      conversation.tls.retain_for_resumption();
    }
  }
  if (response.code == Code::kAccessReject) add_eap(response, eap_outcome(EapCode::kFailure, identifier));
  event.granted = response.code == Code::kAccessAccept;
  ++(event.granted ? counters_.accepts : counters_.rejects);
  log_.write(event);
  return response;
}

Packet AccessHandler::refuse(const NasClient& nas, const boost::asio::ip::address& from, const Packet& request,
                             const std::string& identity, std::optional<std::uint8_t> identifier,
                             verify::ReasonCode reason, std::string explanation) {
  DecisionEvent event = event_for(nas, from, request);
  event.user = identity;
  event.reason = reason;
  event.explanation = std::move(explanation);
  log_.write(event);
  ++counters_.rejects;
  Packet response = answer(request, Code::kAccessReject);
  if (identifier) add_eap(response, eap_outcome(EapCode::kFailure, *identifier));
  return response;
}

}  // namespace nimbus::radius
