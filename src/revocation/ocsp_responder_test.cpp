#include "revocation/ocsp_responder.h"

#include <openssl/ocsp.h>

#include <thread>

#include <gtest/gtest.h>

#include "crypto/digest.h"
#include "revocation/crl_publisher.h"
#include "revocation/ocsp_test_fixture.h"

namespace nimbus::revocation {
namespace {

using testing::cert_id;
using testing::cert_id_for_serial;
using testing::find_status;
using testing::make_ocsp_request;
using testing::must;
using testing::parse_response;
using testing::RequestOptions;
using testing::TestRequest;
using testing::verify_response;

template <typename... Ids>
std::vector<crypto::OcspCertIdPtr> ids(Ids... id) {
  std::vector<crypto::OcspCertIdPtr> list;
  (list.push_back(std::move(id)), ...);
  return list;
}

Bytes error_der(int status) { return Bytes{0x30, 0x03, 0x0a, 0x01, static_cast<std::uint8_t>(status)}; }

class OcspResponderTest : public testing::OcspFixture {
 protected:
  void SetUp() override {
    OcspFixture::SetUp();
    responder_ = std::make_unique<OcspResponder>(*store_, *signers_, clock());
  }

  OcspAnswer ask(const std::string& authority, const TestRequest& request) {
    return responder_->respond(authority, request.der);
  }

  // The single status of `certificate` (under the issuing CA) in a successful, verified answer.
  testing::SingleStatus status_of(const OcspAnswer& answer, const x509::Certificate& certificate) {
    EXPECT_EQ(answer.status, OcspResponseStatus::kSuccessful) << answer.refusal;
    testing::ParsedResponse parsed = parse_response(answer.der);
    EXPECT_EQ(parsed.status, OCSP_RESPONSE_STATUS_SUCCESSFUL);
    if (!parsed.basic) throw std::runtime_error("no basic response");
    EXPECT_TRUE(verify_response(parsed.basic.get(), {root(), issuing()}));
    crypto::OcspCertIdPtr id = cert_id(certificate, issuing());
    auto single = find_status(parsed.basic.get(), id.get());
    if (!single) throw std::runtime_error("the answer does not mention the certificate");
    return *single;
  }

  std::unique_ptr<OcspResponder> responder_;
};

TEST_F(OcspResponderTest, AnswersGoodForAValidCertificate) {
  x509::Certificate leaf = issue_leaf("alice");
  OcspAnswer answer = ask("issuing", make_ocsp_request(ids(cert_id(leaf, issuing()))));
  ASSERT_EQ(answer.status, OcspResponseStatus::kSuccessful) << answer.refusal;
  EXPECT_EQ(answer.good, 1);
  EXPECT_EQ(answer.revoked + answer.unknown, 0);
  EXPECT_FALSE(answer.from_cache);
  EXPECT_EQ(answer.this_update, now_.load());
  EXPECT_EQ(answer.next_update, now_.load() + std::chrono::hours(1));

  testing::SingleStatus single = status_of(answer, leaf);
  EXPECT_EQ(single.status, V_OCSP_CERTSTATUS_GOOD);
  EXPECT_TRUE(single.valid_now);
  EXPECT_EQ(single.next_update - single.this_update, std::chrono::hours(1));

  testing::ParsedResponse parsed = parse_response(answer.der);
  // responderID byKey, and the delegated signer travels with the answer.
  const ASN1_OCTET_STRING* key_id = nullptr;
  const X509_NAME* name = nullptr;
  ASSERT_EQ(OCSP_resp_get0_id(parsed.basic.get(), &key_id, &name), 1);
  ASSERT_NE(key_id, nullptr);
  EXPECT_EQ(name, nullptr);
  std::optional<x509::Certificate> signer = testing::response_signer(parsed.basic.get());
  ASSERT_TRUE(signer.has_value());
  EXPECT_EQ(Bytes(ASN1_STRING_get0_data(key_id), ASN1_STRING_get0_data(key_id) + ASN1_STRING_length(key_id)),
            crypto::sha1(ByteView(ASN1_STRING_get0_data(X509_get0_pubkey_bitstr(signer->get())),
                                  ASN1_STRING_length(X509_get0_pubkey_bitstr(signer->get())))));
  EXPECT_EQ(x509::extended_key_usages(*signer), std::vector<std::string>{"1.3.6.1.5.5.7.3.9"});
  EXPECT_GE(X509_get_ext_by_NID(signer->get(), NID_id_pkix_OCSP_noCheck, -1), 0);
  EXPECT_EQ(signer->issuer().to_string(), issuing().subject().to_string());
}

TEST_F(OcspResponderTest, RevokedCarriesTheTimeAndTheReasonUnlessUnspecified) {
  x509::Certificate compromised = issue_leaf("bob");
  x509::Certificate unspecified = issue_leaf("carol");
  Timestamp revoked_at = now_.load() - std::chrono::hours(2);
  revoke(compromised, 1, revoked_at);
  revoke(unspecified, 0, revoked_at);

  OcspAnswer first = ask("issuing", make_ocsp_request(ids(cert_id(compromised, issuing()))));
  EXPECT_EQ(first.revoked, 1);
  testing::SingleStatus single = status_of(first, compromised);
  EXPECT_EQ(single.status, V_OCSP_CERTSTATUS_REVOKED);
  EXPECT_EQ(single.reason, OCSP_REVOKED_STATUS_KEYCOMPROMISE);
  EXPECT_EQ(single.revoked_at, revoked_at);

  testing::SingleStatus second = status_of(ask("issuing", make_ocsp_request(ids(cert_id(unspecified, issuing())))),
                                           unspecified);
  EXPECT_EQ(second.status, V_OCSP_CERTSTATUS_REVOKED);
  EXPECT_EQ(second.reason, OCSP_REVOKED_STATUS_NOSTATUS);  // RFC 5280 5.3.1: absent rather than 0
}

TEST_F(OcspResponderTest, ASerialTheCaNeverIssuedIsUnknown) {
  Bytes serial = must(crypto::random_serial());
  OcspAnswer answer = ask("issuing", make_ocsp_request(ids(cert_id_for_serial(issuing(), serial))));
  ASSERT_EQ(answer.status, OcspResponseStatus::kSuccessful) << answer.refusal;
  EXPECT_EQ(answer.unknown, 1);
  testing::ParsedResponse parsed = parse_response(answer.der);
  EXPECT_TRUE(verify_response(parsed.basic.get(), {root(), issuing()}));
  crypto::OcspCertIdPtr id = cert_id_for_serial(issuing(), serial);
  auto single = find_status(parsed.basic.get(), id.get());
  ASSERT_TRUE(single.has_value());
  EXPECT_EQ(single->status, V_OCSP_CERTSTATUS_UNKNOWN);
}

TEST_F(OcspResponderTest, ASerialAnotherCaIssuedIsUnknownHere) {
  // The issuing CA's own certificate was signed by the root: under the issuing CA it is unknown.
  OcspAnswer answer = ask("issuing", make_ocsp_request(ids(cert_id_for_serial(issuing(), issuing().serial()))));
  ASSERT_EQ(answer.status, OcspResponseStatus::kSuccessful) << answer.refusal;
  EXPECT_EQ(answer.unknown, 1);
  EXPECT_EQ(answer.good, 0);
}

TEST_F(OcspResponderTest, TheRootAnswersForTheIssuingCaAndTheIssuingCaRefusesToAnswerForTheRoot) {
  OcspAnswer refused = ask("issuing", make_ocsp_request(ids(cert_id(issuing(), root()))));
  EXPECT_EQ(refused.status, OcspResponseStatus::kUnauthorized);
  EXPECT_EQ(refused.der, error_der(6));
  EXPECT_FALSE(refused.refusal.empty());
  EXPECT_EQ(parse_response(refused.der).basic, nullptr);

  OcspAnswer answer = ask("root", make_ocsp_request(ids(cert_id(issuing(), root()))));
  ASSERT_EQ(answer.status, OcspResponseStatus::kSuccessful) << answer.refusal;
  EXPECT_EQ(answer.good, 1);
  testing::ParsedResponse parsed = parse_response(answer.der);
  EXPECT_TRUE(verify_response(parsed.basic.get(), {root()}));
  crypto::OcspCertIdPtr id = cert_id(issuing(), root());
  EXPECT_EQ(find_status(parsed.basic.get(), id.get())->status, V_OCSP_CERTSTATUS_GOOD);
}

TEST_F(OcspResponderTest, AnswersEachCertIdOfARequestAndDoesNotCacheIt) {
  x509::Certificate good = issue_leaf("dave");
  x509::Certificate revoked = issue_leaf("erin");
  revoke(revoked, 4, now_.load());
  OcspAnswer answer = ask("issuing", make_ocsp_request(ids(cert_id(good, issuing()), cert_id(revoked, issuing()))));
  ASSERT_EQ(answer.status, OcspResponseStatus::kSuccessful) << answer.refusal;
  EXPECT_EQ(answer.good, 1);
  EXPECT_EQ(answer.revoked, 1);
  EXPECT_EQ(status_of(answer, good).status, V_OCSP_CERTSTATUS_GOOD);
  testing::SingleStatus second = status_of(answer, revoked);
  EXPECT_EQ(second.status, V_OCSP_CERTSTATUS_REVOKED);
  EXPECT_EQ(second.reason, OCSP_REVOKED_STATUS_SUPERSEDED);
  EXPECT_EQ(responder_->cached_responses(), 0u);
}

TEST_F(OcspResponderTest, ACertIdOfAnotherIssuerBesideOneOfOursIsUnknown) {
  x509::Certificate leaf = issue_leaf("frank");
  OcspAnswer answer = ask("issuing", make_ocsp_request(ids(cert_id(leaf, issuing()), cert_id(issuing(), root()))));
  ASSERT_EQ(answer.status, OcspResponseStatus::kSuccessful) << answer.refusal;
  EXPECT_EQ(answer.good, 1);
  EXPECT_EQ(answer.unknown, 1);
  testing::ParsedResponse parsed = parse_response(answer.der);
  crypto::OcspCertIdPtr foreign = cert_id(issuing(), root());
  EXPECT_EQ(find_status(parsed.basic.get(), foreign.get())->status, V_OCSP_CERTSTATUS_UNKNOWN);
  // The signature itself is sound; OpenSSL only refuses a delegated answer that mixes issuers.
  EXPECT_TRUE(verify_response(parsed.basic.get(), {root(), issuing()}, OCSP_NOCHECKS));
}

TEST_F(OcspResponderTest, Sha256CertIdsAreAnsweredInKind) {
  x509::Certificate leaf = issue_leaf("grace");
  OcspAnswer answer = ask("issuing", make_ocsp_request(ids(cert_id(leaf, issuing(), EVP_sha256()))));
  ASSERT_EQ(answer.status, OcspResponseStatus::kSuccessful) << answer.refusal;
  testing::ParsedResponse parsed = parse_response(answer.der);
  EXPECT_TRUE(verify_response(parsed.basic.get(), {root(), issuing()}));
  crypto::OcspCertIdPtr id = cert_id(leaf, issuing(), EVP_sha256());
  auto single = find_status(parsed.basic.get(), id.get());
  ASSERT_TRUE(single.has_value());
  EXPECT_EQ(single->status, V_OCSP_CERTSTATUS_GOOD);
}

TEST_F(OcspResponderTest, ANonceIsEchoedAndTheAnswerNotCached) {
  x509::Certificate leaf = issue_leaf("heidi");
  TestRequest request = make_ocsp_request(ids(cert_id(leaf, issuing())), RequestOptions{true, 32});
  OcspAnswer first = ask("issuing", request);
  ASSERT_EQ(first.status, OcspResponseStatus::kSuccessful) << first.refusal;
  testing::ParsedResponse parsed = parse_response(first.der);
  EXPECT_EQ(OCSP_check_nonce(request.request.get(), parsed.basic.get()), 1);
  EXPECT_TRUE(verify_response(parsed.basic.get(), {root(), issuing()}));

  OcspAnswer second = ask("issuing", request);
  EXPECT_FALSE(second.from_cache);
  EXPECT_NE(second.der, first.der);
  EXPECT_EQ(responder_->cached_responses(), 0u);
}

TEST_F(OcspResponderTest, NonceLengthsFollowRfc9654) {
  x509::Certificate leaf = issue_leaf("ivan");
  for (int length : {1, 16, 32, 33, 128}) {
    OcspAnswer answer = ask("issuing", make_ocsp_request(ids(cert_id(leaf, issuing())), RequestOptions{true, length}));
    EXPECT_EQ(answer.status, OcspResponseStatus::kSuccessful) << length << ": " << answer.refusal;
  }
  OcspAnswer too_long = ask("issuing", make_ocsp_request(ids(cert_id(leaf, issuing())), RequestOptions{true, 129}));
  EXPECT_EQ(too_long.status, OcspResponseStatus::kMalformedRequest);
  EXPECT_EQ(too_long.der, error_der(1));

  // An empty nonce: extnValue is an empty OCTET STRING (04 00).
  crypto::OcspRequestPtr empty(OCSP_REQUEST_new());
  OCSP_request_add0_id(empty.get(), cert_id(leaf, issuing()).release());
  crypto::Asn1OctetStringPtr wrapped(ASN1_OCTET_STRING_new());
  const unsigned char empty_octet_string[] = {0x04, 0x00};
  ASN1_OCTET_STRING_set(wrapped.get(), empty_octet_string, 2);
  ASSERT_EQ(OCSP_REQUEST_add1_ext_i2d(empty.get(), NID_id_pkix_OCSP_Nonce, wrapped.get(), 0, 0), 1);
  EXPECT_EQ(responder_->respond("issuing", testing::encode_request(empty.get())).status,
            OcspResponseStatus::kMalformedRequest);

  // A deployment may hold clients to RFC 8954's 32 octets.
  OcspResponderOptions strict;
  strict.max_nonce_length = 32;
  OcspResponder rfc8954(*store_, *signers_, clock(), strict);
  EXPECT_EQ(rfc8954.respond("issuing", make_ocsp_request(ids(cert_id(leaf, issuing())), RequestOptions{true, 33}).der)
                .status,
            OcspResponseStatus::kMalformedRequest);
}

TEST_F(OcspResponderTest, GarbageAndTruncatedRequestsAreMalformed) {
  x509::Certificate leaf = issue_leaf("judy");
  Bytes valid = make_ocsp_request(ids(cert_id(leaf, issuing()))).der;
  Bytes truncated(valid.begin(), valid.end() - 1);
  Bytes trailing = valid;
  trailing.push_back(0x00);
  Bytes random = must(crypto::random_bytes(300));
  std::vector<Bytes> inputs = {Bytes{}, Bytes{'h', 'e', 'l', 'l', 'o'}, truncated, trailing, random,
                               Bytes{0x30, 0x00}, Bytes{0x30, 0x80}, Bytes(valid.begin(), valid.begin() + 2)};
  for (const Bytes& input : inputs) {
    OcspAnswer answer = responder_->respond("issuing", input);
    EXPECT_EQ(answer.status, OcspResponseStatus::kMalformedRequest) << to_hex(input);
    EXPECT_EQ(answer.der, error_der(1));
    EXPECT_FALSE(answer.refusal.empty());
    testing::ParsedResponse parsed = parse_response(answer.der);
    EXPECT_EQ(parsed.status, OCSP_RESPONSE_STATUS_MALFORMEDREQUEST);
    EXPECT_EQ(parsed.basic, nullptr);
  }
  EXPECT_EQ(responder_->respond("issuing", valid).status, OcspResponseStatus::kSuccessful);
}

TEST_F(OcspResponderTest, UnknownInvalidAndPendingAuthoritiesAreUnauthorized) {
  NIMBUS_ASSERT_OK(authorities_->create_issuing_for_external_parent(
      ca::NewExternalIssuing{"pending", testing::dn("CN=Pending CA"), must(crypto::KeySpec::parse("ec:p256"))}));
  x509::Certificate leaf = issue_leaf("ken");
  Bytes request = make_ocsp_request(ids(cert_id(leaf, issuing()))).der;
  for (std::string authority : {"nope", "../../etc/passwd", "", "pending"}) {
    OcspAnswer answer = responder_->respond(authority, request);
    EXPECT_EQ(answer.status, OcspResponseStatus::kUnauthorized) << authority;
    EXPECT_EQ(answer.der, error_der(6));
  }
}

TEST_F(OcspResponderTest, TheCacheServesTheSameBytesUntilHalfTheValidityHasPassed) {
  x509::Certificate leaf = issue_leaf("leo");
  Bytes request = make_ocsp_request(ids(cert_id(leaf, issuing()))).der;
  OcspAnswer first = responder_->respond("issuing", request);
  ASSERT_EQ(first.status, OcspResponseStatus::kSuccessful) << first.refusal;
  EXPECT_FALSE(first.from_cache);
  EXPECT_EQ(responder_->cached_responses(), 1u);

  OcspAnswer second = responder_->respond("issuing", request);
  EXPECT_TRUE(second.from_cache);
  EXPECT_EQ(second.der, first.der);
  EXPECT_EQ(second.good, 1);
  EXPECT_EQ(second.this_update, first.this_update);
  EXPECT_EQ(second.next_update, first.next_update);

  now_ = now_.load() + std::chrono::minutes(29);
  EXPECT_TRUE(responder_->respond("issuing", request).from_cache);

  now_ = now_.load() + std::chrono::minutes(2);
  OcspAnswer refreshed = responder_->respond("issuing", request);
  EXPECT_FALSE(refreshed.from_cache);
  EXPECT_NE(refreshed.der, first.der);
  EXPECT_EQ(refreshed.this_update, now_.load());
  EXPECT_TRUE(responder_->respond("issuing", request).from_cache);
}

TEST_F(OcspResponderTest, InvalidateMakesARevocationVisibleAtOnce) {
  x509::Certificate leaf = issue_leaf("mallory");
  Bytes request = make_ocsp_request(ids(cert_id(leaf, issuing()))).der;
  EXPECT_EQ(responder_->respond("issuing", request).good, 1);

  revoke(leaf, 1, now_.load());  // without a new CRL: only invalidate() can tell the responder
  OcspAnswer stale = responder_->respond("issuing", request);
  EXPECT_TRUE(stale.from_cache);
  EXPECT_EQ(stale.good, 1);

  responder_->invalidate("root");  // another authority's invalidation changes nothing here
  EXPECT_TRUE(responder_->respond("issuing", request).from_cache);

  responder_->invalidate("issuing");
  EXPECT_EQ(responder_->cached_responses(), 0u);
  OcspAnswer fresh = responder_->respond("issuing", request);
  EXPECT_FALSE(fresh.from_cache);
  EXPECT_EQ(fresh.revoked, 1);
  EXPECT_EQ(status_of(fresh, leaf).status, V_OCSP_CERTSTATUS_REVOKED);
}

TEST_F(OcspResponderTest, ANewCrlNumberMakesARevocationVisibleWithoutInvalidate) {
  x509::Certificate leaf = issue_leaf("niaj");
  Bytes request = make_ocsp_request(ids(cert_id(leaf, issuing()))).der;
  EXPECT_EQ(responder_->respond("issuing", request).good, 1);
  EXPECT_TRUE(responder_->respond("issuing", request).from_cache);

  NIMBUS_ASSERT_OK(store_->write([&](store::StoreWriter& tx) -> Status {
    NIMBUS_TRY(tx.revoke_certificate(leaf.serial_hex(), now_.load(), 1));
    NIMBUS_ASSIGN_OR_RETURN(store::CrlRecord crl, publish_crl(tx, {"issuing", issuing(), *issuing_key_}, now_.load()));
    (void)crl;
    return ok_status();
  }));
  OcspAnswer answer = responder_->respond("issuing", request);
  EXPECT_FALSE(answer.from_cache);
  EXPECT_EQ(answer.revoked, 1);
}

TEST_F(OcspResponderTest, TheCacheIsBounded) {
  OcspResponderOptions options;
  options.max_cached_responses = 2;
  OcspResponder small(*store_, *signers_, clock(), options);
  for (const char* name : {"a", "b", "c", "d"}) {
    x509::Certificate leaf = issue_leaf(name);
    EXPECT_EQ(small.respond("issuing", make_ocsp_request(ids(cert_id(leaf, issuing()))).der).good, 1);
  }
  EXPECT_EQ(small.cached_responses(), 2u);
}

TEST_F(OcspResponderTest, PausedAndRevokedCasStillAnswer) {
  x509::Certificate leaf = issue_leaf("olivia");
  Bytes request = make_ocsp_request(ids(cert_id(leaf, issuing()))).der;
  NIMBUS_ASSERT_OK(authorities_->pause("issuing"));
  EXPECT_EQ(responder_->respond("issuing", request).good, 1);

  NIMBUS_ASSERT_OK(authorities_->revoke("issuing", x509::RevocationReason::kCessationOfOperation));
  responder_->invalidate("issuing");
  EXPECT_EQ(responder_->respond("issuing", request).good, 1);
  // ... and its parent tells the world the CA itself is revoked.
  OcspAnswer parent = responder_->respond("root", make_ocsp_request(ids(cert_id(issuing(), root()))).der);
  EXPECT_EQ(parent.revoked, 1);
}

TEST_F(OcspResponderTest, ConcurrentFirstRequestsCreateExactlyOneSigner) {
  x509::Certificate leaf = issue_leaf("peggy");
  Bytes request = make_ocsp_request(ids(cert_id(leaf, issuing()))).der;
  std::atomic<int> good = 0;
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      if (responder_->respond("issuing", request).good == 1) ++good;
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(good.load(), 8);
  EXPECT_EQ(audit_count("ocsp_signer.issue"), 1u);
}

TEST_F(OcspResponderTest, TheOpensslOcspCommandAcceptsTheAnswers) {
  x509::Certificate good = issue_leaf("quentin");
  x509::Certificate revoked = issue_leaf("rupert");
  revoke(revoked, 1, now_.load() - std::chrono::hours(1));
  nimbus::testing::write_text(dir_ / "root.pem", root().pem());
  nimbus::testing::write_text(dir_ / "chain.pem", root().pem() + issuing().pem());
  nimbus::testing::write_text(dir_ / "issuing.pem", issuing().pem());

  auto check = [&](const x509::Certificate& leaf, const std::string& name) {
    OcspAnswer answer = ask("issuing", make_ocsp_request(ids(cert_id(leaf, issuing()))));
    EXPECT_EQ(answer.status, OcspResponseStatus::kSuccessful) << answer.refusal;
    std::string response = (dir_ / (name + ".resp.der")).string();
    must(write_file_atomic(response, answer.der, 0600, true));
    std::string certificate = (dir_ / (name + ".pem")).string();
    nimbus::testing::write_text(certificate, leaf.pem());
    return nimbus::testing::command_output("openssl ocsp -respin " + response + " -issuer " + (dir_ / "issuing.pem").string() +
                                " -CAfile " + (dir_ / "chain.pem").string() + " -cert " + certificate +
                                " -no_nonce -resp_text");
  };
  std::string good_output = check(good, "good");
  EXPECT_NE(good_output.find("Response verify OK"), std::string::npos) << good_output;
  EXPECT_NE(good_output.find("good.pem: good"), std::string::npos) << good_output;
  EXPECT_NE(good_output.find("OCSP Response Status: successful"), std::string::npos) << good_output;

  std::string revoked_output = check(revoked, "revoked");
  EXPECT_NE(revoked_output.find("Response verify OK"), std::string::npos) << revoked_output;
  EXPECT_NE(revoked_output.find("revoked.pem: revoked"), std::string::npos) << revoked_output;
  EXPECT_NE(revoked_output.find("Reason: keyCompromise"), std::string::npos) << revoked_output;
}

TEST(OcspRequestParse, ReadsCertIdsAndNonce) {
  nimbus::testing::TestChain chain = nimbus::testing::make_chain();
  TestRequest request = make_ocsp_request(ids(cert_id(chain.leaf.certificate, chain.intermediate.certificate)),
                                          RequestOptions{true, 20});
  NIMBUS_ASSERT_OK_AND_ASSIGN(OcspRequest parsed, OcspRequest::parse(request.der));
  ASSERT_EQ(parsed.cert_ids().size(), 1u);
  const OcspCertId& id = parsed.cert_ids()[0];
  EXPECT_EQ(id.hash_nid, NID_sha1);
  EXPECT_EQ(id.serial, chain.leaf.certificate.serial());
  EXPECT_FALSE(id.negative_serial);
  EXPECT_EQ(id.issuer_name_hash, crypto::sha1(chain.intermediate.certificate.subject().der()));
  EXPECT_EQ(id.issuer_key_hash, x509::key_identifier(chain.intermediate.certificate.public_key()));
  ASSERT_TRUE(parsed.nonce().has_value());
  EXPECT_EQ(parsed.nonce()->size(), 20u);
}

TEST(OcspRequestParse, RefusesTooManyCertIdsAndUnknownCriticalExtensions) {
  nimbus::testing::TestChain chain = nimbus::testing::make_chain();
  std::vector<crypto::OcspCertIdPtr> many;
  for (std::size_t i = 0; i <= kMaxOcspRequestCertificates; ++i) {
    many.push_back(cert_id(chain.leaf.certificate, chain.intermediate.certificate));
  }
  NIMBUS_EXPECT_ERROR(OcspRequest::parse(make_ocsp_request(std::move(many)).der), ErrorCode::kMalformed);

  crypto::OcspRequestPtr critical(OCSP_REQUEST_new());
  OCSP_request_add0_id(critical.get(), cert_id(chain.leaf.certificate, chain.intermediate.certificate).release());
  crypto::Asn1OctetStringPtr value(ASN1_OCTET_STRING_new());
  const unsigned char null_value[] = {0x05, 0x00};
  ASN1_OCTET_STRING_set(value.get(), null_value, 2);
  crypto::Asn1ObjectPtr type(OBJ_txt2obj("1.3.6.1.4.1.99999.1", 1));
  crypto::X509ExtensionPtr extension(X509_EXTENSION_create_by_OBJ(nullptr, type.get(), 1, value.get()));
  ASSERT_EQ(OCSP_REQUEST_add_ext(critical.get(), extension.get(), -1), 1);
  NIMBUS_EXPECT_ERROR(OcspRequest::parse(testing::encode_request(critical.get())), ErrorCode::kMalformed);
}

}  // namespace
}  // namespace nimbus::revocation
