#include "profile/csr_policy.h"

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <gtest/gtest.h>

#include "crypto/handles.h"
#include "testing/test_support.h"

namespace nimbus::profile {
namespace {

using nimbus::testing::dn;
using nimbus::testing::make_key;
using nimbus::testing::must;

// A key of any kind OpenSSL makes, including ones Nimbus itself refuses to generate.
crypto::EvpPkeyPtr raw_key(const char* type, const char* curve = nullptr, size_t rsa_bits = 0) {
  EVP_PKEY* key = nullptr;
  if (rsa_bits != 0) {
    key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", rsa_bits);
  } else if (curve != nullptr) {
    key = EVP_PKEY_Q_keygen(nullptr, nullptr, type, curve);
  } else {
    key = EVP_PKEY_Q_keygen(nullptr, nullptr, type);
  }
  if (key == nullptr) throw std::runtime_error(std::string("generating a ") + type + " key failed");
  return crypto::EvpPkeyPtr(key);
}

// A request for `key` signed with `digest` (nullptr for Ed25519, which hashes internally).
x509::CertificateRequest make_request(EVP_PKEY* key, const EVP_MD* digest) {
  crypto::X509ReqPtr request(X509_REQ_new());
  if (!request || X509_REQ_set_version(request.get(), X509_REQ_VERSION_1) != 1 ||
      X509_REQ_set_subject_name(request.get(), dn("CN=alice").get()) != 1 ||
      X509_REQ_set_pubkey(request.get(), key) != 1 || X509_REQ_sign(request.get(), key, digest) <= 0) {
    throw std::runtime_error("building a test request failed");
  }
  unsigned char* der = nullptr;
  int size = i2d_X509_REQ(request.get(), &der);
  if (size <= 0) throw std::runtime_error("encoding a test request failed");
  Bytes bytes(der, der + size);
  OPENSSL_free(der);
  return must(x509::CertificateRequest::parse(bytes), "parsing a test request");
}

x509::CertificateRequest make_request(const crypto::PrivateKey& key, const EVP_MD* digest = EVP_sha256()) {
  return make_request(key.get(), digest);
}

// The same request with one bit of its signature flipped.
x509::CertificateRequest tampered(const x509::CertificateRequest& request) {
  Bytes der = request.der();
  der.back() ^= 0x01;  // the signature BIT STRING ends the DER
  return must(x509::CertificateRequest::parse(der), "parsing a tampered request");
}

Profile default_profile() {
  Profile profile;
  profile.hashes = {crypto::SignatureDigest::kSha256, crypto::SignatureDigest::kSha384};
  return profile;
}

// The message of a refusal, checking that it is one.
std::string refusal(const Profile& profile, const x509::CertificateRequest& request) {
  Status status = check_request(profile, request);
  if (status.ok()) return "ok";
  EXPECT_EQ(status.error().code(), ErrorCode::kPolicyViolation) << status.error().message();
  return status.error().message();
}

TEST(CsrPolicy, AcceptsAllowedKeysAndHashes) {
  Profile profile = default_profile();
  NIMBUS_EXPECT_OK(check_request(profile, make_request(make_key("ec:p256"))));
  NIMBUS_EXPECT_OK(check_request(profile, make_request(make_key("ec:p384"), EVP_sha384())));
  NIMBUS_EXPECT_OK(check_request(profile, make_request(make_key("rsa:2048"))));
}

TEST(CsrPolicy, RefusesABadSignatureFirst) {
  // Even with a key the profile refuses, the broken signature is what is reported.
  Profile profile = default_profile();
  profile.key.allow_ec = false;
  std::string message = refusal(profile, tampered(make_request(make_key("ec:p256"))));
  EXPECT_TRUE(message.starts_with("the request's signature does not verify")) << message;
}

TEST(CsrPolicy, RefusesShortRsaKeys) {
  auto rsa_1024 = raw_key("RSA", nullptr, 1024);
  EXPECT_EQ(refusal(default_profile(), make_request(rsa_1024.get(), EVP_sha256())),
            "key: RSA 1024 bits is below the profile's minimum of 2048");

  Profile profile = default_profile();
  profile.key.rsa_min_bits = 3072;
  EXPECT_EQ(refusal(profile, make_request(make_key("rsa:2048"))),
            "key: RSA 2048 bits is below the profile's minimum of 3072");
}

TEST(CsrPolicy, RefusesLongRsaKeys) {
  Profile profile = default_profile();
  profile.key.rsa_max_bits = 2048;
  EXPECT_EQ(refusal(profile, make_request(make_key("rsa:3072"))),
            "key: RSA 3072 bits is above the profile's maximum of 2048");
}

TEST(CsrPolicy, RefusesAlgorithmsTheProfileExcludes) {
  Profile rsa_only = default_profile();
  rsa_only.key.allow_ec = false;
  EXPECT_EQ(refusal(rsa_only, make_request(make_key("ec:p256"))),
            "key: EC keys are not allowed (the profile allows RSA 2048 to 4096 bits)");

  Profile ec_only = default_profile();
  ec_only.key.allow_rsa = false;
  EXPECT_EQ(refusal(ec_only, make_request(make_key("rsa:2048"))),
            "key: RSA keys are not allowed (the profile allows EC p256, p384)");
}

TEST(CsrPolicy, RefusesCurvesNotListed) {
  auto p521 = raw_key("EC", "P-521");
  EXPECT_EQ(refusal(default_profile(), make_request(p521.get(), EVP_sha512())),
            "key: curve P-521 is not allowed (p256, p384)");

  Profile profile = default_profile();
  profile.key.ec_curves = {"p384"};
  EXPECT_EQ(refusal(profile, make_request(make_key("ec:p256"))), "key: curve P-256 is not allowed (p384)");
}

TEST(CsrPolicy, RefusesOtherKeyTypes) {
  auto ed25519 = raw_key("ED25519");
  std::string message = refusal(default_profile(), make_request(ed25519.get(), nullptr));
  EXPECT_TRUE(message.starts_with("key: ED25519 keys are not allowed")) << message;
}

TEST(CsrPolicy, RefusesSha1) {
  std::string message = refusal(default_profile(), make_request(make_key("rsa:2048"), EVP_sha1()));
  EXPECT_EQ(message,
            "hash: the request is signed with SHA-1 (sha1WithRSAEncryption), which the profile does not "
            "allow (sha256, sha384)");
  message = refusal(default_profile(), make_request(make_key("ec:p256"), EVP_sha1()));
  EXPECT_TRUE(message.starts_with("hash: the request is signed with SHA-1 (ecdsa-with-SHA1)")) << message;
}

TEST(CsrPolicy, RefusesHashesNotListed) {
  EXPECT_EQ(refusal(default_profile(), make_request(make_key("ec:p256"), EVP_sha512())),
            "hash: the request is signed with sha512, which the profile does not allow (sha256, sha384)");
  Profile profile = default_profile();
  profile.hashes = {crypto::SignatureDigest::kSha512};
  NIMBUS_EXPECT_OK(check_request(profile, make_request(make_key("ec:p256"), EVP_sha512())));
}

TEST(CsrPolicy, KeyRulesAloneForGeneratedKeys) {
  Profile profile = default_profile();
  NIMBUS_EXPECT_OK(check_key(profile, make_key("rsa:3072").public_key()));
  profile.key.ec_curves = {"p384"};
  Status status = check_key(profile, make_key("ec:p256").public_key());
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), ErrorCode::kPolicyViolation);
  EXPECT_EQ(status.error().message(), "key: curve P-256 is not allowed (p384)");
}

TEST(CsrPolicy, ChecksTheKeyBeforeTheHash) {
  auto rsa_1024 = raw_key("RSA", nullptr, 1024);
  std::string message = refusal(default_profile(), make_request(rsa_1024.get(), EVP_sha1()));
  EXPECT_TRUE(message.starts_with("key: RSA 1024 bits")) << message;
}

}  // namespace
}  // namespace nimbus::profile
