#include "verify/ocsp_query.h"

#include <openssl/ocsp.h>

#include <optional>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

#include "crypto/handles.h"
#include "testing/openssl_ocsp.h"
#include "verify/verify_test_pki.h"
#include "x509/certificate_builder.h"

namespace nimbus::verify {
namespace {

using namespace nimbus::verify::testing;

inline constexpr const char* kOcspSigning = "1.3.6.1.5.5.7.3.9";

using Answer = nimbus::testing::OpenSslOcspAnswer;
using nimbus::testing::openssl_ocsp_error_response;
using nimbus::testing::openssl_ocsp_response;

class OcspQueryTest : public ::testing::Test {
 protected:
  OcspQueryTest() {
    CertificateOptions options;
    options.subject = "CN=Verify Test OCSP Responder, O=Nimbus Tests";
    options.ca = false;
    options.eku = {kOcspSigning};
    responder_ = make_ca(options, &pki_.issuing);
    options.subject = "CN=Verify Test Client Auth Only, O=Nimbus Tests";
    options.eku = {kClientAuth};
    not_a_responder_ = make_ca(options, &pki_.issuing);
  }

  Answer about_leaf(const TestCa& signer) const {
    return Answer::about(pki_.leaf.certificate, pki_.issuing.certificate, signer, kNow);
  }

  Result<OcspAnswer> judge(const Bytes& response) const {
    return query_.judge(response, pki_.issuing.certificate, kNow);
  }

  // Refused as kPolicyViolation; the message, or what happened instead.
  std::string refusal(const Bytes& response) const {
    auto result = judge(response);
    if (result.ok()) return "accepted";
    if (result.error().code() != ErrorCode::kPolicyViolation) return "wrong code: " + result.error().to_string();
    return result.error().message();
  }

  TestPki pki_ = make_pki();
  OcspQuery query_ = must(OcspQuery::make(pki_.leaf.certificate, pki_.issuing.certificate));
  std::optional<TestCa> responder_;
  std::optional<TestCa> not_a_responder_;
};

bool contains(const std::string& text, std::string_view part) { return text.find(part) != std::string::npos; }

TEST_F(OcspQueryTest, RequestParsesAndHoldsOneSha1CertIdWithoutNonce) {
  const Bytes& der = query_.request_der();
  const unsigned char* cursor = der.data();
  crypto::OcspRequestPtr request(d2i_OCSP_REQUEST(nullptr, &cursor, static_cast<long>(der.size())));
  ASSERT_TRUE(request);
  EXPECT_EQ(cursor, der.data() + der.size());
  ASSERT_EQ(OCSP_request_onereq_count(request.get()), 1);
  OCSP_CERTID* id = OCSP_onereq_get0_id(OCSP_request_onereq_get0(request.get(), 0));
  ASSERT_NE(id, nullptr);

  crypto::OcspCertIdPtr expected(OCSP_cert_to_id(EVP_sha1(), pki_.leaf.certificate.get(), pki_.issuing.certificate.get()));
  EXPECT_EQ(OCSP_id_cmp(id, expected.get()), 0);
  ASN1_OBJECT* algorithm = nullptr;
  ASN1_INTEGER* serial = nullptr;
  ASSERT_EQ(OCSP_id_get0_info(nullptr, &algorithm, nullptr, &serial, id), 1);
  EXPECT_EQ(OBJ_obj2nid(algorithm), NID_sha1);
  EXPECT_EQ(ASN1_INTEGER_cmp(serial, X509_get0_serialNumber(pki_.leaf.certificate.get())), 0);
  EXPECT_LT(OCSP_REQUEST_get_ext_by_NID(request.get(), NID_id_pkix_OCSP_Nonce, -1), 0);

  unsigned char* id_der = nullptr;
  int id_size = i2d_OCSP_CERTID(id, &id_der);
  ASSERT_GT(id_size, 0);
  crypto::OpenSslBufferPtr owned(id_der);
  EXPECT_EQ(Bytes(id_der, id_der + id_size), query_.cert_id_der());
}

TEST_F(OcspQueryTest, CertIdDiffersBetweenCertificates) {
  OcspQuery other = must(OcspQuery::make(not_a_responder_->certificate, pki_.issuing.certificate));
  EXPECT_NE(other.cert_id_der(), query_.cert_id_der());
}

TEST_F(OcspQueryTest, BytesThatAreNotAnOcspResponseAreMalformed) {
  NIMBUS_EXPECT_ERROR(judge(Bytes{}), ErrorCode::kMalformed);
  NIMBUS_EXPECT_ERROR(judge(Bytes{'n', 'o', 't', ' ', 'o', 'c', 's', 'p'}), ErrorCode::kMalformed);
  NIMBUS_EXPECT_ERROR(judge(pki_.issuing.certificate.der()), ErrorCode::kMalformed);
  Bytes trailing = openssl_ocsp_response(about_leaf(pki_.issuing));
  trailing.push_back(0x00);
  NIMBUS_EXPECT_ERROR(judge(trailing), ErrorCode::kMalformed);
}

TEST_F(OcspQueryTest, UnsuccessfulResponseStatusesAreRefused) {
  std::string try_later = refusal(openssl_ocsp_error_response(OCSP_RESPONSE_STATUS_TRYLATER));
  EXPECT_TRUE(contains(try_later, "tryLater")) << try_later;
  std::string unauthorized = refusal(openssl_ocsp_error_response(OCSP_RESPONSE_STATUS_UNAUTHORIZED));
  EXPECT_TRUE(contains(unauthorized, "unauthorized")) << unauthorized;
  std::string internal = refusal(openssl_ocsp_error_response(OCSP_RESPONSE_STATUS_INTERNALERROR));
  EXPECT_TRUE(contains(internal, "internalError")) << internal;
}

TEST_F(OcspQueryTest, ResponseSignedByAnUnrelatedKeyIsRefused) {
  CertificateOptions options;
  options.subject = "CN=Unrelated Responder, O=Elsewhere";
  TestCa unrelated = make_ca(options);
  EXPECT_NE(refusal(openssl_ocsp_response(about_leaf(unrelated))), "accepted");

  // A self-signed certificate under the CA's own name, named by key hash and included: it is
  // found as the signer and its signature holds, but the CA did not sign it.
  options = default_pki_options().issuing;
  TestCa lookalike = make_ca(options);
  ASSERT_EQ(lookalike.certificate.subject().to_string(), pki_.issuing.certificate.subject().to_string());
  Answer by_key = about_leaf(lookalike);
  by_key.flags = OCSP_RESPID_KEY;
  std::string lookalike_by_key = refusal(openssl_ocsp_response(by_key));
  EXPECT_TRUE(contains(lookalike_by_key, "does not verify under the CA's key")) << lookalike_by_key;

  // The same named by subject and left out: the CA is taken for the signer, and the signature
  // does not verify under its key.
  Answer by_name = about_leaf(lookalike);
  by_name.flags = OCSP_NOCERTS;
  std::string lookalike_by_name = refusal(openssl_ocsp_response(by_name));
  EXPECT_TRUE(contains(lookalike_by_name, "signature does not verify")) << lookalike_by_name;
}

TEST_F(OcspQueryTest, DelegatedResponderWithoutOcspSigningIsRefused) {
  std::string why = refusal(openssl_ocsp_response(about_leaf(*not_a_responder_)));
  EXPECT_TRUE(contains(why, "id-kp-OCSPSigning")) << why;
}

TEST_F(OcspQueryTest, ResponderWithOcspSigningFromAnotherCaIsRefused) {
  CertificateOptions options;
  options.subject = "CN=Root OCSP Responder, O=Nimbus Tests";
  options.ca = false;
  options.eku = {kOcspSigning};
  TestCa roots_responder = make_ca(options, &pki_.root);
  std::string why = refusal(openssl_ocsp_response(about_leaf(roots_responder)));
  EXPECT_TRUE(contains(why, "did not issue")) << why;
}

TEST_F(OcspQueryTest, ResponderCertificateOutsideItsValidityIsRefused) {
  CertificateOptions options;
  options.subject = "CN=Expired OCSP Responder, O=Nimbus Tests";
  options.ca = false;
  options.eku = {kOcspSigning};
  options.not_after = kNow - kDay;
  TestCa expired = make_ca(options, &pki_.issuing);
  std::string why = refusal(openssl_ocsp_response(about_leaf(expired)));
  EXPECT_TRUE(contains(why, "not valid at the validation time")) << why;
}

TEST_F(OcspQueryTest, AnswerForAnotherCertificatesCertIdIsRefused) {
  Answer other = about_leaf(pki_.issuing);
  other.subject = &not_a_responder_->certificate;
  std::string why = refusal(openssl_ocsp_response(other));
  EXPECT_TRUE(contains(why, "does not answer for this certificate")) << why;
}

TEST_F(OcspQueryTest, GoodAnswerSignedByTheCa) {
  Answer answer = about_leaf(pki_.issuing);
  NIMBUS_ASSERT_OK_AND_ASSIGN(OcspAnswer judged, judge(openssl_ocsp_response(answer)));
  EXPECT_EQ(judged.status, OcspAnswer::Status::kGood);
  EXPECT_FALSE(judged.reason.has_value());
  EXPECT_FALSE(judged.revoked_at.has_value());
  EXPECT_EQ(judged.this_update, answer.this_update);
  EXPECT_EQ(judged.next_update, answer.next_update);
  EXPECT_TRUE(contains(judged.responder, "Verify Test Issuing CA")) << judged.responder;
}

TEST_F(OcspQueryTest, RevokedAnswerSignedByTheCaNamedByKeyWithoutItsCertificate) {
  Answer answer = about_leaf(pki_.issuing);
  answer.status = V_OCSP_CERTSTATUS_REVOKED;
  answer.reason = OCSP_REVOKED_STATUS_KEYCOMPROMISE;
  answer.flags = OCSP_RESPID_KEY | OCSP_NOCERTS;
  NIMBUS_ASSERT_OK_AND_ASSIGN(OcspAnswer judged, judge(openssl_ocsp_response(answer)));
  EXPECT_EQ(judged.status, OcspAnswer::Status::kRevoked);
  EXPECT_EQ(judged.reason, x509::RevocationReason::kKeyCompromise);
  EXPECT_EQ(judged.revoked_at, answer.revoked_at);
  EXPECT_EQ(judged.this_update, answer.this_update);
  EXPECT_EQ(judged.next_update, answer.next_update);
}

TEST_F(OcspQueryTest, GoodAndRevokedAnswersFromADelegatedResponder) {
  Answer good = about_leaf(*responder_);
  good.next_update.reset();
  NIMBUS_ASSERT_OK_AND_ASSIGN(OcspAnswer judged_good, judge(openssl_ocsp_response(good)));
  EXPECT_EQ(judged_good.status, OcspAnswer::Status::kGood);
  EXPECT_EQ(judged_good.this_update, good.this_update);
  EXPECT_FALSE(judged_good.next_update.has_value());
  EXPECT_TRUE(contains(judged_good.responder, "Verify Test OCSP Responder")) << judged_good.responder;

  Answer revoked_answer = about_leaf(*responder_);
  revoked_answer.status = V_OCSP_CERTSTATUS_REVOKED;
  revoked_answer.reason = OCSP_REVOKED_STATUS_CESSATIONOFOPERATION;
  revoked_answer.revoked_at = kNow - 10 * kDay;
  NIMBUS_ASSERT_OK_AND_ASSIGN(OcspAnswer judged, judge(openssl_ocsp_response(revoked_answer)));
  EXPECT_EQ(judged.status, OcspAnswer::Status::kRevoked);
  EXPECT_EQ(judged.reason, x509::RevocationReason::kCessationOfOperation);
  EXPECT_EQ(judged.revoked_at, kNow - 10 * kDay);
  EXPECT_EQ(judged.next_update, revoked_answer.next_update);
}

TEST_F(OcspQueryTest, RevokedWithoutAReasonAndUnknownStatus) {
  Answer no_reason = about_leaf(pki_.issuing);
  no_reason.status = V_OCSP_CERTSTATUS_REVOKED;
  NIMBUS_ASSERT_OK_AND_ASSIGN(OcspAnswer revoked_answer, judge(openssl_ocsp_response(no_reason)));
  EXPECT_EQ(revoked_answer.status, OcspAnswer::Status::kRevoked);
  EXPECT_FALSE(revoked_answer.reason.has_value());
  EXPECT_EQ(revoked_answer.revoked_at, no_reason.revoked_at);

  Answer unknown = about_leaf(pki_.issuing);
  unknown.status = V_OCSP_CERTSTATUS_UNKNOWN;
  NIMBUS_ASSERT_OK_AND_ASSIGN(OcspAnswer judged, judge(openssl_ocsp_response(unknown)));
  EXPECT_EQ(judged.status, OcspAnswer::Status::kUnknown);
}

TEST(OcspAnswer, StaleBeforeThisUpdateBeyondTheSkewAndAfterNextUpdate) {
  OcspAnswer answer;
  answer.this_update = kNow;
  answer.next_update = kNow + kDay;
  EXPECT_FALSE(answer.stale_at(kNow).has_value());
  EXPECT_FALSE(answer.stale_at(kNow - std::chrono::minutes(5)).has_value());
  auto early = answer.stale_at(kNow - std::chrono::minutes(5) - std::chrono::seconds(1));
  ASSERT_TRUE(early.has_value());
  EXPECT_TRUE(contains(*early, "not valid yet")) << *early;
  EXPECT_FALSE(answer.stale_at(kNow + kDay).has_value());
  auto late = answer.stale_at(kNow + kDay + std::chrono::seconds(1));
  ASSERT_TRUE(late.has_value());
  EXPECT_TRUE(contains(*late, "expired")) << *late;

  answer.next_update.reset();
  EXPECT_FALSE(answer.stale_at(kNow + 1000 * kDay).has_value());
  EXPECT_TRUE(answer.stale_at(kNow - kDay).has_value());
}

}  // namespace
}  // namespace nimbus::verify
