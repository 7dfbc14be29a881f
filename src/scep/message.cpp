#include "scep/message.h"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

#include "x509/der_reader.h"
#include "x509/der_writer.h"
#include "x509/pkcs7_certificates.h"

namespace nimbus::scep {

namespace {

constexpr std::string_view kRequestAttributes[] = {oid::kMessageType, oid::kTransactionId, oid::kSenderNonce};
constexpr std::string_view kReplyAttributes[] = {oid::kMessageType, oid::kPkiStatus,      oid::kFailInfo,
                                                 oid::kTransactionId, oid::kSenderNonce, oid::kRecipientNonce};
constexpr std::size_t kNonceSize = 16;  // RFC 8894 §3.2.1.5

std::string text_of(const x509::SignedAttribute* attribute) {
  return attribute ? std::string(attribute->value.begin(), attribute->value.end()) : std::string();
}

std::optional<int> number_of(const x509::SignedAttribute* attribute) {
  if (attribute == nullptr || attribute->type != x509::SignedAttribute::Type::kPrintableString) return std::nullopt;
  std::string text = text_of(attribute);
  int value = -1;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<MessageType> request_type(int value) {
  switch (value) {
    case 17: return MessageType::kRenewalReq;
    case 19: return MessageType::kPkcsReq;
    case 20: return MessageType::kCertPoll;
    case 21: return MessageType::kGetCert;
    case 22: return MessageType::kGetCrl;
    default: return std::nullopt;
  }
}

x509::SignedAttribute printable(std::string_view oid, std::string_view text) {
  return {std::string(oid), x509::SignedAttribute::Type::kPrintableString, Bytes(text.begin(), text.end())};
}

x509::SignedAttribute octets(std::string_view oid, ByteView value) {
  return {std::string(oid), x509::SignedAttribute::Type::kOctetString, Bytes(value.begin(), value.end())};
}

Error refused(Refusal* refusal, Refusal what) {
  Error error(ErrorCode::kInvalidArgument, what.reason);
  if (refusal != nullptr) *refusal = std::move(what);
  return error;
}

}  // namespace

std::string_view message_type_name(MessageType type) {
  switch (type) {
    case MessageType::kCertRep: return "CertRep";
    case MessageType::kRenewalReq: return "RenewalReq";
    case MessageType::kPkcsReq: return "PKCSReq";
    case MessageType::kCertPoll: return "CertPoll";
    case MessageType::kGetCert: return "GetCert";
    case MessageType::kGetCrl: return "GetCRL";
  }
  return "unknown";
}

std::string_view pki_status_name(PkiStatus status) {
  switch (status) {
    case PkiStatus::kSuccess: return "SUCCESS";
    case PkiStatus::kFailure: return "FAILURE";
    case PkiStatus::kPending: return "PENDING";
  }
  return "unknown";
}

std::string_view fail_info_name(FailInfo info) {
  switch (info) {
    case FailInfo::kBadAlg: return "badAlg";
    case FailInfo::kBadMessageCheck: return "badMessageCheck";
    case FailInfo::kBadRequest: return "badRequest";
    case FailInfo::kBadTime: return "badTime";
    case FailInfo::kBadCertId: return "badCertId";
  }
  return "unknown";
}

std::string_view fail_info_meaning(FailInfo info) {
  switch (info) {
    case FailInfo::kBadAlg: return "an algorithm the server does not accept (cipher or digest)";
    case FailInfo::kBadMessageCheck: return "the message's signature or envelope did not check";
    case FailInfo::kBadRequest: return "the request was refused (challenge, policy, or its form)";
    case FailInfo::kBadTime: return "the message's time is outside what the server accepts";
    case FailInfo::kBadCertId: return "no certificate matches what the request names";
  }
  return "";
}

Result<IssuerAndSerial> read_issuer_and_serial(ByteView der) {
  NIMBUS_ASSIGN_OR_RETURN(x509::der::Reader reader,
                          x509::der::Reader::message(der, x509::der::kSequence, "IssuerAndSerialNumber"));
  NIMBUS_ASSIGN_OR_RETURN(x509::der::Element issuer, reader.read(x509::der::kSequence, "issuer"));
  NIMBUS_ASSIGN_OR_RETURN(x509::der::Element serial, reader.read(x509::der::kInteger, "serialNumber"));
  if (!reader.at_end()) return Error(ErrorCode::kMalformed, "IssuerAndSerialNumber: unexpected fields after serialNumber");
  if (serial.contents.empty()) return Error(ErrorCode::kMalformed, "IssuerAndSerialNumber.serialNumber: empty");
  // Serial numbers are compared as the magnitude serial_hex() gives: no sign octet.
  ByteView magnitude = serial.contents;
  if (magnitude.size() > 1 && magnitude.front() == 0) magnitude = magnitude.subspan(1);
  return IssuerAndSerial{Bytes(issuer.encoding.begin(), issuer.encoding.end()), to_hex(magnitude)};
}

Bytes write_issuer_and_serial(const x509::Certificate& certificate) {
  Bytes serial = certificate.serial();
  // A positive INTEGER whose first octet has its high bit set needs a leading zero.
  if (!serial.empty() && (serial.front() & 0x80) != 0) serial.insert(serial.begin(), 0);
  Bytes fields = certificate.issuer().der();
  x509::der::append_element(fields, x509::der::kInteger, serial);
  Bytes out;
  x509::der::append_element(out, x509::der::kSequence, fields);
  return out;
}

Result<Request> read_request(ByteView der, const x509::Certificate& ra, const crypto::PrivateKey& ra_key,
                             std::span<const x509::ContentCipher> accepted, Refusal* refusal) {
  auto signed_message = x509::open_signed_message(der, kRequestAttributes);
  if (!signed_message.ok()) {
    // Nothing here can be trusted to address a reply to.
    return refused(refusal, {FailInfo::kBadMessageCheck, signed_message.error().message(), false, {}, {}, {}});
  }
  const x509::SignedMessage& message = *signed_message;
  Refusal answerable{FailInfo::kBadRequest, "", true, text_of(message.find(oid::kTransactionId)),
                     message.find(oid::kSenderNonce) ? message.find(oid::kSenderNonce)->value : Bytes(), message.signer};
  auto refuse = [&](FailInfo fail_info, std::string reason) {
    Refusal what = answerable;
    what.fail_info = fail_info;
    what.reason = std::move(reason);
    // Without a transactionID and senderNonce no CertRep can be matched to the request.
    what.reply_possible = !what.transaction_id.empty() && what.sender_nonce.size() == kNonceSize;
    return refused(refusal, std::move(what));
  };
  std::optional<int> type_number = number_of(message.find(oid::kMessageType));
  if (!type_number) return refuse(FailInfo::kBadRequest, "the message has no messageType, or not a number");
  std::optional<MessageType> type = request_type(*type_number);
  if (!type) return refuse(FailInfo::kBadRequest, fmt::format("messageType {} is not a request", *type_number));
  const x509::SignedAttribute* transaction = message.find(oid::kTransactionId);
  if (transaction == nullptr || transaction->type != x509::SignedAttribute::Type::kPrintableString ||
      transaction->value.empty()) {
    return refuse(FailInfo::kBadRequest, "the message has no transactionID");
  }
  const x509::SignedAttribute* nonce = message.find(oid::kSenderNonce);
  if (nonce == nullptr || nonce->type != x509::SignedAttribute::Type::kOctetString || nonce->value.size() != kNonceSize) {
    return refuse(FailInfo::kBadRequest, "the message has no senderNonce of 16 octets");
  }
  std::optional<x509::ContentCipher> cipher = x509::envelope_cipher(message.content);
  if (!cipher) return refuse(FailInfo::kBadAlg, "the messageData is not an EnvelopedData in a cipher this server knows");
  if (std::find(accepted.begin(), accepted.end(), *cipher) == accepted.end()) {
    return refuse(FailInfo::kBadAlg,
                  fmt::format("the messageData is encrypted with {}, which this server does not accept",
                              x509::content_cipher_name(*cipher)));
  }
  auto envelope = x509::open_envelope(message.content, ra, ra_key);
  if (!envelope.ok()) {
    return refuse(FailInfo::kBadMessageCheck, fmt::format("the messageData: {}", envelope.error().message()));
  }
  return Request{*type,   text_of(transaction), nonce->value, message.signer, message.digest,
                 *cipher, std::move(envelope->content)};
}

Result<Bytes> write_cert_rep(const Reply& reply, const x509::Certificate& requester, const x509::Certificate& ra,
                             const crypto::PrivateKey& ra_key) {
  std::vector<x509::SignedAttribute> attributes = {
      printable(oid::kMessageType, fmt::format("{}", static_cast<int>(MessageType::kCertRep))),
      printable(oid::kPkiStatus, fmt::format("{}", static_cast<int>(reply.status))),
      printable(oid::kTransactionId, reply.transaction_id),
      octets(oid::kSenderNonce, reply.sender_nonce),
      octets(oid::kRecipientNonce, reply.recipient_nonce),
  };
  if (reply.status == PkiStatus::kFailure) {
    if (!reply.fail_info) return Error(ErrorCode::kInvalidArgument, "a FAILURE CertRep needs a failInfo");
    attributes.push_back(printable(oid::kFailInfo, fmt::format("{}", static_cast<int>(*reply.fail_info))));
  }
  Bytes content;
  if (reply.status == PkiStatus::kSuccess) {
    NIMBUS_ASSIGN_OR_RETURN(Bytes degenerate, x509::certs_only_pkcs7(reply.certificates, reply.crls));
    NIMBUS_ASSIGN_OR_RETURN(content, x509::seal_envelope(degenerate, requester, reply.cipher));
  }
  x509::SigningRequest signing;
  signing.content = content;
  signing.signer = &ra;
  signing.key = &ra_key;
  signing.digest = reply.digest;
  signing.attributes = std::move(attributes);
  signing.certificates = reply.ra_chain;
  return x509::make_signed_message(signing);
}

Result<Bytes> write_request(const Outgoing& request, const x509::Certificate& ra) {
  if (request.signer == nullptr || request.key == nullptr) {
    return Error(ErrorCode::kInvalidArgument, "a SCEP request needs the client's certificate and key");
  }
  NIMBUS_ASSIGN_OR_RETURN(Bytes envelope, x509::seal_envelope(request.message_data, ra, request.cipher));
  x509::SigningRequest signing;
  signing.content = envelope;
  signing.signer = request.signer;
  signing.key = request.key;
  signing.digest = request.digest;
  signing.attributes = {printable(oid::kMessageType, fmt::format("{}", static_cast<int>(request.type))),
                        printable(oid::kTransactionId, request.transaction_id),
                        octets(oid::kSenderNonce, request.sender_nonce)};
  return x509::make_signed_message(signing);
}

Result<CertRep> read_cert_rep(ByteView der, const x509::Certificate& ra, const x509::Certificate& requester,
                              const crypto::PrivateKey& requester_key) {
  NIMBUS_ASSIGN_OR_RETURN(x509::SignedMessage message, x509::open_signed_message(der, kReplyAttributes));
  if (!(message.signer == ra)) {
    return Error(ErrorCode::kPermissionDenied,
                 fmt::format("the CertRep is signed by \"{}\", not by the RA", message.signer.subject().to_string()));
  }
  if (number_of(message.find(oid::kMessageType)) != static_cast<int>(MessageType::kCertRep)) {
    return Error(ErrorCode::kMalformed, "the answer is not a CertRep (messageType 3)");
  }
  std::optional<int> status = number_of(message.find(oid::kPkiStatus));
  if (!status || (*status != 0 && *status != 2 && *status != 3)) {
    return Error(ErrorCode::kMalformed, "the CertRep has no pkiStatus of 0, 2 or 3");
  }
  CertRep rep{static_cast<PkiStatus>(*status), std::nullopt, text_of(message.find(oid::kTransactionId)), {}, {},
              message.signer, {}, {}};
  if (const auto* nonce = message.find(oid::kSenderNonce)) rep.sender_nonce = nonce->value;
  if (const auto* nonce = message.find(oid::kRecipientNonce)) rep.recipient_nonce = nonce->value;
  if (rep.status == PkiStatus::kFailure) {
    std::optional<int> info = number_of(message.find(oid::kFailInfo));
    if (!info || *info < 0 || *info > 4) return Error(ErrorCode::kMalformed, "a FAILURE CertRep without a known failInfo");
    rep.fail_info = static_cast<FailInfo>(*info);
  }
  if (rep.status == PkiStatus::kSuccess) {
    NIMBUS_ASSIGN_OR_RETURN(x509::OpenedEnvelope envelope, x509::open_envelope(message.content, requester, requester_key));
    NIMBUS_ASSIGN_OR_RETURN(x509::Pkcs7Contents contents, x509::pkcs7_contents(envelope.content));
    if (contents.certificates.empty() && contents.crls.empty()) {
      return Error(ErrorCode::kMalformed, "the SUCCESS CertRep holds neither a certificate nor a CRL");
    }
    rep.certificates = std::move(contents.certificates);
    rep.crls = std::move(contents.crls);
  }
  return rep;
}

}  // namespace nimbus::scep
