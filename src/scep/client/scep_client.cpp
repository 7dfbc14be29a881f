#include "scep/client/scep_client.h"

#include <algorithm>

#include <fmt/format.h>

#include "crypto/base64.h"
#include "crypto/digest.h"
#include "crypto/random.h"
#include "x509/certificate_builder.h"
#include "x509/pkcs7_certificates.h"

namespace nimbus::scep {

namespace {

constexpr std::size_t kNonceSize = 16;
constexpr std::size_t kMaxAnswerBytes = 1 << 20;

bool offers(const std::vector<std::string>& capabilities, std::string_view name) {
  return std::any_of(capabilities.begin(), capabilities.end(), [&](const std::string& each) {
    return std::equal(each.begin(), each.end(), name.begin(), name.end(),
                      [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) ==
                                                  std::tolower(static_cast<unsigned char>(b)); });
  });
}

// RFC 3986 unreserved characters stay; everything else (base64's '+', '/', '=') is escaped.
std::string query_escaped(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

std::string answer_problem(const verify::FetchResponse& response) {
  std::string text(response.body.begin(), response.body.end());
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  if (text.empty() || text.size() > 512 || !std::all_of(text.begin(), text.end(), [](unsigned char c) {
        return c >= 0x20 && c < 0x7f;
      })) {
    return response.detail;
  }
  return fmt::format("{}: {}", response.detail, text);
}

// The RA among GetCACert's certificates: an end-entity certificate that can take key transport.
// A server without an RA sends its CA certificate alone.
const x509::Certificate* recipient_of(const std::vector<x509::Certificate>& certificates) {
  for (const x509::Certificate& each : certificates) {
    if (!each.is_ca() && each.has_key_usage(x509::KeyUsage::kKeyEncipherment)) return &each;
  }
  return certificates.size() == 1 ? &certificates.front() : nullptr;
}

}  // namespace

Result<Algorithms> choose_algorithms(const std::vector<std::string>& capabilities) {
  Algorithms algorithms;
  bool standard = offers(capabilities, "SCEPStandard");
  if (standard || offers(capabilities, "AES")) {
    algorithms.cipher = x509::ContentCipher::kAes128Cbc;
  } else if (offers(capabilities, "DES3")) {
    algorithms.cipher = x509::ContentCipher::kDesEde3Cbc;
  } else {
    return Error(ErrorCode::kUnsupported, "the server offers neither AES nor DES3 (GetCACaps)");
  }
  if (standard || offers(capabilities, "SHA-256")) {
    algorithms.digest = crypto::SignatureDigest::kSha256;
  } else if (offers(capabilities, "SHA-512")) {
    algorithms.digest = crypto::SignatureDigest::kSha512;
  } else {
    return Error(ErrorCode::kUnsupported, "the server offers neither SHA-256 nor SHA-512 (GetCACaps)");
  }
  algorithms.post = standard || offers(capabilities, "POSTPKIOperation");
  return algorithms;
}

Result<x509::Certificate> self_signed_signer(const crypto::PrivateKey& key, const x509::DistinguishedName& subject) {
  NIMBUS_ASSIGN_OR_RETURN(Bytes serial, crypto::random_serial());
  Timestamp now = now_utc();
  x509::CertificateBuilder builder;
  builder.set_subject(subject)
      .set_issuer(subject)
      .set_serial(std::move(serial))
      .set_validity(now - std::chrono::minutes(5), now + std::chrono::hours(24))
      .set_public_key(key.public_key());
  return builder.sign(key, key.preferred_digest());
}

std::string transaction_id_for(const crypto::PublicKey& key) { return to_hex(crypto::sha256(key.spki_der())); }

Client::Client(std::string url, verify::UrlFetcher& fetcher, std::chrono::milliseconds timeout)
    : url_(std::move(url)), fetcher_(fetcher), timeout_(timeout) {}

Result<Bytes> Client::get(std::string_view operation) {
  verify::FetchRequest request;
  request.url = fmt::format("{}?operation={}", url_, operation);
  request.timeout = timeout_;
  request.max_bytes = kMaxAnswerBytes;
  verify::FetchResponse response = fetcher_.fetch(request);
  if (response.outcome != verify::FetchOutcome::kOk) {
    return Error(ErrorCode::kUnsupported, fmt::format("{} from {}: {}", operation, url_, answer_problem(response)));
  }
  return std::move(response.body);
}

Result<std::vector<std::string>> Client::capabilities() {
  NIMBUS_ASSIGN_OR_RETURN(Bytes body, get("GetCACaps"));
  std::vector<std::string> lines;
  std::string line;
  for (char c : body) {
    if (c == '\n' || c == '\r') {
      if (!line.empty()) lines.push_back(std::move(line));
      line.clear();
    } else {
      line.push_back(c);
    }
  }
  if (!line.empty()) lines.push_back(std::move(line));
  return lines;
}

Result<CaCertificates> Client::ca_certificates() {
  NIMBUS_ASSIGN_OR_RETURN(Bytes body, get("GetCACert"));
  std::vector<x509::Certificate> certificates;
  if (auto single = x509::Certificate::from_der(body); single.ok()) {
    certificates.push_back(std::move(*single));
  } else {
    auto bundle = x509::certificates_from_pkcs7(body);
    if (!bundle.ok()) return std::move(bundle).error().with_context(fmt::format("GetCACert from {}", url_));
    certificates = std::move(*bundle);
  }
  const x509::Certificate* recipient = recipient_of(certificates);
  if (recipient == nullptr) {
    return Error(ErrorCode::kMalformed, fmt::format("GetCACert from {}: none of the {} certificates is an RA that "
                                                    "takes key transport",
                                                    url_, certificates.size()));
  }
  return CaCertificates{*recipient, std::move(certificates)};
}

verify::FetchResponse Client::send(ByteView message, bool post) {
  verify::FetchRequest request;
  request.timeout = timeout_;
  request.max_bytes = kMaxAnswerBytes;
  if (post) {
    request.url = url_ + "?operation=PKIOperation";
    request.post_body = Bytes(message.begin(), message.end());
    request.content_type = "application/x-pki-message";
  } else {
    request.url = fmt::format("{}?operation=PKIOperation&message={}", url_, query_escaped(crypto::base64_encode(message)));
  }
  return fetcher_.fetch(request);
}

Status Client::prepare(Operation& operation, const CaCertificates& ca, const Algorithms& algorithms) {
  Outgoing& request = operation.request;
  if (request.signer == nullptr || request.key == nullptr) {
    return Error(ErrorCode::kInvalidArgument, "a SCEP request needs the client's certificate and key");
  }
  if (request.transaction_id.empty()) request.transaction_id = transaction_id_for(request.key->public_key());
  NIMBUS_ASSIGN_OR_RETURN(request.sender_nonce, crypto::random_bytes(kNonceSize));
  request.cipher = algorithms.cipher;
  request.digest = algorithms.digest;
  NIMBUS_ASSIGN_OR_RETURN(operation.request_der, write_request(request, ca.recipient));
  return ok_status();
}

Status Client::perform(Operation& operation, const CaCertificates& ca, const Algorithms& algorithms) {
  NIMBUS_TRY(prepare(operation, ca, algorithms));
  const Outgoing& request = operation.request;
  verify::FetchResponse response = send(operation.request_der, algorithms.post);
  if (response.outcome != verify::FetchOutcome::kOk) {
    return Error(ErrorCode::kUnsupported, fmt::format("{} to {}: {}", message_type_name(request.type), url_,
                                                      answer_problem(response)));
  }
  operation.response_der = std::move(response.body);
  auto reply = read_cert_rep(operation.response_der, ca.recipient, *request.signer, *request.key);
  if (!reply.ok()) return std::move(reply).error().with_context("the server's CertRep");
  if (reply->transaction_id != request.transaction_id) {
    return Error(ErrorCode::kPermissionDenied,
                 fmt::format("the CertRep answers transaction {}, not {}", reply->transaction_id, request.transaction_id));
  }
  if (reply->recipient_nonce != request.sender_nonce) {
    return Error(ErrorCode::kPermissionDenied, "the CertRep's recipientNonce is not the senderNonce sent");
  }
  operation.reply = std::move(*reply);
  return ok_status();
}

}  // namespace nimbus::scep
