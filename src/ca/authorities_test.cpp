#include "ca/authorities.h"

#include <openssl/x509v3.h>

#include <set>

#include <gtest/gtest.h>

#include "ca/ca_certificates.h"
#include "core/file.h"
#include "pki/issuing_rules.h"
#include "store/sqlite/sqlite_store.h"
#include "x509/chain_check.h"
#include "x509/crl.h"
#include "x509/extensions.h"
#include "testing/test_support.h"

namespace nimbus::ca {
namespace {

using nimbus::testing::at;
using nimbus::testing::CertificateOptions;
using nimbus::testing::dn;
using nimbus::testing::file_names;
using nimbus::testing::kDay;
using nimbus::testing::kYear;
using nimbus::testing::make_ca;
using nimbus::testing::make_key;
using nimbus::testing::TempDir;
using nimbus::testing::TestCa;
using store::AuthorityKind;
using store::AuthorityRecord;
using store::AuthorityStatus;

constexpr std::string_view kPassphrase = "authorities test passphrase";

crypto::KeySpec spec(std::string_view text) { return crypto::KeySpec::parse(text).value(); }

// A Store that forwards to another but can be told to fail every write, to see what a failed
// commit leaves behind.
class FailingWriteStore final : public nimbus::testing::ForwardingStore {
 public:
  explicit FailingWriteStore(store::Store& inner) : ForwardingStore(inner) {}
  bool fail_writes = false;

  Status write(const std::function<Status(store::StoreWriter&)>& work) override {
    if (!fail_writes) return inner_.write(work);
    return inner_.write([&](store::StoreWriter& tx) -> Status {
      NIMBUS_TRY(work(tx));
      return Error(ErrorCode::kStoreError, "injected commit failure");
    });
  }
};

class AuthoritiesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto created = store::sqlite::SqliteStore::create(dir_ / "nimbus.db");
    ASSERT_TRUE(created.ok()) << created.error().to_string();
    sqlite_ = std::move(created).value();
    store_ = std::make_unique<FailingWriteStore>(*sqlite_);
    keys_ = std::make_unique<crypto::FileKeyStore>(keys_dir(), [] { return Result<Secret>(Secret(std::string(kPassphrase))); });
    authorities_ = make_authorities(*keys_);
  }

  std::unique_ptr<Authorities> make_authorities(crypto::KeyStore& keys) {
    return std::make_unique<Authorities>(*store_, keys, PublicationUrls::from_base("http://pki.test").value(),
                                         "test:alice", [this] { return now_; });
  }

  std::filesystem::path keys_dir() const { return dir_ / "keys"; }

  AuthorityRecord create_root(const std::string& id = "root", Duration validity = 20 * kYear) {
    auto created = authorities_->create_root(NewRoot{id, dn("CN=Nimbus Test Root, O=Nimbus Tests"), spec("ec:p384"), validity});
    if (!created.ok()) throw std::runtime_error("create_root: " + created.error().to_string());
    return std::move(created).value();
  }

  AuthorityRecord create_issuing(const std::string& id = "issuing", const std::string& parent = "root",
                                 Duration validity = 5 * kYear) {
    auto created = authorities_->create_issuing(
        NewIssuing{id, parent, dn("CN=Nimbus Test Issuing " + id + ", O=Nimbus Tests"), spec("ec:p256"), validity});
    if (!created.ok()) throw std::runtime_error("create_issuing: " + created.error().to_string());
    return std::move(created).value();
  }

  x509::Certificate certificate(const AuthorityRecord& record) {
    if (!record.certificate_der) throw std::runtime_error(record.id + " has no certificate");
    return nimbus::testing::must(x509::Certificate::from_der(*record.certificate_der));
  }

  x509::CertificateRevocationList latest_crl(const std::string& id) {
    auto record = nimbus::testing::must(sqlite_->latest_crl(id));
    if (!record) throw std::runtime_error("no CRL for " + id);
    return nimbus::testing::must(x509::CertificateRevocationList::parse(record->der));
  }

  crypto::PrivateKey key_of(const AuthorityRecord& record) {
    return nimbus::testing::must(keys_->load(record.key_reference));
  }

  std::vector<std::string> audit_actions() {
    std::vector<std::string> actions;
    for (const auto& event : nimbus::testing::must(sqlite_->audit_events(100))) {
      actions.push_back(event.action + " " + event.target);
    }
    return actions;
  }

  std::size_t authority_count() { return nimbus::testing::must(sqlite_->list_authorities()).size(); }

  TempDir dir_;
  Timestamp now_ = at("2026-03-01T12:00:00Z");
  std::unique_ptr<store::sqlite::SqliteStore> sqlite_;
  std::unique_ptr<FailingWriteStore> store_;
  std::unique_ptr<crypto::FileKeyStore> keys_;
  std::unique_ptr<Authorities> authorities_;
};

// ---- Roots ----

TEST_F(AuthoritiesTest, CreateRootFollowsTheRootRules) {
  NIMBUS_ASSERT_OK_AND_ASSIGN(
      AuthorityRecord root,
      authorities_->create_root(NewRoot{"", dn("CN=Nimbus Test Root, O=Nimbus Tests"), spec("ec:p384"), 20 * kYear}));
  EXPECT_EQ(root.id, "nimbus-test-root");  // derived from the CN
  EXPECT_EQ(root.kind, AuthorityKind::kRoot);
  EXPECT_EQ(root.status, AuthorityStatus::kActive);
  EXPECT_FALSE(root.parent_id.has_value());
  EXPECT_EQ(root.subject, "CN=Nimbus Test Root, O=Nimbus Tests");
  EXPECT_EQ(root.key_spec, "ec:p384");
  EXPECT_EQ(root.key_reference.rfind("file:nimbus-test-root-", 0), 0u) << root.key_reference;
  EXPECT_EQ(root.created_at, now_);
  EXPECT_EQ(root.last_crl_number, 1u);

  x509::Certificate cert = certificate(root);
  EXPECT_TRUE(cert.is_self_issued());
  EXPECT_TRUE(cert.is_signed_by(cert.public_key()));
  EXPECT_TRUE(cert.public_key() == key_of(root).public_key());
  EXPECT_EQ(cert.public_key().spec_string(), "ec:p384");
  EXPECT_EQ(cert.signature_algorithm(), "ecdsa-with-SHA384");
  EXPECT_EQ(cert.not_before(), now_ - pki::kClockSkewAllowance);
  EXPECT_EQ(cert.not_after(), now_ + 20 * kYear);
  EXPECT_EQ(cert.serial().size(), 16u);
  EXPECT_EQ(X509_get_version(cert.get()), X509_VERSION_3);

  auto constraints = cert.basic_constraints();
  ASSERT_TRUE(constraints.has_value());
  EXPECT_TRUE(constraints->ca);
  EXPECT_TRUE(constraints->critical);
  EXPECT_FALSE(constraints->path_length.has_value());
  EXPECT_TRUE(cert.key_usage_critical());
  EXPECT_TRUE(cert.has_key_usage(x509::KeyUsage::kKeyCertSign));
  EXPECT_TRUE(cert.has_key_usage(x509::KeyUsage::kCrlSign));
  EXPECT_FALSE(cert.has_key_usage(x509::KeyUsage::kDigitalSignature));
  EXPECT_EQ(cert.subject_key_id(), x509::key_identifier(cert.public_key()));
  EXPECT_TRUE(cert.ca_issuers_urls().empty());
  EXPECT_TRUE(cert.ocsp_urls().empty());
  // Its own CRL, for relying parties that check the anchor too.
  EXPECT_EQ(cert.crl_distribution_urls(), std::vector<std::string>{authorities_->urls().cdp("nimbus-test-root")});
  EXPECT_LT(X509_get_ext_by_NID(cert.get(), NID_info_access, -1), 0);

  // Its certificate is recorded as issued by itself.
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto record, sqlite_->find_certificate(cert.serial_hex()));
  ASSERT_TRUE(record.has_value());
  EXPECT_EQ(record->issuer_id, root.id);
  EXPECT_EQ(record->authority_id, std::optional<std::string>(root.id));
  EXPECT_EQ(record->der, cert.der());

  // Its first CRL.
  x509::CertificateRevocationList crl = latest_crl(root.id);
  EXPECT_EQ(crl.number(), std::optional<std::uint64_t>(1));
  EXPECT_EQ(crl.this_update(), now_);
  EXPECT_EQ(crl.revoked_count(), 0u);
  EXPECT_TRUE(crl.is_signed_by(cert.public_key()));
  EXPECT_EQ(crl.authority_key_id(), cert.subject_key_id());

  // The key is on disk, encrypted, private.
  std::string key_file = root.key_reference.substr(5);
  NIMBUS_ASSERT_OK_AND_ASSIGN(unsigned mode, file_mode(keys_dir() / key_file));
  EXPECT_EQ(mode, 0600u);
}

TEST_F(AuthoritiesTest, RootAcceptsRsa3072) {
  NIMBUS_ASSERT_OK_AND_ASSIGN(AuthorityRecord root,
                              authorities_->create_root(NewRoot{"rsa-root", dn("CN=RSA Root"), spec("rsa:3072"), 10 * kYear}));
  EXPECT_EQ(root.key_spec, "rsa:3072");
  EXPECT_EQ(certificate(root).signature_algorithm(), "sha256WithRSAEncryption");
}

TEST_F(AuthoritiesTest, CreateRootRefusesWeakKeysBeforeMakingAnything) {
  for (const char* weak : {"rsa:2048", "ec:p256"}) {
    auto refused = authorities_->create_root(NewRoot{"root", dn("CN=Weak Root"), spec(weak), 10 * kYear});
    ASSERT_FALSE(refused.ok()) << weak;
    EXPECT_EQ(refused.error().code(), ErrorCode::kPolicyViolation) << weak;
    EXPECT_NE(refused.error().message().find("ec:p384"), std::string::npos) << refused.error().message();
  }
  EXPECT_EQ(authority_count(), 0u);
  EXPECT_TRUE(file_names(keys_dir()).empty());
  EXPECT_TRUE(audit_actions().empty());
}

TEST_F(AuthoritiesTest, CreateRootRefusesBadOrTakenIds) {
  create_root("root");
  NIMBUS_EXPECT_ERROR(authorities_->create_root(NewRoot{"root", dn("CN=Another"), spec("ec:p384"), kYear}),
                      ErrorCode::kAlreadyExists);
  NIMBUS_EXPECT_ERROR(authorities_->create_root(NewRoot{"Bad_Id", dn("CN=Another"), spec("ec:p384"), kYear}),
                      ErrorCode::kInvalidArgument);
  NIMBUS_EXPECT_ERROR(authorities_->create_root(NewRoot{"", dn("O=No Common Name"), spec("ec:p384"), kYear}),
                      ErrorCode::kInvalidArgument);
  EXPECT_EQ(authority_count(), 1u);
  EXPECT_EQ(file_names(keys_dir()).size(), 1u);
}

TEST_F(AuthoritiesTest, WrongPassphraseIsCaughtBeforeANewKeyIsMade) {
  AuthorityRecord root = create_root();
  crypto::FileKeyStore wrong(keys_dir(), [] { return Result<Secret>(Secret(std::string("mistyped passphrase"))); });
  std::unique_ptr<Authorities> authorities = make_authorities(wrong);
  NIMBUS_EXPECT_ERROR(authorities->create_root(NewRoot{"second", dn("CN=Second Root"), spec("ec:p384"), kYear}),
                      ErrorCode::kBadPassphrase);
  NIMBUS_EXPECT_ERROR(authorities->create_issuing(NewIssuing{"issuing", root.id, dn("CN=Issuing"), spec("ec:p256"), kYear}),
                      ErrorCode::kBadPassphrase);
  NIMBUS_EXPECT_ERROR(authorities->create_issuing_for_external_parent(
                          NewExternalIssuing{"ext", dn("CN=Ext"), spec("ec:p256")}),
                      ErrorCode::kBadPassphrase);
  EXPECT_EQ(authority_count(), 1u);
  EXPECT_EQ(file_names(keys_dir()).size(), 1u);
}

TEST_F(AuthoritiesTest, FailedCommitDiscardsTheNewKey) {
  store_->fail_writes = true;
  auto root = authorities_->create_root(NewRoot{"root", dn("CN=Root"), spec("ec:p384"), kYear});
  ASSERT_FALSE(root.ok());
  EXPECT_EQ(root.error().code(), ErrorCode::kStoreError);
  EXPECT_EQ(authority_count(), 0u);
  EXPECT_TRUE(file_names(keys_dir()).empty());

  store_->fail_writes = false;
  create_root("root");
  store_->fail_writes = true;
  NIMBUS_EXPECT_ERROR(authorities_->create_issuing(NewIssuing{"issuing", "root", dn("CN=Issuing"), spec("ec:p256"), kYear}),
                      ErrorCode::kStoreError);
  NIMBUS_EXPECT_ERROR(authorities_->create_issuing_for_external_parent(NewExternalIssuing{"ext", dn("CN=Ext"), spec("ec:p256")}),
                      ErrorCode::kStoreError);
  EXPECT_EQ(authority_count(), 1u);
  EXPECT_EQ(file_names(keys_dir()).size(), 1u);  // only the root's key
}

// ---- Issuing CAs ----

TEST_F(AuthoritiesTest, CreateIssuingFollowsTheIssuingRules) {
  AuthorityRecord root = create_root("root");
  now_ += kDay;
  NIMBUS_ASSERT_OK_AND_ASSIGN(AuthorityRecord issuing,
                              authorities_->create_issuing(NewIssuing{"", "root", dn("CN=Contoso Issuing CA 1, O=Contoso"),
                                                                      spec("ec:p256"), 5 * kYear}));
  EXPECT_EQ(issuing.id, "contoso-issuing-ca-1");
  EXPECT_EQ(issuing.kind, AuthorityKind::kIssuing);
  EXPECT_EQ(issuing.parent_id, std::optional<std::string>("root"));
  EXPECT_EQ(issuing.status, AuthorityStatus::kActive);
  EXPECT_EQ(issuing.key_spec, "ec:p256");
  EXPECT_EQ(issuing.created_at, now_);
  EXPECT_EQ(issuing.last_crl_number, 1u);

  x509::Certificate root_cert = certificate(root);
  x509::Certificate cert = certificate(issuing);
  EXPECT_TRUE(cert.issuer() == root_cert.subject());
  EXPECT_EQ(cert.subject().to_string(), "CN=Contoso Issuing CA 1, O=Contoso");
  EXPECT_TRUE(cert.is_signed_by(root_cert.public_key()));
  EXPECT_TRUE(cert.public_key() == key_of(issuing).public_key());
  EXPECT_EQ(cert.signature_algorithm(), "ecdsa-with-SHA384");
  EXPECT_EQ(cert.not_before(), now_ - pki::kClockSkewAllowance);
  EXPECT_EQ(cert.not_after(), now_ + 5 * kYear);

  auto constraints = cert.basic_constraints();
  ASSERT_TRUE(constraints.has_value());
  EXPECT_TRUE(constraints->ca);
  EXPECT_TRUE(constraints->critical);
  EXPECT_EQ(constraints->path_length, std::optional<long>(0));
  EXPECT_TRUE(cert.key_usage_critical());
  EXPECT_TRUE(cert.has_key_usage(x509::KeyUsage::kKeyCertSign));
  EXPECT_TRUE(cert.has_key_usage(x509::KeyUsage::kCrlSign));
  EXPECT_EQ(cert.subject_key_id(), x509::key_identifier(cert.public_key()));
  EXPECT_EQ(cert.authority_key_id(), root_cert.subject_key_id());
  EXPECT_EQ(cert.ca_issuers_urls(), std::vector<std::string>{"http://pki.test/aia/root.crt"});
  EXPECT_EQ(cert.crl_distribution_urls(), std::vector<std::string>{"http://pki.test/cdp/root.crl"});
  EXPECT_TRUE(cert.ocsp_urls().empty());
  NIMBUS_EXPECT_OK(x509::verify_chain_to_root(cert, {root_cert}, now_));

  // Recorded as issued by the root; its own first CRL; the root's CRL untouched.
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto record, sqlite_->find_certificate(cert.serial_hex()));
  ASSERT_TRUE(record.has_value());
  EXPECT_EQ(record->issuer_id, "root");
  EXPECT_EQ(record->authority_id, std::optional<std::string>(issuing.id));
  x509::CertificateRevocationList crl = latest_crl(issuing.id);
  EXPECT_EQ(crl.number(), std::optional<std::uint64_t>(1));
  EXPECT_TRUE(crl.is_signed_by(cert.public_key()));
  EXPECT_EQ(crl.authority_key_id(), cert.subject_key_id());
  EXPECT_EQ(latest_crl("root").number(), std::optional<std::uint64_t>(1));

  NIMBUS_ASSERT_OK_AND_ASSIGN(std::vector<x509::Certificate> chain, authorities_->chain(issuing.id));
  ASSERT_EQ(chain.size(), 2u);
  EXPECT_EQ(chain[0].der(), cert.der());
  EXPECT_EQ(chain[1].der(), root_cert.der());
}

TEST_F(AuthoritiesTest, IssuingNotBeforeIsNeverBeforeTheParents) {
  create_root("root");
  now_ -= std::chrono::minutes(2);  // a clock that went back a little
  AuthorityRecord issuing = create_issuing("issuing");
  x509::Certificate root_cert = certificate(nimbus::testing::must(authorities_->get("root")));
  EXPECT_EQ(certificate(issuing).not_before(), root_cert.not_before());
}

TEST_F(AuthoritiesTest, IssuingMayEndExactlyWhenItsParentEnds) {
  create_root("root", 10 * kYear);
  NIMBUS_EXPECT_OK(authorities_->create_issuing(NewIssuing{"issuing", "root", dn("CN=Issuing"), spec("ec:p256"), 10 * kYear}));
}

TEST_F(AuthoritiesTest, IssuingValidityBeyondTheParentIsRefusedAndChangesNothing) {
  create_root("root", 2 * kYear);
  std::size_t authorities_before = authority_count();
  std::size_t keys_before = file_names(keys_dir()).size();
  std::size_t audit_before = audit_actions().size();
  auto refused = authorities_->create_issuing(
      NewIssuing{"issuing", "root", dn("CN=Issuing"), spec("ec:p256"), 2 * kYear + std::chrono::hours(1)});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), ErrorCode::kPolicyViolation);
  EXPECT_NE(refused.error().message().find("at most 730d"), std::string::npos) << refused.error().message();
  EXPECT_EQ(authority_count(), authorities_before);
  EXPECT_EQ(file_names(keys_dir()).size(), keys_before);
  EXPECT_EQ(audit_actions().size(), audit_before);
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto missing, sqlite_->find_authority("issuing"));
  EXPECT_FALSE(missing.has_value());
}

TEST_F(AuthoritiesTest, IssuingUnderAnIssuingCaIsRefused) {
  create_root("root");
  create_issuing("issuing");
  auto refused = authorities_->create_issuing(NewIssuing{"sub", "issuing", dn("CN=Sub"), spec("ec:p256"), kYear});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), ErrorCode::kPolicyViolation);
  EXPECT_NE(refused.error().message().find("pathlen:0"), std::string::npos) << refused.error().message();
  EXPECT_EQ(authority_count(), 2u);
  EXPECT_EQ(file_names(keys_dir()).size(), 2u);
}

TEST_F(AuthoritiesTest, IssuingUnderAMissingParentIsNotFound) {
  NIMBUS_EXPECT_ERROR(authorities_->create_issuing(NewIssuing{"issuing", "ghost", dn("CN=Issuing"), spec("ec:p256"), kYear}),
                      ErrorCode::kNotFound);
}

TEST_F(AuthoritiesTest, IssuingUnderAPausedParentIsRefusedUntilResumed) {
  create_root("root");
  NIMBUS_ASSERT_OK(authorities_->pause("root"));
  auto refused = authorities_->create_issuing(NewIssuing{"issuing", "root", dn("CN=Issuing"), spec("ec:p256"), kYear});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(refused.error().message().find("paused"), std::string::npos) << refused.error().message();
  EXPECT_EQ(authority_count(), 1u);
  EXPECT_EQ(file_names(keys_dir()).size(), 1u);
  NIMBUS_ASSERT_OK(authorities_->resume("root"));
  NIMBUS_EXPECT_OK(authorities_->create_issuing(NewIssuing{"issuing", "root", dn("CN=Issuing"), spec("ec:p256"), kYear}));
}

TEST_F(AuthoritiesTest, DuplicateIssuingIdIsRefused) {
  create_root("root");
  create_issuing("issuing");
  NIMBUS_EXPECT_ERROR(authorities_->create_issuing(NewIssuing{"issuing", "root", dn("CN=Again"), spec("ec:p256"), kYear}),
                      ErrorCode::kAlreadyExists);
  NIMBUS_EXPECT_ERROR(authorities_->create_issuing(NewIssuing{"root", "root", dn("CN=Again"), spec("ec:p256"), kYear}),
                      ErrorCode::kAlreadyExists);
}

// ---- Pause and resume ----

TEST_F(AuthoritiesTest, PauseAndResumeTransitions) {
  create_root("root");
  NIMBUS_ASSERT_OK(authorities_->pause("root"));
  EXPECT_EQ(nimbus::testing::must(authorities_->get("root")).status, AuthorityStatus::kPaused);
  NIMBUS_EXPECT_ERROR(authorities_->pause("root"), ErrorCode::kFailedPrecondition);
  NIMBUS_ASSERT_OK(authorities_->resume("root"));
  EXPECT_EQ(nimbus::testing::must(authorities_->get("root")).status, AuthorityStatus::kActive);
  NIMBUS_EXPECT_ERROR(authorities_->resume("root"), ErrorCode::kFailedPrecondition);
  NIMBUS_EXPECT_ERROR(authorities_->pause("ghost"), ErrorCode::kNotFound);
  NIMBUS_EXPECT_ERROR(authorities_->resume("ghost"), ErrorCode::kNotFound);
}

TEST_F(AuthoritiesTest, PendingAndRevokedAuthoritiesCannotBePausedOrResumed) {
  create_root("root");
  create_issuing("issuing");
  NIMBUS_ASSERT_OK(authorities_->create_issuing_for_external_parent(NewExternalIssuing{"ext", dn("CN=Ext"), spec("ec:p256")}));
  NIMBUS_ASSERT_OK(authorities_->revoke("issuing", x509::RevocationReason::kSuperseded));
  for (const char* id : {"ext", "issuing"}) {
    NIMBUS_EXPECT_ERROR(authorities_->pause(id), ErrorCode::kFailedPrecondition);
    NIMBUS_EXPECT_ERROR(authorities_->resume(id), ErrorCode::kFailedPrecondition);
  }
  EXPECT_EQ(nimbus::testing::must(authorities_->get("ext")).status, AuthorityStatus::kPending);
  EXPECT_EQ(nimbus::testing::must(authorities_->get("issuing")).status, AuthorityStatus::kRevoked);
}

// ---- Revocation ----

TEST_F(AuthoritiesTest, RevokeListsTheIssuingCaOnTheRootsNextCrl) {
  AuthorityRecord root = create_root("root");
  AuthorityRecord issuing = create_issuing("issuing");
  AuthorityRecord other = create_issuing("other");
  x509::Certificate issuing_cert = certificate(issuing);
  now_ += 3 * kDay;
  NIMBUS_ASSERT_OK(authorities_->revoke("issuing", x509::RevocationReason::kKeyCompromise));

  EXPECT_EQ(nimbus::testing::must(authorities_->get("issuing")).status, AuthorityStatus::kRevoked);
  EXPECT_EQ(nimbus::testing::must(authorities_->get("other")).status, AuthorityStatus::kActive);
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto record, sqlite_->find_certificate(issuing_cert.serial_hex()));
  ASSERT_TRUE(record.has_value());
  EXPECT_EQ(record->status, store::CertificateStatus::kRevoked);
  EXPECT_EQ(record->revoked_at, std::optional<Timestamp>(now_));
  EXPECT_EQ(record->revocation_reason, std::optional<int>(1));

  x509::CertificateRevocationList crl = latest_crl("root");
  EXPECT_EQ(crl.number(), std::optional<std::uint64_t>(2));
  EXPECT_EQ(crl.this_update(), now_);
  EXPECT_TRUE(crl.is_signed_by(certificate(root).public_key()));
  ASSERT_EQ(crl.revoked_count(), 1u);
  X509_REVOKED* entry = sk_X509_REVOKED_value(X509_CRL_get_REVOKED(crl.get()), 0);
  const ASN1_INTEGER* serial = X509_REVOKED_get0_serialNumber(entry);
  EXPECT_EQ(to_hex(ByteView(ASN1_STRING_get0_data(serial), static_cast<std::size_t>(ASN1_STRING_length(serial)))),
            issuing_cert.serial_hex());
  EXPECT_EQ(x509::to_timestamp(X509_REVOKED_get0_revocationDate(entry)), now_);
  crypto::OpenSslPtr<ASN1_ENUMERATED, ASN1_ENUMERATED_free> reason(
      static_cast<ASN1_ENUMERATED*>(X509_REVOKED_get_ext_d2i(entry, NID_crl_reason, nullptr, nullptr)));
  ASSERT_NE(reason, nullptr);
  EXPECT_EQ(ASN1_ENUMERATED_get(reason.get()), 1);
  EXPECT_EQ(nimbus::testing::must(authorities_->get("root")).last_crl_number, 2u);

  NIMBUS_ASSERT_OK_AND_ASSIGN(auto events, sqlite_->audit_events(1));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].action, "authority.revoke");
  EXPECT_EQ(events[0].target, "issuing");
  EXPECT_NE(events[0].detail.find("keyCompromise"), std::string::npos) << events[0].detail;
  EXPECT_NE(events[0].detail.find("parent_crl_number=2"), std::string::npos) << events[0].detail;

  // A second revocation keeps the first on the list.
  NIMBUS_ASSERT_OK(authorities_->revoke("other", x509::RevocationReason::kUnspecified));
  x509::CertificateRevocationList next = latest_crl("root");
  EXPECT_EQ(next.number(), std::optional<std::uint64_t>(3));
  EXPECT_EQ(next.revoked_count(), 2u);
}

TEST_F(AuthoritiesTest, RevokeRefusals) {
  create_root("root");
  create_issuing("issuing");
  NIMBUS_ASSERT_OK(authorities_->create_issuing_for_external_parent(NewExternalIssuing{"ext", dn("CN=Ext"), spec("ec:p256")}));

  auto root = authorities_->revoke("root", x509::RevocationReason::kKeyCompromise);
  ASSERT_FALSE(root.ok());
  EXPECT_EQ(root.error().code(), ErrorCode::kPolicyViolation);
  EXPECT_NE(root.error().message().find("trust store"), std::string::npos) << root.error().message();
  NIMBUS_EXPECT_ERROR(authorities_->revoke("ext", x509::RevocationReason::kKeyCompromise), ErrorCode::kFailedPrecondition);
  NIMBUS_EXPECT_ERROR(authorities_->revoke("ghost", x509::RevocationReason::kKeyCompromise), ErrorCode::kNotFound);
  NIMBUS_ASSERT_OK(authorities_->revoke("issuing", x509::RevocationReason::kSuperseded));
  NIMBUS_EXPECT_ERROR(authorities_->revoke("issuing", x509::RevocationReason::kSuperseded), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(latest_crl("root").number(), std::optional<std::uint64_t>(2));  // refusals published nothing
  EXPECT_EQ(nimbus::testing::must(authorities_->get("root")).status, AuthorityStatus::kActive);
}

TEST_F(AuthoritiesTest, RevokingAPausedIssuingCaWorks) {
  create_root("root");
  create_issuing("issuing");
  NIMBUS_ASSERT_OK(authorities_->pause("issuing"));
  NIMBUS_ASSERT_OK(authorities_->revoke("issuing", x509::RevocationReason::kCessationOfOperation));
  EXPECT_EQ(nimbus::testing::must(authorities_->get("issuing")).status, AuthorityStatus::kRevoked);
}

// ---- Issuing CAs under an external (enterprise) root ----

class ExternalParentTest : public AuthoritiesTest {
 protected:
  void SetUp() override {
    AuthoritiesTest::SetUp();
    CertificateOptions root_options;
    root_options.subject = "CN=Enterprise Root CA, O=Contoso";
    root_options.not_before = now_ - 365 * kDay;
    root_options.not_after = now_ + 10 * kYear;
    enterprise_root_ = make_ca(root_options);
  }

  PendingAuthority request(const std::string& id = "ext") {
    auto pending = authorities_->create_issuing_for_external_parent(
        NewExternalIssuing{id, dn("CN=Nimbus Under Contoso, O=Contoso"), spec("ec:p256")});
    if (!pending.ok()) throw std::runtime_error("request: " + pending.error().to_string());
    return std::move(pending).value();
  }

  // What the enterprise CA signs for `csr`, by default a proper CA certificate with a CDP.
  struct Signing {
    bool ca = true;
    bool key_usage = true;
    std::vector<std::string> cdp = {"http://enterprise.test/cdp/root.crl"};
    Timestamp not_before;
    Timestamp not_after;
    std::optional<std::string> subject;
  };

  Signing defaults() const {
    Signing signing;
    signing.not_before = now_ - kDay;
    signing.not_after = now_ + 3 * kYear;
    return signing;
  }

  x509::Certificate sign(const x509::CertificateRequest& csr, const Signing& signing, const TestCa* issuer = nullptr) {
    const TestCa& parent = issuer ? *issuer : *enterprise_root_;
    x509::CertificateBuilder builder;
    builder.set_subject(signing.subject ? dn(*signing.subject) : csr.subject())
        .set_issuer(parent.certificate.subject())
        .set_serial(nimbus::testing::must(crypto::random_serial()))
        .set_validity(signing.not_before, signing.not_after)
        .set_public_key(csr.public_key())
        .add_extension(x509::basic_constraints_extension(signing.ca, signing.ca ? std::optional<long>(0) : std::nullopt))
        .add_extension(x509::subject_key_id_extension(x509::key_identifier(csr.public_key())))
        .add_extension(x509::authority_key_id_extension(x509::key_identifier(parent.certificate.public_key())));
    if (signing.key_usage) {
      builder.add_extension(x509::key_usage_extension({x509::KeyUsage::kKeyCertSign, x509::KeyUsage::kCrlSign}));
    }
    if (!signing.cdp.empty()) builder.add_extension(x509::crl_distribution_points_extension(signing.cdp));
    return nimbus::testing::must(builder.sign(parent.key, parent.key.preferred_digest()));
  }

  std::optional<TestCa> enterprise_root_;
};

TEST_F(ExternalParentTest, CreatesAPendingAuthorityAndItsRequest) {
  PendingAuthority pending = request("ext");
  EXPECT_EQ(pending.record.id, "ext");
  EXPECT_EQ(pending.record.kind, AuthorityKind::kIssuing);
  EXPECT_EQ(pending.record.status, AuthorityStatus::kPending);
  EXPECT_FALSE(pending.record.parent_id.has_value());
  EXPECT_FALSE(pending.record.certificate_der.has_value());
  EXPECT_EQ(pending.record.subject, "CN=Nimbus Under Contoso, O=Contoso");
  EXPECT_EQ(pending.record.last_crl_number, 0u);

  NIMBUS_EXPECT_OK(pending.request.verify_signature());
  EXPECT_EQ(pending.request.subject().to_string(), "CN=Nimbus Under Contoso, O=Contoso");
  EXPECT_TRUE(pending.request.public_key() == key_of(pending.record).public_key());
  NIMBUS_ASSERT_OK_AND_ASSIGN(x509::CertificateRequest reparsed,
                              x509::CertificateRequest::parse(as_bytes(pending.request.pem())));
  NIMBUS_EXPECT_OK(reparsed.verify_signature());

  NIMBUS_ASSERT_OK_AND_ASSIGN(auto crl, sqlite_->latest_crl("ext"));
  EXPECT_FALSE(crl.has_value());
  NIMBUS_EXPECT_ERROR(authorities_->chain("ext"), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(audit_actions(), std::vector<std::string>{"authority.request ext"});
}

TEST_F(ExternalParentTest, ImportsTheCertificateTheEnterpriseCaSigned) {
  PendingAuthority pending = request("ext");
  now_ += kDay;
  x509::Certificate cert = sign(pending.request, defaults());
  NIMBUS_ASSERT_OK_AND_ASSIGN(AuthorityRecord imported,
                              authorities_->import_certificate("ext", cert, {enterprise_root_->certificate}));
  EXPECT_EQ(imported.status, AuthorityStatus::kActive);
  EXPECT_EQ(imported.certificate_der, std::optional<Bytes>(cert.der()));
  EXPECT_EQ(imported.external_chain_pem, std::optional<std::string>(enterprise_root_->certificate.pem()));
  EXPECT_EQ(imported.last_crl_number, 1u);
  EXPECT_FALSE(imported.parent_id.has_value());

  x509::CertificateRevocationList crl = latest_crl("ext");
  EXPECT_EQ(crl.number(), std::optional<std::uint64_t>(1));
  EXPECT_EQ(crl.this_update(), now_);
  EXPECT_TRUE(crl.is_signed_by(cert.public_key()));
  EXPECT_TRUE(crl.issuer() == cert.subject());

  NIMBUS_ASSERT_OK_AND_ASSIGN(std::vector<x509::Certificate> chain, authorities_->chain("ext"));
  ASSERT_EQ(chain.size(), 2u);
  EXPECT_EQ(chain[0].der(), cert.der());
  EXPECT_EQ(chain[1].der(), enterprise_root_->certificate.der());

  NIMBUS_ASSERT_OK_AND_ASSIGN(auto events, sqlite_->audit_events(1));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].action, "authority.import");
  EXPECT_EQ(events[0].target, "ext");
  EXPECT_EQ(events[0].actor, "test:alice");
  EXPECT_EQ(events[0].at, now_);
  EXPECT_NE(events[0].detail.find("Enterprise Root CA"), std::string::npos) << events[0].detail;

  // It cannot be a parent for Nimbus CAs (it has pathlen 0), and it is not revocable from here.
  NIMBUS_EXPECT_ERROR(authorities_->create_issuing(NewIssuing{"sub", "ext", dn("CN=Sub"), spec("ec:p256"), kYear}),
                      ErrorCode::kPolicyViolation);
  NIMBUS_EXPECT_ERROR(authorities_->revoke("ext", x509::RevocationReason::kKeyCompromise), ErrorCode::kFailedPrecondition);
  // But it can be paused and resumed like any active authority.
  NIMBUS_EXPECT_OK(authorities_->pause("ext"));
  NIMBUS_EXPECT_OK(authorities_->resume("ext"));
}

TEST_F(ExternalParentTest, ImportsUnderAnEnterpriseIntermediate) {
  CertificateOptions intermediate_options;
  intermediate_options.subject = "CN=Enterprise Policy CA, O=Contoso";
  intermediate_options.not_before = now_ - 100 * kDay;
  intermediate_options.not_after = now_ + 8 * kYear;
  intermediate_options.cdp = {"http://enterprise.test/cdp/root.crl"};
  TestCa intermediate = make_ca(intermediate_options, &*enterprise_root_);

  PendingAuthority pending = request("ext");
  Signing signing = defaults();
  signing.cdp = {"http://enterprise.test/cdp/policy.crl"};
  x509::Certificate cert = sign(pending.request, signing, &intermediate);
  NIMBUS_ASSERT_OK(authorities_->import_certificate("ext", cert, {intermediate.certificate, enterprise_root_->certificate}));
  NIMBUS_ASSERT_OK_AND_ASSIGN(std::vector<x509::Certificate> chain, authorities_->chain("ext"));
  ASSERT_EQ(chain.size(), 3u);
  EXPECT_EQ(chain[0].der(), cert.der());
  EXPECT_EQ(chain[1].der(), intermediate.certificate.der());
  EXPECT_EQ(chain[2].der(), enterprise_root_->certificate.der());
}

TEST_F(ExternalParentTest, AcceptsASubjectTheEnterpriseCaChanged) {
  PendingAuthority pending = request("ext");
  Signing signing = defaults();
  signing.subject = "CN=Renamed By Enterprise, O=Contoso";
  x509::Certificate cert = sign(pending.request, signing);
  NIMBUS_ASSERT_OK(authorities_->import_certificate("ext", cert, {enterprise_root_->certificate}));
}

TEST_F(ExternalParentTest, RefusesACertificateWithoutCdp) {
  PendingAuthority pending = request("ext");
  Signing signing = defaults();
  signing.cdp.clear();
  x509::Certificate cert = sign(pending.request, signing);
  auto refused = authorities_->import_certificate("ext", cert, {enterprise_root_->certificate});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), ErrorCode::kPolicyViolation);
  EXPECT_NE(refused.error().message().find("258"), std::string::npos) << refused.error().message();
  EXPECT_EQ(nimbus::testing::must(authorities_->get("ext")).status, AuthorityStatus::kPending);
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto crl, sqlite_->latest_crl("ext"));
  EXPECT_FALSE(crl.has_value());
}

TEST_F(ExternalParentTest, RefusesACertificateForAnotherKey) {
  PendingAuthority mine = request("ext");
  PendingAuthority other = request("other");
  x509::Certificate cert = sign(other.request, defaults());
  auto refused = authorities_->import_certificate("ext", cert, {enterprise_root_->certificate});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), ErrorCode::kPolicyViolation);
  EXPECT_NE(refused.error().message().find("another request"), std::string::npos) << refused.error().message();
  EXPECT_EQ(nimbus::testing::must(authorities_->get("ext")).status, AuthorityStatus::kPending);
  // The right one still imports.
  NIMBUS_EXPECT_OK(authorities_->import_certificate("ext", sign(mine.request, defaults()), {enterprise_root_->certificate}));
}

TEST_F(ExternalParentTest, RefusesAnImportWhenNotPending) {
  PendingAuthority pending = request("ext");
  x509::Certificate cert = sign(pending.request, defaults());
  NIMBUS_ASSERT_OK(authorities_->import_certificate("ext", cert, {enterprise_root_->certificate}));
  auto again = authorities_->import_certificate("ext", cert, {enterprise_root_->certificate});
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(again.error().message().find("active"), std::string::npos) << again.error().message();
  EXPECT_EQ(latest_crl("ext").number(), std::optional<std::uint64_t>(1));

  create_root("root");
  NIMBUS_EXPECT_ERROR(authorities_->import_certificate("root", cert, {enterprise_root_->certificate}),
                      ErrorCode::kFailedPrecondition);
  NIMBUS_EXPECT_ERROR(authorities_->import_certificate("ghost", cert, {enterprise_root_->certificate}),
                      ErrorCode::kNotFound);
}

TEST_F(ExternalParentTest, RefusesANonCaCertificate) {
  PendingAuthority pending = request("ext");
  Signing not_ca = defaults();
  not_ca.ca = false;
  NIMBUS_EXPECT_ERROR(authorities_->import_certificate("ext", sign(pending.request, not_ca), {enterprise_root_->certificate}),
                      ErrorCode::kPolicyViolation);
  EXPECT_EQ(nimbus::testing::must(authorities_->get("ext")).status, AuthorityStatus::kPending);
}

TEST_F(ExternalParentTest, RefusesAnExpiredCertificate) {
  PendingAuthority pending = request("ext");
  Signing expired = defaults();
  expired.not_before = now_ - 2 * kYear;
  expired.not_after = now_ - kDay;
  auto refused = authorities_->import_certificate("ext", sign(pending.request, expired), {enterprise_root_->certificate});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), ErrorCode::kPolicyViolation);
  EXPECT_NE(refused.error().message().find("expired"), std::string::npos) << refused.error().message();
}

TEST_F(ExternalParentTest, RefusesAChainThatDoesNotReachTheRoot) {
  PendingAuthority pending = request("ext");
  x509::Certificate cert = sign(pending.request, defaults());
  NIMBUS_EXPECT_ERROR(authorities_->import_certificate("ext", cert, {}), ErrorCode::kInvalidArgument);
  CertificateOptions other_options;
  other_options.subject = "CN=Some Other Root";
  other_options.not_before = now_ - kYear;
  TestCa other = make_ca(other_options);
  NIMBUS_EXPECT_ERROR(authorities_->import_certificate("ext", cert, {other.certificate}), ErrorCode::kPolicyViolation);
  EXPECT_EQ(nimbus::testing::must(authorities_->get("ext")).status, AuthorityStatus::kPending);
}

// ---- Audit trail and lookups ----

TEST_F(AuthoritiesTest, EveryChangeIsAudited) {
  create_root("root");
  now_ += kDay;
  create_issuing("issuing");
  NIMBUS_ASSERT_OK(authorities_->pause("issuing"));
  NIMBUS_ASSERT_OK(authorities_->resume("issuing"));
  NIMBUS_ASSERT_OK(authorities_->revoke("issuing", x509::RevocationReason::kSuperseded));
  NIMBUS_ASSERT_OK(authorities_->create_issuing_for_external_parent(NewExternalIssuing{"ext", dn("CN=Ext"), spec("ec:p256")}));
  // Refusals leave no trace.
  NIMBUS_EXPECT_ERROR(authorities_->pause("issuing"), ErrorCode::kFailedPrecondition);

  EXPECT_EQ(audit_actions(), (std::vector<std::string>{"authority.request ext", "authority.revoke issuing",
                                                       "authority.resume issuing", "authority.pause issuing",
                                                       "authority.create issuing", "authority.create root"}));
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto events, sqlite_->audit_events(10));
  for (const auto& event : events) EXPECT_EQ(event.actor, "test:alice");
  EXPECT_EQ(events.back().at, now_ - kDay);  // the root, before the clock moved
  EXPECT_EQ(events.front().at, now_);
  EXPECT_NE(events.back().detail.find("root"), std::string::npos);
}

TEST_F(AuthoritiesTest, GetExplainsAMissingAuthority) {
  auto missing = authorities_->get("ghost");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(missing.error().message().find("nimbus ca list"), std::string::npos);
}

TEST_F(AuthoritiesTest, ChainOfARootIsItself) {
  AuthorityRecord root = create_root("root");
  NIMBUS_ASSERT_OK_AND_ASSIGN(std::vector<x509::Certificate> chain, authorities_->chain("root"));
  ASSERT_EQ(chain.size(), 1u);
  EXPECT_EQ(chain[0].der(), *root.certificate_der);
}

TEST_F(AuthoritiesTest, SerialsAreUniqueAcrossAuthorities) {
  create_root("root");
  std::set<std::string> serials;
  serials.insert(certificate(nimbus::testing::must(authorities_->get("root"))).serial_hex());
  for (int i = 0; i < 4; ++i) {
    serials.insert(certificate(create_issuing("issuing-" + std::to_string(i))).serial_hex());
  }
  EXPECT_EQ(serials.size(), 5u);
}

}  // namespace
}  // namespace nimbus::ca
