#include "scep/service/scep_responder.h"

#include <gtest/gtest.h>

#include "ca/authorities.h"
#include "ca/service_certificates.h"
#include "crypto/digest.h"
#include "crypto/key_store.h"
#include "profile/profile_catalog.h"
#include "revocation/revocations.h"
#include "scep/service/fake_mdm.h"
#include "store/sqlite/sqlite_store.h"
#include "testing/test_support.h"

namespace nimbus::scep {
namespace {

using nimbus::testing::dn;
using nimbus::testing::kDay;
using nimbus::testing::kYear;
using nimbus::testing::make_key;
using nimbus::testing::make_raw_key;
using nimbus::testing::must;
using nimbus::testing::TempDir;

constexpr std::string_view kPassphrase = "scep responder test passphrase";

// Renewable at once: an hour of validity and a day-old CA, renewed in the last 99%.
constexpr std::string_view kProfile = R"(id: device
issuing_ca: issuing
type: device
subject: "CN={{DeviceName}}"
subject_alt_names:
  - {type: dns, value: "{{DeviceName}}.contoso.test"}
validity: 1h
key_usage: [digital_signature, key_encipherment]
extended_key_usage: [client_auth]
key:
  algorithms: [rsa, ec]
  rsa_min_bits: 2048
  ec_curves: [p256]
hash: [sha256, sha384]
renewal_threshold: 99%
strong_mapping: none
)";

// The same, renewed only in the last 20%.
constexpr std::string_view kLateRenewalProfile = R"(id: late
issuing_ca: issuing
type: device
subject: "CN={{DeviceName}}"
validity: 1h
key_usage: [digital_signature]
extended_key_usage: [client_auth]
key:
  algorithms: [rsa, ec]
  rsa_min_bits: 2048
  ec_curves: [p256]
hash: [sha256]
renewal_threshold: 20%
strong_mapping: none
)";

constexpr std::string_view kMdmSecret = "the MDM's shared secret";

Bytes octets(std::string_view text) { return Bytes(text.begin(), text.end()); }

nimbus::testing::CertificateOptions device_options(std::string subject) {
  nimbus::testing::CertificateOptions options;
  options.subject = std::move(subject);
  options.ca = false;
  options.not_before = now_utc() - kDay;
  options.not_after = now_utc() + kDay;
  return options;
}

class ScepResponderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sqlite_ = must(store::sqlite::SqliteStore::create(dir_ / "nimbus.db"));
    keys_ = std::make_unique<crypto::FileKeyStore>(dir_ / "keys",
                                                   [] { return Result<Secret>(Secret(std::string(kPassphrase))); });
    now_ = now_utc() - kDay;
    ca::Authorities authorities(*sqlite_, *keys_, urls(), "test:admin", [this] { return now_; });
    must(authorities.create_root({"root", dn("CN=SCEP Test Root, O=Nimbus Tests"), crypto::KeySpec::parse("ec:p384").value(),
                                  20 * kYear}));
    must(authorities.create_issuing({"issuing", "root", dn("CN=SCEP Test Issuing CA, O=Nimbus Tests"),
                                     crypto::KeySpec::parse("ec:p256").value(), 5 * kYear}));
    catalog_ = std::make_unique<profile::ProfileCatalog>(*sqlite_, "test:admin", [this] { return now_; });
    NIMBUS_ASSERT_OK(catalog_->apply(kProfile));
    NIMBUS_ASSERT_OK(catalog_->apply(kLateRenewalProfile));
    now_ = now_utc();
    issuer_ = std::make_unique<ca::Issuer>(*sqlite_, *keys_, urls(), "scep", ca::IssuanceOptions{},
                                           [this] { return now_; });
    crypto::PrivateKey ra_key = make_key("rsa:2048");
    ca::ServiceCertificateRequest request{"issuing", dn("CN=issuing SCEP RA, O=Nimbus Tests"), {}, ra_key.public_key(),
                                          30 * kDay, "scep:auto", ca::ServiceRole::kScepRegistrationAuthority};
    x509::Certificate ra_certificate = must(ca::issue_service_certificate(*sqlite_, *keys_, urls(), request));
    ra_ = std::make_unique<RegistrationAuthority>(
        RegistrationAuthority{"issuing", ra_certificate, ra_key, must(authorities.chain("issuing"))});
    responder_ = std::make_unique<Responder>(*sqlite_, *issuer_, ResponderSettings{}, [this] { return now_; });
  }

  static ca::PublicationUrls urls() { return ca::PublicationUrls::from_base("http://pki.test").value(); }

  // A new enrollment's one-time challenge.
  std::string challenge(const std::string& device = "pc1", const std::string& profile = "device") {
    profile::NewEnrollment enrollment = must(catalog_->create_enrollment(profile, {{"DeviceName", device}}));
    return std::string(enrollment.challenge->text.reveal());
  }

  x509::CertificateRequest csr(const crypto::PrivateKey& key, std::optional<std::string> password) {
    return must(x509::CertificateRequest::create_for_enrollment(dn("CN=device"), key, crypto::SignatureDigest::kSha256,
                                                                password));
  }

  // A pkiMessage of `type` carrying `data`, signed by `signer`, encrypted to `recipient` (the RA).
  Bytes message(ByteView data, const nimbus::testing::TestCa& signer, MessageType type = MessageType::kPkcsReq,
                std::string transaction = "t-1", x509::ContentCipher cipher = x509::ContentCipher::kAes128Cbc,
                const x509::Certificate* recipient = nullptr) {
    Outgoing request;
    request.type = type;
    request.transaction_id = std::move(transaction);
    request.sender_nonce = Bytes(16, 0x42);
    request.message_data = Bytes(data.begin(), data.end());
    request.signer = &signer.certificate;
    request.key = &signer.key;
    request.cipher = cipher;
    return must(write_request(request, recipient ? *recipient : ra_->certificate));
  }

  // The client's answer: what the responder sent, read as the client reads it.
  struct Answered {
    ScepAnswer answer;
    std::optional<CertRep> rep;
  };
  Answered answer(ByteView der, const nimbus::testing::TestCa& requester) {
    Answered answered{responder_->answer(der, *ra_, "192.0.2.7"), std::nullopt};
    if (answered.answer.http_status == 200) {
      answered.rep = must(read_cert_rep(answered.answer.cert_rep, ra_->certificate, requester.certificate, requester.key));
    }
    return answered;
  }

  std::size_t issued() {
    return must(sqlite_->list_certificates(store::CertificateFilter{})).size();
  }

  // Issues a certificate for `device` and returns it with its key, as a client to renew with.
  nimbus::testing::TestCa enrolled(const std::string& device, const std::string& profile = "device") {
    nimbus::testing::TestCa client = nimbus::testing::make_ca(device_options("CN=" + device), nullptr, "rsa:2048");
    Answered answered = answer(message(csr(client.key, challenge(device, profile)).der(), client, MessageType::kPkcsReq,
                                       "enroll-" + device),
                               client);
    EXPECT_EQ(answered.rep->status, PkiStatus::kSuccess);
    return {client.key, answered.rep->certificates.at(0)};
  }

  TempDir dir_;
  Timestamp now_;
  std::unique_ptr<store::sqlite::SqliteStore> sqlite_;
  std::unique_ptr<crypto::FileKeyStore> keys_;
  std::unique_ptr<profile::ProfileCatalog> catalog_;
  std::unique_ptr<ca::Issuer> issuer_;
  std::unique_ptr<RegistrationAuthority> ra_;
  std::unique_ptr<Responder> responder_;
  nimbus::testing::TestCa device_ = nimbus::testing::make_ca(device_options("CN=device"), nullptr, "rsa:2048");
};

TEST_F(ScepResponderTest, IssuesForAChallengeAndEchoesTheTransaction) {
  Answered answered = answer(message(csr(device_.key, challenge()).der(), device_), device_);
  ASSERT_EQ(answered.rep->status, PkiStatus::kSuccess);
  EXPECT_EQ(answered.rep->transaction_id, "t-1");
  EXPECT_EQ(answered.rep->recipient_nonce, Bytes(16, 0x42));
  EXPECT_EQ(answered.rep->sender_nonce.size(), 16u);
  ASSERT_EQ(answered.rep->certificates.size(), 1u);
  EXPECT_EQ(answered.rep->certificates[0].subject().to_string(), "CN=pc1");
  EXPECT_EQ(answered.rep->certificates[0].public_key().spki_der(), device_.key.public_key().spki_der());
  auto stored = must(sqlite_->find_scep_transaction("issuing", "t-1"));
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->serial, answered.rep->certificates[0].serial_hex());
}

// Each row: a message the client sends, and the answer it must get; none issues anything.
TEST_F(ScepResponderTest, RefusesBadInputPreciselyAndIssuesNothing) {
  nimbus::testing::TestCa stranger = nimbus::testing::make_ca(device_options("CN=not the RA"), nullptr, "rsa:2048");
  crypto::PrivateKey rsa1024 = make_raw_key("RSA", nullptr, 1024);
  nimbus::testing::TestCa small{rsa1024, nimbus::testing::make_certificate(device_options("CN=small"), rsa1024)};
  Bytes good_csr = csr(device_.key, challenge("pc-good")).der();
  Bytes bad_signature_csr = good_csr;
  bad_signature_csr[bad_signature_csr.size() - 3] ^= 0x01;
  Bytes sha1_csr = nimbus::testing::make_request(device_.key, "CN=device", EVP_sha1()).der();
  Bytes tampered = message(good_csr, device_);
  tampered[tampered.size() - 5] ^= 0x01;  // inside the signature

  std::string expired = challenge("pc-expired");
  std::string used = challenge("pc-used");
  ASSERT_EQ(answer(message(csr(device_.key, used).der(), device_, MessageType::kPkcsReq, "uses-it"), device_).rep->status,
            PkiStatus::kSuccess);

  struct Row {
    std::string name;
    std::function<Bytes()> message;
    int http_status;
    std::optional<FailInfo> fail_info;
    bool two_hours_later = false;
  };
  std::vector<Row> rows = {
      {"not DER", [] { return octets("hello"); }, 400, std::nullopt},
      {"DER that is not CMS", [&] { return good_csr; }, 400, std::nullopt},
      {"a signature that does not verify", [&] { return tampered; }, 400, std::nullopt},
      {"an unknown messageType", [&] { return message(good_csr, device_, static_cast<MessageType>(99)); }, 200,
       FailInfo::kBadRequest},
      {"an envelope to another certificate",
       [&] { return message(good_csr, device_, MessageType::kPkcsReq, "t-2", x509::ContentCipher::kAes128Cbc,
                            &stranger.certificate); },
       200, FailInfo::kBadMessageCheck},
      {"a cipher not offered",
       [&] { return message(good_csr, device_, MessageType::kPkcsReq, "t-3", x509::ContentCipher::kDesEde3Cbc); }, 200,
       FailInfo::kBadAlg},
      {"messageData that is not a CSR", [&] { return message(octets("not a request"), device_); }, 200,
       FailInfo::kBadRequest},
      {"a CSR with a bad self-signature", [&] { return message(bad_signature_csr, device_); }, 200,
       FailInfo::kBadMessageCheck},
      {"a SHA-1 CSR", [&] { return message(sha1_csr, device_); }, 200, FailInfo::kBadAlg},
      {"RSA-1024", [&] { return message(csr(rsa1024, challenge("pc-small")).der(), small); }, 200,
       FailInfo::kBadRequest},
      {"no challenge", [&] { return message(csr(device_.key, std::nullopt).der(), device_); }, 200,
       FailInfo::kBadRequest},
      {"a wrong challenge",
       [&] { return message(csr(device_.key, std::string("00112233445566778899aabbccddeeff")).der(), device_); }, 200,
       FailInfo::kBadRequest},
      {"a used challenge", [&] { return message(csr(device_.key, used).der(), device_, MessageType::kPkcsReq, "t-4"); },
       200, FailInfo::kBadRequest},
      {"an expired challenge", [&] { return message(csr(device_.key, expired).der(), device_); }, 200,
       FailInfo::kBadRequest, true},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    if (row.two_hours_later) now_ += std::chrono::hours(2);
    std::size_t before = issued();
    Answered answered = answer(row.message(), row.name == "RSA-1024" ? small : device_);
    EXPECT_EQ(answered.answer.http_status, row.http_status);
    if (row.fail_info) {
      ASSERT_TRUE(answered.rep.has_value());
      EXPECT_EQ(answered.rep->status, PkiStatus::kFailure);
      EXPECT_EQ(answered.rep->fail_info, row.fail_info);
      EXPECT_TRUE(answered.rep->certificates.empty());
    } else {
      EXPECT_FALSE(answered.answer.error.empty());
    }
    EXPECT_EQ(issued(), before);
  }
}

TEST_F(ScepResponderTest, ARetryGetsTheSameCertificateAndAnotherKeyIsRefused) {
  std::string text = challenge();
  Bytes request = message(csr(device_.key, text).der(), device_, MessageType::kPkcsReq, "retried");
  Answered first = answer(request, device_);
  std::size_t count = issued();
  Answered again = answer(message(csr(device_.key, text).der(), device_, MessageType::kPkcsReq, "retried"), device_);
  ASSERT_EQ(again.rep->status, PkiStatus::kSuccess);
  EXPECT_EQ(again.rep->certificates.at(0), first.rep->certificates.at(0));
  EXPECT_EQ(issued(), count);

  nimbus::testing::TestCa other = nimbus::testing::make_ca(device_options("CN=device"), nullptr, "rsa:2048");
  Answered refused = answer(message(csr(other.key, text).der(), other, MessageType::kPkcsReq, "retried"), other);
  EXPECT_EQ(refused.rep->fail_info, FailInfo::kBadRequest);
  EXPECT_EQ(issued(), count);
}

TEST_F(ScepResponderTest, RenewsWithTheCertificateRenewedAndRefusesWhatMayNot) {
  nimbus::testing::TestCa current = enrolled("pc-renew");
  crypto::PrivateKey next = make_key("ec:p256");
  Answered renewed =
      answer(message(csr(next, std::nullopt).der(), current, MessageType::kRenewalReq, "renew-1"), current);
  ASSERT_EQ(renewed.rep->status, PkiStatus::kSuccess);
  EXPECT_EQ(renewed.rep->certificates.at(0).subject().to_string(), "CN=pc-renew");
  EXPECT_EQ(renewed.rep->certificates.at(0).public_key().spki_der(), next.public_key().spki_der());
  // A renewal signed by a certificate of no Nimbus CA.
  Answered foreign =
      answer(message(csr(next, std::nullopt).der(), device_, MessageType::kRenewalReq, "renew-2"), device_);
  EXPECT_EQ(foreign.rep->fail_info, FailInfo::kBadRequest);
  // Before the profile's threshold.
  nimbus::testing::TestCa fresh = enrolled("pc-late", "late");
  Answered early = answer(message(csr(next, std::nullopt).der(), fresh, MessageType::kRenewalReq, "renew-3"), fresh);
  EXPECT_EQ(early.rep->fail_info, FailInfo::kBadRequest);
  // Revoked.
  revocation::Revocations revocations(*sqlite_, *keys_, "test:admin");
  must(revocations.revoke(current.certificate.serial_hex(), x509::RevocationReason::kKeyCompromise));
  Answered revoked =
      answer(message(csr(next, std::nullopt).der(), current, MessageType::kRenewalReq, "renew-4"), current);
  EXPECT_EQ(revoked.rep->fail_info, FailInfo::kBadRequest);
  // Expired.
  nimbus::testing::TestCa old = enrolled("pc-old");
  now_ += std::chrono::hours(3);
  Answered expired = answer(message(csr(next, std::nullopt).der(), old, MessageType::kRenewalReq, "renew-5"), old);
  EXPECT_EQ(expired.rep->fail_info, FailInfo::kBadRequest);
}

TEST_F(ScepResponderTest, APausedCaIssuesNothing) {
  std::string text = challenge();
  ca::Authorities authorities(*sqlite_, *keys_, urls(), "test:admin");
  NIMBUS_ASSERT_OK(authorities.pause("issuing"));
  std::size_t before = issued();
  Answered paused = answer(message(csr(device_.key, text).der(), device_), device_);
  EXPECT_EQ(paused.rep->fail_info, FailInfo::kBadRequest);
  EXPECT_EQ(issued(), before);
  NIMBUS_ASSERT_OK(authorities.resume("issuing"));
  EXPECT_EQ(answer(message(csr(device_.key, text).der(), device_, MessageType::kPkcsReq, "t-resumed"), device_).rep->status,
            PkiStatus::kSuccess);
}

TEST_F(ScepResponderTest, AnswersGetCertAndGetCrlForThisCaOnly) {
  nimbus::testing::TestCa client = enrolled("pc-get");
  Answered certificate = answer(message(write_issuer_and_serial(client.certificate), device_, MessageType::kGetCert,
                                        "get-cert"),
                                device_);
  ASSERT_EQ(certificate.rep->status, PkiStatus::kSuccess);
  EXPECT_EQ(certificate.rep->certificates.at(0), client.certificate);
  Answered crl = answer(message(write_issuer_and_serial(client.certificate), device_, MessageType::kGetCrl, "get-crl"),
                        device_);
  ASSERT_EQ(crl.rep->status, PkiStatus::kSuccess);
  EXPECT_EQ(crl.rep->crls.size(), 1u);
  Answered unknown = answer(message(write_issuer_and_serial(device_.certificate), device_, MessageType::kGetCert,
                                    "get-unknown"),
                            device_);
  EXPECT_EQ(unknown.rep->fail_info, FailInfo::kBadCertId);
  Answered poll = answer(message(octets("x"), device_, MessageType::kCertPoll, "never-sent"), device_);
  EXPECT_EQ(poll.rep->fail_info, FailInfo::kBadCertId);
}

}  // namespace
}  // namespace nimbus::scep

namespace nimbus::scep {
namespace {

class ScepWebhookTest : public ScepResponderTest {
 protected:
  void SetUp() override {
    ScepResponderTest::SetUp();
    nimbus::testing::write_text(dir_.path() / "mdm.secret", std::string(kMdmSecret) + "\n");
    NIMBUS_ASSERT_OK(catalog_->apply(mdm_profile()));
    webhook_ = std::make_unique<MdmWebhook>(mdm_, dir_.path(), [this] { return now_; });
    responder_ = std::make_unique<Responder>(*sqlite_, *issuer_, ResponderSettings{}, [this] { return now_; },
                                             webhook_.get());
  }

  // The device profile again, with its challenges from an MDM.
  static std::string mdm_profile(std::string_view id = "mdm") {
    std::string document(kProfile);
    document.replace(document.find("id: device"), std::string_view("id: device").size(), "id: " + std::string(id));
    return document + "challenge: {mode: webhook, webhook_url: \"http://mdm.test/scep-check\", secret_file: mdm.secret, "
                      "timeout: 2s}\n";
  }

  // A PKCSReq carrying an MDM's challenge, as a device sends it.
  Bytes vouched(const std::string& challenge, const std::string& transaction, const std::string& subject = "CN=pc9",
                const std::vector<std::string>& dns_names = {"pc9.contoso.test"}) {
    Bytes request = must(x509::CertificateRequest::create_for_enrollment(dn(subject), device_.key,
                                                                         crypto::SignatureDigest::kSha256, challenge,
                                                                         dns_names))
                        .der();
    return message(request, device_, MessageType::kPkcsReq, transaction);
  }

  FakeMdm mdm_{std::string(kMdmSecret)};
  std::unique_ptr<MdmWebhook> webhook_;
};

TEST_F(ScepWebhookTest, IssuesOnTheMdmsSignedYesAndTellsItTheCertificate) {
  Answered answered = answer(vouched("mdm-challenge-1", "vouched-1"), device_);
  ASSERT_EQ(answered.rep->status, PkiStatus::kSuccess);
  const x509::Certificate& certificate = answered.rep->certificates.at(0);
  EXPECT_EQ(certificate.subject().to_string(), "CN=pc9");
  EXPECT_EQ(x509::subject_alt_names(certificate), std::vector<std::string>{"DNS:pc9.contoso.test"});

  std::vector<nlohmann::json> questions = mdm_.questions();
  ASSERT_EQ(questions.size(), 1u);
  const nlohmann::json& question = questions[0];
  EXPECT_EQ(question["event"], "verify");
  EXPECT_EQ(question["ca"], "issuing");
  EXPECT_EQ(question["profile"], "mdm");
  EXPECT_EQ(question["transaction_id"], "vouched-1");
  EXPECT_EQ(question["challenge"], "mdm-challenge-1");
  EXPECT_EQ(question["subject"], "CN=pc9");
  EXPECT_EQ(question["subject_alt_names"], nlohmann::json::array({"DNS:pc9.contoso.test"}));
  EXPECT_EQ(question["public_key_sha256"], to_hex(crypto::sha256(device_.key.public_key().spki_der())));
  EXPECT_EQ(question["request_id"].get<std::string>().size(), 32u);

  std::vector<nlohmann::json> notifications = mdm_.notifications();
  ASSERT_EQ(notifications.size(), 1u);
  EXPECT_EQ(notifications[0]["event"], "issued");
  EXPECT_EQ(notifications[0]["request_id"], question["request_id"]);
  EXPECT_EQ(notifications[0]["serial"], certificate.serial_hex());
  EXPECT_EQ(notifications[0]["thumbprint_sha256"], to_hex(certificate.sha256_thumbprint()));
  EXPECT_TRUE(mdm_.all_signed());

  // The enrollment was made with the certificate, under the MDM's profile.
  auto record = must(sqlite_->find_certificate(certificate.serial_hex()));
  ASSERT_TRUE(record && record->enrollment_id);
  auto enrollment = must(sqlite_->find_enrollment(*record->enrollment_id));
  ASSERT_TRUE(enrollment.has_value());
  EXPECT_EQ(enrollment->profile_id, "mdm");
  EXPECT_EQ(enrollment->status, store::EnrollmentStatus::kUsed);

  // A retry of the transaction gets the same certificate without asking again; the challenge in a
  // new transaction is refused as used, also without asking.
  Answered retried = answer(vouched("mdm-challenge-1", "vouched-1"), device_);
  ASSERT_EQ(retried.rep->status, PkiStatus::kSuccess);
  EXPECT_EQ(retried.rep->certificates.at(0).der(), certificate.der());
  Answered replayed = answer(vouched("mdm-challenge-1", "vouched-2"), device_);
  EXPECT_EQ(replayed.rep->status, PkiStatus::kFailure);
  EXPECT_EQ(replayed.rep->fail_info, FailInfo::kBadRequest);
  EXPECT_EQ(mdm_.questions().size(), 1u);
}

TEST_F(ScepWebhookTest, AnythingButAnAuthenticYesIssuesNothing) {
  struct Row {
    std::string name;
    FakeMdm::Answer answer;
    std::string subject = "CN=pc9";
    std::vector<std::string> dns_names = {"pc9.contoso.test"};
    bool asked = true;
  };
  std::vector<Row> rows = {
      {"the MDM says no", FakeMdm::Answer::kDeny},
      {"garbage", FakeMdm::Answer::kGarbage},
      {"a bad HMAC", FakeMdm::Answer::kBadSignature},
      {"no signature", FakeMdm::Answer::kUnsigned},
      {"a signature an hour old", FakeMdm::Answer::kStale},
      {"a yes to another question", FakeMdm::Answer::kOtherRequestId},
      {"nothing within the timeout", FakeMdm::Answer::kSilent},
      {"a server error", FakeMdm::Answer::kServerError},
      {"a name the templates do not give", FakeMdm::Answer::kAllow, "CN=pc9", {"pc9.contoso.test", "evil.example"},
       false},
      {"a subject attribute the template lacks", FakeMdm::Answer::kAllow, "CN=pc9, O=Evil", {"pc9.contoso.test"},
       false},
      {"a SAN the template needs is missing", FakeMdm::Answer::kAllow, "CN=pc9", {}, false},
      {"a subject that disagrees with the SAN", FakeMdm::Answer::kAllow, "CN=pc8", {"pc9.contoso.test"}, false},
  };
  int transaction = 0;
  for (const Row& row : rows) {
    SCOPED_TRACE(row.name);
    mdm_.answer_with(row.answer);
    std::size_t questions = mdm_.questions().size();
    std::size_t before = issued();
    Answered answered = answer(
        vouched("mdm-challenge-" + std::to_string(transaction), "t-" + std::to_string(transaction), row.subject,
                row.dns_names),
        device_);
    ++transaction;
    ASSERT_TRUE(answered.rep.has_value());
    EXPECT_EQ(answered.rep->status, PkiStatus::kFailure);
    EXPECT_EQ(answered.rep->fail_info, FailInfo::kBadRequest);
    EXPECT_EQ(issued(), before);
    EXPECT_EQ(mdm_.questions().size(), questions + (row.asked ? 1 : 0));
  }
  EXPECT_TRUE(mdm_.notifications().empty());
  EXPECT_TRUE(must(sqlite_->list_enrollments("mdm")).empty());
}

TEST_F(ScepWebhookTest, AChallengeTheStoreKnowsNeverReachesTheMdm) {
  Answered answered = answer(message(csr(device_.key, challenge()).der(), device_), device_);
  EXPECT_EQ(answered.rep->status, PkiStatus::kSuccess);
  EXPECT_TRUE(mdm_.questions().empty());
}

TEST_F(ScepWebhookTest, ACaHasAtMostOneProfileThatAsksAnMdm) {
  auto refused = catalog_->apply(mdm_profile("mdm2"));
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message().find("profile 'mdm' already takes the challenges of 'issuing'"),
            std::string::npos);
  NIMBUS_EXPECT_OK(catalog_->apply(mdm_profile()));  // itself again: unchanged
}

}  // namespace
}  // namespace nimbus::scep
