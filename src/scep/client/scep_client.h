// A SCEP client (RFC 8894 §4): what `nimbus scep` and the SCEP benchmark speak to a server with.
//
// The client asks the server what it offers (GetCACaps), fetches the RA and CA certificates
// (GetCACert), then sends pkiMessages and reads the CertReps, checking that each is signed by the
// RA and answers the transaction and nonce it sent. It chooses the strongest algorithms the
// server offers unless told otherwise, so that it can also play an old or a broken client.
//
// Thread-safety: a Client may be used from several threads at once (the fetcher must allow it).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "core/result.h"
#include "crypto/key.h"
#include "scep/message.h"
#include "verify/fetcher.h"
#include "x509/certificate.h"
#include "x509/cms_message.h"
#include "x509/name.h"

namespace nimbus::scep {

// What GetCACert answered: the certificate requests are encrypted to (the RA's, or the CA's when the
// server has no RA) and every certificate, in the order sent.
struct CaCertificates {
  x509::Certificate recipient;
  std::vector<x509::Certificate> certificates;
};

// The algorithms a request is made with.
struct Algorithms {
  x509::ContentCipher cipher = x509::ContentCipher::kAes128Cbc;
  crypto::SignatureDigest digest = crypto::SignatureDigest::kSha256;
  bool post = true;  // PKIOperation by POST (POSTPKIOperation), else by GET
};

// The strongest algorithms the capabilities offer: AES-128 (AES or SCEPStandard), else DES3;
// SHA-256 (SHA-256 or SCEPStandard), else SHA-512. kUnsupported when they offer neither cipher or
// neither digest that this client makes.
Result<Algorithms> choose_algorithms(const std::vector<std::string>& capabilities);

// The certificate a request is signed with before the client has one (RFC 8894 §2.3): self-signed,
// for `key`, valid for a day.
Result<x509::Certificate> self_signed_signer(const crypto::PrivateKey& key, const x509::DistinguishedName& subject);

// A transactionID for `key`: the hex SHA-256 of its SubjectPublicKeyInfo, stable across retries.
std::string transaction_id_for(const crypto::PublicKey& key);

// One request and its answer, as sent and received.
struct Operation {
  Outgoing request;  // the caller fills type, message_data, signer and key; the rest is the client's
  Bytes request_der;
  Bytes response_der;
  std::optional<CertRep> reply;  // once the server answered
};

class Client {
 public:
  // `url` is the server's SCEP URL ("http://pki.example.net/scep/issuing-ca"). The fetcher must
  // outlive the client.
  Client(std::string url, verify::UrlFetcher& fetcher, std::chrono::milliseconds timeout = std::chrono::seconds(30));

  Result<std::vector<std::string>> capabilities();
  Result<CaCertificates> ca_certificates();

  // Sends `operation.request` (its transactionID defaults to transaction_id_for the signer's key,
  // its senderNonce is made fresh) encrypted to `ca.recipient`, and reads the CertRep into
  // `operation`. A CertRep that is not the RA's, or answers another transaction or nonce, is an
  // error; a FAILURE is not (it is in operation.reply).
  Status perform(Operation& operation, const CaCertificates& ca, const Algorithms& algorithms);

  // The first half of perform(): fills in the request and makes operation.request_der, sending
  // nothing (for a message another client is to carry).
  Status prepare(Operation& operation, const CaCertificates& ca, const Algorithms& algorithms);

  // Sends a pkiMessage already made and returns the server's answer, whatever its status; for
  // tests and the benchmark, which send messages made in advance.
  verify::FetchResponse send(ByteView message, bool post);

  const std::string& url() const { return url_; }

 private:
  Result<Bytes> get(std::string_view operation);

  std::string url_;
  verify::UrlFetcher& fetcher_;
  std::chrono::milliseconds timeout_;
};

}  // namespace nimbus::scep
