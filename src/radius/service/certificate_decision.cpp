#include "radius/service/certificate_decision.h"

#include <fmt/format.h>

#include "verify/explanation.h"

namespace nimbus::radius {

namespace {

std::string san_of_kind(const std::vector<std::string>& sans, std::string_view kind) {
  for (const std::string& san : sans) {
    if (san.starts_with(kind)) return san.substr(kind.size());
  }
  return "";
}

}  // namespace

std::string proven_identity(const x509::Certificate& certificate) {
  std::vector<std::string> sans = x509::subject_alt_names(certificate);
  for (std::string_view kind : {"UPN:", "email:", "DNS:"}) {
    if (std::string value = san_of_kind(sans, kind); !value.empty()) return value;
  }
  return certificate.subject().common_name();
}

CertificateDecision::CertificateDecision(const verify::Verifier& verifier, verify::RevocationPolicy revocation,
                                         std::shared_ptr<const NetworkPolicies> policies, IssuedLookup lookup,
                                         std::chrono::seconds resumption_recheck)
    : verifier_(verifier),
      revocation_(revocation),
      lookup_(std::move(lookup)),
      policies_(std::move(policies)),
      resumption_recheck_(resumption_recheck) {}

Decision CertificateDecision::decide(const std::vector<x509::Certificate>& chain, RequestFacts facts,
                                     bool resumed) const {
  if (resumption_recheck_.count() == 0) return judge(chain, std::move(facts));
  Bytes thumbprint = chain.front().sha256_thumbprint();
  if (resumed) {
    std::lock_guard lock(mutex_);
    auto grant = grants_.find(thumbprint);
    if (grant != grants_.end() && grant->second.nas == facts.nas && facts.at - grant->second.at < resumption_recheck_) {
      Decision reused = grant->second.decision;
      reused.explanation += fmt::format(" (a resumed session: decided {} s ago, within resumption_recheck_seconds)",
                                        std::chrono::duration_cast<std::chrono::seconds>(facts.at - grant->second.at).count());
      return reused;
    }
  }
  Timestamp at = facts.at;
  std::string nas = facts.nas;
  Decision decision = judge(chain, std::move(facts));
  std::lock_guard lock(mutex_);
  if (!decision.granted) {
    grants_.erase(thumbprint);
  } else {
    if (grants_.size() >= kMaxGrants) grants_.clear();  // rare; costs a re-check each, nothing more
    grants_[thumbprint] = Grant{decision, at, std::move(nas)};
  }
  return decision;
}

void CertificateDecision::set_policies(std::shared_ptr<const NetworkPolicies> policies) {
  std::lock_guard lock(mutex_);
  policies_ = std::move(policies);
}

std::shared_ptr<const NetworkPolicies> CertificateDecision::policies() const {
  std::lock_guard lock(mutex_);
  return policies_;
}

Decision CertificateDecision::judge(const std::vector<x509::Certificate>& chain, RequestFacts facts) const {
  Decision decision;
  const x509::Certificate& leaf = chain.front();
  decision.user_name = proven_identity(leaf);

  verify::VerifyOptions options;
  options.at = facts.at;
  options.policy = revocation_;
  std::vector<x509::Certificate> untrusted(chain.begin() + 1, chain.end());
  verify::Report report = verifier_.verify(leaf, untrusted, options);
  if (!report.verdict.accepted) {
    decision.reason = report.verdict.reason;
    decision.explanation = verify::verdict_cause(report);
    decision.fix = verify::suggested_fix(report);
    return decision;
  }

  facts.subject = leaf.subject().to_string();
  facts.issuer = leaf.issuer().to_string();
  facts.ekus = x509::extended_key_usages(leaf);
  facts.sans = x509::subject_alt_names(leaf);
  std::shared_ptr<const NetworkPolicies> policies = this->policies();
  if (lookup_ && policies->needs_issued_facts()) {
    IssuedFacts issued = lookup_(leaf);
    facts.issuing_ca = issued.issuing_ca;
    facts.profile = issued.profile;
  }
  std::optional<PolicyMatch> match = policies->match(facts);
  if (!match) {
    decision.reason = verify::ReasonCode::kNoMatchingPolicy;
    decision.explanation = "the certificate is valid, but no network policy matches this request";
    decision.fix = "add a policy under radius.policies whose conditions this NAS and certificate meet";
    return decision;
  }
  decision.policy = match->name;
  if (!match->grant) {
    decision.reason = verify::ReasonCode::kPolicyDenied;
    decision.explanation = fmt::format("the certificate is valid, and network policy '{}' denies access", match->name);
    decision.fix = fmt::format("if this client should connect, change or reorder policy '{}'", match->name);
    return decision;
  }
  decision.granted = true;
  decision.attributes = std::move(match->attributes);
  decision.explanation = fmt::format("the chain is trusted and valid{}, and network policy '{}' grants access",
                                     revocation_.no_revocation_check ? " (revocation not checked: no_revocation_check)"
                                                                     : " and not known to be revoked",
                                     match->name);
  return decision;
}

}  // namespace nimbus::radius
