// The MDM webhook of a profile with challenge.mode: webhook. The MDM made the device's challenge,
// so only the MDM can say whether a request carrying it may have a certificate: the responder asks
// it before issuing and tells it afterwards.
//
// The question is POSTed as application/json to the profile's webhook_url:
//
//   {"event": "verify", "request_id": "<32 hex digits>", "ca": "...", "profile": "...",
//    "transaction_id": "...", "challenge": "...", "subject": "CN=...",
//    "subject_alt_names": ["DNS:pc1.contoso.test", "UPN:alice@contoso.test", ...],
//    "public_key_sha256": "<hex SHA-256 of the request's SubjectPublicKeyInfo>"}
//
// with the header
//
//   Nimbus-Signature: t=<Unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>
//
// The MDM answers with status 200 and {"request_id": "<the same>", "allow": true|false,
// "reason": "..."}, signed the same way in its own Nimbus-Signature header. Only that is a yes or a
// no: an answer that is late, unsigned, signed with another secret or more than five minutes from
// now, for another request_id, or not that JSON is no answer, and no answer is a refusal.
//
// After the decision on a yes, one notification, signed the same way, whose answer is not read:
//
//   {"event": "issued", "request_id", "ca", "profile", "transaction_id", "serial", "thumbprint_sha256"}
//   {"event": "failed", "request_id", "ca", "profile", "transaction_id", "reason"}
//
// The secret is read from the profile's secret_file at each question (mode 0600, relative to the
// data directory), so that it can be rotated without a restart. It never appears in logs.
//
// Thread-safety: ask() and notify_*() may run on any number of threads at once.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.h"
#include "core/result.h"
#include "core/secret.h"
#include "core/time.h"
#include "profile/profile.h"
#include "verify/fetcher.h"
#include "x509/certificate.h"

namespace nimbus::scep {

inline constexpr std::string_view kWebhookSignatureHeader = "Nimbus-Signature";
// How far a signature's timestamp may be from the receiver's clock.
inline constexpr std::chrono::seconds kWebhookSignatureTolerance{300};

// "t=<unix_time>,v1=<hex HMAC-SHA256(secret, "<unix_time>.<body>")>".
std::string webhook_signature(ByteView secret, std::int64_t unix_time, std::string_view body);

// Checks a Nimbus-Signature header over `body`: kPermissionDenied, saying why without quoting the
// secret, when it is malformed, no v1 value matches (compared in constant time), or its timestamp is
// more than kWebhookSignatureTolerance from `now`.
Status check_webhook_signature(ByteView secret, std::string_view header, std::string_view body, Timestamp now);

struct WebhookQuestion {
  std::string authority_id;
  std::string profile_id;
  std::string transaction_id;
  std::string challenge;
  std::string subject;                         // RFC 4514, as the CSR has it
  std::vector<std::string> subject_alt_names;  // as x509::alt_name_strings writes them
  std::string public_key_sha256;
};

struct WebhookVerdict {
  std::string request_id;  // for the notification that follows
  bool allow = false;
  std::string reason;  // the MDM's words, for the log and the CertRep's audit event
};

class MdmWebhook {
 public:
  using Clock = std::function<Timestamp()>;

  // `fetcher` must outlive the webhook; relative secret files are read from `data_dir`.
  MdmWebhook(verify::UrlFetcher& fetcher, std::filesystem::path data_dir, Clock clock = now_utc);

  // The MDM's authenticated answer within policy.timeout. When there is none (the MDM is down, slow,
  // or its answer is not authentic) or the secret file cannot be read: kFailedPrecondition, saying
  // why in words fit for a log.
  Result<WebhookVerdict> ask(const profile::ChallengePolicy& policy, const WebhookQuestion& question);

  void notify_issued(const profile::ChallengePolicy& policy, const WebhookQuestion& question,
                     const std::string& request_id, const x509::Certificate& certificate);
  void notify_failed(const profile::ChallengePolicy& policy, const WebhookQuestion& question,
                     const std::string& request_id, std::string_view reason);

 private:
  verify::FetchResponse post(const profile::ChallengePolicy& policy, const Secret& secret, const std::string& body);
  void notify(const profile::ChallengePolicy& policy, const std::string& body);
  Result<Secret> secret_of(const profile::ChallengePolicy& policy) const;

  verify::UrlFetcher& fetcher_;
  std::filesystem::path data_dir_;
  Clock clock_;
};

}  // namespace nimbus::scep
