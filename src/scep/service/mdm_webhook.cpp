#include "scep/service/mdm_webhook.h"

#include <charconv>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "config/config.h"
#include "core/log_text.h"
#include "crypto/digest.h"
#include "crypto/random.h"

namespace nimbus::scep {

namespace {

// An MDM's answer is a few hundred bytes; anything much larger is not one.
constexpr std::size_t kMaxAnswerBytes = 64 * 1024;
constexpr std::string_view kJson = "application/json";

std::int64_t unix_seconds(Timestamp at) { return at.time_since_epoch().count(); }

std::string_view text_of(const Bytes& body) {
  return std::string_view(reinterpret_cast<const char*>(body.data()), body.size());
}

Status unauthentic(std::string reason) {
  return Error(ErrorCode::kPermissionDenied, fmt::format("the signature {}", reason));
}

// A CSR's text need not be UTF-8; what the MDM is sent always is.
std::string json_text(const nlohmann::json& body) {
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

nlohmann::json about(const WebhookQuestion& question, const std::string& event, const std::string& request_id) {
  return {{"event", event},
          {"request_id", request_id},
          {"ca", question.authority_id},
          {"profile", question.profile_id},
          {"transaction_id", question.transaction_id}};
}

}  // namespace

std::string webhook_signature(ByteView secret, std::int64_t unix_time, std::string_view body) {
  std::string signed_text = fmt::format("{}.{}", unix_time, body);
  return fmt::format("t={},v1={}", unix_time, to_hex(crypto::hmac_sha256(secret, as_bytes(signed_text))));
}

Status check_webhook_signature(ByteView secret, std::string_view header, std::string_view body, Timestamp now) {
  std::optional<std::int64_t> unix_time;
  std::vector<std::string_view> candidates;
  while (!header.empty()) {
    std::size_t comma = header.find(',');
    std::string_view item = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    while (item.starts_with(' ')) item.remove_prefix(1);
    if (item.starts_with("t=")) {
      std::int64_t value = 0;
      std::string_view digits = item.substr(2);
      auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
      if (error != std::errc() || end != digits.data() + digits.size() || unix_time) {
        return unauthentic("header's t= is not one Unix time");
      }
      unix_time = value;
    } else if (item.starts_with("v1=")) {
      candidates.push_back(item.substr(3));
    }
  }
  if (!unix_time) return unauthentic("header has no t=");
  if (candidates.empty()) return unauthentic("header has no v1=");
  std::int64_t skew = unix_seconds(now) - *unix_time;
  if (skew > kWebhookSignatureTolerance.count() || -skew > kWebhookSignatureTolerance.count()) {
    return unauthentic(fmt::format("is {} seconds {} this server's clock (at most {} allowed)", skew > 0 ? skew : -skew,
                                   skew > 0 ? "behind" : "ahead of", kWebhookSignatureTolerance.count()));
  }
  std::string signed_text = fmt::format("{}.{}", *unix_time, body);
  Bytes expected = crypto::hmac_sha256(secret, as_bytes(signed_text));
  bool matched = false;
  for (std::string_view candidate : candidates) {
    std::optional<Bytes> given = from_hex(candidate);
    // Every candidate is compared, so that the time taken does not tell which one was close.
    if (given && constant_time_equal(*given, expected)) matched = true;
  }
  if (!matched) return unauthentic("does not verify with the profile's secret");
  return Status();
}

MdmWebhook::MdmWebhook(verify::UrlFetcher& fetcher, std::filesystem::path data_dir, Clock clock)
    : fetcher_(fetcher), data_dir_(std::move(data_dir)), clock_(std::move(clock)) {}

Result<Secret> MdmWebhook::secret_of(const profile::ChallengePolicy& policy) const {
  auto secret = read_secret_file(config::resolve_path(data_dir_, policy.secret_file), "MDM webhook secret file");
  if (!secret.ok()) return Error(ErrorCode::kFailedPrecondition, secret.error().message());
  return secret;
}

verify::FetchResponse MdmWebhook::post(const profile::ChallengePolicy& policy, const Secret& secret,
                                       const std::string& body) {
  verify::FetchRequest request;
  request.url = policy.webhook_url;
  request.post_body = Bytes(body.begin(), body.end());
  request.content_type = std::string(kJson);
  request.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(policy.timeout);
  request.max_bytes = kMaxAnswerBytes;
  request.follow_redirects = false;
  request.headers.emplace_back(std::string(kWebhookSignatureHeader),
                               webhook_signature(as_bytes(secret.reveal()), unix_seconds(clock_()), body));
  return fetcher_.fetch(request);
}

Result<WebhookVerdict> MdmWebhook::ask(const profile::ChallengePolicy& policy, const WebhookQuestion& question) {
  NIMBUS_ASSIGN_OR_RETURN(Secret secret, secret_of(policy));
  NIMBUS_ASSIGN_OR_RETURN(Bytes id, crypto::random_bytes(16));
  std::string request_id = to_hex(id);
  nlohmann::json body = about(question, "verify", request_id);
  body["challenge"] = question.challenge;
  body["subject"] = question.subject;
  body["subject_alt_names"] = question.subject_alt_names;
  body["public_key_sha256"] = question.public_key_sha256;

  auto no_answer = [&](std::string why) {
    return Error(ErrorCode::kFailedPrecondition, fmt::format("the MDM at {} gave no answer: {}", policy.webhook_url, why));
  };
  verify::FetchResponse response = post(policy, secret, json_text(body));
  if (response.outcome == verify::FetchOutcome::kTimeout) {
    return no_answer(fmt::format("none within {} ms", response.elapsed.count()));
  }
  if (response.outcome != verify::FetchOutcome::kOk) {
    return no_answer(fmt::format("{} ({})", verify::fetch_outcome_name(response.outcome), response.detail));
  }
  auto signature = response.headers.find("nimbus-signature");
  if (signature == response.headers.end()) return no_answer("its answer is not signed (no Nimbus-Signature header)");
  Status authentic = check_webhook_signature(as_bytes(secret.reveal()), signature->second, text_of(response.body), clock_());
  if (!authentic.ok()) return no_answer(fmt::format("its answer is not authentic: {}", authentic.error().message()));

  nlohmann::json answer = nlohmann::json::parse(text_of(response.body), nullptr, /*allow_exceptions=*/false);
  if (!answer.is_object()) return no_answer("its answer is not a JSON object");
  auto field = [&](const char* name) { return answer.contains(name) ? &answer[name] : nullptr; };
  const nlohmann::json* answered_id = field("request_id");
  if (!answered_id || !answered_id->is_string() || answered_id->get<std::string>() != request_id) {
    return no_answer("its answer is for another request_id");
  }
  const nlohmann::json* allow = field("allow");
  if (!allow || !allow->is_boolean()) return no_answer("its answer has no boolean \"allow\"");
  const nlohmann::json* reason = field("reason");
  WebhookVerdict verdict{request_id, allow->get<bool>(),
                         reason && reason->is_string() ? reason->get<std::string>() : std::string()};
  return verdict;
}

void MdmWebhook::notify(const profile::ChallengePolicy& policy, const std::string& body) {
  auto secret = secret_of(policy);
  if (!secret.ok()) {
    spdlog::error("scep: the MDM at {} was not notified: {}", policy.webhook_url, secret.error().message());
    return;
  }
  verify::FetchResponse response = post(policy, *secret, body);
  if (response.outcome != verify::FetchOutcome::kOk) {
    spdlog::warn("scep: the MDM at {} did not take the notification: {} ({})", policy.webhook_url,
                 verify::fetch_outcome_name(response.outcome), loggable(response.detail));
  }
}

void MdmWebhook::notify_issued(const profile::ChallengePolicy& policy, const WebhookQuestion& question,
                               const std::string& request_id, const x509::Certificate& certificate) {
  nlohmann::json body = about(question, "issued", request_id);
  body["serial"] = certificate.serial_hex();
  body["thumbprint_sha256"] = to_hex(certificate.sha256_thumbprint());
  notify(policy, json_text(body));
}

void MdmWebhook::notify_failed(const profile::ChallengePolicy& policy, const WebhookQuestion& question,
                               const std::string& request_id, std::string_view reason) {
  nlohmann::json body = about(question, "failed", request_id);
  body["reason"] = reason;
  notify(policy, json_text(body));
}

}  // namespace nimbus::scep
