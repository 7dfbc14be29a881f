#include "x509/ocsp_response_builder.h"

#include <openssl/err.h>
#include <openssl/ocsp.h>

#include <gtest/gtest.h>

#include "testing/test_support.h"
#include "x509/extensions.h"

namespace nimbus::x509 {
namespace {

using nimbus::testing::CertificateOptions;
using nimbus::testing::kDay;
using nimbus::testing::make_ca;
using nimbus::testing::make_chain;
using nimbus::testing::must;
using nimbus::testing::TestCa;
using nimbus::testing::TestChain;

const Timestamp kNow = Timestamp(std::chrono::seconds(1'780'000'000));

OcspSingleResponse single(OcspCertId id, OcspCertStatus status) {
  OcspSingleResponse response(std::move(id));
  response.status = status;
  response.this_update = kNow;
  response.next_update = kNow + kDay;
  return response;
}

crypto::OcspResponsePtr openssl_parse(const Bytes& der) {
  const unsigned char* cursor = der.data();
  crypto::OcspResponsePtr response(d2i_OCSP_RESPONSE(nullptr, &cursor, static_cast<long>(der.size())));
  if (!response) throw std::runtime_error("OpenSSL does not parse the response");
  return response;
}

class OcspResponseBuilderTest : public ::testing::Test {
 protected:
  OcspResponseBuilderTest() {
    CertificateOptions options;
    options.subject = "CN=Builder OCSP Responder, O=Nimbus Tests";
    options.ca = false;
    options.eku = {"1.3.6.1.5.5.7.3.9"};
    signer_ = make_ca(options, &chain_.intermediate);
  }

  OcspCertId id_for(const Bytes& serial) const { return must(OcspCertId::for_serial(issuer(), serial)); }
  const Certificate& issuer() const { return chain_.intermediate.certificate; }

  TestChain chain_ = make_chain();
  std::optional<TestCa> signer_;
};

TEST_F(OcspResponseBuilderTest, EveryStatusAndTheNonceRoundTripThroughBothParsers) {
  OcspCertId good_id = must(OcspCertId::for_certificate(chain_.leaf.certificate, issuer()));
  OcspCertId revoked_id = id_for({0x11});
  OcspCertId unspecified_id = id_for({0x22});
  OcspCertId unknown_id = id_for({0x33});
  Bytes nonce = must(crypto::random_bytes(20));
  OcspRequest request = must(OcspRequest::build({good_id}, nonce));

  OcspResponseBuilder builder;
  NIMBUS_ASSERT_OK(builder.add(single(good_id, OcspCertStatus::kGood)));
  OcspSingleResponse revoked = single(revoked_id, OcspCertStatus::kRevoked);
  revoked.revoked_at = kNow - 2 * kDay;
  revoked.reason = RevocationReason::kSuperseded;
  NIMBUS_ASSERT_OK(builder.add(revoked));
  OcspSingleResponse unspecified = single(unspecified_id, OcspCertStatus::kRevoked);
  unspecified.revoked_at = kNow - kDay;
  unspecified.next_update.reset();
  NIMBUS_ASSERT_OK(builder.add(unspecified));
  NIMBUS_ASSERT_OK(builder.add(single(unknown_id, OcspCertStatus::kUnknown)));
  NIMBUS_ASSERT_OK(builder.echo_nonce(request));
  Timestamp before = now_utc();
  NIMBUS_ASSERT_OK_AND_ASSIGN(Bytes der, builder.sign(signer_->certificate, signer_->key, crypto::SignatureDigest::kSha256));
  Timestamp after = now_utc();

  NIMBUS_ASSERT_OK_AND_ASSIGN(OcspResponse response, OcspResponse::parse(der));
  EXPECT_EQ(response.status(), OcspResponseStatus::kSuccessful);
  ASSERT_TRUE(response.basic().has_value());
  const OcspBasicResponse& basic = *response.basic();
  EXPECT_FALSE(basic.responder_name().has_value());
  EXPECT_EQ(Bytes(basic.responder_key_hash().begin(), basic.responder_key_hash().end()),
            key_identifier(signer_->certificate.public_key()));
  EXPECT_GE(basic.produced_at(), before);
  EXPECT_LE(basic.produced_at(), after);
  ASSERT_EQ(basic.certificates().size(), 1u);
  EXPECT_EQ(basic.certificates()[0].der(), signer_->certificate.der());
  EXPECT_EQ(basic.nonce(), nonce);
  EXPECT_TRUE(basic.is_signed_by(signer_->certificate));
  EXPECT_EQ(basic.find_signer({})->der(), signer_->certificate.der());

  ASSERT_EQ(basic.responses().size(), 4u);
  EXPECT_EQ(basic.responses()[0].cert_id.der(), good_id.der());
  EXPECT_EQ(basic.responses()[0].status, OcspCertStatus::kGood);
  EXPECT_EQ(basic.responses()[0].this_update, kNow);
  EXPECT_EQ(basic.responses()[0].next_update, kNow + kDay);
  const OcspSingleResponse* read_revoked = basic.find(revoked_id);
  ASSERT_NE(read_revoked, nullptr);
  EXPECT_EQ(read_revoked->status, OcspCertStatus::kRevoked);
  EXPECT_EQ(read_revoked->revoked_at, kNow - 2 * kDay);
  EXPECT_EQ(read_revoked->reason, RevocationReason::kSuperseded);
  const OcspSingleResponse* read_unspecified = basic.find(unspecified_id);
  ASSERT_NE(read_unspecified, nullptr);
  EXPECT_FALSE(read_unspecified->reason.has_value());
  EXPECT_FALSE(read_unspecified->next_update.has_value());
  EXPECT_EQ(basic.find(unknown_id)->status, OcspCertStatus::kUnknown);

  // OpenSSL reads the same, and verifies the delegation up to the root.
  crypto::OcspResponsePtr openssl = openssl_parse(der);
  crypto::OcspBasicResponsePtr openssl_basic(OCSP_response_get1_basic(openssl.get()));
  ASSERT_TRUE(openssl_basic);
  crypto::X509StorePtr store(X509_STORE_new());
  X509_STORE_add_cert(store.get(), chain_.root.certificate.get());
  crypto::X509StackPtr untrusted(sk_X509_new_null());
  X509_up_ref(issuer().get());
  sk_X509_push(untrusted.get(), issuer().get());
  EXPECT_EQ(OCSP_basic_verify(openssl_basic.get(), untrusted.get(), store.get(), OCSP_NOCHECKS), 1);
  ERR_clear_error();
  crypto::OcspCertIdPtr openssl_id(OCSP_cert_to_id(EVP_sha1(), chain_.leaf.certificate.get(), issuer().get()));
  int status = -1, reason = -1;
  ASSERT_EQ(OCSP_resp_find_status(openssl_basic.get(), openssl_id.get(), &status, &reason, nullptr, nullptr, nullptr), 1);
  EXPECT_EQ(status, V_OCSP_CERTSTATUS_GOOD);
  crypto::OcspRequestPtr openssl_request;
  const unsigned char* cursor = request.der().data();
  openssl_request.reset(d2i_OCSP_REQUEST(nullptr, &cursor, static_cast<long>(request.der().size())));
  EXPECT_EQ(OCSP_check_nonce(openssl_request.get(), openssl_basic.get()), 1);
}

TEST_F(OcspResponseBuilderTest, RsaSignersSignWithTheDigestAsked) {
  CertificateOptions options;
  options.subject = "CN=RSA Builder Responder, O=Nimbus Tests";
  options.ca = false;
  TestCa rsa = make_ca(options, &chain_.intermediate, "rsa:2048");
  OcspResponseBuilder builder;
  NIMBUS_ASSERT_OK(builder.add(single(id_for({0x01}), OcspCertStatus::kGood)));
  NIMBUS_ASSERT_OK_AND_ASSIGN(Bytes der, builder.sign(rsa.certificate, rsa.key, crypto::SignatureDigest::kSha384));
  NIMBUS_ASSERT_OK_AND_ASSIGN(OcspResponse response, OcspResponse::parse(der));
  EXPECT_TRUE(response.basic()->is_signed_by(rsa.certificate));
  crypto::OcspResponsePtr openssl = openssl_parse(der);
  crypto::OcspBasicResponsePtr basic(OCSP_response_get1_basic(openssl.get()));
  EXPECT_EQ(OBJ_obj2nid(OCSP_resp_get0_tbs_sigalg(basic.get())->algorithm), NID_sha384WithRSAEncryption);
}

TEST_F(OcspResponseBuilderTest, ANonceIsEchoedExactlyAsReceived) {
  // A bare (RFC 2560) nonce, marked critical: the response carries the same extension.
  crypto::OcspRequestPtr request(OCSP_REQUEST_new());
  OCSP_request_add0_id(request.get(), OCSP_cert_to_id(EVP_sha1(), chain_.leaf.certificate.get(), issuer().get()));
  const unsigned char bare[] = {0xde, 0xad, 0xbe, 0xef};
  crypto::Asn1OctetStringPtr value(ASN1_OCTET_STRING_new());
  ASN1_OCTET_STRING_set(value.get(), bare, sizeof(bare));
  crypto::X509ExtensionPtr extension(X509_EXTENSION_create_by_NID(nullptr, NID_id_pkix_OCSP_Nonce, 1, value.get()));
  OCSP_REQUEST_add_ext(request.get(), extension.get(), -1);
  unsigned char* encoded = nullptr;
  int size = i2d_OCSP_REQUEST(request.get(), &encoded);
  crypto::OpenSslBufferPtr owned(encoded);
  NIMBUS_ASSERT_OK_AND_ASSIGN(OcspRequest parsed, OcspRequest::parse(ByteView(encoded, static_cast<std::size_t>(size))));

  OcspResponseBuilder builder;
  NIMBUS_ASSERT_OK(builder.add(single(parsed.requests()[0].cert_id, OcspCertStatus::kGood)));
  NIMBUS_ASSERT_OK(builder.echo_nonce(parsed));
  NIMBUS_ASSERT_OK_AND_ASSIGN(Bytes der, builder.sign(signer_->certificate, signer_->key, crypto::SignatureDigest::kSha256));
  NIMBUS_ASSERT_OK_AND_ASSIGN(OcspResponse response, OcspResponse::parse(der));
  ASSERT_EQ(response.basic()->extensions().size(), 1u);
  EXPECT_EQ(response.basic()->extensions()[0], *parsed.nonce_extension());
  EXPECT_EQ(response.basic()->nonce(), (Bytes{0xde, 0xad, 0xbe, 0xef}));
  crypto::OcspBasicResponsePtr basic(OCSP_response_get1_basic(openssl_parse(der).get()));
  EXPECT_EQ(OCSP_check_nonce(request.get(), basic.get()), 1);

  // Without a nonce in the request there is none to echo.
  OcspResponseBuilder plain;
  NIMBUS_ASSERT_OK(plain.add(single(parsed.requests()[0].cert_id, OcspCertStatus::kGood)));
  NIMBUS_ASSERT_OK(plain.echo_nonce(must(OcspRequest::build({parsed.requests()[0].cert_id}))));
  NIMBUS_ASSERT_OK_AND_ASSIGN(Bytes plain_der, plain.sign(signer_->certificate, signer_->key, crypto::SignatureDigest::kSha256));
  EXPECT_TRUE(must(OcspResponse::parse(plain_der)).basic()->extensions().empty());
}

TEST_F(OcspResponseBuilderTest, RefusesWhatItCannotWriteFaithfully) {
  OcspResponseBuilder builder;
  NIMBUS_EXPECT_ERROR(builder.add(single(id_for({0x01}), OcspCertStatus::kRevoked)), ErrorCode::kInvalidArgument);
  OcspSingleResponse with_extension = single(id_for({0x01}), OcspCertStatus::kGood);
  with_extension.extensions.push_back(OcspExtension{"1.3.6.1.5.5.7.48.1.3", false, {0x05, 0x00}});
  NIMBUS_EXPECT_ERROR(builder.add(with_extension), ErrorCode::kInvalidArgument);
}

TEST_F(OcspResponseBuilderTest, ErrorResponsesAreTheBareStatus) {
  for (OcspResponseStatus status : {OcspResponseStatus::kMalformedRequest, OcspResponseStatus::kInternalError,
                                    OcspResponseStatus::kTryLater, OcspResponseStatus::kSigRequired,
                                    OcspResponseStatus::kUnauthorized}) {
    Bytes der = ocsp_error_response(status);
    EXPECT_EQ(der, (Bytes{0x30, 0x03, 0x0a, 0x01, static_cast<std::uint8_t>(status)}));
    NIMBUS_ASSERT_OK_AND_ASSIGN(OcspResponse parsed, OcspResponse::parse(der));
    EXPECT_EQ(parsed.status(), status);
    EXPECT_FALSE(parsed.basic().has_value());
    EXPECT_EQ(OCSP_response_status(openssl_parse(der).get()), static_cast<int>(status));
  }
}

}  // namespace
}  // namespace nimbus::x509
