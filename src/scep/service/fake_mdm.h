// FakeMdm: an MDM's webhook endpoint for tests, as a UrlFetcher. It checks the signature of every
// question and notification it gets, keeps them, and answers as told: yes, no, or one of the ways
// an answer goes wrong.
#pragma once

#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "scep/service/mdm_webhook.h"

namespace nimbus::scep {

class FakeMdm final : public verify::UrlFetcher {
 public:
  enum class Answer {
    kAllow,
    kDeny,
    kGarbage,         // 200 with a signed body that is not JSON
    kBadSignature,    // signed with another secret
    kUnsigned,        // no Nimbus-Signature header
    kStale,           // signed an hour ago
    kOtherRequestId,  // a yes for another question
    kSilent,          // no answer within the timeout
    kServerError,     // status 500
  };

  explicit FakeMdm(std::string secret) : secret_(std::move(secret)) {}

  void answer_with(Answer answer) {
    std::lock_guard lock(mutex_);
    answer_ = answer;
  }
  std::vector<nlohmann::json> questions() {
    std::lock_guard lock(mutex_);
    return questions_;
  }
  std::vector<nlohmann::json> notifications() {
    std::lock_guard lock(mutex_);
    return notifications_;
  }
  // Every request carried a valid signature with the shared secret.
  bool all_signed() {
    std::lock_guard lock(mutex_);
    return all_signed_;
  }

  verify::FetchResponse fetch(const verify::FetchRequest& request) override {
    std::lock_guard lock(mutex_);
    std::string body(request.post_body->begin(), request.post_body->end());
    bool signed_well = false;
    for (const auto& [name, value] : request.headers) {
      if (name == kWebhookSignatureHeader) signed_well = check_webhook_signature(key(secret_), value, body, now_utc()).ok();
    }
    all_signed_ = all_signed_ && signed_well && !request.follow_redirects;
    nlohmann::json message = nlohmann::json::parse(body);
    if (message["event"] != "verify") {
      notifications_.push_back(message);
      return reply(200, "{}", secret_, now_utc());
    }
    questions_.push_back(message);
    nlohmann::json verdict = {{"request_id", message["request_id"]}, {"allow", answer_ != Answer::kDeny},
                              {"reason", answer_ == Answer::kDeny ? "device not compliant" : "ok"}};
    switch (answer_) {
      case Answer::kAllow:
      case Answer::kDeny: return reply(200, verdict.dump(), secret_, now_utc());
      case Answer::kGarbage: return reply(200, "yes please", secret_, now_utc());
      case Answer::kBadSignature: return reply(200, verdict.dump(), "another secret", now_utc());
      case Answer::kStale: return reply(200, verdict.dump(), secret_, now_utc() - std::chrono::hours(1));
      case Answer::kOtherRequestId: {
        verdict["request_id"] = "00000000000000000000000000000000";
        return reply(200, verdict.dump(), secret_, now_utc());
      }
      case Answer::kUnsigned: {
        verify::FetchResponse response = reply(200, verdict.dump(), secret_, now_utc());
        response.headers.clear();
        return response;
      }
      case Answer::kSilent: {
        verify::FetchResponse response;
        response.outcome = verify::FetchOutcome::kTimeout;
        response.detail = "timed out";
        response.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(request.timeout);
        return response;
      }
      case Answer::kServerError: {
        verify::FetchResponse response = reply(500, "down for maintenance", secret_, now_utc());
        response.outcome = verify::FetchOutcome::kHttpError;
        response.detail = "HTTP status 500";
        return response;
      }
    }
    return {};
  }

 private:
  static ByteView key(const std::string& secret) { return as_bytes(secret); }

  static verify::FetchResponse reply(int status, const std::string& body, const std::string& secret, Timestamp at) {
    verify::FetchResponse response;
    response.outcome = verify::FetchOutcome::kOk;
    response.http_status = status;
    response.body = Bytes(body.begin(), body.end());
    response.headers["nimbus-signature"] = webhook_signature(key(secret), at.time_since_epoch().count(), body);
    return response;
  }

  std::mutex mutex_;
  std::string secret_;
  Answer answer_ = Answer::kAllow;
  std::vector<nlohmann::json> questions_;
  std::vector<nlohmann::json> notifications_;
  bool all_signed_ = true;
};

}  // namespace nimbus::scep
