#include "x509/csr.h"

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <utility>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "crypto/bio.h"
#include "testing/test_support.h"

namespace nimbus::x509 {
namespace {

using nimbus::testing::dn;
using nimbus::testing::make_key;

std::string pem_block(std::string_view name, ByteView der) {
  crypto::BioPtr out = crypto::memory_writer();
  PEM_write_bio(out.get(), std::string(name).c_str(), "", der.data(), static_cast<long>(der.size()));
  return crypto::bio_text(out.get());
}

TEST(CertificateRequest, CreateForCaRoundTripsThroughPemAndVerifies) {
  crypto::PrivateKey key = make_key("ec:p256");
  DistinguishedName subject = dn("CN=Nimbus Issuing CA, O=Contoso\\, Inc., C=US");
  NIMBUS_ASSERT_OK_AND_ASSIGN(CertificateRequest request, CertificateRequest::create_for_ca(subject, key));
  NIMBUS_EXPECT_OK(request.verify_signature());

  std::string pem = request.pem();
  EXPECT_EQ(pem.rfind("-----BEGIN CERTIFICATE REQUEST-----\n", 0), 0u) << pem;
  NIMBUS_ASSERT_OK_AND_ASSIGN(CertificateRequest parsed, CertificateRequest::parse(as_bytes(pem)));
  NIMBUS_EXPECT_OK(parsed.verify_signature());
  EXPECT_EQ(parsed.der(), request.der());
  EXPECT_TRUE(parsed.subject() == subject);
  EXPECT_EQ(parsed.subject().to_string(), "CN=Nimbus Issuing CA, O=Contoso\\, Inc., C=US");
  EXPECT_TRUE(parsed.public_key() == key.public_key());

  NIMBUS_ASSERT_OK_AND_ASSIGN(CertificateRequest from_der, CertificateRequest::parse(request.der()));
  EXPECT_EQ(from_der.der(), request.der());
}

TEST(CertificateRequest, EnrollmentRequestsCarryTheChallengeAndNames) {
  crypto::PrivateKey key = make_key("ec:p256");
  NIMBUS_ASSERT_OK_AND_ASSIGN(
      CertificateRequest request,
      CertificateRequest::create_for_enrollment(dn("CN=laptop-7"), key, crypto::SignatureDigest::kSha384,
                                                std::string("k3Y-one time"), {"laptop-7.corp.example.net"}));
  NIMBUS_EXPECT_OK(request.verify_signature());
  EXPECT_EQ(request.signature_digest(), std::optional(crypto::SignatureDigest::kSha384));
  NIMBUS_ASSERT_OK_AND_ASSIGN(CertificateRequest parsed, CertificateRequest::parse(request.der()));
  EXPECT_EQ(parsed.challenge_password(), std::optional<std::string>("k3Y-one time"));
  EXPECT_EQ(parsed.subject().to_string(), "CN=laptop-7");
  crypto::ExtensionStackPtr extensions(X509_REQ_get_extensions(parsed.get()));
  ASSERT_EQ(sk_X509_EXTENSION_num(extensions.get()), 1);
  EXPECT_EQ(OBJ_obj2nid(X509_EXTENSION_get_object(sk_X509_EXTENSION_value(extensions.get(), 0))),
            NID_subject_alt_name);

  NIMBUS_ASSERT_OK_AND_ASSIGN(CertificateRequest bare,
                              CertificateRequest::create_for_enrollment(dn("CN=x"), key, crypto::SignatureDigest::kSha256,
                                                                        std::nullopt));
  EXPECT_FALSE(bare.challenge_password().has_value());
}

TEST(CertificateRequest, ChallengePasswordsOfOtherShapesAreNotRead) {
  crypto::PrivateKey key = make_key("ec:p256");
  crypto::X509ReqPtr request(X509_REQ_new());
  ASSERT_EQ(X509_REQ_set_pubkey(request.get(), key.get()), 1);
  const unsigned char bytes[] = {0x01, 0x02};
  ASSERT_EQ(X509_REQ_add1_attr_by_NID(request.get(), NID_pkcs9_challengePassword, V_ASN1_OCTET_STRING, bytes, 2), 1);
  ASSERT_GT(X509_REQ_sign(request.get(), key.get(), EVP_sha256()), 0);
  unsigned char* der = nullptr;
  int length = i2d_X509_REQ(request.get(), &der);
  ASSERT_GT(length, 0);
  Bytes encoded(der, der + length);
  OPENSSL_free(der);
  NIMBUS_ASSERT_OK_AND_ASSIGN(CertificateRequest parsed, CertificateRequest::parse(encoded));
  EXPECT_FALSE(parsed.challenge_password().has_value());

}

TEST(CertificateRequest, RequestsCaExtensions) {
  crypto::PrivateKey key = make_key("ec:p384");
  NIMBUS_ASSERT_OK_AND_ASSIGN(CertificateRequest request, CertificateRequest::create_for_ca(dn("CN=ca"), key));
  EXPECT_EQ(X509_REQ_get_signature_nid(request.get()), NID_ecdsa_with_SHA384);
  EXPECT_EQ(X509_REQ_get_version(request.get()), X509_REQ_VERSION_1);

  crypto::ExtensionStackPtr extensions(X509_REQ_get_extensions(request.get()));
  ASSERT_NE(extensions, nullptr);
  ASSERT_EQ(sk_X509_EXTENSION_num(extensions.get()), 2);

  int index = X509v3_get_ext_by_NID(extensions.get(), NID_basic_constraints, -1);
  ASSERT_GE(index, 0);
  X509_EXTENSION* bc_ext = sk_X509_EXTENSION_value(extensions.get(), index);
  EXPECT_EQ(X509_EXTENSION_get_critical(bc_ext), 1);
  crypto::BasicConstraintsPtr constraints(static_cast<BASIC_CONSTRAINTS*>(X509V3_EXT_d2i(bc_ext)));
  ASSERT_NE(constraints, nullptr);
  EXPECT_NE(constraints->ca, 0);
  ASSERT_NE(constraints->pathlen, nullptr);
  EXPECT_EQ(ASN1_INTEGER_get(constraints->pathlen), 0);

  index = X509v3_get_ext_by_NID(extensions.get(), NID_key_usage, -1);
  ASSERT_GE(index, 0);
  X509_EXTENSION* ku_ext = sk_X509_EXTENSION_value(extensions.get(), index);
  EXPECT_EQ(X509_EXTENSION_get_critical(ku_ext), 1);
  crypto::Asn1BitStringPtr usage(static_cast<ASN1_BIT_STRING*>(X509V3_EXT_d2i(ku_ext)));
  ASSERT_NE(usage, nullptr);
  for (int bit = 0; bit < 9; ++bit) {
    EXPECT_EQ(ASN1_BIT_STRING_get_bit(usage.get(), bit), bit == 5 || bit == 6) << bit;
  }
}

TEST(CertificateRequest, RsaRequestUsesSha256) {
  crypto::PrivateKey key = make_key("rsa:2048");
  NIMBUS_ASSERT_OK_AND_ASSIGN(CertificateRequest request, CertificateRequest::create_for_ca(dn("CN=rsa"), key));
  EXPECT_EQ(X509_REQ_get_signature_nid(request.get()), NID_sha256WithRSAEncryption);
  NIMBUS_EXPECT_OK(request.verify_signature());
}

TEST(CertificateRequest, AcceptsTheNewCertificateRequestBlockName) {
  crypto::PrivateKey key = make_key();
  NIMBUS_ASSERT_OK_AND_ASSIGN(CertificateRequest request, CertificateRequest::create_for_ca(dn("CN=ca"), key));
  NIMBUS_ASSERT_OK_AND_ASSIGN(CertificateRequest parsed,
                              CertificateRequest::parse(as_bytes(pem_block("NEW CERTIFICATE REQUEST", request.der()))));
  EXPECT_EQ(parsed.der(), request.der());
}

TEST(CertificateRequest, RefusesOtherPemBlocks) {
  crypto::PrivateKey key = make_key();
  NIMBUS_ASSERT_OK_AND_ASSIGN(CertificateRequest request, CertificateRequest::create_for_ca(dn("CN=ca"), key));
  for (const char* name : {"CERTIFICATE", "X509 CRL", "PRIVATE KEY", "REQUEST"}) {
    auto parsed = CertificateRequest::parse(as_bytes(pem_block(name, request.der())));
    ASSERT_FALSE(parsed.ok()) << name;
    EXPECT_EQ(parsed.error().code(), ErrorCode::kMalformed) << name;
    EXPECT_NE(parsed.error().message().find(name), std::string::npos) << parsed.error().message();
  }
}

TEST(CertificateRequest, RefusesGarbageAndTrailingBytes) {
  crypto::PrivateKey key = make_key();
  NIMBUS_ASSERT_OK_AND_ASSIGN(CertificateRequest request, CertificateRequest::create_for_ca(dn("CN=ca"), key));
  NIMBUS_EXPECT_ERROR(CertificateRequest::parse(Bytes{}), ErrorCode::kMalformed);
  NIMBUS_EXPECT_ERROR(CertificateRequest::parse(as_bytes("garbage")), ErrorCode::kMalformed);
  Bytes trailing = request.der();
  trailing.push_back(0);
  NIMBUS_EXPECT_ERROR(CertificateRequest::parse(trailing), ErrorCode::kMalformed);
  NIMBUS_EXPECT_ERROR(
      CertificateRequest::parse(as_bytes("-----BEGIN CERTIFICATE REQUEST-----\n!!\n-----END CERTIFICATE REQUEST-----\n")),
      ErrorCode::kMalformed);
  std::string pem = request.pem();
  pem.resize(pem.size() / 2);
  NIMBUS_EXPECT_ERROR(CertificateRequest::parse(as_bytes(pem)), ErrorCode::kMalformed);
}

// A second request in the file would otherwise be ignored, and the first issued without a word.
TEST(CertificateRequest, RefusesTwoPemRequestsSayingHowMany) {
  crypto::PrivateKey key = make_key();
  NIMBUS_ASSERT_OK_AND_ASSIGN(CertificateRequest first, CertificateRequest::create_for_ca(dn("CN=first"), key));
  NIMBUS_ASSERT_OK_AND_ASSIGN(CertificateRequest second, CertificateRequest::create_for_ca(dn("CN=second"), key));
  const std::pair<std::string, int> files[] = {
      {first.pem() + second.pem(), 2},
      {first.pem() + "\nnotes between the blocks\n" + second.pem() + first.pem(), 3},
      {first.pem() + pem_block("NEW CERTIFICATE REQUEST", second.der()), 2},
  };
  for (const auto& [text, count] : files) {
    auto parsed = CertificateRequest::parse(as_bytes(text));
    ASSERT_FALSE(parsed.ok()) << text;
    EXPECT_EQ(parsed.error().code(), ErrorCode::kMalformed);
    EXPECT_EQ(parsed.error().message(),
              fmt::format("holds {} certificate requests; exactly one is expected (put each in a file of its own)",
                          count));
  }
}

TEST(CertificateRequest, RefusesDerRequestsOneAfterAnotherSayingHowMany) {
  crypto::PrivateKey key = make_key();
  NIMBUS_ASSERT_OK_AND_ASSIGN(CertificateRequest request, CertificateRequest::create_for_ca(dn("CN=ca"), key));
  Bytes two = request.der();
  two.insert(two.end(), request.der().begin(), request.der().end());
  auto parsed = CertificateRequest::parse(two);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().message(), "holds 2 certificate requests; exactly one is expected (put each in a file of its own)");

  // What follows is not a request: the bytes are counted instead.
  Bytes garbage = request.der();
  garbage.insert(garbage.end(), {0x30, 0x00, 0x00});
  parsed = CertificateRequest::parse(garbage);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().message(), "3 unexpected bytes follow the request");
}

// Blocks of other kinds (the key `openssl req -keyout` wrote into the same file) are not requests.
TEST(CertificateRequest, SkipsOtherPemBlocksBesideTheOneRequest) {
  crypto::PrivateKey key = make_key();
  NIMBUS_ASSERT_OK_AND_ASSIGN(CertificateRequest request, CertificateRequest::create_for_ca(dn("CN=ca"), key));
  std::string text = pem_block("PRIVATE KEY", Bytes{0x30, 0x00}) + request.pem() + pem_block("CERTIFICATE", Bytes{0x30, 0x00});
  NIMBUS_ASSERT_OK_AND_ASSIGN(CertificateRequest parsed, CertificateRequest::parse(as_bytes(text)));
  EXPECT_EQ(parsed.der(), request.der());
}

TEST(CertificateRequest, EveryTamperedByteFailsParseOrVerify) {
  crypto::PrivateKey key = make_key();
  NIMBUS_ASSERT_OK_AND_ASSIGN(CertificateRequest request,
                              CertificateRequest::create_for_ca(dn("CN=Tamper Test CA, O=Nimbus Tests"), key));
  const Bytes& original = request.der();
  int parse_failures = 0;
  int verify_failures = 0;
  for (std::size_t i = 0; i < original.size(); ++i) {
    Bytes tampered = original;
    tampered[i] ^= 0x01;
    auto parsed = CertificateRequest::parse(tampered);
    if (!parsed.ok()) {
      EXPECT_EQ(parsed.error().code(), ErrorCode::kMalformed) << "byte " << i;
      ++parse_failures;
      continue;
    }
    Status verified = parsed->verify_signature();
    EXPECT_FALSE(verified.ok()) << "flipping byte " << i << " of " << original.size() << " went unnoticed";
    if (!verified.ok()) {
      EXPECT_EQ(verified.error().code(), ErrorCode::kPolicyViolation);
      ++verify_failures;
    }
  }
  EXPECT_GT(parse_failures, 0);
  EXPECT_GT(verify_failures, 0);
}

TEST(CertificateRequest, TamperedSubjectFailsVerification) {
  crypto::PrivateKey key = make_key();
  NIMBUS_ASSERT_OK_AND_ASSIGN(CertificateRequest request,
                              CertificateRequest::create_for_ca(dn("CN=Tamper Test CA"), key));
  Bytes der = request.der();
  std::string_view text(reinterpret_cast<const char*>(der.data()), der.size());
  std::size_t where = text.find("Tamper");
  ASSERT_NE(where, std::string_view::npos);
  der[where] = 'D';
  NIMBUS_ASSERT_OK_AND_ASSIGN(CertificateRequest parsed, CertificateRequest::parse(der));
  EXPECT_EQ(parsed.subject().common_name(), "Damper Test CA");
  NIMBUS_EXPECT_ERROR(parsed.verify_signature(), ErrorCode::kPolicyViolation);
}

TEST(CertificateRequest, SignatureByAnotherKeyFailsVerification) {
  crypto::PrivateKey claimed = make_key();
  crypto::PrivateKey signer = make_key();
  crypto::X509ReqPtr raw(X509_REQ_new());
  ASSERT_EQ(X509_REQ_set_subject_name(raw.get(), dn("CN=mismatch").get()), 1);
  ASSERT_EQ(X509_REQ_set_pubkey(raw.get(), claimed.get()), 1);
  ASSERT_GT(X509_REQ_sign(raw.get(), signer.get(), EVP_sha256()), 0);
  unsigned char* der = nullptr;
  int size = i2d_X509_REQ(raw.get(), &der);
  ASSERT_GT(size, 0);
  Bytes bytes(der, der + size);
  OPENSSL_free(der);
  NIMBUS_ASSERT_OK_AND_ASSIGN(CertificateRequest parsed, CertificateRequest::parse(bytes));
  EXPECT_TRUE(parsed.public_key() == claimed.public_key());
  NIMBUS_EXPECT_ERROR(parsed.verify_signature(), ErrorCode::kPolicyViolation);
}

}  // namespace
}  // namespace nimbus::x509
