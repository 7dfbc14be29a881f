// SCEP messages (RFC 8894 §3): the pkiMessage a client sends — a SignedData whose signed attributes
// say what it is (messageType, transactionID, senderNonce) around an EnvelopedData to the RA holding
// the request itself — and the CertRep the RA answers with. Both sides are here: the server reads
// requests and writes CertReps; Nimbus's own client (and the tests) write requests and read them.
//
// Thread-safety: the functions are pure; call them from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.h"
#include "core/result.h"
#include "crypto/key.h"
#include "x509/certificate.h"
#include "x509/cms_message.h"

namespace nimbus::scep {

enum class MessageType : int {
  kCertRep = 3,
  kRenewalReq = 17,
  kPkcsReq = 19,
  kCertPoll = 20,
  kGetCert = 21,
  kGetCrl = 22,
};
std::string_view message_type_name(MessageType type);  // "PKCSReq", ...

enum class PkiStatus : int { kSuccess = 0, kFailure = 2, kPending = 3 };
std::string_view pki_status_name(PkiStatus status);  // "SUCCESS", ...

enum class FailInfo : int { kBadAlg = 0, kBadMessageCheck = 1, kBadRequest = 2, kBadTime = 3, kBadCertId = 4 };
std::string_view fail_info_name(FailInfo info);     // "badRequest", ...
std::string_view fail_info_meaning(FailInfo info);  // "the request was refused: ..." in words

// The signed attributes (RFC 8894 §3.2.1: id-VeriSign 1 9 n).
namespace oid {
inline constexpr std::string_view kMessageType = "2.16.840.1.113733.1.9.2";
inline constexpr std::string_view kPkiStatus = "2.16.840.1.113733.1.9.3";
inline constexpr std::string_view kFailInfo = "2.16.840.1.113733.1.9.4";
inline constexpr std::string_view kSenderNonce = "2.16.840.1.113733.1.9.5";
inline constexpr std::string_view kRecipientNonce = "2.16.840.1.113733.1.9.6";
inline constexpr std::string_view kTransactionId = "2.16.840.1.113733.1.9.7";
}  // namespace oid

// A request as the RA reads it.
struct Request {
  MessageType type = MessageType::kPkcsReq;
  std::string transaction_id;
  Bytes sender_nonce;
  x509::Certificate signer;  // self-signed for a PKCSReq; the certificate being renewed for a RenewalReq
  std::string digest;        // of the signature: "SHA256"
  x509::ContentCipher cipher = x509::ContentCipher::kAes128Cbc;
  // The decrypted messageData: a PKCS#10 request (PKCSReq, RenewalReq), an IssuerAndSubject
  // (CertPoll), an IssuerAndSerialNumber (GetCert, GetCRL).
  Bytes message_data;
};

// Why a request could not be read, and what to answer: a CertRep FAILURE with `fail_info` when
// the transaction is known well enough to answer (`reply_possible`), else an HTTP error.
struct Refusal {
  FailInfo fail_info = FailInfo::kBadRequest;
  std::string reason;
  bool reply_possible = false;
  std::string transaction_id;
  Bytes sender_nonce;
  std::optional<x509::Certificate> signer;
};

// IssuerAndSerialNumber (RFC 5652 §10.2.4): the messageData of GetCert and GetCRL.
struct IssuerAndSerial {
  Bytes issuer;            // the Name's DER
  std::string serial_hex;  // lower-case hex of the INTEGER's contents, as serial_hex() gives it
};
Result<IssuerAndSerial> read_issuer_and_serial(ByteView der);
Bytes write_issuer_and_serial(const x509::Certificate& certificate);

// The content encryptions a server offers unless configured otherwise (GetCACaps "AES").
inline constexpr x509::ContentCipher kAesCiphers[] = {x509::ContentCipher::kAes128Cbc,
                                                      x509::ContentCipher::kAes256Cbc};

// Reads a pkiMessage sent to the RA whose certificate and key are given, whose messageData is
// encrypted with one of `accepted` (else badAlg, before anything is decrypted). A refusal is an
// error whose message is the reason; `refusal` (when given) receives what to answer.
Result<Request> read_request(ByteView der, const x509::Certificate& ra, const crypto::PrivateKey& ra_key,
                             std::span<const x509::ContentCipher> accepted = kAesCiphers, Refusal* refusal = nullptr);

struct Reply {
  PkiStatus status = PkiStatus::kSuccess;
  std::optional<FailInfo> fail_info;  // with kFailure
  std::string transaction_id;
  Bytes recipient_nonce;  // the request's senderNonce
  Bytes sender_nonce;     // fresh, 16 octets
  // With kSuccess: the issued certificate (and its chain), or the CRL, in a degenerate SignedData
  // enveloped to the requester.
  std::vector<x509::Certificate> certificates;
  std::vector<Bytes> crls;
  x509::ContentCipher cipher = x509::ContentCipher::kAes128Cbc;
  crypto::SignatureDigest digest = crypto::SignatureDigest::kSha256;
  // Carried next to the RA's certificate, so that a client can build the RA's path from the
  // message alone (OpenSSL's CMS verification takes intermediates only from the message).
  std::vector<x509::Certificate> ra_chain;
};

// The CertRep for `requester` (the request's signer), signed by the RA.
Result<Bytes> write_cert_rep(const Reply& reply, const x509::Certificate& requester, const x509::Certificate& ra,
                             const crypto::PrivateKey& ra_key);

// ---- The client's side --------------------------------------------------------------------------

struct Outgoing {
  MessageType type = MessageType::kPkcsReq;
  std::string transaction_id;
  Bytes sender_nonce;
  Bytes message_data;
  const x509::Certificate* signer = nullptr;  // the client's (self-signed, or the one renewed)
  const crypto::PrivateKey* key = nullptr;
  x509::ContentCipher cipher = x509::ContentCipher::kAes128Cbc;
  crypto::SignatureDigest digest = crypto::SignatureDigest::kSha256;
};

// The pkiMessage, its messageData enveloped to `ra`.
Result<Bytes> write_request(const Outgoing& request, const x509::Certificate& ra);

struct CertRep {
  PkiStatus status = PkiStatus::kFailure;
  std::optional<FailInfo> fail_info;
  std::string transaction_id;
  Bytes sender_nonce;
  Bytes recipient_nonce;
  x509::Certificate signer;
  std::vector<x509::Certificate> certificates;  // with kSuccess: the certificate issued or asked for
  std::vector<Bytes> crls;                      // with kSuccess, answering GetCRL
};

// Reads a CertRep signed by `ra` (its signer must be that certificate) and, on success, opens the
// certificates enveloped to the requester.
Result<CertRep> read_cert_rep(ByteView der, const x509::Certificate& ra, const x509::Certificate& requester,
                              const crypto::PrivateKey& requester_key);

}  // namespace nimbus::scep
