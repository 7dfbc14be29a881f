#include "verify/checked_crl.h"

#include <openssl/bn.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <array>
#include <cstdint>
#include <random>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "crypto/handles.h"
#include "verify/verify_test_pki.h"
#include "x509/certificate_builder.h"
#include "x509/extensions.h"

namespace nimbus::verify {
namespace {

using namespace nimbus::verify::testing;
using nimbus::testing::make_certificate;
using nimbus::testing::make_key;

void require(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("building a test CRL: ") + what);
}

// A CRL assembled through OpenSSL's object model, for what sign_crl never writes: delta CRL
// indicators, issuing distribution points, unknown extensions, serials longer than 20 octets.
// It starts as the CRL sign_crl would make (issuer name, times, AKI, number) and is parsed back
// from its DER, as a fetched CRL would be.
class HandCrl {
 public:
  explicit HandCrl(const TestCa& issuer) : issuer_(issuer), crl_(X509_CRL_new()) {
    require(crl_ && X509_CRL_set_version(crl_.get(), X509_CRL_VERSION_2) == 1 &&
                X509_CRL_set_issuer_name(crl_.get(), X509_get_subject_name(issuer.certificate.get())) == 1,
            "header");
    set_times(kNow - kDay, kNow + 6 * kDay);
    set_authority_key_id(issuer.certificate.subject_key_id());
    add(must(x509::crl_number_extension(1), "number"));
  }

  HandCrl& set_times(Timestamp this_update, Timestamp next_update) {
    crypto::Asn1TimePtr last(ASN1_TIME_new());
    crypto::Asn1TimePtr next(ASN1_TIME_new());
    require(last && next && x509::set_asn1_time(last.get(), this_update).ok() &&
                x509::set_asn1_time(next.get(), next_update).ok() && X509_CRL_set1_lastUpdate(crl_.get(), last.get()) == 1 &&
                X509_CRL_set1_nextUpdate(crl_.get(), next.get()) == 1,
            "times");
    return *this;
  }

  // An empty key id leaves the CRL without the extension.
  HandCrl& set_authority_key_id(ByteView key_id) {
    int index = X509_CRL_get_ext_by_NID(crl_.get(), NID_authority_key_identifier, -1);
    if (index >= 0) X509_EXTENSION_free(X509_CRL_delete_ext(crl_.get(), index));
    if (!key_id.empty()) add(must(x509::authority_key_id_extension(key_id), "aki"));
    return *this;
  }

  HandCrl& add(crypto::X509ExtensionPtr extension) {
    require(extension && X509_CRL_add_ext(crl_.get(), extension.get(), -1) == 1, "extension");
    return *this;
  }

  // `value` as in openssl.cnf, e.g. "critical,indirectCRL:TRUE" for an issuing distribution point.
  HandCrl& add_conf(int nid, const char* value) {
    X509V3_CTX context;
    X509V3_set_ctx(&context, issuer_.certificate.get(), nullptr, nullptr, crl_.get(), 0);
    X509V3_set_ctx_nodb(&context);
    return add(crypto::X509ExtensionPtr(X509V3_EXT_conf_nid(nullptr, &context, nid, value)));
  }

  // A base CRL number of up to 20 octets, as RFC 5280 5.2.1 allows; `base` is big-endian.
  HandCrl& delta_of_long(ByteView base) {
    crypto::BignumPtr value(BN_bin2bn(base.data(), static_cast<int>(base.size()), nullptr));
    crypto::Asn1IntegerPtr number(value ? BN_to_ASN1_INTEGER(value.get(), nullptr) : nullptr);
    require(number && X509_CRL_add1_ext_i2d(crl_.get(), NID_delta_crl, number.get(), 1, 0) == 1,
            "delta CRL indicator");
    return *this;
  }

  HandCrl& delta_of(std::uint64_t base, bool critical = true) {
    crypto::Asn1IntegerPtr number(ASN1_INTEGER_new());
    require(number && ASN1_INTEGER_set_uint64(number.get(), base) == 1 &&
                X509_CRL_add1_ext_i2d(crl_.get(), NID_delta_crl, number.get(), critical ? 1 : 0, 0) == 1,
            "delta CRL indicator");
    return *this;
  }

  // `serial` is the big-endian magnitude; `reason` is the reasonCode, none when negative.
  HandCrl& revoke(ByteView serial, Timestamp when, int reason = -1) {
    crypto::X509RevokedPtr entry(X509_REVOKED_new());
    crypto::BignumPtr value(BN_bin2bn(serial.data(), static_cast<int>(serial.size()), nullptr));
    crypto::Asn1IntegerPtr number(value ? BN_to_ASN1_INTEGER(value.get(), nullptr) : nullptr);
    crypto::Asn1TimePtr date(ASN1_TIME_new());
    require(entry && number && date && x509::set_asn1_time(date.get(), when).ok() &&
                X509_REVOKED_set_serialNumber(entry.get(), number.get()) == 1 &&
                X509_REVOKED_set_revocationDate(entry.get(), date.get()) == 1,
            "entry");
    if (reason >= 0) {
      crypto::Asn1EnumeratedPtr code(ASN1_ENUMERATED_new());
      require(code && ASN1_ENUMERATED_set(code.get(), reason) == 1 &&
                  X509_REVOKED_add1_ext_i2d(entry.get(), NID_crl_reason, code.get(), 0, 0) == 1,
              "reason");
    }
    require(X509_CRL_add0_revoked(crl_.get(), entry.get()) == 1, "add entry");
    entry.release();  // the CRL owns it now
    return *this;
  }

  x509::CertificateRevocationList sign(const crypto::PrivateKey& key) {
    require(X509_CRL_sort(crl_.get()) == 1 && X509_CRL_sign(crl_.get(), key.get(), EVP_sha256()) > 0, "sign");
    Bytes der = x509::CertificateRevocationList::adopt(std::move(crl_)).der();
    return must(x509::CertificateRevocationList::parse(der), "parsing the hand-made CRL");
  }
  x509::CertificateRevocationList sign() { return sign(issuer_.key); }

 private:
  const TestCa& issuer_;
  crypto::X509CrlPtr crl_;
};

x509::CertificateRevocationList parsed(const Bytes& der) {
  return must(x509::CertificateRevocationList::parse(der), "parsing a test CRL");
}

std::shared_ptr<const CheckedCrl> checked(const x509::CertificateRevocationList& crl, const TestCa& issuer,
                                          bool expect_delta = false) {
  return must(CheckedCrl::check(crl, issuer.certificate, expect_delta), "checking a test CRL");
}

std::string refusal(const x509::CertificateRevocationList& crl, const TestCa& issuer, bool expect_delta = false) {
  auto result = CheckedCrl::check(crl, issuer.certificate, expect_delta);
  if (result.ok()) return "accepted";
  if (result.error().code() != ErrorCode::kPolicyViolation) return "wrong code: " + result.error().to_string();
  return result.error().message();
}

bool contains(const std::string& text, std::string_view part) { return text.find(part) != std::string::npos; }

class CheckedCrlTest : public ::testing::Test {
 protected:
  TestPki pki_ = make_pki();
  const TestCa& ca() const { return pki_.issuing; }
};

TEST_F(CheckedCrlTest, AcceptsTheIssuersCrlAndFindsListedSerialsWithReasonAndDate) {
  CertificateOptions options = default_pki_options().leaf;
  options.subject = "CN=bob, O=Nimbus Tests";
  TestCa bob = make_ca(options, &pki_.issuing);
  options.subject = "CN=carol, O=Nimbus Tests";
  TestCa carol = make_ca(options, &pki_.issuing);
  options.subject = "CN=dave, O=Nimbus Tests";
  TestCa dave = make_ca(options, &pki_.issuing);

  std::vector<x509::RevokedCertificate> entries = {
      {pki_.leaf.certificate.serial(), kNow - 3 * kDay, x509::RevocationReason::kKeyCompromise},
      {bob.certificate.serial(), kNow - 2 * kDay, x509::RevocationReason::kUnspecified},
      {carol.certificate.serial(), kNow - kDay - std::chrono::seconds(17), x509::RevocationReason::kCertificateHold},
  };
  auto crl = checked(parsed(crl_for(ca(), entries, kNow - kDay, kNow + 6 * kDay, 42)), ca());
  EXPECT_EQ(crl->size(), 3u);
  EXPECT_EQ(crl->number(), 42u);
  EXPECT_FALSE(crl->is_delta());
  EXPECT_EQ(crl->this_update(), kNow - kDay);
  EXPECT_EQ(crl->next_update(), kNow + 6 * kDay);

  for (const auto& entry : entries) {
    SCOPED_TRACE(to_hex(entry.serial));
    auto found = crl->find(entry.serial);
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->reason, entry.reason);
    EXPECT_EQ(found->revoked_at, entry.revoked_at);
    EXPECT_FALSE(found->removed_from_crl);
  }
  EXPECT_FALSE(crl->find(dave.certificate.serial()).has_value());
  EXPECT_FALSE(crl->find(pki_.issuing.certificate.serial()).has_value());
}

TEST_F(CheckedCrlTest, EmptyCrlListsNothing) {
  auto crl = checked(parsed(crl_for(ca(), {})), ca());
  EXPECT_EQ(crl->size(), 0u);
  EXPECT_FALSE(crl->find(pki_.leaf.certificate.serial()).has_value());
}

TEST_F(CheckedCrlTest, TenThousandEntriesAreAllFoundAndNoneOfTenThousandOthers) {
  constexpr std::size_t kCount = 10'000;
  // A fixed seed: a failure names serials that can be reproduced.
  std::mt19937_64 random(20260601);
  auto random_serial = [&] {
    Bytes serial(16);
    for (auto& octet : serial) octet = static_cast<std::uint8_t>(random());
    serial[0] = static_cast<std::uint8_t>((serial[0] & 0x7f) | 0x01);
    return serial;
  };
  std::set<Bytes> listed;
  std::vector<Bytes> order;
  x509::CrlEntries entries;
  entries.reserve(kCount);
  const std::array kReasons = {x509::RevocationReason::kUnspecified, x509::RevocationReason::kKeyCompromise,
                               x509::RevocationReason::kSuperseded, x509::RevocationReason::kCessationOfOperation};
  while (listed.size() < kCount) {
    Bytes serial = random_serial();
    if (!listed.insert(serial).second) continue;
    std::size_t i = order.size();
    must(entries.add(serial, kNow - std::chrono::seconds(static_cast<long>(i)), kReasons[i % kReasons.size()]));
    order.push_back(std::move(serial));
  }
  x509::CrlHeader header;
  header.number = 9;
  header.this_update = kNow - kDay;
  header.next_update = kNow + 6 * kDay;
  Bytes der = must(x509::sign_crl_der(ca().certificate, ca().key, header, std::move(entries)));
  auto crl = checked(parsed(der), ca());
  ASSERT_EQ(crl->size(), kCount);

  for (std::size_t i = 0; i < order.size(); ++i) {
    auto found = crl->find(order[i]);
    ASSERT_TRUE(found.has_value()) << "listed serial " << to_hex(order[i]) << " not found";
    ASSERT_EQ(found->reason, kReasons[i % kReasons.size()]) << to_hex(order[i]);
    ASSERT_EQ(found->revoked_at, kNow - std::chrono::seconds(static_cast<long>(i))) << to_hex(order[i]);
  }
  std::size_t others = 0;
  while (others < kCount) {
    Bytes serial = random_serial();
    if (listed.count(serial) != 0) continue;
    ++others;
    ASSERT_FALSE(crl->find(serial).has_value()) << "unlisted serial " << to_hex(serial) << " found";
  }
}

TEST_F(CheckedCrlTest, LeadingZeroOctetsDoNotChangeTheSerial) {
  // 0x80 0x01 is encoded with a leading zero octet in the CRL; 0x05 was handed over with two.
  const Bytes high_bit = {0x80, 0x01};
  const Bytes padded_five = {0x00, 0x00, 0x05};
  auto crl = checked(parsed(crl_for(ca(), {{high_bit, kNow - kDay, x509::RevocationReason::kSuperseded},
                                           {padded_five, kNow - kDay, x509::RevocationReason::kKeyCompromise}})),
                     ca());
  auto with_zero = crl->find(Bytes{0x00, 0x80, 0x01});
  ASSERT_TRUE(with_zero.has_value());
  EXPECT_EQ(with_zero->reason, x509::RevocationReason::kSuperseded);
  EXPECT_TRUE(crl->find(high_bit).has_value());
  ASSERT_TRUE(crl->find(Bytes{0x05}).has_value());
  EXPECT_EQ(crl->find(Bytes{0x05})->reason, x509::RevocationReason::kKeyCompromise);
  EXPECT_TRUE(crl->find(Bytes{0x00, 0x05}).has_value());
  // Zeros count at the other end.
  EXPECT_FALSE(crl->find(Bytes{0x05, 0x00}).has_value());
  EXPECT_FALSE(crl->find(Bytes{0x80, 0x01, 0x00}).has_value());
}

TEST_F(CheckedCrlTest, SerialLongerThanTwentyOctetsIsFound) {
  Bytes long_serial(25);
  for (std::size_t i = 0; i < long_serial.size(); ++i) long_serial[i] = static_cast<std::uint8_t>(0x31 + i);
  // Shares the first 20 octets: a prefix of a long serial must not stand for it.
  Bytes same_prefix = long_serial;
  same_prefix.back() ^= 0x01;
  Bytes twenty(long_serial.begin(), long_serial.begin() + 20);

  auto crl = checked(HandCrl(ca())
                         .revoke(long_serial, kNow - 2 * kDay, 1)
                         .revoke(Bytes{0x42}, kNow - kDay)
                         .sign(),
                     ca());
  ASSERT_EQ(crl->size(), 2u);
  auto found = crl->find(long_serial);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->reason, x509::RevocationReason::kKeyCompromise);
  EXPECT_EQ(found->revoked_at, kNow - 2 * kDay);
  Bytes padded = long_serial;
  padded.insert(padded.begin(), 0x00);
  EXPECT_TRUE(crl->find(padded).has_value());
  EXPECT_FALSE(crl->find(same_prefix).has_value());
  EXPECT_FALSE(crl->find(twenty).has_value());
  EXPECT_TRUE(crl->find(Bytes{0x42}).has_value());
}

TEST_F(CheckedCrlTest, RefusesTheCrlOfAnotherIssuerName) {
  // Same key, hence the same key identifier and a valid signature: only the name differs.
  CertificateOptions options = default_pki_options().issuing;
  options.subject = "CN=Another Issuing CA, O=Nimbus Tests";
  TestCa renamed{ca().key, make_certificate(options, ca().key, &pki_.root)};
  auto crl = parsed(crl_for(renamed, {}));
  ASSERT_TRUE(crl.is_signed_by(ca().certificate.public_key()));
  std::string why = refusal(crl, ca());
  EXPECT_TRUE(contains(why, "Another Issuing CA")) << why;
  EXPECT_TRUE(contains(refusal(parsed(crl_for(pki_.root, {})), ca()), "Verify Test Root"));
  EXPECT_EQ(refusal(parsed(crl_for(renamed, {})), renamed), "accepted");
}

TEST_F(CheckedCrlTest, RefusesACrlWhoseAuthorityKeyIdIsNotTheIssuersKeyId) {
  Bytes other_id(20, 0x5a);
  ASSERT_NE(other_id, ca().certificate.subject_key_id());
  std::string why = refusal(HandCrl(ca()).set_authority_key_id(other_id).sign(), ca());
  EXPECT_TRUE(contains(why, "authority key identifier")) << why;
  EXPECT_EQ(refusal(HandCrl(ca()).sign(), ca()), "accepted");
  // Without an AKI there is nothing to compare; the signature decides.
  EXPECT_EQ(refusal(HandCrl(ca()).set_authority_key_id({}).sign(), ca()), "accepted");
}

TEST_F(CheckedCrlTest, RefusesACrlSignedByAnotherKeyUnderTheSameName) {
  crypto::PrivateKey impostor = make_key();
  std::string without_aki = refusal(HandCrl(ca()).set_authority_key_id({}).sign(impostor), ca());
  EXPECT_TRUE(contains(without_aki, "signature does not verify")) << without_aki;
  // Claiming the issuer's key identifier does not help.
  std::string with_aki = refusal(HandCrl(ca()).sign(impostor), ca());
  EXPECT_TRUE(contains(with_aki, "signature does not verify")) << with_aki;
}

TEST_F(CheckedCrlTest, DeltaAndCompleteCrlsAreOnlyTakenWhereExpected) {
  auto delta = HandCrl(ca()).delta_of(7).sign();
  auto complete = HandCrl(ca()).sign();

  std::string delta_as_complete = refusal(delta, ca(), /*expect_delta=*/false);
  EXPECT_TRUE(contains(delta_as_complete, "delta CRL")) << delta_as_complete;
  std::string complete_as_delta = refusal(complete, ca(), /*expect_delta=*/true);
  EXPECT_TRUE(contains(complete_as_delta, "not a delta CRL")) << complete_as_delta;

  auto accepted_delta = checked(delta, ca(), /*expect_delta=*/true);
  EXPECT_TRUE(accepted_delta->is_delta());
  EXPECT_EQ(accepted_delta->base_number(), 7u);
  EXPECT_EQ(accepted_delta->number(), 1u);
  EXPECT_FALSE(checked(complete, ca(), /*expect_delta=*/false)->is_delta());
}

// The indicator makes a CRL a delta CRL, whatever its base number: one too long for Nimbus to
// compare must not let a delta CRL pass for a complete one.
TEST_F(CheckedCrlTest, DeltaCrlWithALongBaseNumberIsNotTakenForAComplete) {
  Bytes base(12, 0x00);
  base[0] = 0x01;
  auto delta = HandCrl(ca()).delta_of_long(base).sign();
  ASSERT_GE(X509_CRL_get_ext_by_NID(delta.get(), NID_delta_crl, -1), 0);
  EXPECT_NE(refusal(delta, ca(), /*expect_delta=*/false), "accepted");
}

TEST_F(CheckedCrlTest, DeltaEntryRemovedFromCrlIsNotARevocation) {
  auto delta = checked(HandCrl(ca())
                           .delta_of(3)
                           .revoke(Bytes{0x11}, kNow - kDay, 8)
                           .revoke(Bytes{0x22}, kNow - kDay, 1)
                           .sign(),
                       ca(), /*expect_delta=*/true);
  auto removed = delta->find(Bytes{0x11});
  ASSERT_TRUE(removed.has_value());
  EXPECT_TRUE(removed->removed_from_crl);
  auto revoked_entry = delta->find(Bytes{0x22});
  ASSERT_TRUE(revoked_entry.has_value());
  EXPECT_FALSE(revoked_entry->removed_from_crl);
  EXPECT_EQ(revoked_entry->reason, x509::RevocationReason::kKeyCompromise);
}

TEST_F(CheckedCrlTest, RefusesAnIndirectCrl) {
  std::string why =
      refusal(HandCrl(ca()).add_conf(NID_issuing_distribution_point, "critical,indirectCRL:TRUE").sign(), ca());
  EXPECT_TRUE(contains(why, "indirect")) << why;
  // The same extension without the flag is an ordinary CRL.
  EXPECT_EQ(refusal(HandCrl(ca()).add_conf(NID_issuing_distribution_point, "critical,onlyuser:TRUE").sign(), ca()),
            "accepted");
}

TEST_F(CheckedCrlTest, RefusesCrlsCoveringOnlySomeReasonsOrAttributeCertificates) {
  std::string reasons = refusal(
      HandCrl(ca()).add_conf(NID_issuing_distribution_point, "critical,onlysomereasons:keyCompromise").sign(), ca());
  EXPECT_TRUE(contains(reasons, "only some revocation reasons")) << reasons;
  std::string attributes =
      refusal(HandCrl(ca()).add_conf(NID_issuing_distribution_point, "critical,onlyAA:TRUE").sign(), ca());
  EXPECT_TRUE(contains(attributes, "attribute certificate")) << attributes;
}

TEST_F(CheckedCrlTest, RefusesAnUnknownCriticalCrlExtension) {
  auto unknown = [](bool critical) {
    crypto::Asn1ObjectPtr oid(OBJ_txt2obj("1.3.6.1.4.1.55555.7.1", 1));
    crypto::Asn1OctetStringPtr value(ASN1_OCTET_STRING_new());
    const unsigned char null_der[] = {0x05, 0x00};
    require(oid && value && ASN1_OCTET_STRING_set(value.get(), null_der, sizeof null_der) == 1, "unknown extension");
    return crypto::X509ExtensionPtr(X509_EXTENSION_create_by_OBJ(nullptr, oid.get(), critical ? 1 : 0, value.get()));
  };
  std::string why = refusal(HandCrl(ca()).add(unknown(true)).sign(), ca());
  EXPECT_TRUE(contains(why, "1.3.6.1.4.1.55555.7.1")) << why;
  EXPECT_EQ(refusal(HandCrl(ca()).add(unknown(false)).sign(), ca()), "accepted");
}

TEST_F(CheckedCrlTest, ScopeLimitedToUserOrCaCertificates) {
  const x509::Certificate& end_entity = pki_.leaf.certificate;
  const x509::Certificate& sub_ca = pki_.issuing.certificate;
  auto users_only =
      checked(HandCrl(pki_.root).add_conf(NID_issuing_distribution_point, "critical,onlyuser:TRUE").sign(), pki_.root);
  auto cas_only =
      checked(HandCrl(pki_.root).add_conf(NID_issuing_distribution_point, "critical,onlyCA:TRUE").sign(), pki_.root);
  auto everything = checked(parsed(crl_for(pki_.root, {})), pki_.root);

  auto ca_under_users_only = users_only->scope_mismatch(sub_ca, {});
  ASSERT_TRUE(ca_under_users_only.has_value());
  EXPECT_TRUE(contains(*ca_under_users_only, "only end-entity")) << *ca_under_users_only;
  EXPECT_FALSE(users_only->scope_mismatch(end_entity, {}).has_value());

  auto end_entity_under_cas_only = cas_only->scope_mismatch(end_entity, {});
  ASSERT_TRUE(end_entity_under_cas_only.has_value());
  EXPECT_TRUE(contains(*end_entity_under_cas_only, "only CA")) << *end_entity_under_cas_only;
  EXPECT_FALSE(cas_only->scope_mismatch(sub_ca, {}).has_value());

  EXPECT_FALSE(everything->scope_mismatch(sub_ca, {}).has_value());
  EXPECT_FALSE(everything->scope_mismatch(end_entity, {}).has_value());
}

TEST_F(CheckedCrlTest, ScopeOfADistributionPointTheCertificateDoesNotName) {
  auto partition = checked(
      HandCrl(ca()).add_conf(NID_issuing_distribution_point, "critical,fullname:URI:http://pki.test/cdp/part2.crl").sign(),
      ca());
  EXPECT_TRUE(partition->scope_mismatch(pki_.leaf.certificate, {kIssuingCrl}).has_value());
  EXPECT_FALSE(
      partition->scope_mismatch(pki_.leaf.certificate, {kIssuingCrl, "http://pki.test/cdp/part2.crl"}).has_value());
}

TEST_F(CheckedCrlTest, StaleBeforeThisUpdateBeyondTheSkewAndAfterNextUpdate) {
  const Timestamp this_update = kNow - kDay;
  const Timestamp next_update = kNow + 6 * kDay;
  auto crl = checked(parsed(crl_for(ca(), {}, this_update, next_update)), ca());
  EXPECT_FALSE(crl->stale_at(kNow).has_value());
  EXPECT_FALSE(crl->stale_at(this_update).has_value());
  EXPECT_FALSE(crl->stale_at(this_update - std::chrono::minutes(5)).has_value());
  auto early = crl->stale_at(this_update - std::chrono::minutes(5) - std::chrono::seconds(1));
  ASSERT_TRUE(early.has_value());
  EXPECT_TRUE(contains(*early, "not valid yet")) << *early;
  EXPECT_TRUE(crl->stale_at(this_update - kDay).has_value());
  EXPECT_FALSE(crl->stale_at(next_update).has_value());
  auto late = crl->stale_at(next_update + std::chrono::seconds(1));
  ASSERT_TRUE(late.has_value());
  EXPECT_TRUE(contains(*late, "expired")) << *late;
}

TEST_F(CheckedCrlTest, DescribeNamesTheNumberAndEntryCount) {
  auto crl = checked(parsed(crl_for(ca(), {revoked(pki_.leaf.certificate)}, kNow - kDay, kNow + 6 * kDay, 12)), ca());
  std::string text = crl->describe();
  EXPECT_TRUE(contains(text, "#12")) << text;
  EXPECT_TRUE(contains(text, "1 entries")) << text;
  EXPECT_TRUE(contains(text, "Verify Test Issuing CA")) << text;
  EXPECT_TRUE(contains(text, format_timestamp(kNow + 6 * kDay))) << text;
  std::string delta = checked(HandCrl(ca()).delta_of(11).sign(), ca(), true)->describe();
  EXPECT_TRUE(contains(delta, "delta CRL #1")) << delta;
  EXPECT_TRUE(contains(delta, "0 entries")) << delta;
}

}  // namespace
}  // namespace nimbus::verify
