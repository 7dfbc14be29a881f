// The SCEP responder: answers one PKIOperation (RFC 8894 §3.3) of a client with a CertRep signed by
// the CA's registration authority, or says why no CertRep can be sent.
//
//   PKCSReq     a CSR carrying a one-time challenge of this CA: issued for the challenge's
//               enrollment, the challenge consumed and the transaction recorded in the
//               certificate's own write. A challenge the store does not know, sent to a CA with
//               a profile whose challenges come from an MDM (challenge.mode: webhook), is the
//               MDM's: the CSR's names are held to that profile's templates, the MDM is asked
//               (scep/service/mdm_webhook.h), and on its yes the enrollment is made, the
//               challenge recorded as used and the certificate stored in one write. A PKCSReq
//               signed with a current certificate of this CA and carrying no challenge is a
//               renewal, as some clients send them.
//   RenewalReq  signed with the certificate being renewed: Issuer::renew.
//   CertPoll    the certificate of a transaction already answered (issuance never waits, so
//               there is nothing pending to poll).
//   GetCert     a certificate of this CA by IssuerAndSerialNumber.
//   GetCRL      this CA's latest CRL.
//
// A transaction answered once is answered the same way again: a repeated PKCSReq or RenewalReq
// with the same transactionID and public key gets the certificate issued the first time, so that a
// client whose CertRep was lost retries safely; with another key it is refused.
//
// Every answer is one log line with the transactionID; each refused PKCSReq or RenewalReq is also
// an audit event (an issued certificate has the Issuer's).
//
// Thread-safety: answer() may run on any number of threads at once.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ca/issuance.h"
#include "core/bytes.h"
#include "core/result.h"
#include "core/time.h"
#include "profile/profile_catalog.h"
#include "scep/message.h"
#include "scep/service/mdm_webhook.h"
#include "scep/service/registration_authority.h"
#include "store/store.h"

namespace nimbus::scep {

struct ResponderSettings {
  bool allow_des3 = false;  // scep_allow_des3: DES-EDE3-CBC envelopes, for old clients
  bool allow_des = false;   // scep_allow_des: single DES-CBC envelopes, for clients with nothing better
  bool allow_sha1 = false;  // scep_allow_sha1: SHA-1 message signatures

  // The content encryptions accepted, the AES ones first.
  std::vector<x509::ContentCipher> ciphers() const;
};

// What goes back to the client: a CertRep (status 200), or an HTTP error with its text when the
// message cannot be answered in SCEP (it is not one, or names no transaction to answer).
struct ScepAnswer {
  int http_status = 200;
  Bytes cert_rep;
  std::string error;
  // For logs and metrics: "PKCSReq", ... ("unknown" when the message could not be read), and the
  // CertRep's pkiStatus and failInfo.
  std::string_view operation = "unknown";
  std::optional<PkiStatus> status;
  std::optional<FailInfo> fail_info;
};

class Responder {
 public:
  using Clock = std::function<Timestamp()>;

  // The store, issuer and webhook must outlive the responder. Without a webhook, challenges of
  // MDMs are refused as unknown.
  Responder(store::Store& store, ca::Issuer& issuer, ResponderSettings settings, Clock clock = now_utc,
            MdmWebhook* webhook = nullptr);

  // Answers the pkiMessage `message` sent to `ra` from `remote_address`.
  ScepAnswer answer(ByteView message, const RegistrationAuthority& ra, std::string_view remote_address);

  // The CertRep's content before it is signed: what the operation decided.
  struct Outcome {
    PkiStatus status = PkiStatus::kFailure;
    std::optional<FailInfo> fail_info;
    std::string reason;  // with kFailure: why, for the log and the audit trail
    std::vector<x509::Certificate> certificates;
    std::vector<Bytes> crls;
  };

 private:
  struct Exchange {
    const RegistrationAuthority& ra;
    const Request& request;
    std::string_view remote_address;
  };

  Result<Outcome> decide(const Exchange& exchange);
  Result<Outcome> enroll(const Exchange& exchange, const x509::CertificateRequest& csr);
  Result<Outcome> enroll_vouched(const Exchange& exchange, const x509::CertificateRequest& csr,
                                 const profile::StoredProfile& vouching, const std::string& challenge);
  Result<Outcome> renew(const Exchange& exchange, const x509::CertificateRequest& csr);
  Result<Outcome> poll(const Exchange& exchange);
  Result<Outcome> get_certificate(const Exchange& exchange);
  Result<Outcome> get_crl(const Exchange& exchange);

  // A transaction as the store keys it: the transactionID of an enrollment; for a renewal, the
  // transactionID and the certificate renewed, because clients that derive the transactionID
  // from the key send the same one for every renewal that keeps the key.
  struct Transaction {
    std::string key;
    std::string key_digest;  // of the request's public key
  };

  // The certificate of a transaction answered before: nullopt when the transaction is new; a
  // refusal when it was for another key.
  Result<std::optional<Outcome>> earlier_answer(const Exchange& exchange, const Transaction& transaction);
  Result<Outcome> issued(const Exchange& exchange, Result<x509::Certificate> certificate,
                         const Transaction& transaction);
  // Records the transaction in the certificate's write, and spends its challenge there: consumes
  // the store's open challenge `consumed_digest`, or records `vouched`, an MDM's, as used.
  ca::Issuer::RecordAlso record_transaction(const Exchange& exchange, const Transaction& transaction,
                                            std::optional<std::string> consumed_digest,
                                            std::optional<store::ChallengeRecord> vouched = std::nullopt);
  void audit_refusal(const RegistrationAuthority& ra, std::string_view operation, const std::string& transaction_id,
                     std::string_view remote_address, const Outcome& outcome);

  store::Store& store_;
  ca::Issuer& issuer_;
  ResponderSettings settings_;
  std::vector<x509::ContentCipher> ciphers_;
  Clock clock_;
  MdmWebhook* webhook_;
};

}  // namespace nimbus::scep
