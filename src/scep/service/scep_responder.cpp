#include "scep/service/scep_responder.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/log_text.h"
#include "crypto/digest.h"
#include "crypto/random.h"
#include "profile/enrollment_challenges.h"
#include "profile/csr_policy.h"
#include "profile/requested_names.h"

namespace nimbus::scep {

namespace {

using Outcome = Responder::Outcome;

constexpr std::size_t kNonceSize = 16;

Outcome failure(FailInfo fail_info, std::string reason) {
  return Outcome{PkiStatus::kFailure, fail_info, std::move(reason), {}, {}};
}

Outcome success(std::vector<x509::Certificate> certificates, std::vector<Bytes> crls = {}) {
  return Outcome{PkiStatus::kSuccess, std::nullopt, {}, std::move(certificates), std::move(crls)};
}

// The digest the CertRep is signed with: the request's, or SHA-256 answering a SHA-1 request (SHA-1
// signatures are made by no part of Nimbus). nullopt when the request's digest is not accepted.
std::optional<crypto::SignatureDigest> reply_digest(std::string_view request_digest, bool allow_sha1) {
  if (request_digest == "SHA256") return crypto::SignatureDigest::kSha256;
  if (request_digest == "SHA384") return crypto::SignatureDigest::kSha384;
  if (request_digest == "SHA512") return crypto::SignatureDigest::kSha512;
  if (request_digest == "SHA1" && allow_sha1) return crypto::SignatureDigest::kSha256;
  return std::nullopt;
}

std::string key_digest_of(const crypto::PublicKey& key) { return to_hex(crypto::sha256(key.spki_der())); }

// Signs the CertRep with a fresh senderNonce.
Result<Bytes> signed_reply(Reply& reply, const x509::Certificate& requester, const RegistrationAuthority& ra) {
  NIMBUS_ASSIGN_OR_RETURN(reply.sender_nonce, crypto::random_bytes(kNonceSize));
  return write_cert_rep(reply, requester, ra.certificate, ra.key);
}

bool changes_state(MessageType type) { return type == MessageType::kPkcsReq || type == MessageType::kRenewalReq; }

}  // namespace

std::vector<x509::ContentCipher> ResponderSettings::ciphers() const {
  std::vector<x509::ContentCipher> ciphers(std::begin(kAesCiphers), std::end(kAesCiphers));
  if (allow_des3) ciphers.push_back(x509::ContentCipher::kDesEde3Cbc);
  if (allow_des) ciphers.push_back(x509::ContentCipher::kDesCbc);
  return ciphers;
}

Responder::Responder(store::Store& store, ca::Issuer& issuer, ResponderSettings settings, Clock clock,
                     MdmWebhook* webhook)
    : store_(store),
      issuer_(issuer),
      settings_(settings),
      ciphers_(settings.ciphers()),
      clock_(std::move(clock)),
      webhook_(webhook) {}

ScepAnswer Responder::answer(ByteView message, const RegistrationAuthority& ra, std::string_view remote_address) {
  Refusal refusal;
  auto request = read_request(message, ra.certificate, ra.key, ciphers_, &refusal);
  std::optional<Request> readable;
  Outcome outcome;
  if (request.ok()) {
    readable = std::move(*request);
  } else if (!refusal.reply_possible || !refusal.signer) {
    spdlog::info("SCEP message for '{}' from {} refused (HTTP 400): {}", ra.authority_id, remote_address,
                 loggable(refusal.reason));
    ScepAnswer answer;
    answer.http_status = 400;
    answer.error = fmt::format("not a SCEP message this server can answer: {}", refusal.reason);
    return answer;
  } else {
    outcome = failure(refusal.fail_info, refusal.reason);
  }

  // The transaction the CertRep answers: the request's, or what a refused one made known.
  MessageType type = readable ? readable->type : MessageType::kPkcsReq;
  const std::string& transaction_id = readable ? readable->transaction_id : refusal.transaction_id;
  const Bytes& sender_nonce = readable ? readable->sender_nonce : refusal.sender_nonce;
  const x509::Certificate& requester = readable ? readable->signer : *refusal.signer;
  std::string_view operation = readable ? message_type_name(type) : "unknown";

  Reply reply;
  std::optional<crypto::SignatureDigest> digest =
      readable ? reply_digest(readable->digest, settings_.allow_sha1) : crypto::SignatureDigest::kSha256;
  if (readable) {
    Exchange exchange{ra, *readable, remote_address};
    Result<Outcome> decided = decide(exchange);
    if (!decided.ok()) {
      spdlog::error("SCEP {} transaction {} for '{}' from {} failed: {}", operation, loggable(transaction_id),
                    ra.authority_id, remote_address, decided.error().message());
      ScepAnswer answer;
      answer.http_status = 500;
      answer.error = "the request could not be answered; try again";
      answer.operation = operation;
      return answer;
    }
    outcome = std::move(*decided);
    reply.cipher = readable->cipher;
  }
  reply.status = outcome.status;
  reply.fail_info = outcome.fail_info;
  reply.transaction_id = transaction_id;
  reply.recipient_nonce = sender_nonce;
  reply.digest = digest.value_or(crypto::SignatureDigest::kSha256);
  reply.certificates = outcome.certificates;
  reply.crls = outcome.crls;
  // The issuers without the root, which the client must already trust.
  for (const x509::Certificate& issuer : ra.ca_chain) {
    if (!issuer.looks_self_signed()) reply.ra_chain.push_back(issuer);
  }
  Result<Bytes> cert_rep = signed_reply(reply, requester, ra);
  if (!cert_rep.ok()) {
    spdlog::error("SCEP {} transaction {} for '{}' from {}: the CertRep could not be made: {}", operation,
                  loggable(transaction_id), ra.authority_id, remote_address, cert_rep.error().message());
    ScepAnswer answer;
    answer.http_status = 500;
    answer.error = "the answer could not be made; try again";
    answer.operation = operation;
    return answer;
  }

  if (outcome.status == PkiStatus::kSuccess) {
    std::string what = outcome.certificates.empty()
                           ? std::string(outcome.crls.empty() ? "" : ", the CRL")
                           : fmt::format(", certificate {} \"{}\"", outcome.certificates.front().serial_hex(),
                                         outcome.certificates.front().subject().to_string());
    spdlog::info("SCEP {} transaction {} for '{}' from {}: SUCCESS{}", operation, loggable(transaction_id),
                 ra.authority_id, remote_address, what);
  } else {
    spdlog::info("SCEP {} transaction {} for '{}' from {}: FAILURE {}: {}", operation, loggable(transaction_id),
                 ra.authority_id, remote_address, fail_info_name(*outcome.fail_info), loggable(outcome.reason));
    if (!readable || changes_state(type)) audit_refusal(ra, operation, transaction_id, remote_address, outcome);
  }
  ScepAnswer answer;
  answer.cert_rep = std::move(*cert_rep);
  answer.operation = operation;
  answer.status = outcome.status;
  answer.fail_info = outcome.fail_info;
  return answer;
}

Result<Outcome> Responder::decide(const Exchange& exchange) {
  const Request& request = exchange.request;
  if (!reply_digest(request.digest, settings_.allow_sha1)) {
    return failure(FailInfo::kBadAlg, fmt::format("the message is signed with {}, which this server does not accept",
                                                  request.digest));
  }
  switch (request.type) {
    case MessageType::kPkcsReq:
    case MessageType::kRenewalReq: {
      auto csr = x509::CertificateRequest::parse(request.message_data);
      if (!csr.ok()) {
        return failure(FailInfo::kBadRequest,
                       fmt::format("the messageData is not a PKCS#10 request: {}", csr.error().message()));
      }
      if (!csr->signature_digest()) {
        return failure(FailInfo::kBadAlg, fmt::format("the CSR is signed with {}, which this server does not accept",
                                                      csr->signature_algorithm()));
      }
      if (Status verified = csr->verify_signature(); !verified.ok()) {
        return failure(FailInfo::kBadMessageCheck,
                       fmt::format("the CSR's self-signature does not verify: {}", verified.error().message()));
      }
      // Some clients renew with a PKCSReq signed by the certificate they renew, and no challenge.
      bool renewal = request.type == MessageType::kRenewalReq ||
                     (!csr->challenge_password() && !request.signer.looks_self_signed());
      return renewal ? renew(exchange, *csr) : enroll(exchange, *csr);
    }
    case MessageType::kCertPoll: return poll(exchange);
    case MessageType::kGetCert: return get_certificate(exchange);
    case MessageType::kGetCrl: return get_crl(exchange);
    case MessageType::kCertRep: break;
  }
  return failure(FailInfo::kBadRequest, "a CertRep is not a request");
}

Result<Outcome> Responder::enroll(const Exchange& exchange, const x509::CertificateRequest& csr) {
  Transaction transaction{exchange.request.transaction_id, key_digest_of(csr.public_key())};
  NIMBUS_ASSIGN_OR_RETURN(std::optional<Outcome> earlier, earlier_answer(exchange, transaction));
  if (earlier) return std::move(*earlier);
  std::optional<std::string> challenge = csr.challenge_password();
  if (!challenge) return failure(FailInfo::kBadRequest, "the CSR carries no challengePassword");
  auto usable = profile::usable_challenge(store_, *challenge, exchange.ra.authority_id, clock_());
  if (!usable.ok()) {
    if (usable.error().is_failure()) return usable.error();
    if (usable.error().code() == ErrorCode::kNotFound && webhook_ != nullptr) {
      profile::ProfileCatalog catalog(store_, "scep", clock_);
      NIMBUS_ASSIGN_OR_RETURN(std::optional<profile::StoredProfile> vouching,
                              catalog.webhook_profile(exchange.ra.authority_id));
      if (vouching) return enroll_vouched(exchange, csr, *vouching, *challenge);
    }
    return failure(FailInfo::kBadRequest, fmt::format("the challenge: {}", usable.error().message()));
  }
  return issued(exchange,
                issuer_.issue(usable->enrollment_id, csr, record_transaction(exchange, transaction, usable->digest)),
                transaction);
}

Result<Outcome> Responder::enroll_vouched(const Exchange& exchange, const x509::CertificateRequest& csr,
                                          const profile::StoredProfile& vouching, const std::string& challenge) {
  const profile::Profile& profile = vouching.profile;
  Transaction transaction{exchange.request.transaction_id, key_digest_of(csr.public_key())};
  auto refused = [&](const Error& error) {
    return failure(FailInfo::kBadRequest, fmt::format("profile '{}': {}", profile.id, error.message()));
  };
  // What the MDM would be asked about must be issuable first: it is told only of real outcomes.
  if (Status acceptable = profile::check_request(profile, csr); !acceptable.ok()) return refused(acceptable.error());
  auto alt_names = csr.requested_subject_alt_names();
  if (!alt_names.ok()) return refused(alt_names.error());
  auto variables = profile::variables_for_request(profile, csr.subject(), *alt_names);
  if (!variables.ok()) return refused(variables.error());
  Timestamp now = clock_();
  auto enrollment = profile::new_enrollment_record(vouching, *variables, now);
  if (!enrollment.ok()) return refused(enrollment.error());

  WebhookQuestion question{exchange.ra.authority_id,        profile.id, exchange.request.transaction_id, challenge,
                           csr.subject().to_string(),       *alt_names, transaction.key_digest};
  auto verdict = webhook_->ask(profile.challenge, question);
  if (!verdict.ok()) {
    spdlog::warn("SCEP PKCSReq transaction {} for '{}': {}", loggable(exchange.request.transaction_id),
                 exchange.ra.authority_id, loggable(verdict.error().message()));
    return failure(FailInfo::kBadRequest, verdict.error().message());
  }
  if (!verdict->allow) {
    return failure(FailInfo::kBadRequest,
                   fmt::format("the MDM at {} refused the challenge: {}", profile.challenge.webhook_url,
                               verdict->reason.empty() ? "(no reason given)" : verdict->reason));
  }

  // Recorded as used, so that a replay is refused here without asking the MDM again.
  store::ChallengeRecord spent{profile::challenge_digest(challenge), enrollment->id, exchange.ra.authority_id, now,
                               now + profile.challenge.lifetime, store::ChallengeStatus::kOpen, std::nullopt};
  std::string digest = spent.digest;
  Result<x509::Certificate> certificate = issuer_.issue_for_new_enrollment(
      *enrollment, csr, record_transaction(exchange, transaction, digest, std::move(spent)));
  if (certificate.ok()) {
    webhook_->notify_issued(profile.challenge, question, verdict->request_id, *certificate);
  } else {
    webhook_->notify_failed(profile.challenge, question, verdict->request_id, certificate.error().message());
  }
  return issued(exchange, std::move(certificate), transaction);
}

Result<Outcome> Responder::renew(const Exchange& exchange, const x509::CertificateRequest& csr) {
  const x509::Certificate& current = exchange.request.signer;
  Transaction transaction{fmt::format("{} renewing {}", exchange.request.transaction_id, current.serial_hex()),
                          key_digest_of(csr.public_key())};
  NIMBUS_ASSIGN_OR_RETURN(std::optional<Outcome> earlier, earlier_answer(exchange, transaction));
  if (earlier) return std::move(*earlier);
  NIMBUS_ASSIGN_OR_RETURN(std::optional<store::CertificateRecord> record,
                          store_.find_certificate(current.serial_hex()));
  if (!record || record->issuer_id != exchange.ra.authority_id || record->der != current.der()) {
    return failure(FailInfo::kBadRequest, fmt::format("the renewal is signed with \"{}\", which is not a certificate "
                                                      "of '{}'",
                                                      current.subject().to_string(), exchange.ra.authority_id));
  }
  return issued(exchange, issuer_.renew(current, csr, record_transaction(exchange, transaction, std::nullopt)),
                transaction);
}

Result<Outcome> Responder::poll(const Exchange& exchange) {
  Transaction transaction{exchange.request.transaction_id, key_digest_of(exchange.request.signer.public_key())};
  NIMBUS_ASSIGN_OR_RETURN(std::optional<Outcome> earlier, earlier_answer(exchange, transaction));
  if (earlier && earlier->status == PkiStatus::kSuccess) return std::move(*earlier);
  return failure(FailInfo::kBadCertId,
                 fmt::format("no certificate was issued in transaction {} for this key", exchange.request.transaction_id));
}

Result<Outcome> Responder::get_certificate(const Exchange& exchange) {
  auto wanted = read_issuer_and_serial(exchange.request.message_data);
  if (!wanted.ok()) return failure(FailInfo::kBadRequest, wanted.error().message());
  const x509::Certificate& ca = exchange.ra.ca_chain.front();
  NIMBUS_ASSIGN_OR_RETURN(std::optional<store::CertificateRecord> record, store_.find_certificate(wanted->serial_hex));
  if (wanted->issuer != ca.subject().der() || !record || record->issuer_id != exchange.ra.authority_id) {
    return failure(FailInfo::kBadCertId,
                   fmt::format("'{}' issued no certificate with serial {}", exchange.ra.authority_id, wanted->serial_hex));
  }
  NIMBUS_ASSIGN_OR_RETURN(x509::Certificate certificate, x509::Certificate::from_der(record->der));
  return success({std::move(certificate)});
}

Result<Outcome> Responder::get_crl(const Exchange& exchange) {
  auto named = read_issuer_and_serial(exchange.request.message_data);
  if (!named.ok()) return failure(FailInfo::kBadRequest, named.error().message());
  if (named->issuer != exchange.ra.ca_chain.front().subject().der()) {
    return failure(FailInfo::kBadCertId, fmt::format("the certificate named was not issued by '{}'",
                                                     exchange.ra.authority_id));
  }
  NIMBUS_ASSIGN_OR_RETURN(std::optional<store::CrlRecord> crl, store_.latest_crl(exchange.ra.authority_id));
  if (!crl) return failure(FailInfo::kBadCertId, fmt::format("'{}' has published no CRL", exchange.ra.authority_id));
  return success({}, {std::move(crl->der)});
}

Result<std::optional<Outcome>> Responder::earlier_answer(const Exchange& exchange, const Transaction& wanted) {
  NIMBUS_ASSIGN_OR_RETURN(std::optional<store::ScepTransactionRecord> transaction,
                          store_.find_scep_transaction(exchange.ra.authority_id, wanted.key));
  if (!transaction) return std::optional<Outcome>();
  if (transaction->key_digest != wanted.key_digest) {
    return std::optional<Outcome>(failure(
        FailInfo::kBadRequest,
        fmt::format("transaction {} was answered for another public key", exchange.request.transaction_id)));
  }
  NIMBUS_ASSIGN_OR_RETURN(std::optional<store::CertificateRecord> record, store_.find_certificate(transaction->serial));
  if (!record) {
    return Error(ErrorCode::kInternal, fmt::format("transaction {} names certificate {}, which the store does not hold",
                                                   exchange.request.transaction_id, transaction->serial));
  }
  NIMBUS_ASSIGN_OR_RETURN(x509::Certificate certificate, x509::Certificate::from_der(record->der));
  return std::optional<Outcome>(success({std::move(certificate)}));
}

Result<Outcome> Responder::issued(const Exchange& exchange, Result<x509::Certificate> certificate,
                                  const Transaction& transaction) {
  if (certificate.ok()) return success({std::move(*certificate)});
  if (certificate.error().is_failure()) return certificate.error();
  // A copy of this transaction sent at the same time may have won the challenge: answer as it was.
  NIMBUS_ASSIGN_OR_RETURN(std::optional<Outcome> earlier, earlier_answer(exchange, transaction));
  if (earlier) return std::move(*earlier);
  return failure(FailInfo::kBadRequest, certificate.error().message());
}

ca::Issuer::RecordAlso Responder::record_transaction(const Exchange& exchange, const Transaction& transaction,
                                                     std::optional<std::string> consumed_digest,
                                                     std::optional<store::ChallengeRecord> vouched) {
  return [this, authority_id = exchange.ra.authority_id, transaction, consumed_digest = std::move(consumed_digest),
          vouched = std::move(vouched)](store::StoreWriter& tx, const store::CertificateRecord& record) -> Status {
    Timestamp now = clock_();
    if (vouched) {
      Status recorded = tx.insert_challenge(*vouched);
      if (!recorded.ok() && recorded.error().code() == ErrorCode::kAlreadyExists) {
        return Error(ErrorCode::kFailedPrecondition, "the challenge was used by another request");
      }
      NIMBUS_TRY(std::move(recorded));
    }
    if (consumed_digest) NIMBUS_TRY(tx.consume_challenge(*consumed_digest, now));
    return tx.insert_scep_transaction({authority_id, transaction.key, transaction.key_digest, record.serial, now});
  };
}

void Responder::audit_refusal(const RegistrationAuthority& ra, std::string_view operation,
                              const std::string& transaction_id, std::string_view remote_address,
                              const Outcome& outcome) {
  store::AuditEvent event{clock_(), "scep", "scep.refuse", ra.authority_id,
                          fmt::format("operation={} transaction={} from={} fail_info={} reason={}", operation,
                                      transaction_id, remote_address, fail_info_name(*outcome.fail_info),
                                      outcome.reason)};
  Status written = store_.write([&](store::StoreWriter& tx) { return tx.append_audit(event); });
  if (!written.ok()) spdlog::error("SCEP: the refusal could not be audited: {}", written.error().message());
}

}  // namespace nimbus::scep
