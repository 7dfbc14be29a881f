#include "ca/issuance.h"

#include <openssl/x509v3.h>

#include <atomic>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "ca/authorities.h"
#include "ca/service_certificates.h"
#include "crypto/key_store.h"
#include "profile/profile_catalog.h"
#include "store/sqlite/sqlite_store.h"
#include "x509/chain_check.h"
#include "x509/extensions.h"
#include "testing/test_support.h"

namespace nimbus::ca {
namespace {

using nimbus::testing::at;
using nimbus::testing::dn;
using nimbus::testing::kDay;
using nimbus::testing::kYear;
using nimbus::testing::make_key;
using nimbus::testing::make_raw_key;
using nimbus::testing::make_request;
using nimbus::testing::must;
using nimbus::testing::TempDir;
using store::AuthorityRecord;
using store::EnrollmentRecord;
using store::EnrollmentStatus;

constexpr std::string_view kPassphrase = "issuance test passphrase";
constexpr std::string_view kClientAuth = "1.3.6.1.5.5.7.3.2";
constexpr std::string_view kServerAuth = "1.3.6.1.5.5.7.3.1";
constexpr std::string_view kSid = "S-1-5-21-1004336348-1177238915-682003330-1001";

// User certificates: names from the enrollment, EC or RSA up to 3072 bits.
constexpr std::string_view kUserProfile = R"(id: user-vpn
description: VPN for users
issuing_ca: issuing
type: user
subject: "CN={{UserName}}, O=Contoso"
subject_alt_names:
  - {type: upn, value: "{{UserPrincipalName}}"}
  - {type: email, value: "{{EmailAddress}}"}
validity: 365d
key_usage: [digital_signature]
extended_key_usage: [client_auth]
key:
  algorithms: [ec, rsa]
  rsa_min_bits: 2048
  rsa_max_bits: 3072
  ec_curves: [p256, p384]
hash: [sha256, sha384]
strong_mapping: none
)";

// Device certificates with strong mapping (both the SID extension and the SID URI).
constexpr std::string_view kDeviceProfile = R"(id: device-vpn
issuing_ca: issuing
type: device
subject: "CN={{FullyQualifiedDomainName}}"
subject_alt_names:
  - {type: dns, value: "{{FullyQualifiedDomainName}}"}
validity: 30d
key_usage: [digital_signature]
extended_key_usage: [client_auth, server_auth]
key:
  algorithms: [ec]
  ec_curves: [p256]
strong_mapping: both
)";

profile::Variables alice() {
  return {{"UserName", "alice"}, {"UserPrincipalName", "alice@contoso.com"}, {"EmailAddress", "alice@contoso.com"}};
}

profile::Variables user(int n) {
  std::string name = "user" + std::to_string(n);
  return {{"UserName", name}, {"UserPrincipalName", name + "@contoso.com"}, {"EmailAddress", name + "@contoso.com"}};
}

profile::Variables device() {
  return {{"FullyQualifiedDomainName", "pc1.contoso.com"}, {"OnPremisesSecurityIdentifier", std::string(kSid)}};
}

// A Store that forwards to another and counts the transactions, checking inside each what an
// issuance must have written by the time it commits; it can also be told to fail every commit.
class ObservingStore final : public nimbus::testing::ForwardingStore {
 public:
  explicit ObservingStore(store::Store& inner) : ForwardingStore(inner) {}

  bool fail_writes = false;
  std::atomic<int> writes = 0;
  // Called inside each transaction after the work succeeded, before it commits.
  std::function<void(store::StoreWriter&)> before_commit;

  Status write(const std::function<Status(store::StoreWriter&)>& work) override {
    ++writes;
    return inner_.write([&](store::StoreWriter& tx) -> Status {
      NIMBUS_TRY(work(tx));
      if (before_commit) before_commit(tx);
      if (fail_writes) return Error(ErrorCode::kStoreError, "injected commit failure");
      return ok_status();
    });
  }
};

class IssuanceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto created = store::sqlite::SqliteStore::create(dir_ / "nimbus.db");
    ASSERT_TRUE(created.ok()) << created.error().to_string();
    sqlite_ = std::move(created).value();
    store_ = std::make_unique<ObservingStore>(*sqlite_);
    keys_ = std::make_unique<crypto::FileKeyStore>(dir_ / "keys",
                                                   [] { return Result<Secret>(Secret(std::string(kPassphrase))); });
    authorities_ = std::make_unique<Authorities>(*store_, *keys_, urls(), "test:admin", [this] { return now_; });
    root_ = must(authorities_->create_root(NewRoot{"root", dn("CN=Issuance Test Root, O=Nimbus Tests"),
                                                   crypto::KeySpec::parse("ec:p384").value(), 20 * kYear}));
    issuing_ = must(authorities_->create_issuing(NewIssuing{"issuing", "root",
                                                            dn("CN=Issuance Test Issuing CA, O=Nimbus Tests"),
                                                            crypto::KeySpec::parse("ec:p256").value(), 5 * kYear}));
    catalog_ = std::make_unique<profile::ProfileCatalog>(*store_, "test:admin", [this] { return now_; });
    NIMBUS_ASSERT_OK(catalog_->apply(kUserProfile));
    now_ += kDay;  // the CAs are a day old when issuance starts
    issuer_ = make_issuer();
  }

  static PublicationUrls urls() { return PublicationUrls::from_base("http://pki.test").value(); }

  std::unique_ptr<Issuer> make_issuer(IssuanceOptions options = IssuanceOptions{std::chrono::minutes(10)}) {
    return std::make_unique<Issuer>(*store_, *keys_, urls(), "test:mdm", options, [this] { return now_; });
  }

  EnrollmentRecord enroll(const std::string& profile_id = "user-vpn", const profile::Variables& variables = alice()) {
    return must(catalog_->create_enrollment(profile_id, variables), "creating an enrollment").record;
  }

  x509::Certificate ca_certificate(const AuthorityRecord& record) const {
    return must(x509::Certificate::from_der(*record.certificate_der));
  }
  x509::Certificate issuing_certificate() const { return ca_certificate(issuing_); }
  x509::Certificate root_certificate() const { return ca_certificate(root_); }

  EnrollmentRecord enrollment(const std::string& id) {
    auto record = must(sqlite_->find_enrollment(id));
    if (!record) throw std::runtime_error("no enrollment " + id);
    return *record;
  }

  // The end-entity certificates in the store (authority certificates excluded).
  std::vector<store::CertificateRecord> issued() {
    store::CertificateFilter filter;
    filter.now = now_;
    std::vector<store::CertificateRecord> out;
    for (auto& record : must(sqlite_->list_certificates(filter))) {
      if (!record.authority_id) out.push_back(std::move(record));
    }
    return out;
  }

  // A refusal leaves nothing behind: no certificate, the enrollment still pending.
  void expect_nothing_issued(const EnrollmentRecord& record) {
    EXPECT_TRUE(issued().empty());
    EnrollmentRecord now = enrollment(record.id);
    EXPECT_EQ(now.status, EnrollmentStatus::kPending);
    EXPECT_FALSE(now.certificate_serial.has_value());
    EXPECT_FALSE(now.used_at.has_value());
  }

  TempDir dir_;
  Timestamp now_ = at("2026-03-01T12:00:00Z");
  std::unique_ptr<store::sqlite::SqliteStore> sqlite_;
  std::unique_ptr<ObservingStore> store_;
  std::unique_ptr<crypto::FileKeyStore> keys_;
  std::unique_ptr<Authorities> authorities_;
  std::unique_ptr<profile::ProfileCatalog> catalog_;
  std::unique_ptr<Issuer> issuer_;
  AuthorityRecord root_;
  AuthorityRecord issuing_;
};

// ---- What a certificate contains ----

TEST_F(IssuanceTest, IssuesTheCertificateTheProfileDescribes) {
  EnrollmentRecord record = enroll();
  crypto::PrivateKey key = make_key("ec:p256");
  NIMBUS_ASSERT_OK_AND_ASSIGN(x509::Certificate cert, issuer_->issue(record.id, make_request(key)));
  x509::Certificate ca = issuing_certificate();

  EXPECT_EQ(X509_get_version(cert.get()), X509_VERSION_3);
  EXPECT_EQ(cert.subject().to_string(), "CN=alice, O=Contoso");
  EXPECT_TRUE(cert.issuer() == ca.subject());
  EXPECT_EQ(x509::subject_alt_names(cert),
            (std::vector<std::string>{"UPN:alice@contoso.com", "email:alice@contoso.com"}));
  int san_index = X509_get_ext_by_NID(cert.get(), NID_subject_alt_name, -1);
  ASSERT_GE(san_index, 0);
  EXPECT_EQ(X509_EXTENSION_get_critical(X509_get_ext(cert.get(), san_index)), 0);  // the subject is not empty
  EXPECT_TRUE(cert.public_key() == key.public_key());

  // Usages, exactly.
  EXPECT_TRUE(cert.key_usage_critical());
  EXPECT_TRUE(cert.has_key_usage(x509::KeyUsage::kDigitalSignature));
  for (auto usage : {x509::KeyUsage::kNonRepudiation, x509::KeyUsage::kKeyEncipherment,
                     x509::KeyUsage::kDataEncipherment, x509::KeyUsage::kKeyAgreement, x509::KeyUsage::kKeyCertSign,
                     x509::KeyUsage::kCrlSign}) {
    EXPECT_FALSE(cert.has_key_usage(usage)) << static_cast<int>(usage);
  }
  EXPECT_EQ(x509::extended_key_usages(cert), std::vector<std::string>{std::string(kClientAuth)});
  auto constraints = cert.basic_constraints();
  EXPECT_TRUE(!constraints || !constraints->ca);

  // Where relying parties find the issuer and its revocation information.
  EXPECT_EQ(cert.ca_issuers_urls(), std::vector<std::string>{"http://pki.test/aia/issuing.crt"});
  EXPECT_EQ(cert.ocsp_urls(), std::vector<std::string>{"http://pki.test/ocsp/issuing"});
  EXPECT_EQ(cert.crl_distribution_urls(), std::vector<std::string>{"http://pki.test/cdp/issuing.crl"});

  // Key identifiers.
  EXPECT_EQ(cert.authority_key_id(), ca.subject_key_id());
  EXPECT_FALSE(cert.authority_key_id().empty());
  EXPECT_EQ(cert.subject_key_id(), x509::key_identifier(key.public_key()));

  // Validity from the fixed clock: backdated by the option, and the profile's 365 days.
  EXPECT_EQ(cert.not_before(), now_ - std::chrono::minutes(10));
  EXPECT_EQ(cert.not_after(), now_ + 365 * kDay);

  // A 16-byte positive serial.
  ASSERT_EQ(cert.serial().size(), 16u);
  EXPECT_EQ(cert.serial()[0] & 0x80, 0);
  EXPECT_EQ(ASN1_STRING_type(X509_get0_serialNumber(cert.get())), V_ASN1_INTEGER);

  // Signed by the issuing CA with its own digest, and it chains to the root.
  EXPECT_TRUE(cert.is_signed_by(ca.public_key()));
  EXPECT_EQ(cert.signature_algorithm(), "ecdsa-with-SHA256");
  NIMBUS_EXPECT_OK(x509::verify_chain_to_root(cert, {ca, root_certificate()}, now_));
}

TEST_F(IssuanceTest, RecordsTheCertificateAndUsesTheEnrollmentInOneCommit) {
  EnrollmentRecord record = enroll();
  // What the transaction holds when it is about to commit.
  bool checked_inside = false;
  store_->before_commit = [&](store::StoreWriter& tx) {
    auto used = tx.find_enrollment(record.id);
    if (!used.ok() || !*used || (*used)->status != EnrollmentStatus::kUsed || !(*used)->certificate_serial) return;
    auto certificate = tx.find_certificate(*(*used)->certificate_serial);
    checked_inside = certificate.ok() && certificate->has_value();
  };
  int writes_before = store_->writes;
  NIMBUS_ASSERT_OK_AND_ASSIGN(x509::Certificate cert, issuer_->issue(record.id, make_request(make_key())));
  EXPECT_EQ(store_->writes - writes_before, 1);
  EXPECT_TRUE(checked_inside) << "the certificate and the used enrollment were not in the same transaction";
  store_->before_commit = nullptr;

  NIMBUS_ASSERT_OK_AND_ASSIGN(auto stored, sqlite_->find_certificate(cert.serial_hex()));
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->serial, cert.serial_hex());
  EXPECT_EQ(stored->issuer_id, "issuing");
  EXPECT_FALSE(stored->authority_id.has_value());
  EXPECT_EQ(stored->subject, "CN=alice, O=Contoso");
  EXPECT_EQ(stored->profile_id, std::optional<std::string>("user-vpn"));
  EXPECT_EQ(stored->enrollment_id, std::optional<std::string>(record.id));
  EXPECT_EQ(stored->subject_alt_names,
            R"([{"type":"upn","value":"alice@contoso.com"},{"type":"email","value":"alice@contoso.com"}])");
  EXPECT_EQ(stored->sha256, to_hex(cert.sha256_thumbprint()));
  EXPECT_EQ(stored->sha1, to_hex(cert.sha1_thumbprint()));
  EXPECT_EQ(stored->der, cert.der());
  EXPECT_EQ(stored->not_before, cert.not_before());
  EXPECT_EQ(stored->not_after, cert.not_after());
  EXPECT_EQ(stored->issued_at, now_);
  EXPECT_EQ(stored->status, store::CertificateStatus::kValid);
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto by_sha256, sqlite_->find_certificate_by_thumbprint(stored->sha256));
  ASSERT_TRUE(by_sha256.has_value());
  EXPECT_EQ(by_sha256->serial, cert.serial_hex());

  EnrollmentRecord used = enrollment(record.id);
  EXPECT_EQ(used.status, EnrollmentStatus::kUsed);
  EXPECT_EQ(used.certificate_serial, std::optional<std::string>(cert.serial_hex()));
  EXPECT_EQ(used.used_at, std::optional<Timestamp>(now_));

  NIMBUS_ASSERT_OK_AND_ASSIGN(auto events, sqlite_->audit_events(1));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].action, "certificate.issue");
  EXPECT_EQ(events[0].target, cert.serial_hex());
  EXPECT_EQ(events[0].actor, "test:mdm");
  EXPECT_EQ(events[0].at, now_);
  EXPECT_NE(events[0].detail.find(record.id), std::string::npos) << events[0].detail;
}

TEST_F(IssuanceTest, AFailedCommitLeavesNeitherCertificateNorUsedEnrollment) {
  EnrollmentRecord record = enroll();
  store_->fail_writes = true;
  NIMBUS_EXPECT_ERROR(issuer_->issue(record.id, make_request(make_key())), ErrorCode::kStoreError);
  store_->fail_writes = false;
  expect_nothing_issued(record);
  // Nothing was half-done: the enrollment still yields its certificate.
  NIMBUS_EXPECT_OK(issuer_->issue(record.id, make_request(make_key())));
}

TEST_F(IssuanceTest, TheRequestedSubjectIsIgnored) {
  EnrollmentRecord record = enroll();
  NIMBUS_ASSERT_OK_AND_ASSIGN(
      x509::Certificate cert,
      issuer_->issue(record.id, make_request(make_key(), "CN=Domain Admins, OU=IT, O=Contoso")));
  EXPECT_EQ(cert.subject().to_string(), "CN=alice, O=Contoso");
  EXPECT_EQ(x509::subject_alt_names(cert),
            (std::vector<std::string>{"UPN:alice@contoso.com", "email:alice@contoso.com"}));
}

TEST_F(IssuanceTest, RsaRequestsWork) {
  EnrollmentRecord record = enroll();
  crypto::PrivateKey key = make_key("rsa:2048");
  NIMBUS_ASSERT_OK_AND_ASSIGN(x509::Certificate cert, issuer_->issue(record.id, make_request(key)));
  EXPECT_TRUE(cert.public_key() == key.public_key());
  EXPECT_TRUE(cert.is_signed_by(issuing_certificate().public_key()));
}

TEST_F(IssuanceTest, NotBeforeIsNeverBeforeTheCas) {
  now_ -= kDay;  // the moment the issuing CA was made
  EnrollmentRecord record = enroll();
  NIMBUS_ASSERT_OK_AND_ASSIGN(x509::Certificate cert, issuer_->issue(record.id, make_request(make_key())));
  EXPECT_EQ(cert.not_before(), issuing_certificate().not_before());
  EXPECT_GT(cert.not_before(), now_ - std::chrono::minutes(10));
}

TEST_F(IssuanceTest, UsesTheProfilesDigestWhenTheCasIsNotAllowed) {
  std::string yaml(kUserProfile);
  yaml.replace(yaml.find("hash: [sha256, sha384]"), 22, "hash: [sha384]");
  NIMBUS_ASSERT_OK(catalog_->apply(yaml));
  EnrollmentRecord record = enroll();
  NIMBUS_ASSERT_OK_AND_ASSIGN(x509::Certificate cert,
                              issuer_->issue(record.id, make_request(make_key(), "CN=x", EVP_sha384())));
  EXPECT_EQ(cert.signature_algorithm(), "ecdsa-with-SHA384");
}

// A profile applied again with a change applies to issuances from then on.
TEST_F(IssuanceTest, FollowsAnUpdatedProfile) {
  NIMBUS_ASSERT_OK(issuer_->issue(enroll().id, make_request(make_key())));
  std::string yaml(kUserProfile);
  yaml.replace(yaml.find("validity: 365d"), 14, "validity: 90d");
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto applied, catalog_->apply(yaml));
  EXPECT_EQ(applied.record.version, 2u);
  NIMBUS_ASSERT_OK_AND_ASSIGN(x509::Certificate cert, issuer_->issue(enroll().id, make_request(make_key())));
  EXPECT_EQ(cert.not_after(), now_ + 90 * kDay);
}

// ---- Renewal ----

TEST_F(IssuanceTest, RenewsInsideTheThresholdWithTheEnrollmentsNames) {
  EnrollmentRecord record = enroll();
  NIMBUS_ASSERT_OK_AND_ASSIGN(x509::Certificate first, issuer_->issue(record.id, make_request(make_key())));
  // 365 days at the default 20%: renewal opens 73 days before the end.
  auto early = issuer_->renew(first, make_request(make_key(), "CN=mallory"));
  NIMBUS_ASSERT_ERROR(early, ErrorCode::kFailedPrecondition);
  EXPECT_NE(early.error().message().find("not due for renewal until"), std::string::npos) << early.error().message();
  EXPECT_EQ(issued().size(), 1u);

  now_ = first.not_after() - 72 * kDay;
  crypto::PrivateKey next_key = make_key("ec:p384");
  NIMBUS_ASSERT_OK_AND_ASSIGN(x509::Certificate renewed, issuer_->renew(first, make_request(next_key, "CN=mallory")));
  EXPECT_EQ(renewed.subject().to_string(), "CN=alice, O=Contoso");
  EXPECT_EQ(x509::subject_alt_names(renewed), x509::subject_alt_names(first));
  EXPECT_TRUE(renewed.public_key() == next_key.public_key());
  auto stored = must(sqlite_->find_certificate(renewed.serial_hex()));
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->enrollment_id, std::optional<std::string>(record.id));
  // Without revoke_on_renewal the old certificate stays valid.
  EXPECT_EQ(must(sqlite_->find_certificate(first.serial_hex()))->status, store::CertificateStatus::kValid);
  auto events = must(sqlite_->audit_events(1));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].action, "certificate.renew");
  EXPECT_NE(events[0].detail.find("renews=" + first.serial_hex()), std::string::npos) << events[0].detail;
}

TEST_F(IssuanceTest, RenewalRevokesTheOldCertificateWhenTheProfileSaysSo) {
  std::string yaml(kUserProfile);
  yaml += "revoke_on_renewal: true\n";
  NIMBUS_ASSERT_OK(catalog_->apply(yaml));
  NIMBUS_ASSERT_OK_AND_ASSIGN(x509::Certificate first, issuer_->issue(enroll().id, make_request(make_key())));
  now_ = first.not_after() - kDay;
  NIMBUS_ASSERT_OK(issuer_->renew(first, make_request(make_key())));
  auto old = must(sqlite_->find_certificate(first.serial_hex()));
  EXPECT_EQ(old->status, store::CertificateStatus::kRevoked);
  EXPECT_EQ(old->revocation_reason, std::optional<int>(4));  // superseded
  // A revoked certificate is not renewed again.
  NIMBUS_EXPECT_ERROR(issuer_->renew(first, make_request(make_key())), ErrorCode::kFailedPrecondition);
}

TEST_F(IssuanceTest, RefusesToRenewWhatItCannotVouchFor) {
  NIMBUS_ASSERT_OK_AND_ASSIGN(x509::Certificate first, issuer_->issue(enroll().id, make_request(make_key())));
  now_ = first.not_after() - kDay;
  NIMBUS_ASSERT_OK(store_->write([&](store::StoreWriter& tx) { return tx.revoke_certificate(first.serial_hex(), now_, 1); }));
  auto revoked = issuer_->renew(first, make_request(make_key()));
  NIMBUS_ASSERT_ERROR(revoked, ErrorCode::kFailedPrecondition);
  EXPECT_NE(revoked.error().message().find("is revoked"), std::string::npos) << revoked.error().message();

  NIMBUS_ASSERT_OK_AND_ASSIGN(x509::Certificate second, issuer_->issue(enroll().id, make_request(make_key())));
  now_ = second.not_after() + kDay;
  auto expired = issuer_->renew(second, make_request(make_key()));
  NIMBUS_ASSERT_ERROR(expired, ErrorCode::kFailedPrecondition);
  EXPECT_NE(expired.error().message().find("is not valid now"), std::string::npos) << expired.error().message();

  // The issuing CA's own certificate is in the store but belongs to no enrollment.
  NIMBUS_EXPECT_ERROR(issuer_->renew(issuing_certificate(), make_request(make_key())), ErrorCode::kFailedPrecondition);
  std::size_t before = issued().size();
  // A hook that fails stops the renewal: nothing is stored.
  now_ = second.not_after() - kDay;
  auto hooked = issuer_->renew(second, make_request(make_key()), [](store::StoreWriter&, const store::CertificateRecord&) {
    return Status(Error(ErrorCode::kFailedPrecondition, "the challenge was already used"));
  });
  NIMBUS_ASSERT_ERROR(hooked, ErrorCode::kFailedPrecondition);
  EXPECT_EQ(issued().size(), before);
}

// ---- Service certificates ----

TEST_F(IssuanceTest, AScepRegistrationAuthorityGetsAnRsaKeyForSigningAndKeyTransport) {
  crypto::PrivateKey key = make_key("rsa:2048");
  ServiceCertificateRequest request{"issuing", dn("CN=issuing SCEP RA, O=Contoso"), {}, key.public_key(),
                                    std::chrono::hours(24 * 30), "scep:auto",
                                    ServiceRole::kScepRegistrationAuthority};
  NIMBUS_ASSERT_OK_AND_ASSIGN(x509::Certificate ra, issue_service_certificate(*store_, *keys_, urls(), request));
  EXPECT_TRUE(ra.has_key_usage(x509::KeyUsage::kDigitalSignature));
  EXPECT_TRUE(ra.has_key_usage(x509::KeyUsage::kKeyEncipherment));
  EXPECT_EQ(x509::extended_key_usages(ra),
            (std::vector<std::string>{"1.3.6.1.5.5.7.3.4", "1.3.6.1.4.1.311.20.2.1"}));
  EXPECT_FALSE(ra.is_ca());
  EXPECT_TRUE(ra.is_signed_by(issuing_certificate().public_key()));
  auto stored = must(sqlite_->find_certificate(ra.serial_hex()));
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->issuer_id, "issuing");

  request.key = make_key("ec:p256").public_key();
  NIMBUS_EXPECT_ERROR(issue_service_certificate(*store_, *keys_, urls(), request), ErrorCode::kInvalidArgument);
}

// `nimbus profile apply --issuing-ca`: an example file names a CA this deployment lacks.
TEST_F(IssuanceTest, AppliesAProfileToTheChosenIssuingCa) {
  std::string yaml(kUserProfile);
  yaml.replace(yaml.find("issuing_ca: issuing"), 19, "issuing_ca: nimbus-demo-issuing-ca");
  auto unbound = catalog_->apply(yaml);
  ASSERT_FALSE(unbound.ok());
  EXPECT_EQ(unbound.error().message(),
            "issuing_ca: no authority 'nimbus-demo-issuing-ca' in this deployment (see 'nimbus ca list')");

  profile::IssuingCaChoice choice{"issuing", "--issuing-ca"};
  yaml.replace(yaml.find("validity: 365d"), 14, "validity: 90d");
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto applied, catalog_->apply(yaml, choice));
  EXPECT_TRUE(applied.changed);
  EXPECT_EQ(applied.record.issuing_ca, "issuing");
  EXPECT_EQ(applied.profile.issuing_ca, "issuing");
  EXPECT_NE(applied.record.document.find("\nissuing_ca: issuing\n"), std::string::npos) << applied.record.document;
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto again, catalog_->apply(yaml, choice));
  EXPECT_FALSE(again.changed);
  NIMBUS_ASSERT_OK_AND_ASSIGN(x509::Certificate cert, issuer_->issue(enroll().id, make_request(make_key())));
  EXPECT_EQ(cert.issuer().to_string(), issuing_certificate().subject().to_string());

  // The file may leave issuing_ca out altogether.
  std::string without(kUserProfile);
  without.erase(without.find("issuing_ca: issuing\n"), 20);
  NIMBUS_EXPECT_ERROR(catalog_->apply(without), ErrorCode::kInvalidArgument);
  NIMBUS_EXPECT_OK(catalog_->apply(without, choice));
}

TEST_F(IssuanceTest, RefusesAChosenIssuingCaThatIsMissingOrCannotIssue) {
  struct Case {
    std::string id;
    ErrorCode code;
    std::string message;
  };
  const Case cases[] = {
      {"no-such-ca", ErrorCode::kInvalidArgument,
       "--issuing-ca: no authority 'no-such-ca' in this deployment (see 'nimbus ca list')"},
      {"root", ErrorCode::kPolicyViolation,
       "--issuing-ca: 'root' is a root CA that is active; a profile needs an issuing CA with a certificate that is "
       "not revoked"},
      {"Not An Id", ErrorCode::kInvalidArgument, "--issuing-ca: authority id 'Not An Id' is not valid"},
  };
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto before, catalog_->get("user-vpn"));
  for (const Case& each : cases) {
    auto refused = catalog_->apply(kUserProfile, profile::IssuingCaChoice{each.id, "--issuing-ca"});
    ASSERT_FALSE(refused.ok()) << each.id;
    EXPECT_EQ(refused.error().code(), each.code) << refused.error().message();
    EXPECT_TRUE(refused.error().message().starts_with(each.message)) << refused.error().message();
  }
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto after, catalog_->get("user-vpn"));
  EXPECT_EQ(after.record.version, before.record.version);
  EXPECT_EQ(after.record.issuing_ca, "issuing");
}

// ---- One certificate per enrollment ----

TEST_F(IssuanceTest, AnEnrollmentYieldsOneCertificate) {
  EnrollmentRecord record = enroll();
  NIMBUS_ASSERT_OK_AND_ASSIGN(x509::Certificate first, issuer_->issue(record.id, make_request(make_key())));
  auto second = issuer_->issue(record.id, make_request(make_key()));
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(second.error().message().find(first.serial_hex()), std::string::npos) << second.error().message();
  NIMBUS_EXPECT_ERROR(issuer_->issue_with_generated_key(record.id, crypto::KeySpec::parse("ec:p256").value()),
                      ErrorCode::kFailedPrecondition);
  std::vector<store::CertificateRecord> certificates = issued();
  ASSERT_EQ(certificates.size(), 1u);
  EXPECT_EQ(certificates[0].serial, first.serial_hex());
  EXPECT_EQ(enrollment(record.id).certificate_serial, std::optional<std::string>(first.serial_hex()));
}

// Two issuers (two server processes, say) racing for one enrollment: the store's check inside the
// transaction lets exactly one win.
TEST_F(IssuanceTest, TwoIssuersRacingForOneEnrollmentIssueOnce) {
  EnrollmentRecord record = enroll();
  std::unique_ptr<Issuer> other = make_issuer();
  x509::CertificateRequest request = make_request(make_key());
  Result<x509::Certificate> a = Error(ErrorCode::kInternal, "not run");
  Result<x509::Certificate> b = Error(ErrorCode::kInternal, "not run");
  std::thread first([&] { a = issuer_->issue(record.id, request); });
  std::thread second([&] { b = other->issue(record.id, request); });
  first.join();
  second.join();
  EXPECT_NE(a.ok(), b.ok()) << "a: " << nimbus::testing::describe_status(a)
                            << ", b: " << nimbus::testing::describe_status(b);
  EXPECT_EQ(issued().size(), 1u);
  const Result<x509::Certificate>& loser = a.ok() ? b : a;
  if (!loser.ok()) {
    EXPECT_EQ(loser.error().code(), ErrorCode::kFailedPrecondition) << loser.error().to_string();
  }
}

TEST_F(IssuanceTest, UnknownEnrollmentIsNotFound) {
  NIMBUS_EXPECT_ERROR(issuer_->issue("0000000000000000", make_request(make_key())), ErrorCode::kNotFound);
  EXPECT_TRUE(issued().empty());
}

// ---- Refusals ----

TEST_F(IssuanceTest, APausedCaIssuesNothingUntilResumed) {
  EnrollmentRecord record = enroll();
  NIMBUS_ASSERT_OK(issuer_->issue(enroll().id, make_request(make_key())));  // loads and caches the CA
  NIMBUS_ASSERT_OK(authorities_->pause("issuing"));
  auto refused = issuer_->issue(record.id, make_request(make_key()));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(refused.error().message().find("paused"), std::string::npos) << refused.error().message();
  EXPECT_EQ(issued().size(), 1u);
  EXPECT_EQ(enrollment(record.id).status, EnrollmentStatus::kPending);

  NIMBUS_ASSERT_OK(authorities_->resume("issuing"));
  NIMBUS_EXPECT_OK(issuer_->issue(record.id, make_request(make_key())));
}

TEST_F(IssuanceTest, ARevokedCaIssuesNothing) {
  EnrollmentRecord record = enroll();
  NIMBUS_ASSERT_OK(authorities_->revoke("issuing", x509::RevocationReason::kKeyCompromise));
  auto refused = issuer_->issue(record.id, make_request(make_key()));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(refused.error().message().find("revoked"), std::string::npos) << refused.error().message();
  NIMBUS_EXPECT_ERROR(issuer_->issue_with_generated_key(record.id, crypto::KeySpec::parse("ec:p256").value()),
                      ErrorCode::kFailedPrecondition);
  expect_nothing_issued(record);
}

TEST_F(IssuanceTest, RefusesAKeyTheProfileDoesNotAllow) {
  EnrollmentRecord record = enroll();
  auto p521 = issuer_->issue(record.id, make_request(make_raw_key("EC", "P-521")));
  ASSERT_FALSE(p521.ok());
  EXPECT_EQ(p521.error().code(), ErrorCode::kPolicyViolation);
  EXPECT_NE(p521.error().message().find("P-521"), std::string::npos) << p521.error().message();

  auto rsa_4096 = issuer_->issue(record.id, make_request(make_key("rsa:4096")));
  ASSERT_FALSE(rsa_4096.ok());
  EXPECT_EQ(rsa_4096.error().code(), ErrorCode::kPolicyViolation);
  EXPECT_NE(rsa_4096.error().message().find("3072"), std::string::npos) << rsa_4096.error().message();

  NIMBUS_EXPECT_ERROR(issuer_->issue(record.id, make_request(make_raw_key("RSA", nullptr, 1024))),
                      ErrorCode::kPolicyViolation);
  expect_nothing_issued(record);
}

TEST_F(IssuanceTest, RefusesARequestSignedWithSha1) {
  EnrollmentRecord record = enroll();
  auto refused = issuer_->issue(record.id, make_request(make_key("rsa:2048"), "CN=alice", EVP_sha1()));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), ErrorCode::kPolicyViolation);
  EXPECT_NE(refused.error().message().find("SHA-1"), std::string::npos) << refused.error().message();
  expect_nothing_issued(record);
}

TEST_F(IssuanceTest, RefusesARequestWhoseSignatureDoesNotVerify) {
  EnrollmentRecord record = enroll();
  Bytes der = make_request(make_key()).der();
  der.back() ^= 0x01;  // the signature ends the DER
  x509::CertificateRequest tampered = must(x509::CertificateRequest::parse(der));
  auto refused = issuer_->issue(record.id, tampered);
  EXPECT_FALSE(refused.ok());
  expect_nothing_issued(record);
}

TEST_F(IssuanceTest, RefusesAValidityThatWouldOutlastTheCa) {
  EnrollmentRecord record = enroll();
  now_ = issuing_certificate().not_after() - 100 * kDay;  // the CA has 100 days left; the profile wants 365
  auto refused = issuer_->issue(record.id, make_request(make_key()));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), ErrorCode::kPolicyViolation);
  EXPECT_NE(refused.error().message().find("outlast"), std::string::npos) << refused.error().message();
  NIMBUS_EXPECT_ERROR(issuer_->issue_with_generated_key(record.id, crypto::KeySpec::parse("ec:p256").value()),
                      ErrorCode::kPolicyViolation);
  expect_nothing_issued(record);
}

TEST_F(IssuanceTest, MayEndExactlyWhenTheCaEnds) {
  EnrollmentRecord record = enroll();
  now_ = issuing_certificate().not_after() - 365 * kDay;
  NIMBUS_ASSERT_OK_AND_ASSIGN(x509::Certificate cert, issuer_->issue(record.id, make_request(make_key())));
  EXPECT_EQ(cert.not_after(), issuing_certificate().not_after());
}

// ---- Keys Nimbus generates ----

TEST_F(IssuanceTest, IssuesWithAGeneratedKey) {
  EnrollmentRecord record = enroll();
  NIMBUS_ASSERT_OK_AND_ASSIGN(GeneratedIdentity identity,
                              issuer_->issue_with_generated_key(record.id, crypto::KeySpec::parse("ec:p384").value()));
  EXPECT_TRUE(identity.certificate.public_key() == identity.key.public_key());
  EXPECT_EQ(identity.key.public_key().spec_string(), "ec:p384");
  EXPECT_EQ(identity.certificate.subject().to_string(), "CN=alice, O=Contoso");
  EXPECT_EQ(X509_check_private_key(identity.certificate.get(), identity.key.get()), 1);
  EXPECT_EQ(enrollment(record.id).certificate_serial, std::optional<std::string>(identity.certificate.serial_hex()));
  EXPECT_EQ(issued().size(), 1u);
}

TEST_F(IssuanceTest, GeneratedKeyMustBeOneTheProfileAllows) {
  EnrollmentRecord record = enroll();
  auto refused = issuer_->issue_with_generated_key(record.id, crypto::KeySpec::parse("rsa:4096").value());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), ErrorCode::kPolicyViolation);
  EXPECT_NE(refused.error().message().find("3072"), std::string::npos) << refused.error().message();
  expect_nothing_issued(record);

  NIMBUS_ASSERT_OK(catalog_->apply(kDeviceProfile));  // EC P-256 only
  EnrollmentRecord machine = enroll("device-vpn", device());
  NIMBUS_EXPECT_ERROR(issuer_->issue_with_generated_key(machine.id, crypto::KeySpec::parse("ec:p384").value()),
                      ErrorCode::kPolicyViolation);
  NIMBUS_EXPECT_ERROR(issuer_->issue_with_generated_key(machine.id, crypto::KeySpec::parse("rsa:2048").value()),
                      ErrorCode::kPolicyViolation);
  EXPECT_EQ(enrollment(machine.id).status, EnrollmentStatus::kPending);
  NIMBUS_EXPECT_OK(issuer_->issue_with_generated_key(machine.id, crypto::KeySpec::parse("ec:p256").value()));
}

// ---- Strong mapping ----

Bytes extension_data(const x509::Certificate& cert, int index) {
  const ASN1_OCTET_STRING* data = X509_EXTENSION_get_data(X509_get_ext(cert.get(), index));
  return Bytes(ASN1_STRING_get0_data(data), ASN1_STRING_get0_data(data) + ASN1_STRING_length(data));
}

// The index of the extension with dotted OID `oid`, or -1.
int extension_index(const x509::Certificate& cert, const char* oid) {
  crypto::Asn1ObjectPtr object(OBJ_txt2obj(oid, 1));
  return X509_get_ext_by_OBJ(cert.get(), object.get(), -1);
}

TEST_F(IssuanceTest, StrongMappingAddsTheSidExtensionAndTheSidUri) {
  NIMBUS_ASSERT_OK(catalog_->apply(kDeviceProfile));
  EnrollmentRecord record = enroll("device-vpn", device());
  NIMBUS_ASSERT_OK_AND_ASSIGN(x509::Certificate cert, issuer_->issue(record.id, make_request(make_key())));

  EXPECT_EQ(cert.subject().to_string(), "CN=pc1.contoso.com");
  EXPECT_EQ(x509::subject_alt_names(cert),
            (std::vector<std::string>{"DNS:pc1.contoso.com",
                                      "URI:tag:microsoft.com,2022-09-14:sid:" + std::string(kSid)}));
  int index = extension_index(cert, "1.3.6.1.4.1.311.25.2");
  ASSERT_GE(index, 0) << "no SID extension";
  EXPECT_EQ(X509_EXTENSION_get_critical(X509_get_ext(cert.get(), index)), 0);
  NIMBUS_ASSERT_OK_AND_ASSIGN(crypto::X509ExtensionPtr expected, x509::sid_security_extension(kSid));
  const ASN1_OCTET_STRING* expected_data = X509_EXTENSION_get_data(expected.get());
  EXPECT_EQ(extension_data(cert, index),
            Bytes(ASN1_STRING_get0_data(expected_data),
                  ASN1_STRING_get0_data(expected_data) + ASN1_STRING_length(expected_data)));
  EXPECT_LT(X509_get_ext_by_OBJ(cert.get(), X509_EXTENSION_get_object(expected.get()), index), 0)
      << "the SID extension appears twice";

  EXPECT_EQ(x509::extended_key_usages(cert),
            (std::vector<std::string>{std::string(kClientAuth), std::string(kServerAuth)}));
  EXPECT_EQ(cert.not_after(), now_ + 30 * kDay);

  NIMBUS_ASSERT_OK_AND_ASSIGN(auto stored, sqlite_->find_certificate(cert.serial_hex()));
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->profile_id, std::optional<std::string>("device-vpn"));
  EXPECT_EQ(stored->subject_alt_names, R"([{"type":"dns","value":"pc1.contoso.com"},)"
                                       R"({"type":"uri","value":"tag:microsoft.com,2022-09-14:sid:)" +
                                           std::string(kSid) + R"("}])");
}

TEST_F(IssuanceTest, StrongMappingKindsAddOnlyWhatTheySay) {
  std::string extension_only(kDeviceProfile);
  extension_only.replace(extension_only.find("strong_mapping: both"), 20, "strong_mapping: sid_extension");
  NIMBUS_ASSERT_OK(catalog_->apply(extension_only));
  NIMBUS_ASSERT_OK_AND_ASSIGN(x509::Certificate with_extension,
                              issuer_->issue(enroll("device-vpn", device()).id, make_request(make_key())));
  EXPECT_GE(extension_index(with_extension, "1.3.6.1.4.1.311.25.2"), 0);
  EXPECT_EQ(x509::subject_alt_names(with_extension), std::vector<std::string>{"DNS:pc1.contoso.com"});

  std::string uri_only(kDeviceProfile);
  uri_only.replace(uri_only.find("strong_mapping: both"), 20, "strong_mapping: san_uri");
  NIMBUS_ASSERT_OK(catalog_->apply(uri_only));
  NIMBUS_ASSERT_OK_AND_ASSIGN(x509::Certificate with_uri,
                              issuer_->issue(enroll("device-vpn", device()).id, make_request(make_key())));
  EXPECT_LT(extension_index(with_uri, "1.3.6.1.4.1.311.25.2"), 0);
  EXPECT_EQ(x509::subject_alt_names(with_uri),
            (std::vector<std::string>{"DNS:pc1.contoso.com",
                                      "URI:tag:microsoft.com,2022-09-14:sid:" + std::string(kSid)}));

  // Without strong mapping, neither.
  NIMBUS_ASSERT_OK_AND_ASSIGN(x509::Certificate plain, issuer_->issue(enroll().id, make_request(make_key())));
  EXPECT_LT(extension_index(plain, "1.3.6.1.4.1.311.25.2"), 0);
}

// ---- Profiles with usages for both key types ----

// The shipped examples (examples/profiles/user-vpn.yaml, device-vpn.yaml) allow RSA and EC keys and
// list key_encipherment "for clients that still use RSA key transport". An EC key cannot do key
// transport, so its certificate must not claim keyEncipherment (the lint refuses that); the
// certificate should be issued with the usages that fit the key.
TEST_F(IssuanceTest, UsagesForRsaKeyTransportAreLeftOutForEcKeys) {
  std::string yaml(kUserProfile);
  yaml.replace(yaml.find("key_usage: [digital_signature]"), 30, "key_usage: [digital_signature, key_encipherment]");
  NIMBUS_ASSERT_OK(catalog_->apply(yaml));

  auto ec = issuer_->issue(enroll().id, make_request(make_key("ec:p256")));
  ASSERT_TRUE(ec.ok()) << ec.error().to_string();
  EXPECT_TRUE(ec->has_key_usage(x509::KeyUsage::kDigitalSignature));
  EXPECT_FALSE(ec->has_key_usage(x509::KeyUsage::kKeyEncipherment));

  auto rsa = issuer_->issue(enroll().id, make_request(make_key("rsa:2048")));
  ASSERT_TRUE(rsa.ok()) << rsa.error().to_string();
  EXPECT_TRUE(rsa->has_key_usage(x509::KeyUsage::kDigitalSignature));
  EXPECT_TRUE(rsa->has_key_usage(x509::KeyUsage::kKeyEncipherment));
}

// ---- Concurrency ----

TEST_F(IssuanceTest, ConcurrentIssuancesAllSucceedWithDistinctSerials) {
  constexpr int kThreads = 8;
  std::vector<EnrollmentRecord> records;
  std::vector<x509::CertificateRequest> requests;
  for (int i = 0; i < kThreads; ++i) {
    records.push_back(enroll("user-vpn", user(i)));
    requests.push_back(make_request(make_key()));
  }
  std::vector<Result<x509::Certificate>> results(kThreads, Error(ErrorCode::kInternal, "not run"));
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      auto index = static_cast<std::size_t>(i);
      results[index] = issuer_->issue(records[index].id, requests[index]);
    });
  }
  for (auto& thread : threads) thread.join();

  std::set<std::string> serials;
  for (int i = 0; i < kThreads; ++i) {
    auto index = static_cast<std::size_t>(i);
    ASSERT_TRUE(results[index].ok()) << i << ": " << results[index].error().to_string();
    const x509::Certificate& cert = *results[index];
    serials.insert(cert.serial_hex());
    EXPECT_EQ(cert.subject().to_string(), "CN=user" + std::to_string(i) + ", O=Contoso");
    EXPECT_TRUE(cert.public_key() == requests[index].public_key());
    EnrollmentRecord used = enrollment(records[index].id);
    EXPECT_EQ(used.status, EnrollmentStatus::kUsed);
    EXPECT_EQ(used.certificate_serial, std::optional<std::string>(cert.serial_hex()));
  }
  EXPECT_EQ(serials.size(), static_cast<std::size_t>(kThreads));
  EXPECT_EQ(issued().size(), static_cast<std::size_t>(kThreads));
}

// ---- Chains ----

TEST_F(IssuanceTest, ChainOfIsTheIssuingCaThenTheRoot) {
  NIMBUS_ASSERT_OK_AND_ASSIGN(x509::Certificate cert, issuer_->issue(enroll().id, make_request(make_key())));
  NIMBUS_ASSERT_OK_AND_ASSIGN(std::vector<x509::Certificate> chain, issuer_->chain_of(cert));
  ASSERT_EQ(chain.size(), 2u);
  EXPECT_EQ(chain[0].der(), *issuing_.certificate_der);
  EXPECT_EQ(chain[1].der(), *root_.certificate_der);

  // A certificate Nimbus did not issue has no chain here.
  nimbus::testing::CertificateOptions options;
  options.ca = false;
  x509::Certificate stranger = nimbus::testing::make_certificate(options, make_key());
  NIMBUS_EXPECT_ERROR(issuer_->chain_of(stranger), ErrorCode::kNotFound);
}

}  // namespace
}  // namespace nimbus::ca
