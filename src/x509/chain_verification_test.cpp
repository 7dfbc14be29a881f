#include "x509/chain_verification.h"

#include <openssl/x509_vfy.h>

#include <algorithm>

#include <gtest/gtest.h>

#include "testing/test_support.h"

namespace nimbus::x509 {
namespace {

using nimbus::testing::at;
using nimbus::testing::CertificateOptions;
using nimbus::testing::kYear;
using nimbus::testing::make_ca;
using nimbus::testing::make_certificate;
using nimbus::testing::make_chain;
using nimbus::testing::must;
using nimbus::testing::TestCa;
using nimbus::testing::TestChain;

constexpr int kDepth = 8;

// A certificate as a relying party has it: parsed from its DER.
Certificate received(const Certificate& built) { return must(Certificate::from_der(built.der()), "parsing back"); }

struct World {
  TestChain pki = make_chain();
  Certificate root = received(pki.root.certificate);
  Certificate intermediate = received(pki.intermediate.certificate);
  Certificate leaf = received(pki.leaf.certificate);
  TrustStore trusted = must(TrustStore::from({root}), "trust store");
  Timestamp now = at("2027-01-01T00:00:00Z");
};

std::vector<ChainError::Kind> kinds_at(const ChainVerification& result, int depth) {
  std::vector<ChainError::Kind> kinds;
  for (const ChainFault& fault : result.faults) {
    if (fault.depth == depth) kinds.push_back(fault.error.kind());
  }
  return kinds;
}

TEST(ChainVerification, BuildsTheChainFromTheCertificatesItWasGiven) {
  World w;
  CertificateOptions spare_options;
  spare_options.subject = "CN=Unrelated CA";
  TestCa spare = make_ca(spare_options);
  // Order does not matter, and an unneeded certificate is left out.
  std::vector<Certificate> untrusted = {received(spare.certificate), w.intermediate};
  ChainVerification result = verify_chain(w.trusted, w.leaf, untrusted, w.now, kDepth);
  EXPECT_TRUE(result.faults.empty());
  ASSERT_EQ(result.chain.size(), 3u);
  EXPECT_EQ(result.chain[0].source, LinkSource::kSubject);
  EXPECT_EQ(result.chain[0].certificate.get(), w.leaf.get());
  EXPECT_EQ(result.chain[1].source, LinkSource::kUntrusted);
  EXPECT_EQ(result.chain[1].index, 1u);
  // The very Certificate given, shared rather than copied.
  EXPECT_EQ(result.chain[1].certificate.get(), untrusted[1].get());
  EXPECT_EQ(result.chain[2].source, LinkSource::kTrusted);
  EXPECT_EQ(result.chain[2].index, 0u);
  EXPECT_EQ(result.chain[2].certificate.get(), w.trusted.certificates()[0].get());
}

TEST(ChainVerification, ACertificateAlsoTrustedComesFromTheStore) {
  World w;
  ChainVerification result = verify_chain(w.trusted, w.leaf, std::vector<Certificate>{w.root, w.intermediate},
                                          w.now, kDepth);
  EXPECT_TRUE(result.faults.empty());
  ASSERT_EQ(result.chain.size(), 3u);
  EXPECT_EQ(result.chain[2].source, LinkSource::kTrusted);
}

TEST(ChainVerification, AMissingIssuerEndsTheChainWhereItStops) {
  World w;
  ChainVerification result = verify_chain(w.trusted, w.leaf, {}, w.now, kDepth);
  ASSERT_EQ(result.chain.size(), 1u);
  // OpenSSL says it twice (no issuer at hand, so the leaf's signature cannot be checked): both kept.
  std::vector<ChainError::Kind> kinds = kinds_at(result, 0);
  ASSERT_EQ(kinds.size(), 2u);
  EXPECT_EQ(kinds, std::vector<ChainError::Kind>(2, ChainError::Kind::kIssuerNotFound));
  EXPECT_NE(result.faults[0].error, result.faults[1].error);
}

TEST(ChainVerification, KeepsEveryProblemNotJustTheFirst) {
  World w;
  // Two years after the leaf and intermediate expire; the root is valid until then.
  CertificateOptions root_options;
  root_options.subject = "CN=Long Root";
  root_options.not_after = at("2060-01-01T00:00:00Z");
  TestCa root = make_ca(root_options);
  CertificateOptions intermediate_options;
  intermediate_options.subject = "CN=Short Intermediate";
  TestCa intermediate = make_ca(intermediate_options, &root);
  CertificateOptions leaf_options;
  leaf_options.subject = "CN=short.test";
  leaf_options.ca = false;
  TestCa leaf = make_ca(leaf_options, &intermediate);
  Timestamp late = intermediate_options.not_after + 2 * kYear;

  TrustStore trusted = must(TrustStore::from({received(root.certificate)}), "trust store");
  ChainVerification result = verify_chain(trusted, received(leaf.certificate),
                                          std::vector<Certificate>{received(intermediate.certificate)}, late, kDepth);
  ASSERT_EQ(result.chain.size(), 3u);
  EXPECT_EQ(kinds_at(result, 0), std::vector<ChainError::Kind>{ChainError::Kind::kExpired});
  EXPECT_EQ(kinds_at(result, 1), std::vector<ChainError::Kind>{ChainError::Kind::kExpired});
  EXPECT_TRUE(kinds_at(result, 2).empty());
  EXPECT_TRUE(std::is_sorted(result.faults.begin(), result.faults.end()));
}

TEST(ChainVerification, ASelfSignedCertificateNotTrustedIsReported) {
  World w;
  CertificateOptions options;
  options.subject = "CN=Stranger";
  TestCa stranger = make_ca(options);
  ChainVerification result = verify_chain(w.trusted, received(stranger.certificate), {}, w.now, kDepth);
  ASSERT_EQ(result.chain.size(), 1u);
  EXPECT_EQ(kinds_at(result, 0), std::vector<ChainError::Kind>{ChainError::Kind::kSelfSigned});
}

TEST(ChainVerification, TheDepthIsBounded) {
  World w;
  ChainVerification result =
      verify_chain(w.trusted, w.leaf, std::vector<Certificate>{w.intermediate}, w.now, /*max_depth=*/0);
  bool too_long = std::any_of(result.faults.begin(), result.faults.end(), [](const ChainFault& fault) {
    return fault.error.kind() == ChainError::Kind::kPathLength;
  });
  EXPECT_TRUE(too_long);
}

TEST(ChainVerification, TheTimeIsTheOneGiven) {
  World w;
  ChainVerification early = verify_chain(w.trusted, w.leaf, std::vector<Certificate>{w.intermediate},
                                         at("2025-06-01T00:00:00Z"), kDepth);
  EXPECT_EQ(kinds_at(early, 0), std::vector<ChainError::Kind>{ChainError::Kind::kNotYetValid});
}

TEST(ChainVerification, EmptyStoreTrustsNothing) {
  World w;
  TrustStore nothing = must(TrustStore::from({}), "empty store");
  ChainVerification result = verify_chain(nothing, w.leaf, std::vector<Certificate>{w.intermediate, w.root},
                                          w.now, kDepth);
  ASSERT_EQ(result.chain.size(), 3u);
  EXPECT_EQ(result.chain[2].source, LinkSource::kUntrusted);
  EXPECT_EQ(kinds_at(result, 2), std::vector<ChainError::Kind>{ChainError::Kind::kSelfSigned});
}

TEST(ChainError, GroupsOpenSslsCodes) {
  using Kind = ChainError::Kind;
  const std::pair<int, Kind> table[] = {
      {X509_V_ERR_CERT_HAS_EXPIRED, Kind::kExpired},
      {X509_V_ERR_CERT_NOT_YET_VALID, Kind::kNotYetValid},
      {X509_V_ERR_CERT_SIGNATURE_FAILURE, Kind::kBadSignature},
      {X509_V_ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE, Kind::kBadSignature},
      {X509_V_ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY, Kind::kBadSignature},
      {X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, Kind::kSelfSigned},
      {X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN, Kind::kSelfSigned},
      {X509_V_ERR_CERT_UNTRUSTED, Kind::kUntrusted},
      {X509_V_ERR_CERT_REJECTED, Kind::kUntrusted},
      {X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT, Kind::kIssuerNotFound},
      {X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, Kind::kIssuerNotFound},
      {X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE, Kind::kIssuerNotFound},
      {X509_V_ERR_INVALID_CA, Kind::kNotACa},
      {X509_V_ERR_PATH_LENGTH_EXCEEDED, Kind::kPathLength},
      {X509_V_ERR_CERT_CHAIN_TOO_LONG, Kind::kPathLength},
      {X509_V_ERR_KEYUSAGE_NO_CERTSIGN, Kind::kKeyUsage},
      {X509_V_ERR_INVALID_PURPOSE, Kind::kPurpose},
      {X509_V_ERR_PERMITTED_VIOLATION, Kind::kNameConstraints},
      {X509_V_ERR_EXCLUDED_VIOLATION, Kind::kNameConstraints},
      {X509_V_ERR_SUBTREE_MINMAX, Kind::kNameConstraints},
      {X509_V_ERR_UNSUPPORTED_CONSTRAINT_TYPE, Kind::kNameConstraints},
      {X509_V_ERR_UNSUPPORTED_CONSTRAINT_SYNTAX, Kind::kNameConstraints},
      {X509_V_ERR_UNSUPPORTED_NAME_SYNTAX, Kind::kNameConstraints},
      {X509_V_ERR_OUT_OF_MEM, Kind::kOutOfMemory},
      {X509_V_ERR_CRL_HAS_EXPIRED, Kind::kOther},
      {X509_V_ERR_UNSPECIFIED, Kind::kOther},
  };
  for (const auto& [code, kind] : table) {
    EXPECT_EQ(ChainError(code).kind(), kind) << code;
    EXPECT_EQ(ChainError(code).message(), X509_verify_cert_error_string(code));
    EXPECT_FALSE(ChainError(code).message().empty());
  }
  EXPECT_EQ(ChainError(X509_V_ERR_CERT_HAS_EXPIRED).message(), "certificate has expired");
}

}  // namespace
}  // namespace nimbus::x509
