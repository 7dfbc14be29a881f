#include "x509/cms_message.h"

#include <gtest/gtest.h>

#include "testing/test_support.h"

namespace nimbus::x509 {
namespace {

using nimbus::testing::bytes_of;
using nimbus::testing::must;

// SCEP's attribute types (RFC 8894 §3.2.1), as a SCEP message carries them.
constexpr std::string_view kMessageType = "2.16.840.1.113733.1.9.2";
constexpr std::string_view kSenderNonce = "2.16.840.1.113733.1.9.5";
constexpr std::string_view kTransactionId = "2.16.840.1.113733.1.9.7";
constexpr std::string_view kWanted[] = {kMessageType, kSenderNonce, kTransactionId};

class CmsMessageTest : public ::testing::Test {
 protected:
  static nimbus::testing::CertificateOptions options(std::string subject) {
    nimbus::testing::CertificateOptions options;
    options.subject = std::move(subject);
    options.ca = false;
    return options;
  }
  Bytes signed_message(ByteView content) const {
    SigningRequest request;
    request.content = content;
    request.signer = &client_.certificate;
    request.key = &client_.key;
    request.attributes = {{std::string(kMessageType), SignedAttribute::Type::kPrintableString, {'1', '9'}},
                          {std::string(kSenderNonce), SignedAttribute::Type::kOctetString, Bytes(16, 0xab)},
                          {std::string(kTransactionId), SignedAttribute::Type::kPrintableString, {'t', 'x', '1'}}};
    return must(make_signed_message(request));
  }

  nimbus::testing::TestCa client_ = nimbus::testing::make_ca(options("CN=device-17"), nullptr, "rsa:2048");
  nimbus::testing::TestCa ra_ = nimbus::testing::make_ca(options("CN=Nimbus RA"), nullptr, "rsa:2048");
};

TEST_F(CmsMessageTest, ASignedMessageOpensWithItsContentSignerAndAttributes) {
  Bytes der = signed_message(bytes_of("the enveloped request"));
  SignedMessage message = must(open_signed_message(der, kWanted));
  EXPECT_EQ(std::string(message.content.begin(), message.content.end()), "the enveloped request");
  EXPECT_EQ(message.signer, client_.certificate);
  EXPECT_EQ(message.digest, "SHA256");
  ASSERT_EQ(message.attributes.size(), 3u);
  EXPECT_EQ(message.find(kMessageType)->value, (Bytes{'1', '9'}));
  EXPECT_EQ(message.find(kSenderNonce)->type, SignedAttribute::Type::kOctetString);
  EXPECT_EQ(message.find(kSenderNonce)->value, Bytes(16, 0xab));
  EXPECT_EQ(message.find("2.16.840.1.113733.1.9.3"), nullptr);

  std::string_view only_status[] = {"2.16.840.1.113733.1.9.3"};
  EXPECT_TRUE(must(open_signed_message(der, only_status)).attributes.empty()) << "an absent attribute is no error";
}

TEST_F(CmsMessageTest, AChangedContentDoesNotVerify) {
  Bytes der = signed_message(bytes_of("the enveloped request"));
  std::string text(der.begin(), der.end());
  std::size_t at = text.find("enveloped");
  ASSERT_NE(at, std::string::npos);
  der[at] ^= 0x01;
  auto opened = open_signed_message(der, kWanted);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code(), ErrorCode::kPermissionDenied);
}

TEST_F(CmsMessageTest, WhatIsNotSignedDataIsMalformed) {
  for (const Bytes& input : {Bytes{}, Bytes{0x30, 0x03, 0x02, 0x01, 0x01}, Bytes(100, 0x42)}) {
    auto opened = open_signed_message(input, kWanted);
    ASSERT_FALSE(opened.ok());
    EXPECT_EQ(opened.error().code(), ErrorCode::kMalformed);
  }
  Bytes envelope = must(seal_envelope(bytes_of("x"), ra_.certificate, ContentCipher::kAes128Cbc));
  auto opened = open_signed_message(envelope, kWanted);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code(), ErrorCode::kMalformed);
  Bytes trailing = signed_message(bytes_of("y"));
  trailing.push_back(0);
  EXPECT_FALSE(open_signed_message(trailing, kWanted).ok());
}

TEST_F(CmsMessageTest, AnEnvelopeOpensForItsRecipientWithTheCipherItUsed) {
  for (ContentCipher cipher : {ContentCipher::kAes128Cbc, ContentCipher::kAes256Cbc, ContentCipher::kDesEde3Cbc}) {
    SCOPED_TRACE(content_cipher_name(cipher));
    Bytes der = must(seal_envelope(bytes_of("a certificate request"), ra_.certificate, cipher));
    OpenedEnvelope opened = must(open_envelope(der, ra_.certificate, ra_.key));
    EXPECT_EQ(std::string(opened.content.begin(), opened.content.end()), "a certificate request");
    EXPECT_EQ(opened.cipher, cipher);
  }
}

TEST_F(CmsMessageTest, AnEnvelopeForAnotherRecipientDoesNotOpen) {
  Bytes der = must(seal_envelope(bytes_of("secret"), client_.certificate, ContentCipher::kAes256Cbc));
  auto opened = open_envelope(der, ra_.certificate, ra_.key);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code(), ErrorCode::kPermissionDenied);
  auto not_cms = open_envelope(bytes_of("not der"), ra_.certificate, ra_.key);
  ASSERT_FALSE(not_cms.ok());
  EXPECT_EQ(not_cms.error().code(), ErrorCode::kMalformed);
}

}  // namespace
}  // namespace nimbus::x509
