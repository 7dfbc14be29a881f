#include "scep/message.h"

#include <gtest/gtest.h>

#include "testing/test_support.h"
#include "x509/der_reader.h"
#include "x509/der_writer.h"

namespace nimbus::scep {
namespace {

using nimbus::testing::bytes_of;
using nimbus::testing::must;

class ScepMessageTest : public ::testing::Test {
 protected:
  static nimbus::testing::CertificateOptions end_entity(std::string subject) {
    nimbus::testing::CertificateOptions options;
    options.subject = std::move(subject);
    options.ca = false;
    return options;
  }
  Outgoing pkcs_req() const {
    Outgoing request;
    request.type = MessageType::kPkcsReq;
    request.transaction_id = "3fa8b3c1d2";
    request.sender_nonce = Bytes(16, 0x5a);
    request.message_data = Bytes{0x30, 0x03, 0x02, 0x01, 0x07};
    request.signer = &client_.certificate;
    request.key = &client_.key;
    return request;
  }
  // A request signed with the attributes given, its messageData enveloped to the RA.
  Bytes crafted(std::vector<x509::SignedAttribute> attributes) const {
    Bytes envelope = must(x509::seal_envelope(bytes_of("data"), ra_.certificate, x509::ContentCipher::kAes128Cbc));
    x509::SigningRequest signing;
    signing.content = envelope;
    signing.signer = &client_.certificate;
    signing.key = &client_.key;
    signing.attributes = std::move(attributes);
    return must(x509::make_signed_message(signing));
  }
  static x509::SignedAttribute printable(std::string_view oid, std::string text) {
    return {std::string(oid), x509::SignedAttribute::Type::kPrintableString, Bytes(text.begin(), text.end())};
  }

  nimbus::testing::TestCa ra_ = nimbus::testing::make_ca(end_entity("CN=Nimbus RA"), nullptr, "rsa:2048");
  nimbus::testing::TestCa client_ = nimbus::testing::make_ca(end_entity("CN=device-17"), nullptr, "rsa:2048");
};

TEST_F(ScepMessageTest, ARequestReadsBackAsTheClientWroteIt) {
  Bytes der = must(write_request(pkcs_req(), ra_.certificate));
  Request request = must(read_request(der, ra_.certificate, ra_.key));
  EXPECT_EQ(request.type, MessageType::kPkcsReq);
  EXPECT_EQ(request.transaction_id, "3fa8b3c1d2");
  EXPECT_EQ(request.sender_nonce, Bytes(16, 0x5a));
  EXPECT_EQ(request.signer, client_.certificate);
  EXPECT_EQ(request.digest, "SHA256");
  EXPECT_EQ(request.cipher, x509::ContentCipher::kAes128Cbc);
  EXPECT_EQ(request.message_data, (Bytes{0x30, 0x03, 0x02, 0x01, 0x07}));
}

TEST_F(ScepMessageTest, ASuccessCarriesTheCertificateToTheRequesterOnly) {
  nimbus::testing::TestCa issued = nimbus::testing::make_ca(end_entity("CN=device-17"), nullptr, "ec:p256");
  Reply reply;
  reply.status = PkiStatus::kSuccess;
  reply.transaction_id = "3fa8b3c1d2";
  reply.recipient_nonce = Bytes(16, 0x5a);
  reply.sender_nonce = Bytes(16, 0x33);
  reply.certificates = {issued.certificate};
  Bytes der = must(write_cert_rep(reply, client_.certificate, ra_.certificate, ra_.key));
  CertRep rep = must(read_cert_rep(der, ra_.certificate, client_.certificate, client_.key));
  EXPECT_EQ(rep.status, PkiStatus::kSuccess);
  EXPECT_EQ(rep.transaction_id, "3fa8b3c1d2");
  EXPECT_EQ(rep.recipient_nonce, Bytes(16, 0x5a));
  EXPECT_EQ(rep.sender_nonce, Bytes(16, 0x33));
  ASSERT_EQ(rep.certificates.size(), 1u);
  EXPECT_EQ(rep.certificates[0], issued.certificate);
  EXPECT_FALSE(read_cert_rep(der, ra_.certificate, ra_.certificate, ra_.key).ok()) << "enveloped to the client only";
  EXPECT_FALSE(read_cert_rep(der, client_.certificate, client_.certificate, client_.key).ok())
      << "a CertRep signed by anyone but the RA is refused";
}

TEST_F(ScepMessageTest, AFailureNamesItsFailInfo) {
  Reply reply;
  reply.status = PkiStatus::kFailure;
  reply.fail_info = FailInfo::kBadRequest;
  reply.transaction_id = "t";
  reply.recipient_nonce = Bytes(16, 1);
  reply.sender_nonce = Bytes(16, 2);
  CertRep rep = must(read_cert_rep(must(write_cert_rep(reply, client_.certificate, ra_.certificate, ra_.key)),
                                   ra_.certificate, client_.certificate, client_.key));
  EXPECT_EQ(rep.status, PkiStatus::kFailure);
  EXPECT_EQ(rep.fail_info, FailInfo::kBadRequest);
  EXPECT_TRUE(rep.certificates.empty());
  reply.fail_info.reset();
  EXPECT_FALSE(write_cert_rep(reply, client_.certificate, ra_.certificate, ra_.key).ok());
}

TEST_F(ScepMessageTest, BadRequestsAreRefusedWithTheFailInfoToAnswer) {
  struct Case {
    const char* name;
    Bytes der;
    FailInfo fail_info;
    bool reply_possible;
  };
  Bytes tampered = must(write_request(pkcs_req(), ra_.certificate));
  tampered[tampered.size() / 2] ^= 0x01;
  nimbus::testing::TestCa other = nimbus::testing::make_ca(end_entity("CN=Another RA"), nullptr, "rsa:2048");
  std::string nonce(16, 'n');
  x509::SignedAttribute sender_nonce{std::string(oid::kSenderNonce), x509::SignedAttribute::Type::kOctetString,
                                     Bytes(nonce.begin(), nonce.end())};
  std::vector<Case> cases = {
      {"not DER", Bytes{'h', 'e', 'l', 'l', 'o'}, FailInfo::kBadMessageCheck, false},
      {"a changed octet", tampered, FailInfo::kBadMessageCheck, false},
      {"enveloped to another RA", must(write_request(pkcs_req(), other.certificate)), FailInfo::kBadMessageCheck, true},
      {"no SCEP attributes", crafted({}), FailInfo::kBadRequest, false},
      {"an unknown messageType",
       crafted({printable(oid::kMessageType, "99"), printable(oid::kTransactionId, "t1"), sender_nonce}),
       FailInfo::kBadRequest, true},
      {"a messageType that is no number",
       crafted({printable(oid::kMessageType, "PKCSReq"), printable(oid::kTransactionId, "t1"), sender_nonce}),
       FailInfo::kBadRequest, true},
      {"no transactionID", crafted({printable(oid::kMessageType, "19"), sender_nonce}), FailInfo::kBadRequest, false},
      {"no senderNonce", crafted({printable(oid::kMessageType, "19"), printable(oid::kTransactionId, "t1")}),
       FailInfo::kBadRequest, false},
  };
  for (const Case& each : cases) {
    SCOPED_TRACE(each.name);
    Refusal refusal;
    auto request = read_request(each.der, ra_.certificate, ra_.key, kAesCiphers, &refusal);
    ASSERT_FALSE(request.ok());
    EXPECT_EQ(refusal.fail_info, each.fail_info) << fail_info_name(refusal.fail_info) << ": " << refusal.reason;
    EXPECT_EQ(refusal.reply_possible, each.reply_possible) << refusal.reason;
    EXPECT_FALSE(refusal.reason.empty());
  }
}

TEST_F(ScepMessageTest, IssuerAndSerialNumberRoundTripsAndRefusesWhatIsNot) {
  for (const x509::Certificate* certificate : {&client_.certificate, &ra_.certificate}) {
    NIMBUS_ASSERT_OK_AND_ASSIGN(IssuerAndSerial read, read_issuer_and_serial(write_issuer_and_serial(*certificate)));
    EXPECT_EQ(read.issuer, certificate->issuer().der());
    EXPECT_EQ(read.serial_hex, certificate->serial_hex());
  }
  // A serial whose first octet has its high bit set is written with a sign octet, read without.
  Bytes name = client_.certificate.issuer().der();
  Bytes signed_serial = name;
  for (std::uint8_t octet : {0x02, 0x03, 0x00, 0x9f, 0x01}) signed_serial.push_back(octet);
  Bytes message;
  x509::der::append_element(message, x509::der::kSequence, signed_serial);
  NIMBUS_ASSERT_OK_AND_ASSIGN(IssuerAndSerial positive, read_issuer_and_serial(message));
  EXPECT_EQ(positive.serial_hex, "9f01");

  Bytes good = write_issuer_and_serial(client_.certificate);
  Bytes trailing = good;
  trailing.push_back(0x00);
  Bytes truncated(good.begin(), good.end() - 1);
  Bytes no_serial;
  x509::der::append_element(no_serial, x509::der::kSequence, name);
  for (const Bytes& bad : {Bytes{}, Bytes{'h', 'i'}, trailing, truncated, no_serial, Bytes{0x30, 0x00}}) {
    EXPECT_FALSE(read_issuer_and_serial(bad).ok()) << to_hex(bad);
  }
}

TEST(ScepNames, AreTheRfcs) {
  EXPECT_EQ(message_type_name(MessageType::kPkcsReq), "PKCSReq");
  EXPECT_EQ(message_type_name(MessageType::kGetCrl), "GetCRL");
  EXPECT_EQ(pki_status_name(PkiStatus::kPending), "PENDING");
  EXPECT_EQ(fail_info_name(FailInfo::kBadCertId), "badCertId");
  EXPECT_FALSE(fail_info_meaning(FailInfo::kBadTime).empty());
}

}  // namespace
}  // namespace nimbus::scep
