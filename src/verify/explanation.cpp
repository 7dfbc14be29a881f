#include "verify/explanation.h"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace nimbus::verify {

namespace {

std::string quoted_subject(const ChainElement& element) {
  return fmt::format("\"{}\"", element.certificate.subject().to_string());
}

std::string settings_phrase(const RevocationPolicy& policy) {
  std::vector<std::string> knobs = policy.weakened();
  if (knobs.empty()) return "default EAP-TLS settings";
  return fmt::format("these EAP-TLS settings ({})", fmt::join(knobs, ", "));
}

const Problem* first_problem(const ChainElement& element, ReasonCode reason) {
  for (const Problem& problem : element.problems) {
    bool matches = false;
    switch (problem.code) {
      case ProblemCode::kIssuerNotFound: matches = reason == ReasonCode::kDoesNotChain; break;
      case ProblemCode::kUntrustedRoot: matches = reason == ReasonCode::kUntrustedRoot; break;
      case ProblemCode::kExpired:
      case ProblemCode::kNotYetValid: matches = reason == ReasonCode::kCertExpired; break;
      case ProblemCode::kWrongEku: matches = reason == ReasonCode::kNoClientAuthPurpose; break;
      default: matches = reason == ReasonCode::kIllegalMessage; break;
    }
    if (matches) return &problem;
  }
  return nullptr;
}

}  // namespace

std::string verdict_cause(const Report& report) {
  const Verdict& verdict = report.verdict;
  const ChainElement& element = report.elements.at(*verdict.faulty_element);
  const RevocationResult& revocation = element.revocation;
  const Problem* problem = first_problem(element, verdict.reason);
  std::string subject = quoted_subject(element);
  switch (verdict.reason) {
    case ReasonCode::kRevoked:
      return fmt::format("the certificate {} is revoked{}{} according to {}", subject,
                         revocation.revoked_at ? fmt::format(" since {}", format_timestamp(*revocation.revoked_at)) : "",
                         revocation.reason ? fmt::format(" ({})", x509::revocation_reason_name(*revocation.reason)) : "",
                         revocation.method == RevocationMethod::kOcsp ? "its OCSP responder " + revocation.url
                                                                      : revocation.url);
    case ReasonCode::kNoRevocationCheck:
      return fmt::format("the certificate {} has no CRL distribution point and no OCSP URL", subject);
    case ReasonCode::kRevocationOffline:
      return fmt::format("no revocation source of the certificate {} gave a usable answer ({})", subject,
                         revocation.detail);
    case ReasonCode::kUntrustedRoot:
      return fmt::format("the chain ends at {}, which is not a trusted root", subject);
    case ReasonCode::kDoesNotChain:
      return fmt::format("the chain stops at {}: {}", subject, problem ? problem->text : "its issuer was not found");
    default:
      return fmt::format("the certificate {}: {}", subject, problem ? problem->text : "is not valid");
  }
}

std::string verdict_sentence(const Report& report) {
  const Verdict& verdict = report.verdict;
  std::string settings = settings_phrase(report.options.policy);
  if (verdict.accepted) {
    std::string sentence = fmt::format(
        "a RADIUS server with {} would ACCEPT this client: the chain is trusted and every certificate in it is "
        "valid{}",
        settings, report.options.policy.no_revocation_check ? "" : " and not known to be revoked");
    const RevocationPolicy& policy = report.options.policy;
    if (!policy.no_revocation_check && !policy.no_root_revocation_check &&
        (policy.ignore_no_revocation_check || policy.ignore_revocation_offline)) {
      Verdict strict = decide(report.elements, RevocationPolicy{});
      if (!strict.accepted) {
        sentence += fmt::format("; with default settings it would DENY it with reason code {}",
                                reason_code_info(strict.reason).nps_code);
      }
    }
    return sentence + ".";
  }
  const ReasonCodeInfo& info = reason_code_info(verdict.reason);
  std::string_view text = info.text;
  if (text.ends_with('.')) text.remove_suffix(1);  // the sentence goes on after the quotation
  return fmt::format(
      "a RADIUS server with {} would DENY this client: reason code {} (\"{}\") because {}. Windows clients report "
      "error {}.",
      settings, info.nps_code, text, verdict_cause(report), info.client_error);
}

std::string suggested_fix(const Report& report) {
  const Verdict& verdict = report.verdict;
  if (verdict.accepted) return "";
  const ChainElement& element = report.elements.at(*verdict.faulty_element);
  bool is_ca = *verdict.faulty_element > 0;
  std::string which = is_ca ? "that CA certificate" : "the certificate";
  switch (verdict.reason) {
    case ReasonCode::kNoRevocationCheck:
      return fmt::format("reissue {} with a CRL distribution point (and an OCSP URL); or, knowingly, set "
                         "ignore_no_revocation_check.",
                         which);
    case ReasonCode::kRevocationOffline:
      return "make the URLs above reachable from the RADIUS server, serving CRLs and OCSP answers that are current "
             "and signed by the issuing CA; or, knowingly, set ignore_revocation_offline.";
    case ReasonCode::kRevoked:
      return is_ca ? "the issuing CA is revoked: issue the client's certificates from a CA that is not, and replace "
                     "this one."
                   : "enrol the client again for a new certificate, if the revocation was intended.";
    case ReasonCode::kUntrustedRoot:
      return fmt::format("if {} should be trusted, add it to the RADIUS server's trusted root store "
                         "(nimbus verify --trust).",
                         quoted_subject(element));
    case ReasonCode::kDoesNotChain:
      return "give the RADIUS server the missing CA certificate, or publish it at the caIssuers URL of the "
             "certificate it issued.";
    case ReasonCode::kCertExpired:
      return "renew the certificate, and check the clocks of the client and the RADIUS server.";
    case ReasonCode::kNoClientAuthPurpose:
      return "issue the client's certificate from a profile whose extended_key_usage includes client_auth.";
    default:
      return fmt::format("reissue {}.", which);
  }
}

}  // namespace nimbus::verify
