#include "verify/policy.h"

#include <functional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "verify/verify_test_pki.h"

namespace nimbus::verify {
namespace {

using namespace nimbus::verify::testing;

// decide() looks only at problems and revocation results; every element can carry the same
// certificate.
const x509::Certificate& any_certificate() {
  static const x509::Certificate certificate = [] {
    CertificateOptions options;
    options.subject = "CN=Policy Test";
    return make_ca(options).certificate;
  }();
  return certificate;
}

ChainElement clean_element() {
  ChainElement element{any_certificate(), ElementSource::kInput, false, {}, {}, {}};
  element.revocation.status = RevocationStatus::kGood;
  element.revocation.method = RevocationMethod::kCrl;
  return element;
}

// End entity, issuing CA, anchor: every element good.
std::vector<ChainElement> clean_chain() { return {clean_element(), clean_element(), clean_element()}; }

// One fault an element can have, and the reason decide() gives for it alone.
struct Fault {
  std::string name;
  std::function<void(ChainElement&)> apply;
  ReasonCode reason;
  bool is_revocation;
};

Fault problem(ProblemCode code, ReasonCode reason) {
  return {std::string(problem_code_name(code)),
          [code](ChainElement& element) { element.problems.push_back({code, "injected"}); }, reason, false};
}

Fault revocation(RevocationStatus status, ReasonCode reason) {
  return {std::string(revocation_status_name(status)),
          [status](ChainElement& element) { element.revocation.status = status; }, reason, true};
}

const Fault kIssuerNotFound = problem(ProblemCode::kIssuerNotFound, ReasonCode::kDoesNotChain);
const Fault kUntrustedRoot = problem(ProblemCode::kUntrustedRoot, ReasonCode::kUntrustedRoot);
const Fault kBadSignature = problem(ProblemCode::kBadSignature, ReasonCode::kIllegalMessage);
const Fault kRevoked = revocation(RevocationStatus::kRevoked, ReasonCode::kRevoked);
const Fault kExpired = problem(ProblemCode::kExpired, ReasonCode::kCertExpired);
const Fault kWrongEku = problem(ProblemCode::kWrongEku, ReasonCode::kNoClientAuthPurpose);
const Fault kNoInformation = revocation(RevocationStatus::kNoInformation, ReasonCode::kNoRevocationCheck);
const Fault kOffline = revocation(RevocationStatus::kOffline, ReasonCode::kRevocationOffline);

int nps_code(ReasonCode reason) { return reason_code_info(reason).nps_code; }

// `higher` is reported over `lower` wherever each sits: farther from the end entity than `lower`,
// nearer, or on the same element.
void expect_outranks(const Fault& higher, const Fault& lower) {
  struct Placement {
    std::size_t higher_at;
    std::size_t lower_at;
  };
  std::vector<Placement> placements = {{2, 0}, {0, 2}, {1, 0}};
  if (!(higher.is_revocation && lower.is_revocation)) placements.push_back({1, 1});
  for (const Placement& placement : placements) {
    SCOPED_TRACE(higher.name + " at element " + std::to_string(placement.higher_at) + ", " + lower.name +
                 " at element " + std::to_string(placement.lower_at));
    std::vector<ChainElement> chain = clean_chain();
    higher.apply(chain[placement.higher_at]);
    lower.apply(chain[placement.lower_at]);
    Verdict verdict = decide(chain, RevocationPolicy{});
    EXPECT_FALSE(verdict.accepted);
    EXPECT_EQ(nps_code(verdict.reason), nps_code(higher.reason));
    EXPECT_EQ(verdict.faulty_element, placement.higher_at);
  }
}

Verdict decide_with(const std::vector<std::pair<std::size_t, const Fault*>>& faults, const RevocationPolicy& policy) {
  std::vector<ChainElement> chain = clean_chain();
  for (const auto& [index, fault] : faults) fault->apply(chain[index]);
  return decide(chain, policy);
}

TEST(PolicyDecide, CleanChainIsAccepted) {
  Verdict verdict = decide(clean_chain(), RevocationPolicy{});
  EXPECT_TRUE(verdict.accepted);
  EXPECT_EQ(verdict.reason, ReasonCode::kAccepted);
  EXPECT_FALSE(verdict.faulty_element.has_value());
}

TEST(PolicyDecide, EachFaultAloneGivesItsReason) {
  for (const Fault* fault : {&kIssuerNotFound, &kUntrustedRoot, &kBadSignature, &kRevoked, &kExpired, &kWrongEku,
                             &kNoInformation, &kOffline}) {
    SCOPED_TRACE(fault->name);
    Verdict verdict = decide_with({{1, fault}}, RevocationPolicy{});
    EXPECT_FALSE(verdict.accepted);
    EXPECT_EQ(verdict.reason, fault->reason);
    EXPECT_EQ(verdict.faulty_element, 1u);
  }
}

TEST(PolicyDecide, EveryProblemCodeMapsToItsRank) {
  const std::vector<std::pair<ProblemCode, int>> expected = {
      {ProblemCode::kExpired, 268},        {ProblemCode::kNotYetValid, 268},    {ProblemCode::kBadSignature, 266},
      {ProblemCode::kUntrustedRoot, 265},  {ProblemCode::kIssuerNotFound, 287}, {ProblemCode::kNotACa, 266},
      {ProblemCode::kPathLength, 266},     {ProblemCode::kKeyUsage, 266},       {ProblemCode::kWrongEku, 283},
      {ProblemCode::kNameConstraints, 266}, {ProblemCode::kOther, 266},
  };
  for (const auto& [code, nps] : expected) {
    SCOPED_TRACE(std::string(problem_code_name(code)));
    Fault fault = problem(code, ReasonCode::kAccepted);
    Verdict verdict = decide_with({{0, &fault}}, RevocationPolicy{});
    EXPECT_EQ(nps_code(verdict.reason), nps);
  }
}

TEST(PolicyDecide, IssuerNotFoundOutranksUntrustedRoot) { expect_outranks(kIssuerNotFound, kUntrustedRoot); }
TEST(PolicyDecide, UntrustedRootOutranksBrokenSignature) { expect_outranks(kUntrustedRoot, kBadSignature); }
TEST(PolicyDecide, BrokenSignatureOutranksRevoked) { expect_outranks(kBadSignature, kRevoked); }
TEST(PolicyDecide, RevokedOutranksExpired) { expect_outranks(kRevoked, kExpired); }
TEST(PolicyDecide, ExpiredOutranksWrongEku) { expect_outranks(kExpired, kWrongEku); }
TEST(PolicyDecide, WrongEkuOutranksNoRevocationInformation) { expect_outranks(kWrongEku, kNoInformation); }
TEST(PolicyDecide, NoRevocationInformationOutranksOffline) { expect_outranks(kNoInformation, kOffline); }

TEST(PolicyDecide, IssuerNotFoundOutranksRevoked) { expect_outranks(kIssuerNotFound, kRevoked); }

TEST(PolicyDecide, WithinARankTheElementNearestTheEndEntityWins) {
  Verdict revoked = decide_with({{2, &kRevoked}, {1, &kRevoked}}, RevocationPolicy{});
  EXPECT_EQ(revoked.reason, ReasonCode::kRevoked);
  EXPECT_EQ(revoked.faulty_element, 1u);

  Fault not_yet_valid = problem(ProblemCode::kNotYetValid, ReasonCode::kCertExpired);
  Verdict expiry = decide_with({{2, &kExpired}, {1, &not_yet_valid}}, RevocationPolicy{});
  EXPECT_EQ(expiry.reason, ReasonCode::kCertExpired);
  EXPECT_EQ(expiry.faulty_element, 1u);

  Fault name_constraints = problem(ProblemCode::kNameConstraints, ReasonCode::kIllegalMessage);
  Verdict illegal = decide_with({{1, &name_constraints}, {0, &kBadSignature}}, RevocationPolicy{});
  EXPECT_EQ(illegal.reason, ReasonCode::kIllegalMessage);
  EXPECT_EQ(illegal.faulty_element, 0u);

  Verdict offline = decide_with({{0, &kOffline}, {2, &kOffline}}, RevocationPolicy{});
  EXPECT_EQ(offline.reason, ReasonCode::kRevocationOffline);
  EXPECT_EQ(offline.faulty_element, 0u);
}

TEST(PolicyKnobs, IgnoreNoRevocationCheckAccepts258ButNot259) {
  RevocationPolicy policy;
  policy.ignore_no_revocation_check = true;
  EXPECT_TRUE(decide_with({{1, &kNoInformation}}, policy).accepted);
  Verdict offline = decide_with({{1, &kOffline}}, policy);
  EXPECT_FALSE(offline.accepted);
  EXPECT_EQ(offline.reason, ReasonCode::kRevocationOffline);
  // With 258 waived, a 259 elsewhere in the chain is what is reported.
  Verdict both = decide_with({{0, &kNoInformation}, {1, &kOffline}}, policy);
  EXPECT_EQ(both.reason, ReasonCode::kRevocationOffline);
  EXPECT_EQ(both.faulty_element, 1u);
}

TEST(PolicyKnobs, IgnoreRevocationOfflineAccepts259ButNot258) {
  RevocationPolicy policy;
  policy.ignore_revocation_offline = true;
  EXPECT_TRUE(decide_with({{1, &kOffline}}, policy).accepted);
  Verdict no_information = decide_with({{1, &kNoInformation}}, policy);
  EXPECT_FALSE(no_information.accepted);
  EXPECT_EQ(no_information.reason, ReasonCode::kNoRevocationCheck);
  Verdict both = decide_with({{0, &kOffline}, {1, &kNoInformation}}, policy);
  EXPECT_EQ(both.reason, ReasonCode::kNoRevocationCheck);
  EXPECT_EQ(both.faulty_element, 1u);
}

TEST(PolicyKnobs, NeitherKnobWaivesARevocationOrAnyOtherFault) {
  RevocationPolicy lenient;
  lenient.ignore_no_revocation_check = true;
  lenient.ignore_revocation_offline = true;
  EXPECT_TRUE(decide_with({{0, &kNoInformation}, {1, &kOffline}}, lenient).accepted);
  for (const Fault* fault : {&kIssuerNotFound, &kUntrustedRoot, &kBadSignature, &kRevoked, &kExpired, &kWrongEku}) {
    SCOPED_TRACE(fault->name);
    Verdict verdict = decide_with({{0, &kNoInformation}, {1, &kOffline}, {2, fault}}, lenient);
    EXPECT_FALSE(verdict.accepted);
    EXPECT_EQ(verdict.reason, fault->reason);
    EXPECT_EQ(verdict.faulty_element, 2u);
  }
}

TEST(PolicyKnobs, ResultsThatDoNotCountNeverDeny) {
  for (const Fault* fault : {&kRevoked, &kNoInformation, &kOffline}) {
    SCOPED_TRACE(fault->name);
    std::vector<ChainElement> chain = clean_chain();
    fault->apply(chain[2]);
    chain[2].revocation.counts = false;
    EXPECT_TRUE(decide(chain, RevocationPolicy{}).accepted);
    chain[2].revocation.counts = true;
    EXPECT_FALSE(decide(chain, RevocationPolicy{}).accepted);
  }
  // Only the revocation result is set aside, not the element's other problems.
  std::vector<ChainElement> chain = clean_chain();
  chain[2].revocation.status = RevocationStatus::kNoInformation;
  chain[2].revocation.counts = false;
  kUntrustedRoot.apply(chain[2]);
  Verdict verdict = decide(chain, RevocationPolicy{});
  EXPECT_EQ(verdict.reason, ReasonCode::kUntrustedRoot);
  EXPECT_EQ(verdict.faulty_element, 2u);
}

TEST(PolicyKnobs, NotCheckedIsNoFault) {
  std::vector<ChainElement> chain = clean_chain();
  for (ChainElement& element : chain) element.revocation.status = RevocationStatus::kNotChecked;
  EXPECT_TRUE(decide(chain, RevocationPolicy{}).accepted);
}

TEST(PolicyKnobs, WeakenedNamesTheKnobsThatAreSet) {
  EXPECT_TRUE(RevocationPolicy{}.weakened().empty());
  RevocationPolicy policy;
  policy.ignore_revocation_offline = true;
  EXPECT_EQ(policy.weakened(), std::vector<std::string>{"ignore_revocation_offline"});
  policy.no_revocation_check = true;
  policy.ignore_no_revocation_check = true;
  policy.no_root_revocation_check = true;
  EXPECT_EQ(policy.weakened(), (std::vector<std::string>{"no_revocation_check", "ignore_no_revocation_check",
                                                          "ignore_revocation_offline", "no_root_revocation_check"}));
}

}  // namespace
}  // namespace nimbus::verify
