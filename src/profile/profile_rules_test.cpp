#include "profile/profile_rules.h"

#include <gtest/gtest.h>

#include "x509/key_purposes.h"

namespace nimbus::profile {
namespace {

using x509::KeyUsage;

Profile profile_with(std::vector<KeyUsage> usages, std::vector<std::string_view> purposes, bool rsa, bool ec) {
  Profile profile;
  profile.key_usage = std::move(usages);
  for (std::string_view purpose : purposes) profile.extended_key_usage.emplace_back(purpose);
  profile.key.allow_rsa = rsa;
  profile.key.allow_ec = ec;
  return profile;
}

TEST(ProfileRules, UsableProfilesBreakNoRule) {
  EXPECT_FALSE(find_rule_violation(profile_with({KeyUsage::kDigitalSignature}, {x509::kClientAuthOid}, true, true)));
  EXPECT_FALSE(find_rule_violation(profile_with({KeyUsage::kDigitalSignature, KeyUsage::kKeyEncipherment},
                                                {x509::kClientAuthOid, x509::kServerAuthOid}, true, false)));
  // key agreement alone serves both purposes for EC keys.
  EXPECT_FALSE(find_rule_violation(
      profile_with({KeyUsage::kKeyAgreement}, {x509::kClientAuthOid, x509::kServerAuthOid}, false, true)));
}

TEST(ProfileRules, AUsageNoAllowedKeyCanPerformIsReportedAtThatElement) {
  auto violation = find_rule_violation(
      profile_with({KeyUsage::kDigitalSignature, KeyUsage::kKeyEncipherment}, {x509::kClientAuthOid}, false, true));
  ASSERT_TRUE(violation);
  EXPECT_EQ(violation->field, "key_usage");
  EXPECT_EQ(violation->element, 1u);
  EXPECT_EQ(violation->reason, "key_encipherment needs an RSA key; the profile allows only EC (key.algorithms)");

  violation = find_rule_violation(profile_with({KeyUsage::kKeyAgreement}, {}, true, false));
  ASSERT_TRUE(violation);
  EXPECT_EQ(violation->element, 0u);
  EXPECT_EQ(violation->reason, "key_agreement needs an EC key; the profile allows only RSA (key.algorithms)");
}

TEST(ProfileRules, EveryAllowedAlgorithmMustGetAUsableCertificate) {
  // An RSA key would get no usage at all: reported at the whole list.
  auto violation = find_rule_violation(profile_with({KeyUsage::kKeyAgreement}, {x509::kClientAuthOid}, true, true));
  ASSERT_TRUE(violation);
  EXPECT_EQ(violation->field, "key_usage");
  EXPECT_FALSE(violation->element);
  EXPECT_NE(violation->reason.find("applies to an RSA key"), std::string::npos) << violation->reason;

  // An RSA key would get key encipherment only, which client authentication cannot use.
  violation = find_rule_violation(
      profile_with({KeyUsage::kKeyEncipherment}, {x509::kServerAuthOid, x509::kClientAuthOid}, true, false));
  ASSERT_TRUE(violation);
  EXPECT_EQ(violation->field, "extended_key_usage");
  EXPECT_EQ(violation->element, 1u);
  EXPECT_NE(violation->reason.find("client_auth needs digital_signature"), std::string::npos) << violation->reason;

  // An EC key would get non-repudiation only, which server authentication cannot use.
  violation = find_rule_violation(profile_with({KeyUsage::kNonRepudiation}, {x509::kServerAuthOid}, false, true));
  ASSERT_TRUE(violation);
  EXPECT_EQ(violation->field, "extended_key_usage");
  EXPECT_EQ(violation->element, 0u);
  EXPECT_NE(violation->reason.find("an EC key would get none of them"), std::string::npos) << violation->reason;
}

TEST(ProfileRules, UsagesForKeepOnlyWhatTheAlgorithmCanDoInOrder) {
  std::vector<KeyUsage> all = {KeyUsage::kKeyAgreement, KeyUsage::kDigitalSignature, KeyUsage::kDataEncipherment,
                               KeyUsage::kKeyEncipherment, KeyUsage::kNonRepudiation};
  EXPECT_EQ(usages_for(all, crypto::KeyAlgorithm::kRsa),
            (std::vector<KeyUsage>{KeyUsage::kDigitalSignature, KeyUsage::kDataEncipherment,
                                   KeyUsage::kKeyEncipherment, KeyUsage::kNonRepudiation}));
  EXPECT_EQ(usages_for(all, crypto::KeyAlgorithm::kEc),
            (std::vector<KeyUsage>{KeyUsage::kKeyAgreement, KeyUsage::kDigitalSignature, KeyUsage::kNonRepudiation}));
}

}  // namespace
}  // namespace nimbus::profile
