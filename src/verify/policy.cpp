#include "verify/policy.h"

#include <algorithm>
#include <array>

namespace nimbus::verify {

namespace {

// The fault ranks of decide()'s comment, best (first reported) first.
std::optional<ReasonCode> reason_for_problem(ProblemCode code) {
  switch (code) {
    case ProblemCode::kIssuerNotFound: return ReasonCode::kDoesNotChain;
    case ProblemCode::kUntrustedRoot: return ReasonCode::kUntrustedRoot;
    case ProblemCode::kExpired:
    case ProblemCode::kNotYetValid: return ReasonCode::kCertExpired;
    case ProblemCode::kWrongEku: return ReasonCode::kNoClientAuthPurpose;
    case ProblemCode::kBadSignature:
    case ProblemCode::kNotACa:
    case ProblemCode::kPathLength:
    case ProblemCode::kKeyUsage:
    case ProblemCode::kNameConstraints:
    case ProblemCode::kOther: return ReasonCode::kIllegalMessage;
  }
  return ReasonCode::kIllegalMessage;
}

std::optional<ReasonCode> reason_for_revocation(const RevocationResult& result, const RevocationPolicy& policy) {
  if (!result.counts) return std::nullopt;
  switch (result.status) {
    case RevocationStatus::kRevoked: return ReasonCode::kRevoked;
    case RevocationStatus::kNoInformation:
      if (policy.ignore_no_revocation_check) return std::nullopt;
      return ReasonCode::kNoRevocationCheck;
    case RevocationStatus::kOffline:
      if (policy.ignore_revocation_offline) return std::nullopt;
      return ReasonCode::kRevocationOffline;
    case RevocationStatus::kGood:
    case RevocationStatus::kNotChecked: return std::nullopt;
  }
  return std::nullopt;
}

constexpr std::array kRanking = {
    ReasonCode::kDoesNotChain, ReasonCode::kUntrustedRoot,       ReasonCode::kIllegalMessage,
    ReasonCode::kRevoked,      ReasonCode::kCertExpired,         ReasonCode::kNoClientAuthPurpose,
    ReasonCode::kNoRevocationCheck, ReasonCode::kRevocationOffline,
};

std::size_t rank_of(ReasonCode reason) {
  return static_cast<std::size_t>(std::find(kRanking.begin(), kRanking.end(), reason) - kRanking.begin());
}

}  // namespace

std::vector<std::string> RevocationPolicy::weakened() const {
  std::vector<std::string> names;
  if (no_revocation_check) names.emplace_back("no_revocation_check");
  if (ignore_no_revocation_check) names.emplace_back("ignore_no_revocation_check");
  if (ignore_revocation_offline) names.emplace_back("ignore_revocation_offline");
  if (no_root_revocation_check) names.emplace_back("no_root_revocation_check");
  return names;
}

Verdict decide(const std::vector<ChainElement>& elements, const RevocationPolicy& policy) {
  Verdict verdict;
  verdict.accepted = true;
  std::size_t best_rank = kRanking.size();
  auto consider = [&](ReasonCode reason, std::size_t index) {
    std::size_t rank = rank_of(reason);
    if (rank < best_rank) {
      best_rank = rank;
      verdict = {false, reason, index};
    }
  };
  for (std::size_t i = 0; i < elements.size(); ++i) {
    for (const Problem& problem : elements[i].problems) {
      if (auto reason = reason_for_problem(problem.code)) consider(*reason, i);
    }
    if (auto reason = reason_for_revocation(elements[i].revocation, policy)) consider(*reason, i);
  }
  return verdict;
}

}  // namespace nimbus::verify
