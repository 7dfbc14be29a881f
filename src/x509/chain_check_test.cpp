#include "x509/chain_check.h"

#include <gtest/gtest.h>

#include "testing/test_support.h"

namespace nimbus::x509 {
namespace {

using nimbus::testing::at;
using nimbus::testing::CertificateOptions;
using nimbus::testing::make_ca;
using nimbus::testing::make_chain;
using nimbus::testing::TestCa;
using nimbus::testing::TestChain;

// Inside every default validity period of the test PKI (2026-01-01 .. 2036-01-01).
const Timestamp kDuringValidity = at("2027-06-01T00:00:00Z");

TEST(VerifyChainToRoot, AcceptsRootIntermediateLeaf) {
  TestChain chain = make_chain();
  NIMBUS_EXPECT_OK(verify_chain_to_root(chain.leaf.certificate,
                                        {chain.intermediate.certificate, chain.root.certificate}, kDuringValidity));
  // The order of the chain file does not matter.
  NIMBUS_EXPECT_OK(verify_chain_to_root(chain.leaf.certificate,
                                        {chain.root.certificate, chain.intermediate.certificate}, kDuringValidity));
}

TEST(VerifyChainToRoot, AcceptsACaDirectlyUnderTheRoot) {
  TestChain chain = make_chain();
  NIMBUS_EXPECT_OK(verify_chain_to_root(chain.intermediate.certificate, {chain.root.certificate}, kDuringValidity));
}

TEST(VerifyChainToRoot, AcceptsTheRootItself) {
  TestChain chain = make_chain();
  NIMBUS_EXPECT_OK(verify_chain_to_root(chain.root.certificate, {chain.root.certificate}, kDuringValidity));
}

TEST(VerifyChainToRoot, MissingRootIsAnInvalidArgument) {
  TestChain chain = make_chain();
  auto status = verify_chain_to_root(chain.leaf.certificate, {chain.intermediate.certificate}, kDuringValidity);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(status.error().message().find("root"), std::string::npos);
  NIMBUS_EXPECT_ERROR(verify_chain_to_root(chain.leaf.certificate, {}, kDuringValidity), ErrorCode::kInvalidArgument);
}

TEST(VerifyChainToRoot, MissingIntermediateIsRefused) {
  TestChain chain = make_chain();
  NIMBUS_EXPECT_ERROR(verify_chain_to_root(chain.leaf.certificate, {chain.root.certificate}, kDuringValidity),
                      ErrorCode::kPolicyViolation);
}

TEST(VerifyChainToRoot, WrongRootIsRefused) {
  TestChain chain = make_chain();
  CertificateOptions other_options;
  other_options.subject = "CN=Other Root, O=Nimbus Tests";
  TestCa other = make_ca(other_options);
  auto status = verify_chain_to_root(chain.leaf.certificate, {chain.intermediate.certificate, other.certificate},
                                     kDuringValidity);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), ErrorCode::kPolicyViolation);
  EXPECT_NE(status.error().message().find("does not chain"), std::string::npos) << status.error().message();
}

TEST(VerifyChainToRoot, ImpostorRootWithTheSameNameIsRefused) {
  TestChain chain = make_chain();
  CertificateOptions impostor_options;
  impostor_options.subject = "CN=Test Root, O=Nimbus Tests";  // same name, different key
  TestCa impostor = make_ca(impostor_options);
  NIMBUS_EXPECT_ERROR(verify_chain_to_root(chain.leaf.certificate,
                                           {chain.intermediate.certificate, impostor.certificate}, kDuringValidity),
                      ErrorCode::kPolicyViolation);
}

TEST(VerifyChainToRoot, ExpiredAndNotYetValidAreRefused) {
  TestChain chain = make_chain();
  std::vector<Certificate> links = {chain.intermediate.certificate, chain.root.certificate};
  auto expired = verify_chain_to_root(chain.leaf.certificate, links, at("2036-01-02T00:00:00Z"));
  ASSERT_FALSE(expired.ok());
  EXPECT_EQ(expired.error().code(), ErrorCode::kPolicyViolation);
  EXPECT_NE(expired.error().message().find("expired"), std::string::npos) << expired.error().message();

  auto early = verify_chain_to_root(chain.leaf.certificate, links, at("2025-12-31T00:00:00Z"));
  ASSERT_FALSE(early.ok());
  EXPECT_EQ(early.error().code(), ErrorCode::kPolicyViolation);
  EXPECT_NE(early.error().message().find("not yet valid"), std::string::npos) << early.error().message();
}

TEST(VerifyChainToRoot, ExpiredIntermediateIsRefused) {
  TestChain chain = make_chain();
  CertificateOptions short_lived;
  short_lived.subject = "CN=Short Intermediate";
  short_lived.path_length = 0;
  short_lived.not_after = at("2027-01-01T00:00:00Z");
  TestCa intermediate = make_ca(short_lived, &chain.root);
  CertificateOptions leaf_options;
  leaf_options.subject = "CN=leaf";
  leaf_options.ca = false;
  leaf_options.not_after = at("2026-12-01T00:00:00Z");
  TestCa leaf = make_ca(leaf_options, &intermediate);
  std::vector<Certificate> links = {intermediate.certificate, chain.root.certificate};
  NIMBUS_EXPECT_OK(verify_chain_to_root(leaf.certificate, links, at("2026-06-01T00:00:00Z")));
  auto status = verify_chain_to_root(intermediate.certificate, {chain.root.certificate}, at("2027-06-01T00:00:00Z"));
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message().find("expired"), std::string::npos) << status.error().message();
}

TEST(VerifyChainToRoot, NonCaIssuerIsRefused) {
  TestChain chain = make_chain();
  CertificateOptions child_options;
  child_options.subject = "CN=child of a leaf";
  child_options.ca = false;
  TestCa child = make_ca(child_options, &chain.leaf);
  NIMBUS_EXPECT_ERROR(
      verify_chain_to_root(child.certificate,
                           {chain.leaf.certificate, chain.intermediate.certificate, chain.root.certificate},
                           kDuringValidity),
      ErrorCode::kPolicyViolation);
}

TEST(VerifyChainToRoot, PathLengthConstraintIsEnforced) {
  TestChain chain = make_chain();  // the intermediate has pathlen 0
  CertificateOptions sub_options;
  sub_options.subject = "CN=Sub CA under a pathlen 0 CA";
  TestCa sub = make_ca(sub_options, &chain.intermediate);
  CertificateOptions leaf_options;
  leaf_options.subject = "CN=leaf under sub";
  leaf_options.ca = false;
  TestCa leaf = make_ca(leaf_options, &sub);
  NIMBUS_EXPECT_ERROR(verify_chain_to_root(leaf.certificate,
                                           {sub.certificate, chain.intermediate.certificate, chain.root.certificate},
                                           kDuringValidity),
                      ErrorCode::kPolicyViolation);
}

}  // namespace
}  // namespace nimbus::x509
