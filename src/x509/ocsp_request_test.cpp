#include "x509/ocsp_request.h"

#include <openssl/ocsp.h>

#include <gtest/gtest.h>

#include "testing/test_support.h"
#include "x509/der_writer.h"

namespace nimbus::x509 {
namespace {

using nimbus::testing::make_chain;
using nimbus::testing::must;
using nimbus::testing::TestChain;

Bytes encode(OCSP_REQUEST* request) {
  unsigned char* der = nullptr;
  int size = i2d_OCSP_REQUEST(request, &der);
  crypto::OpenSslBufferPtr owned(der);
  if (size <= 0) throw std::runtime_error("i2d_OCSP_REQUEST failed");
  return Bytes(der, der + size);
}

crypto::OcspRequestPtr decode(const Bytes& der) {
  const unsigned char* cursor = der.data();
  crypto::OcspRequestPtr request(d2i_OCSP_REQUEST(nullptr, &cursor, static_cast<long>(der.size())));
  if (!request || cursor != der.data() + der.size()) throw std::runtime_error("d2i_OCSP_REQUEST failed");
  return request;
}

// An OpenSSL request about `certificates` (all issued by `issuer`), for the parser to read.
crypto::OcspRequestPtr openssl_request(const std::vector<const Certificate*>& certificates, const Certificate& issuer) {
  crypto::OcspRequestPtr request(OCSP_REQUEST_new());
  for (const Certificate* certificate : certificates) {
    OCSP_request_add0_id(request.get(), OCSP_cert_to_id(EVP_sha1(), certificate->get(), issuer.get()));
  }
  return request;
}

std::string failure(const Result<OcspRequest>& result) { return result.ok() ? "ok" : result.error().message(); }

bool contains(const std::string& text, std::string_view part) { return text.find(part) != std::string::npos; }

// A whole OCSPRequest whose tbsRequest holds `before_list`, a requestList with the contents
// `list`, and `after_list`.
Bytes tbs_with(const Bytes& before_list, const Bytes& list, const Bytes& after_list) {
  Bytes tbs = before_list;
  der::append_element(tbs, der::kSequence, list);
  tbs.insert(tbs.end(), after_list.begin(), after_list.end());
  return der::element(der::kSequence, der::element(der::kSequence, tbs));
}

class OcspRequestTest : public ::testing::Test {
 protected:
  TestChain chain_ = make_chain();
  const Certificate& leaf() const { return chain_.leaf.certificate; }
  const Certificate& issuer() const { return chain_.intermediate.certificate; }
  OcspCertId leaf_id() const { return must(OcspCertId::for_certificate(leaf(), issuer())); }
  // requestList with one Request for the leaf.
  Bytes one_request() const { return der::element(der::kSequence, leaf_id().der()); }
};

TEST_F(OcspRequestTest, BuiltAsOpensslBuildsIt) {
  NIMBUS_ASSERT_OK_AND_ASSIGN(OcspRequest request, OcspRequest::build({leaf_id()}));
  EXPECT_EQ(request.der(), encode(openssl_request({&leaf()}, issuer()).get()));
  ASSERT_EQ(request.requests().size(), 1u);
  EXPECT_EQ(request.requests()[0].cert_id, leaf_id());
  EXPECT_FALSE(request.nonce().has_value());
  EXPECT_FALSE(request.is_signed());

  NIMBUS_ASSERT_OK_AND_ASSIGN(OcspRequest two, OcspRequest::build({leaf_id(), must(OcspCertId::for_certificate(
                                                                                   issuer(), chain_.root.certificate))}));
  crypto::OcspRequestPtr parsed = decode(two.der());
  EXPECT_EQ(OCSP_request_onereq_count(parsed.get()), 2);
}

TEST_F(OcspRequestTest, ABuiltNonceIsTheOneOpensslReads) {
  Bytes nonce = must(crypto::random_bytes(32));
  NIMBUS_ASSERT_OK_AND_ASSIGN(OcspRequest request, OcspRequest::build({leaf_id()}, nonce));
  EXPECT_EQ(request.nonce(), nonce);

  // OpenSSL's OCSP_check_nonce compares the nonce extension of a request and a response.
  crypto::OcspRequestPtr parsed = decode(request.der());
  crypto::OcspBasicResponsePtr basic(OCSP_BASICRESP_new());
  ASSERT_EQ(OCSP_basic_add1_nonce(basic.get(), nonce.data(), static_cast<int>(nonce.size())), 1);
  EXPECT_EQ(OCSP_check_nonce(parsed.get(), basic.get()), 1);

  NIMBUS_ASSERT_OK_AND_ASSIGN(OcspRequest again, OcspRequest::parse(request.der()));
  EXPECT_EQ(again.nonce(), nonce);
  ASSERT_NE(again.nonce_extension(), nullptr);
  EXPECT_FALSE(again.nonce_extension()->critical);
  EXPECT_EQ(again.der(), request.der());
}

TEST_F(OcspRequestTest, BuildRefusesNoCertIdsAndNoncesRfc9654Forbids) {
  NIMBUS_EXPECT_ERROR(OcspRequest::build({}), ErrorCode::kInvalidArgument);
  NIMBUS_EXPECT_ERROR(OcspRequest::build({leaf_id()}, Bytes{}), ErrorCode::kInvalidArgument);
  NIMBUS_EXPECT_ERROR(OcspRequest::build({leaf_id()}, Bytes(129, 0x01)), ErrorCode::kInvalidArgument);
  NIMBUS_EXPECT_OK(OcspRequest::build({leaf_id()}, Bytes(128, 0x01)));
}

TEST_F(OcspRequestTest, ParsesWhatOpensslClientsSend) {
  // Two CertIDs, a nonce, and a signature with the signer's certificate and requestorName.
  crypto::OcspRequestPtr request = openssl_request({&leaf(), &issuer()}, chain_.root.certificate);
  ASSERT_EQ(OCSP_request_add1_nonce(request.get(), nullptr, 16), 1);
  ASSERT_EQ(OCSP_request_sign(request.get(), leaf().get(), chain_.leaf.key.get(), EVP_sha256(), nullptr, 0), 1);
  Bytes der = encode(request.get());
  NIMBUS_ASSERT_OK_AND_ASSIGN(OcspRequest parsed, OcspRequest::parse(der));
  ASSERT_EQ(parsed.requests().size(), 2u);
  EXPECT_TRUE(parsed.requests()[1].cert_id.matches(issuer(), chain_.root.certificate));
  EXPECT_TRUE(parsed.requests()[0].extensions.empty());
  ASSERT_TRUE(parsed.nonce().has_value());
  EXPECT_EQ(parsed.nonce()->size(), 16u);
  EXPECT_TRUE(parsed.is_signed());
  EXPECT_EQ(parsed.der(), der);
}

TEST_F(OcspRequestTest, ABareRfc2560NonceIsTakenAsIs) {
  crypto::OcspRequestPtr request = openssl_request({&leaf()}, issuer());
  const unsigned char bare[] = {0x01, 0x02, 0x03, 0x04, 0x05};
  crypto::Asn1OctetStringPtr value(ASN1_OCTET_STRING_new());
  ASN1_OCTET_STRING_set(value.get(), bare, sizeof(bare));
  crypto::X509ExtensionPtr extension(X509_EXTENSION_create_by_NID(nullptr, NID_id_pkix_OCSP_Nonce, 1, value.get()));
  ASSERT_EQ(OCSP_REQUEST_add_ext(request.get(), extension.get(), -1), 1);
  NIMBUS_ASSERT_OK_AND_ASSIGN(OcspRequest parsed, OcspRequest::parse(encode(request.get())));
  EXPECT_EQ(parsed.nonce(), (Bytes{0x01, 0x02, 0x03, 0x04, 0x05}));
  ASSERT_EQ(parsed.extensions().size(), 1u);
  EXPECT_TRUE(parsed.extensions()[0].critical);
  EXPECT_EQ(parsed.extensions()[0].oid, kOcspNonceOid);
}

TEST_F(OcspRequestTest, ReadsSingleRequestExtensionsAndUnknownOnes) {
  // Request { CertID, [0] { Extensions { { 1.3.6.1.4.1.99999.1, critical TRUE, '05 00' } } } }
  Bytes extension;
  der::append_element(extension, der::kObjectIdentifier,
                      Bytes{0x2b, 0x06, 0x01, 0x04, 0x01, 0x86, 0x8d, 0x1f, 0x01});
  der::append_element(extension, der::kBoolean, Bytes{0xff});
  der::append_element(extension, der::kOctetString, Bytes{0x05, 0x00});
  Bytes extensions = der::element(der::kSequence, der::element(der::kSequence, extension));
  Bytes single = leaf_id().der();
  der::append_element(single, der::context_tag(0, true), extensions);
  Bytes der = tbs_with({}, der::element(der::kSequence, single), {});
  NIMBUS_ASSERT_OK_AND_ASSIGN(OcspRequest parsed, OcspRequest::parse(der));
  ASSERT_EQ(parsed.requests().size(), 1u);
  ASSERT_EQ(parsed.requests()[0].extensions.size(), 1u);
  const OcspExtension& read = parsed.requests()[0].extensions[0];
  EXPECT_EQ(read.oid, "1.3.6.1.4.1.99999.1");
  EXPECT_TRUE(read.critical);
  EXPECT_EQ(read.value, (Bytes{0x05, 0x00}));
  EXPECT_FALSE(read.is_nonce());
}

TEST_F(OcspRequestTest, AcceptsNoCertIdsAndTheDefaultsDerLeavesOut) {
  // An empty requestList is the responder's to refuse, not the parser's.
  NIMBUS_ASSERT_OK_AND_ASSIGN(OcspRequest empty, OcspRequest::parse(tbs_with({}, {}, {})));
  EXPECT_TRUE(empty.requests().empty());

  Bytes version_1 = {0xa0, 0x03, 0x02, 0x01, 0x00};
  NIMBUS_EXPECT_OK(OcspRequest::parse(tbs_with(version_1, one_request(), {})));
  Bytes version_2 = {0xa0, 0x03, 0x02, 0x01, 0x01};
  EXPECT_TRUE(contains(failure(OcspRequest::parse(tbs_with(version_2, one_request(), {}))), "version 1 is not v1"));

  // An extension with critical FALSE written out, and an empty Extensions list.
  Bytes extension;
  der::append_element(extension, der::kObjectIdentifier, Bytes{0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x02});
  der::append_element(extension, der::kBoolean, Bytes{0x00});
  der::append_element(extension, der::kOctetString, Bytes{0x04, 0x01, 0x07});
  Bytes explicit_false;
  der::append_element(explicit_false, der::context_tag(2, true),
                      der::element(der::kSequence, der::element(der::kSequence, extension)));
  NIMBUS_ASSERT_OK_AND_ASSIGN(OcspRequest with_false, OcspRequest::parse(tbs_with({}, one_request(), explicit_false)));
  EXPECT_EQ(with_false.nonce(), Bytes{0x07});
  Bytes empty_extensions = {0xa2, 0x02, 0x30, 0x00};
  NIMBUS_EXPECT_OK(OcspRequest::parse(tbs_with({}, one_request(), empty_extensions)));
}

TEST_F(OcspRequestTest, MalformedRequestsAreRefusedPrecisely) {
  Bytes valid = must(OcspRequest::build({leaf_id()}, Bytes(8, 0x5a))).der();
  for (std::size_t size = 0; size < valid.size(); ++size) {
    NIMBUS_EXPECT_ERROR(OcspRequest::parse(ByteView(valid).first(size)), ErrorCode::kMalformed);
  }
  Bytes trailing = valid;
  trailing.insert(trailing.end(), {0x00, 0x00});
  EXPECT_EQ(failure(OcspRequest::parse(trailing)), "2 bytes follow the OCSPRequest");

  // A certificate reads as far as tbsCertificate's version, v3.
  EXPECT_TRUE(contains(failure(OcspRequest::parse(leaf().der())), "OCSPRequest.tbsRequest.version: version 2 is not"));
  EXPECT_TRUE(contains(failure(OcspRequest::parse(Bytes{0x31, 0x00})), "OCSPRequest: expected SEQUENCE, found tag 0x31"));
  EXPECT_TRUE(contains(failure(OcspRequest::parse(Bytes{0x30, 0x80, 0x00, 0x00})), "indefinite length"));
  for (int i = 0; i < 50; ++i) {
    NIMBUS_EXPECT_ERROR(OcspRequest::parse(must(crypto::random_bytes(100))), ErrorCode::kMalformed);
  }

  // The serialNumber of the second CertID as an OCTET STRING.
  Bytes id = leaf_id().der();
  Bytes broken = id;
  std::size_t serial_at = broken.size() - 2 - leaf_id().serial_number().size();
  ASSERT_EQ(broken[serial_at], der::kInteger);
  broken[serial_at] = der::kOctetString;
  Bytes list = der::element(der::kSequence, id);
  der::append_element(list, der::kSequence, broken);
  std::string why = failure(OcspRequest::parse(tbs_with({}, list, {})));
  EXPECT_TRUE(contains(why, "OCSPRequest.tbsRequest.requestList[1].reqCert.serialNumber: expected INTEGER, found OCTET "
                            "STRING (offset "))
      << why;

  // A BOOLEAN critical that is neither 0x00 nor 0xFF, and an unknown element after the list.
  Bytes extension;
  der::append_element(extension, der::kObjectIdentifier, Bytes{0x55, 0x1d, 0x0e});
  der::append_element(extension, der::kBoolean, Bytes{0x01});
  der::append_element(extension, der::kOctetString, Bytes{});
  Bytes odd_boolean;
  der::append_element(odd_boolean, der::context_tag(2, true),
                      der::element(der::kSequence, der::element(der::kSequence, extension)));
  EXPECT_TRUE(contains(failure(OcspRequest::parse(tbs_with({}, one_request(), odd_boolean))),
                       "requestExtensions[0].critical: BOOLEAN must be"));
  EXPECT_TRUE(contains(failure(OcspRequest::parse(tbs_with({}, one_request(), {0x05, 0x00}))),
                       "OCSPRequest.tbsRequest: unexpected NULL after the last field"));
  // requestorName that is no GeneralName.
  Bytes requestor = {0xa1, 0x02, 0x30, 0x00};
  EXPECT_TRUE(contains(failure(OcspRequest::parse(tbs_with(requestor, one_request(), {}))), "not a GeneralName"));
}

}  // namespace
}  // namespace nimbus::x509
