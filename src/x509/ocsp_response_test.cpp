#include "x509/ocsp_response.h"

#include <openssl/ocsp.h>

#include <gtest/gtest.h>

#include "testing/openssl_ocsp.h"
#include "testing/test_support.h"
#include "x509/certificate_builder.h"
#include "x509/der_writer.h"
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

constexpr const char* kOcspSigning = "1.3.6.1.5.5.7.3.9";
// Inside the validity of make_chain's certificates (2026..2036).
const Timestamp kNow = Timestamp(std::chrono::seconds(1'780'000'000));

using Answer = nimbus::testing::OpenSslOcspAnswer;
using nimbus::testing::openssl_ocsp_error_response;
using nimbus::testing::openssl_ocsp_response;

std::string failure(const Result<OcspResponse>& result) { return result.ok() ? "ok" : result.error().message(); }

bool contains(const std::string& text, std::string_view part) { return text.find(part) != std::string::npos; }

class OcspResponseTest : public ::testing::Test {
 protected:
  OcspResponseTest() {
    CertificateOptions options;
    options.subject = "CN=Test OCSP Responder, O=Nimbus Tests";
    options.ca = false;
    options.eku = {kOcspSigning};
    responder_ = make_ca(options, &chain_.intermediate);
  }

  Answer about_leaf(const TestCa& signer) const { return Answer::about(leaf(), issuer(), signer, kNow); }

  const OcspBasicResponse& basic_of(const Bytes& der) {
    parsed_ = must(OcspResponse::parse(der));
    EXPECT_EQ(parsed_->status(), OcspResponseStatus::kSuccessful);
    if (!parsed_->basic()) throw std::runtime_error("no basic response");
    return *parsed_->basic();
  }

  const Certificate& leaf() const { return chain_.leaf.certificate; }
  const Certificate& issuer() const { return chain_.intermediate.certificate; }
  OcspCertId leaf_id() const { return must(OcspCertId::for_certificate(leaf(), issuer())); }

  TestChain chain_ = make_chain();
  std::optional<TestCa> responder_;
  std::optional<OcspResponse> parsed_;
};

TEST_F(OcspResponseTest, AGoodAnswerNamedByItsSignerWithItsCertificate) {
  Bytes nonce = must(crypto::random_bytes(16));
  Answer answer = about_leaf(*responder_);
  answer.nonce = nonce;
  Bytes der = openssl_ocsp_response(answer);
  const OcspBasicResponse& basic = basic_of(der);
  EXPECT_EQ(parsed_->der(), der);
  ASSERT_TRUE(basic.responder_name().has_value());
  EXPECT_EQ(*basic.responder_name(), responder_->certificate.subject());
  EXPECT_TRUE(basic.responder_key_hash().empty());
  EXPECT_LE(std::chrono::abs(basic.produced_at() - now_utc()), std::chrono::seconds(60));
  ASSERT_EQ(basic.responses().size(), 1u);
  const OcspSingleResponse& single = basic.responses()[0];
  EXPECT_EQ(single.cert_id, leaf_id());
  EXPECT_EQ(single.status, OcspCertStatus::kGood);
  EXPECT_FALSE(single.revoked_at.has_value());
  EXPECT_EQ(single.this_update, answer.this_update);
  EXPECT_EQ(single.next_update, answer.next_update);
  EXPECT_EQ(basic.nonce(), nonce);
  ASSERT_EQ(basic.certificates().size(), 1u);
  EXPECT_EQ(basic.certificates()[0].der(), responder_->certificate.der());

  EXPECT_EQ(basic.find(leaf_id()), &single);
  EXPECT_EQ(basic.find(must(OcspCertId::for_certificate(issuer(), chain_.root.certificate))), nullptr);
  std::optional<Certificate> signer = basic.find_signer({});
  ASSERT_TRUE(signer.has_value());
  EXPECT_EQ(signer->der(), responder_->certificate.der());
  EXPECT_TRUE(basic.is_signed_by(*signer));
  EXPECT_FALSE(basic.is_signed_by(issuer()));
}

TEST_F(OcspResponseTest, ARevokedAnswerNamedByKeyWithoutCertificates) {
  Answer answer = about_leaf(chain_.intermediate);
  answer.status = V_OCSP_CERTSTATUS_REVOKED;
  answer.reason = OCSP_REVOKED_STATUS_KEYCOMPROMISE;
  answer.next_update.reset();
  answer.flags = OCSP_RESPID_KEY | OCSP_NOCERTS;
  const OcspBasicResponse& basic = basic_of(openssl_ocsp_response(answer));
  EXPECT_FALSE(basic.responder_name().has_value());
  EXPECT_EQ(Bytes(basic.responder_key_hash().begin(), basic.responder_key_hash().end()),
            key_identifier(issuer().public_key()));
  EXPECT_TRUE(basic.certificates().empty());
  const OcspSingleResponse& single = basic.responses().at(0);
  EXPECT_EQ(single.status, OcspCertStatus::kRevoked);
  EXPECT_EQ(single.revoked_at, answer.revoked_at);
  EXPECT_EQ(single.reason, RevocationReason::kKeyCompromise);
  EXPECT_FALSE(single.next_update.has_value());
  EXPECT_FALSE(basic.nonce().has_value());

  EXPECT_FALSE(basic.find_signer({}).has_value());
  EXPECT_FALSE(basic.find_signer({leaf(), chain_.root.certificate}).has_value());
  std::optional<Certificate> signer = basic.find_signer({leaf(), issuer()});
  ASSERT_TRUE(signer.has_value());
  EXPECT_EQ(signer->der(), issuer().der());
  EXPECT_TRUE(basic.is_signed_by(*signer));
}

TEST_F(OcspResponseTest, CandidatesAreSearchedBeforeTheCertificatesCarried) {
  // Named by the intermediate's subject, which the carried certificate (a lookalike) shares.
  CertificateOptions options;
  options.subject = issuer().subject().to_string();
  TestCa lookalike = make_ca(options);
  Answer answer = about_leaf(lookalike);
  const OcspBasicResponse& basic = basic_of(openssl_ocsp_response(answer));
  EXPECT_EQ(basic.find_signer({})->der(), lookalike.certificate.der());
  EXPECT_EQ(basic.find_signer({issuer()})->der(), issuer().der());
}

TEST_F(OcspResponseTest, UnknownStatusAndRsaSignaturesIncludingPss) {
  CertificateOptions options;
  options.subject = "CN=RSA Responder, O=Nimbus Tests";
  options.ca = false;
  options.eku = {kOcspSigning};
  TestCa rsa = make_ca(options, &chain_.intermediate, "rsa:2048");
  for (bool pss : {false, true}) {
    Answer answer = about_leaf(rsa);
    answer.status = V_OCSP_CERTSTATUS_UNKNOWN;
    answer.pss = pss;
    const OcspBasicResponse& basic = basic_of(openssl_ocsp_response(answer));
    EXPECT_EQ(basic.responses().at(0).status, OcspCertStatus::kUnknown);
    EXPECT_TRUE(basic.is_signed_by(rsa.certificate)) << pss;
    EXPECT_FALSE(basic.is_signed_by(responder_->certificate)) << pss;
  }
}

TEST_F(OcspResponseTest, ASignatureCoversTheBytesAsReceived) {
  Bytes der = openssl_ocsp_response(about_leaf(*responder_));
  // Change the last octet of the CertID's serial: the response still parses, but its signature
  // no longer holds.
  Bytes id = leaf_id().der();
  auto found = std::search(der.begin(), der.end(), id.begin(), id.end());
  ASSERT_NE(found, der.end());
  Bytes tampered = der;
  tampered[static_cast<std::size_t>(found - der.begin()) + id.size() - 1] ^= 0x01;
  NIMBUS_ASSERT_OK_AND_ASSIGN(OcspResponse changed, OcspResponse::parse(tampered));
  EXPECT_TRUE(basic_of(der).is_signed_by(responder_->certificate));
  EXPECT_FALSE(changed.basic()->is_signed_by(responder_->certificate));
}

TEST_F(OcspResponseTest, ErrorResponsesCarryOnlyTheirStatus) {
  for (int code : {1, 2, 3, 5, 6, 4}) {
    NIMBUS_ASSERT_OK_AND_ASSIGN(OcspResponse parsed, OcspResponse::parse(openssl_ocsp_error_response(code)));
    EXPECT_EQ(static_cast<int>(parsed.status()), code);
    EXPECT_FALSE(parsed.basic().has_value());
  }
  EXPECT_EQ(ocsp_status_name(OcspResponseStatus::kTryLater), "tryLater");
  EXPECT_EQ(ocsp_status_name(OcspResponseStatus::kSigRequired), "sigRequired");
  EXPECT_EQ(ocsp_status_name(static_cast<OcspResponseStatus>(4)), "");
}

TEST_F(OcspResponseTest, ResponseBytesOfAnotherTypeAreSkipped) {
  // responseType 1.3.6.1.5.5.7.48.1.99, which Nimbus does not know.
  Bytes bytes;
  der::append_element(bytes, der::kObjectIdentifier, Bytes{0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x63});
  der::append_element(bytes, der::kOctetString, Bytes{0x05, 0x00});
  Bytes contents = {0x0a, 0x01, 0x00};
  der::append_element(contents, der::context_tag(0, true), der::element(der::kSequence, bytes));
  NIMBUS_ASSERT_OK_AND_ASSIGN(OcspResponse parsed, OcspResponse::parse(der::element(der::kSequence, contents)));
  EXPECT_EQ(parsed.status(), OcspResponseStatus::kSuccessful);
  EXPECT_FALSE(parsed.basic().has_value());
}

TEST_F(OcspResponseTest, MalformedResponsesAreRefusedPrecisely) {
  Bytes valid = openssl_ocsp_response(about_leaf(*responder_));
  for (std::size_t size = 0; size < valid.size(); size += 7) {
    NIMBUS_EXPECT_ERROR(OcspResponse::parse(ByteView(valid).first(size)), ErrorCode::kMalformed);
  }
  Bytes trailing = valid;
  trailing.push_back(0x00);
  EXPECT_EQ(failure(OcspResponse::parse(trailing)), "1 bytes follow the OCSPResponse");
  EXPECT_TRUE(contains(failure(OcspResponse::parse(leaf().der())), "OCSPResponse.responseStatus: expected ENUMERATED"));
  for (int i = 0; i < 50; ++i) {
    NIMBUS_EXPECT_ERROR(OcspResponse::parse(must(crypto::random_bytes(200))), ErrorCode::kMalformed);
  }

  // certStatus [3], which RFC 6960 does not define, right after the CertID.
  Bytes id = leaf_id().der();
  auto found = std::search(valid.begin(), valid.end(), id.begin(), id.end());
  ASSERT_NE(found, valid.end());
  Bytes odd_status = valid;
  std::size_t status_at = static_cast<std::size_t>(found - valid.begin()) + id.size();
  ASSERT_EQ(odd_status[status_at], 0x80);
  odd_status[status_at] = 0x83;
  std::string why = failure(OcspResponse::parse(odd_status));
  EXPECT_TRUE(contains(why, "OCSPResponse.responseBytes.response.tbsResponseData.responses[0]: certStatus is none of"))
      << why;

  // A BasicOCSPResponse followed by more bytes inside its OCTET STRING.
  Bytes basic = {0x30, 0x00, 0x05, 0x00};
  Bytes bytes;
  der::append_element(bytes, der::kObjectIdentifier, Bytes{0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x01});
  der::append_element(bytes, der::kOctetString, basic);
  Bytes contents = {0x0a, 0x01, 0x00};
  der::append_element(contents, der::context_tag(0, true), der::element(der::kSequence, bytes));
  EXPECT_TRUE(contains(failure(OcspResponse::parse(der::element(der::kSequence, contents))),
                       "2 bytes follow the SEQUENCE inside the OCTET STRING"));
}

TEST_F(OcspResponseTest, TheCaOrADelegateItCertifiedForOcspSigningMayAnswer) {
  NIMBUS_EXPECT_OK(check_ocsp_responder_authority(issuer(), issuer(), kNow));
  NIMBUS_EXPECT_OK(check_ocsp_responder_authority(responder_->certificate, issuer(), kNow));

  auto refusal = [&](const Certificate& responder, Timestamp at = kNow) {
    Status status = check_ocsp_responder_authority(responder, issuer(), at);
    if (status.ok()) return std::string("accepted");
    if (status.error().code() != ErrorCode::kPolicyViolation) return "wrong code: " + status.error().to_string();
    return status.error().message();
  };
  EXPECT_TRUE(contains(refusal(leaf()), "id-kp-OCSPSigning")) << refusal(leaf());
  CertificateOptions options;
  options.subject = "CN=Root's Responder, O=Nimbus Tests";
  options.ca = false;
  options.eku = {kOcspSigning};
  TestCa roots = make_ca(options, &chain_.root);
  EXPECT_TRUE(contains(refusal(roots.certificate), "did not issue")) << refusal(roots.certificate);
  options.subject = "CN=Test OCSP Responder, O=Nimbus Tests";
  options.not_after = kNow - kDay;
  TestCa expired = make_ca(options, &chain_.intermediate);
  EXPECT_TRUE(contains(refusal(expired.certificate), "not valid at the validation time"));
  EXPECT_EQ(refusal(responder_->certificate, expired.certificate.not_after() - std::chrono::seconds(1)), "accepted");

  // Self-signed under the CA's own name: it looks issued, but the CA's key did not sign it.
  CertificateOptions lookalike_options;
  lookalike_options.subject = issuer().subject().to_string();
  lookalike_options.key_ids = false;
  TestCa lookalike = make_ca(lookalike_options);
  EXPECT_TRUE(contains(refusal(lookalike.certificate), "does not verify under the CA's key"))
      << refusal(lookalike.certificate);
}

}  // namespace
}  // namespace nimbus::x509
