#include "x509/crl.h"

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <functional>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

#include "x509/certificate_builder.h"
#include "x509/extensions.h"
#include "testing/test_support.h"

namespace nimbus::x509 {
namespace {

using nimbus::testing::at;
using nimbus::testing::CertificateOptions;
using nimbus::testing::make_ca;
using nimbus::testing::make_key;
using nimbus::testing::TestCa;

TestCa make_issuer(std::string_view key_spec = "ec:p256", bool key_ids = true) {
  CertificateOptions options;
  options.subject = "CN=CRL Issuer, O=Nimbus Tests";
  options.key_ids = key_ids;
  return make_ca(options, nullptr, key_spec);
}

CrlContents sample_contents() {
  CrlContents contents;
  contents.number = 7;
  contents.this_update = at("2026-03-01T12:00:00Z");
  contents.next_update = at("2026-03-08T12:00:00Z");
  contents.revoked = {
      {{0x7f, 0x01, 0x02}, at("2026-02-10T08:00:00Z"), RevocationReason::kKeyCompromise},
      {{0x11, 0x22}, at("2026-02-11T09:30:00Z"), RevocationReason::kUnspecified},
      {{0x42}, at("2026-02-12T10:45:00Z"), RevocationReason::kCessationOfOperation},
      {{0x23, 0x45, 0x67}, at("2026-02-13T00:00:00Z"), RevocationReason::kCaCompromise},
  };
  return contents;
}

// The entry for `serial` in `crl`, or null.
X509_REVOKED* find_entry(const CertificateRevocationList& crl, const Bytes& serial) {
  STACK_OF(X509_REVOKED)* revoked = X509_CRL_get_REVOKED(crl.get());
  for (int i = 0; i < sk_X509_REVOKED_num(revoked); ++i) {
    X509_REVOKED* entry = sk_X509_REVOKED_value(revoked, i);
    const ASN1_INTEGER* number = X509_REVOKED_get0_serialNumber(entry);
    Bytes bytes(ASN1_STRING_get0_data(number), ASN1_STRING_get0_data(number) + ASN1_STRING_length(number));
    if (bytes == serial) return entry;
  }
  return nullptr;
}

// The reasonCode of an entry, or -1 when it has none.
long reason_code(X509_REVOKED* entry) {
  int critical = 0;
  crypto::OpenSslPtr<ASN1_ENUMERATED, ASN1_ENUMERATED_free> code(
      static_cast<ASN1_ENUMERATED*>(X509_REVOKED_get_ext_d2i(entry, NID_crl_reason, &critical, nullptr)));
  if (!code) return -1;
  EXPECT_EQ(critical, 0);
  return ASN1_ENUMERATED_get(code.get());
}

TEST(Crl, SignsAndParsesBackWhatItSays) {
  TestCa issuer = make_issuer();
  NIMBUS_ASSERT_OK_AND_ASSIGN(CertificateRevocationList signed_crl,
                              sign_crl(issuer.certificate, issuer.key, sample_contents()));
  NIMBUS_ASSERT_OK_AND_ASSIGN(CertificateRevocationList crl, CertificateRevocationList::parse(signed_crl.der()));
  EXPECT_EQ(crl.der(), signed_crl.der());
  EXPECT_EQ(X509_CRL_get_version(crl.get()), X509_CRL_VERSION_2);
  EXPECT_TRUE(crl.issuer() == issuer.certificate.subject());
  EXPECT_EQ(crl.issuer().to_string(), "CN=CRL Issuer, O=Nimbus Tests");
  ASSERT_TRUE(crl.number().has_value());
  EXPECT_EQ(*crl.number(), 7u);
  EXPECT_EQ(crl.this_update(), at("2026-03-01T12:00:00Z"));
  ASSERT_TRUE(crl.next_update().has_value());
  EXPECT_EQ(*crl.next_update(), at("2026-03-08T12:00:00Z"));
  EXPECT_EQ(crl.authority_key_id(), issuer.certificate.subject_key_id());
  EXPECT_EQ(crl.revoked_count(), 4u);
  EXPECT_EQ(X509_CRL_get_signature_nid(crl.get()), NID_ecdsa_with_SHA256);
}

TEST(Crl, ParsesPem) {
  TestCa issuer = make_issuer();
  NIMBUS_ASSERT_OK_AND_ASSIGN(CertificateRevocationList crl, sign_crl(issuer.certificate, issuer.key, sample_contents()));
  std::string pem = crl.pem();
  EXPECT_EQ(pem.rfind("-----BEGIN X509 CRL-----\n", 0), 0u) << pem;
  NIMBUS_ASSERT_OK_AND_ASSIGN(CertificateRevocationList parsed, CertificateRevocationList::parse(as_bytes(pem)));
  EXPECT_EQ(parsed.der(), crl.der());
}

// A base and a delta CRL pasted into one file: the second would otherwise be ignored.
TEST(Crl, RefusesTwoCrlsSayingHowMany) {
  TestCa issuer = make_issuer();
  NIMBUS_ASSERT_OK_AND_ASSIGN(CertificateRevocationList crl, sign_crl(issuer.certificate, issuer.key, sample_contents()));
  const std::string expected = "holds 2 CRLs; exactly one is expected (put each in a file of its own)";
  auto pem = CertificateRevocationList::parse(as_bytes(crl.pem() + issuer.certificate.pem() + crl.pem()));
  ASSERT_FALSE(pem.ok());
  EXPECT_EQ(pem.error().code(), ErrorCode::kMalformed);
  EXPECT_EQ(pem.error().message(), expected);

  Bytes two = crl.der();
  two.insert(two.end(), crl.der().begin(), crl.der().end());
  auto der = CertificateRevocationList::parse(two);
  ASSERT_FALSE(der.ok());
  EXPECT_EQ(der.error().message(), expected);

  // A certificate beside one CRL is not a second CRL.
  NIMBUS_ASSERT_OK_AND_ASSIGN(CertificateRevocationList one,
                              CertificateRevocationList::parse(as_bytes(issuer.certificate.pem() + crl.pem())));
  EXPECT_EQ(one.der(), crl.der());
}

TEST(Crl, EntriesCarryTheirDateAndAReasonCodeUnlessUnspecified) {
  TestCa issuer = make_issuer();
  CrlContents contents = sample_contents();
  NIMBUS_ASSERT_OK_AND_ASSIGN(CertificateRevocationList signed_crl, sign_crl(issuer.certificate, issuer.key, contents));
  NIMBUS_ASSERT_OK_AND_ASSIGN(CertificateRevocationList crl, CertificateRevocationList::parse(signed_crl.der()));
  for (const RevokedCertificate& expected : contents.revoked) {
    X509_REVOKED* entry = find_entry(crl, expected.serial);
    ASSERT_NE(entry, nullptr) << to_hex(expected.serial);
    EXPECT_EQ(to_timestamp(X509_REVOKED_get0_revocationDate(entry)), expected.revoked_at);
    long code = reason_code(entry);
    if (expected.reason == RevocationReason::kUnspecified) {
      EXPECT_EQ(code, -1) << "an unspecified reason must be absent (RFC 5280 5.3.1)";
      EXPECT_EQ(X509_REVOKED_get_ext_count(entry), 0);
    } else {
      EXPECT_EQ(code, static_cast<long>(expected.reason)) << to_hex(expected.serial);
    }
  }
}

TEST(Crl, EntriesAreSortedBySerial) {
  TestCa issuer = make_issuer();
  NIMBUS_ASSERT_OK_AND_ASSIGN(CertificateRevocationList crl, sign_crl(issuer.certificate, issuer.key, sample_contents()));
  STACK_OF(X509_REVOKED)* revoked = X509_CRL_get_REVOKED(crl.get());
  ASSERT_EQ(sk_X509_REVOKED_num(revoked), 4);
  for (int i = 1; i < 4; ++i) {
    EXPECT_LT(ASN1_INTEGER_cmp(X509_REVOKED_get0_serialNumber(sk_X509_REVOKED_value(revoked, i - 1)),
                               X509_REVOKED_get0_serialNumber(sk_X509_REVOKED_value(revoked, i))),
              0);
  }
}

TEST(Crl, IsSignedByTheIssuerKeyOnly) {
  TestCa issuer = make_issuer();
  NIMBUS_ASSERT_OK_AND_ASSIGN(CertificateRevocationList crl, sign_crl(issuer.certificate, issuer.key, sample_contents()));
  EXPECT_TRUE(crl.is_signed_by(issuer.key.public_key()));
  EXPECT_TRUE(crl.is_signed_by(issuer.certificate.public_key()));
  EXPECT_FALSE(crl.is_signed_by(make_key().public_key()));
  EXPECT_FALSE(crl.is_signed_by(make_key("rsa:2048").public_key()));
}

TEST(Crl, TamperingBreaksTheSignature) {
  TestCa issuer = make_issuer();
  NIMBUS_ASSERT_OK_AND_ASSIGN(CertificateRevocationList crl, sign_crl(issuer.certificate, issuer.key, sample_contents()));
  Bytes der = crl.der();
  std::string_view text(reinterpret_cast<const char*>(der.data()), der.size());
  std::size_t where = text.find("CRL Issuer");
  ASSERT_NE(where, std::string_view::npos);
  der[where] = 'X';
  NIMBUS_ASSERT_OK_AND_ASSIGN(CertificateRevocationList tampered, CertificateRevocationList::parse(der));
  EXPECT_FALSE(tampered.is_signed_by(issuer.key.public_key()));
}

TEST(Crl, EmptyCrlHasNoEntries) {
  TestCa issuer = make_issuer("ec:p384");
  CrlContents contents;
  contents.number = 1;
  contents.this_update = at("2026-03-01T00:00:00Z");
  contents.next_update = at("2026-03-08T00:00:00Z");
  NIMBUS_ASSERT_OK_AND_ASSIGN(CertificateRevocationList crl, sign_crl(issuer.certificate, issuer.key, contents));
  NIMBUS_ASSERT_OK_AND_ASSIGN(CertificateRevocationList parsed, CertificateRevocationList::parse(crl.der()));
  EXPECT_EQ(parsed.revoked_count(), 0u);
  EXPECT_EQ(*parsed.number(), 1u);
  EXPECT_EQ(X509_CRL_get_signature_nid(parsed.get()), NID_ecdsa_with_SHA384);
  EXPECT_TRUE(parsed.is_signed_by(issuer.key.public_key()));
}

TEST(Crl, ExtensionsAreNonCriticalAkiAndNumber) {
  TestCa issuer = make_issuer();
  NIMBUS_ASSERT_OK_AND_ASSIGN(CertificateRevocationList crl, sign_crl(issuer.certificate, issuer.key, sample_contents()));
  ASSERT_EQ(X509_CRL_get_ext_count(crl.get()), 2);
  for (int i = 0; i < 2; ++i) {
    X509_EXTENSION* extension = X509_CRL_get_ext(crl.get(), i);
    int nid = OBJ_obj2nid(X509_EXTENSION_get_object(extension));
    EXPECT_TRUE(nid == NID_authority_key_identifier || nid == NID_crl_number) << nid;
    EXPECT_EQ(X509_EXTENSION_get_critical(extension), 0);
  }
}

TEST(Crl, AkiFallsBackToTheKeyIdentifierWhenTheIssuerHasNoSki) {
  TestCa issuer = make_issuer("ec:p256", /*key_ids=*/false);
  ASSERT_TRUE(issuer.certificate.subject_key_id().empty());
  NIMBUS_ASSERT_OK_AND_ASSIGN(CertificateRevocationList crl, sign_crl(issuer.certificate, issuer.key, sample_contents()));
  EXPECT_EQ(crl.authority_key_id(), key_identifier(issuer.key.public_key()));
}

TEST(Crl, LargeNumbersSurvive) {
  TestCa issuer = make_issuer();
  CrlContents contents = sample_contents();
  contents.number = (std::uint64_t{1} << 40) + 5;
  NIMBUS_ASSERT_OK_AND_ASSIGN(CertificateRevocationList crl, sign_crl(issuer.certificate, issuer.key, contents));
  ASSERT_TRUE(crl.number().has_value());
  EXPECT_EQ(*crl.number(), contents.number);
}

TEST(Crl, ParseRefusesGarbageAndTrailingBytes) {
  TestCa issuer = make_issuer();
  NIMBUS_ASSERT_OK_AND_ASSIGN(CertificateRevocationList crl, sign_crl(issuer.certificate, issuer.key, sample_contents()));
  Bytes trailing = crl.der();
  trailing.push_back(0);
  NIMBUS_EXPECT_ERROR(CertificateRevocationList::parse(trailing), ErrorCode::kMalformed);
  NIMBUS_EXPECT_ERROR(CertificateRevocationList::parse(Bytes{}), ErrorCode::kMalformed);
  NIMBUS_EXPECT_ERROR(CertificateRevocationList::parse(as_bytes("garbage")), ErrorCode::kMalformed);
  NIMBUS_EXPECT_ERROR(CertificateRevocationList::parse(issuer.certificate.der()), ErrorCode::kMalformed);
  NIMBUS_EXPECT_ERROR(CertificateRevocationList::parse(as_bytes(issuer.certificate.pem())), ErrorCode::kMalformed);
}

TEST(Crl, CrlWithoutNumberHasNone) {
  TestCa issuer = make_issuer();
  crypto::X509CrlPtr raw(X509_CRL_new());
  ASSERT_EQ(X509_CRL_set_version(raw.get(), X509_CRL_VERSION_2), 1);
  ASSERT_EQ(X509_CRL_set_issuer_name(raw.get(), X509_get_subject_name(issuer.certificate.get())), 1);
  crypto::Asn1TimePtr now(ASN1_TIME_new());
  ASSERT_NE(ASN1_TIME_set(now.get(), 1'767'225'600), nullptr);
  X509_CRL_set1_lastUpdate(raw.get(), now.get());
  ASSERT_GT(X509_CRL_sign(raw.get(), issuer.key.get(), EVP_sha256()), 0);
  CertificateRevocationList crl = CertificateRevocationList::adopt(std::move(raw));
  EXPECT_FALSE(crl.number().has_value());
  EXPECT_FALSE(crl.next_update().has_value());
  EXPECT_TRUE(crl.authority_key_id().empty());
  EXPECT_EQ(crl.revoked_count(), 0u);
  EXPECT_TRUE(crl.is_signed_by(issuer.key.public_key()));
}

// The CRL as OpenSSL's object model builds it: X509_REVOKED entries, X509_CRL_sort, X509_CRL_sign.
// sign_crl built CRLs this way before it wrote the DER itself, and must still produce the same bytes.
crypto::X509CrlPtr reference_crl(const TestCa& issuer, const CrlContents& contents) {
  auto check = [](bool ok, const char* what) {
    if (!ok) throw std::runtime_error(std::string("reference CRL: ") + what);
  };
  crypto::X509CrlPtr crl(X509_CRL_new());
  check(crl && X509_CRL_set_version(crl.get(), X509_CRL_VERSION_2) == 1 &&
            X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(issuer.certificate.get())) == 1,
        "header");
  crypto::Asn1TimePtr this_update(ASN1_TIME_new());
  crypto::Asn1TimePtr next_update(ASN1_TIME_new());
  check(set_asn1_time(this_update.get(), contents.this_update).ok() &&
            set_asn1_time(next_update.get(), contents.next_update).ok() &&
            X509_CRL_set1_lastUpdate(crl.get(), this_update.get()) == 1 &&
            X509_CRL_set1_nextUpdate(crl.get(), next_update.get()) == 1,
        "times");
  for (const RevokedCertificate& entry : contents.revoked) {
    crypto::X509RevokedPtr revoked(X509_REVOKED_new());
    crypto::BignumPtr value(BN_bin2bn(entry.serial.data(), static_cast<int>(entry.serial.size()), nullptr));
    crypto::Asn1IntegerPtr serial(BN_to_ASN1_INTEGER(value.get(), nullptr));
    crypto::Asn1TimePtr date(ASN1_TIME_new());
    check(set_asn1_time(date.get(), entry.revoked_at).ok() &&
              X509_REVOKED_set_serialNumber(revoked.get(), serial.get()) == 1 &&
              X509_REVOKED_set_revocationDate(revoked.get(), date.get()) == 1,
          "entry");
    if (entry.reason != RevocationReason::kUnspecified) {
      crypto::OpenSslPtr<ASN1_ENUMERATED, ASN1_ENUMERATED_free> code(ASN1_ENUMERATED_new());
      ASN1_ENUMERATED_set(code.get(), static_cast<long>(entry.reason));
      check(X509_REVOKED_add1_ext_i2d(revoked.get(), NID_crl_reason, code.get(), 0, 0) == 1, "reason");
    }
    check(X509_CRL_add0_revoked(crl.get(), revoked.get()) == 1, "add");
    revoked.release();
  }
  Bytes key_id = issuer.certificate.subject_key_id();
  if (key_id.empty()) key_id = key_identifier(issuer.certificate.public_key());
  crypto::X509ExtensionPtr aki = nimbus::testing::must(authority_key_id_extension(key_id), "aki");
  crypto::X509ExtensionPtr number = nimbus::testing::must(crl_number_extension(contents.number), "number");
  check(X509_CRL_add_ext(crl.get(), aki.get(), -1) == 1 && X509_CRL_add_ext(crl.get(), number.get(), -1) == 1,
        "extensions");
  X509_CRL_sort(crl.get());
  check(X509_CRL_sign(crl.get(), issuer.key.get(), crypto::evp_digest(issuer.key.preferred_digest())) > 0, "sign");
  return crl;
}

// The TBSCertList of a DER CertificateList: the first element inside the outer SEQUENCE.
std::string tbs_hex(const Bytes& der) {
  auto element_size = [&](std::size_t at) {
    std::size_t first = der.at(at + 1);
    if (first < 0x80) return 2 + first;
    std::size_t length = 0;
    for (std::size_t i = 0; i < (first & 0x7f); ++i) length = (length << 8) | der.at(at + 2 + i);
    return 2 + (first & 0x7f) + length;
  };
  std::size_t outer_header = der.at(1) < 0x80 ? 2 : 2 + (der.at(1) & 0x7f);
  std::size_t size = element_size(outer_header);
  return to_hex(ByteView(der.data() + outer_header, size));
}

// Serials as stores hold them (leading zero octets, high bits, zero, 20 octets), out of order,
// and times either side of the UTCTime / GeneralizedTime boundaries.
CrlContents awkward_contents() {
  CrlContents contents;
  contents.number = 0x1234567890;
  contents.this_update = at("2049-12-31T23:59:59Z");
  contents.next_update = at("2050-01-07T00:00:00Z");
  contents.revoked = {
      {{0x00, 0x80, 0x01}, at("2026-02-10T08:00:00Z"), RevocationReason::kKeyCompromise},
      {{0xff, 0x01}, at("1949-12-31T23:59:59Z"), RevocationReason::kUnspecified},
      {{0x00}, at("1950-01-01T00:00:00Z"), RevocationReason::kAaCompromise},
      {{0x00, 0x00, 0x05}, at("2050-01-01T00:00:00Z"), RevocationReason::kCertificateHold},
      {Bytes(20, 0x7e), at("2100-02-28T12:34:56Z"), RevocationReason::kPrivilegeWithdrawn},
      {{0x7f}, at("2026-02-11T09:30:00Z"), RevocationReason::kSuperseded},
      {{0x01, 0x00}, at("2026-02-12T10:45:00Z"), RevocationReason::kCessationOfOperation},
  };
  return contents;
}

TEST(Crl, EncodesExactlyWhatOpenSslsObjectModelWould) {
  for (std::string_view key_spec : {"rsa:2048", "ec:p256"}) {
    SCOPED_TRACE(key_spec);
    TestCa issuer = make_issuer(key_spec);
    for (const CrlContents& contents : {awkward_contents(), sample_contents(), CrlContents{}}) {
      crypto::X509CrlPtr reference = reference_crl(issuer, contents);
      NIMBUS_ASSERT_OK_AND_ASSIGN(Bytes der, sign_crl_der(issuer.certificate, issuer.key, contents));
      NIMBUS_ASSERT_OK_AND_ASSIGN(CertificateRevocationList crl, CertificateRevocationList::parse(der));
      Bytes reference_der = CertificateRevocationList::adopt(std::move(reference)).der();
      EXPECT_EQ(tbs_hex(der), tbs_hex(reference_der));
      EXPECT_TRUE(crl.is_signed_by(issuer.key.public_key()));
      // PKCS#1 v1.5 signatures are deterministic, so with RSA the whole CRL is the same.
      if (key_spec == "rsa:2048") {
        EXPECT_EQ(to_hex(der), to_hex(reference_der));
      }
    }
  }
}

TEST(Crl, SortsEntriesByTheirValueNotTheirStoredBytes) {
  TestCa issuer = make_issuer();
  NIMBUS_ASSERT_OK_AND_ASSIGN(CertificateRevocationList crl,
                              sign_crl(issuer.certificate, issuer.key, awkward_contents()));
  STACK_OF(X509_REVOKED)* revoked = X509_CRL_get_REVOKED(crl.get());
  ASSERT_EQ(sk_X509_REVOKED_num(revoked), 7);
  for (int i = 1; i < 7; ++i) {
    EXPECT_LT(ASN1_INTEGER_cmp(X509_REVOKED_get0_serialNumber(sk_X509_REVOKED_value(revoked, i - 1)),
                               X509_REVOKED_get0_serialNumber(sk_X509_REVOKED_value(revoked, i))),
              0);
  }
}

TEST(CrlEntries, RefusesSerialsOverTwentyOctetsAndReasonsNoCrlEntryCarries) {
  CrlEntries entries;
  Timestamp when = at("2026-02-10T08:00:00Z");
  Bytes twenty_one(21, 0x11);
  NIMBUS_EXPECT_ERROR(entries.add(twenty_one, when, RevocationReason::kKeyCompromise), ErrorCode::kInvalidArgument);
  twenty_one[0] = 0x00;  // leading zeros do not count
  NIMBUS_EXPECT_OK(entries.add(twenty_one, when, RevocationReason::kKeyCompromise));
  for (int code : {7, 8, 11, 255}) {
    SCOPED_TRACE(code);
    NIMBUS_EXPECT_ERROR(entries.add(Bytes{0x01}, when, static_cast<RevocationReason>(code)), ErrorCode::kInvalidArgument);
  }
  EXPECT_EQ(entries.size(), 1u);
}

// sample_contents()'s CRL changed by `edit`, signed again by `issuer` and parsed back from its
// DER, as a relying party would read it.
CertificateRevocationList edited(const TestCa& issuer, const std::function<void(X509_CRL*)>& edit) {
  CertificateRevocationList base = nimbus::testing::must(sign_crl(issuer.certificate, issuer.key, sample_contents()));
  crypto::X509CrlPtr crl(X509_CRL_dup(base.get()));
  if (!crl) throw std::runtime_error("copying a CRL");
  edit(crl.get());
  if (X509_CRL_sign(crl.get(), issuer.key.get(), EVP_sha256()) <= 0) throw std::runtime_error("signing a CRL");
  return nimbus::testing::must(CertificateRevocationList::parse(CertificateRevocationList::adopt(std::move(crl)).der()));
}

// With extensions added in openssl.cnf syntax ("critical,onlyuser:TRUE").
CertificateRevocationList with_extensions(const TestCa& issuer, std::initializer_list<std::pair<int, const char*>> added) {
  return edited(issuer, [&](X509_CRL* crl) {
    X509V3_CTX context;
    X509V3_set_ctx(&context, issuer.certificate.get(), nullptr, nullptr, crl, 0);
    X509V3_set_ctx_nodb(&context);
    for (const auto& [nid, value] : added) {
      crypto::X509ExtensionPtr extension(X509V3_EXT_conf_nid(nullptr, &context, nid, value));
      if (!extension || X509_CRL_add_ext(crl, extension.get(), -1) != 1) throw std::runtime_error(value);
    }
  });
}

// A delta CRL whose critical Delta CRL Indicator names `base` (big-endian, up to 20 octets).
CertificateRevocationList delta_of(const TestCa& issuer, const Bytes& base) {
  return edited(issuer, [&](X509_CRL* crl) {
    crypto::BignumPtr value(BN_bin2bn(base.data(), static_cast<int>(base.size()), nullptr));
    crypto::Asn1IntegerPtr number(value ? BN_to_ASN1_INTEGER(value.get(), nullptr) : nullptr);
    if (!number || X509_CRL_add1_ext_i2d(crl, NID_delta_crl, number.get(), 1, 0) != 1) {
      throw std::runtime_error("a delta CRL indicator");
    }
  });
}

TEST(Crl, IssuerMatchesTheIssuingCertificatesSubjectOnly) {
  TestCa issuer = make_issuer();
  CertificateOptions other_options;
  other_options.subject = "CN=Someone Else, O=Nimbus Tests";
  TestCa other = make_ca(other_options);
  NIMBUS_ASSERT_OK_AND_ASSIGN(CertificateRevocationList crl, sign_crl(issuer.certificate, issuer.key, sample_contents()));
  EXPECT_TRUE(crl.issuer_matches(issuer.certificate));
  EXPECT_FALSE(crl.issuer_matches(other.certificate));
}

TEST(Crl, ExtensionViews) {
  TestCa issuer = make_issuer();
  NIMBUS_ASSERT_OK_AND_ASSIGN(CertificateRevocationList crl, sign_crl(issuer.certificate, issuer.key, sample_contents()));
  ASSERT_EQ(crl.extension_count(), 2u);
  EXPECT_EQ(crl.extension(0).type(), ExtensionType::kAuthorityKeyIdentifier);
  EXPECT_EQ(crl.extension(0).oid(), "2.5.29.35");
  EXPECT_EQ(crl.extension(0).short_name(), "authorityKeyIdentifier");
  EXPECT_EQ(crl.extension(1).type(), ExtensionType::kCrlNumber);
  EXPECT_EQ(crl.extension(1).oid(), "2.5.29.20");
  EXPECT_FALSE(crl.extension(0).critical());
  EXPECT_FALSE(crl.extension(1).critical());
}

TEST(Crl, DeltaCrlIndicatorAndItsBaseNumber) {
  TestCa issuer = make_issuer();
  NIMBUS_ASSERT_OK_AND_ASSIGN(CertificateRevocationList complete, sign_crl(issuer.certificate, issuer.key, sample_contents()));
  EXPECT_FALSE(complete.has_delta_crl_indicator());
  EXPECT_EQ(complete.delta_base_number(), std::nullopt);

  CertificateRevocationList delta = delta_of(issuer, Bytes{0x05});
  EXPECT_TRUE(delta.has_delta_crl_indicator());
  EXPECT_EQ(delta.delta_base_number(), std::optional<std::uint64_t>(5));
  ASSERT_EQ(delta.extension_count(), 3u);
  EXPECT_EQ(delta.extension(2).type(), ExtensionType::kDeltaCrlIndicator);
  EXPECT_TRUE(delta.extension(2).critical());

  // RFC 5280 allows 20 octets; past 64 bits the indicator is there but its number is not.
  CertificateRevocationList long_base = delta_of(issuer, Bytes{1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
  EXPECT_TRUE(long_base.has_delta_crl_indicator());
  EXPECT_EQ(long_base.delta_base_number(), std::nullopt);
  EXPECT_EQ(ERR_peek_error(), 0u);  // nothing left on the error queue
}

TEST(Crl, IssuingDistributionPoint) {
  TestCa issuer = make_issuer();
  NIMBUS_ASSERT_OK_AND_ASSIGN(CertificateRevocationList plain, sign_crl(issuer.certificate, issuer.key, sample_contents()));
  NIMBUS_ASSERT_OK_AND_ASSIGN(std::optional<IssuingDistributionPoint> none, plain.issuing_distribution_point());
  EXPECT_FALSE(none.has_value());

  CertificateRevocationList users = with_extensions(
      issuer, {{NID_issuing_distribution_point, "critical,fullname:URI:http://crl.test/users.crl,onlyuser:TRUE"}});
  NIMBUS_ASSERT_OK_AND_ASSIGN(std::optional<IssuingDistributionPoint> point, users.issuing_distribution_point());
  ASSERT_TRUE(point.has_value());
  EXPECT_EQ(point->urls, std::vector<std::string>{"http://crl.test/users.crl"});
  EXPECT_TRUE(point->only_user_certificates);
  EXPECT_FALSE(point->only_ca_certificates || point->only_some_reasons || point->indirect_crl ||
               point->only_attribute_certificates);

  CertificateRevocationList narrow = with_extensions(
      issuer, {{NID_issuing_distribution_point,
                "critical,onlyCA:TRUE,indirectCRL:TRUE,onlysomereasons:keyCompromise,onlyAA:TRUE"}});
  NIMBUS_ASSERT_OK_AND_ASSIGN(point, narrow.issuing_distribution_point());
  ASSERT_TRUE(point.has_value());
  EXPECT_TRUE(point->urls.empty());
  EXPECT_FALSE(point->only_user_certificates);
  EXPECT_TRUE(point->only_ca_certificates && point->only_some_reasons && point->indirect_crl &&
              point->only_attribute_certificates);

  // Two of them: which one would count is anyone's guess.
  CertificateRevocationList twice = with_extensions(
      issuer, {{NID_issuing_distribution_point, "onlyuser:TRUE"}, {NID_issuing_distribution_point, "onlyCA:TRUE"}});
  NIMBUS_EXPECT_ERROR(twice.issuing_distribution_point(), ErrorCode::kMalformed);
  EXPECT_EQ(ERR_peek_error(), 0u);
}

TEST(Crl, FreshestCrlUrls) {
  TestCa issuer = make_issuer();
  NIMBUS_ASSERT_OK_AND_ASSIGN(CertificateRevocationList plain, sign_crl(issuer.certificate, issuer.key, sample_contents()));
  EXPECT_TRUE(plain.freshest_crl_urls().empty());
  CertificateRevocationList crl = with_extensions(
      issuer, {{NID_freshest_crl, "URI:http://crl.test/delta.crl,email:ca@crl.test,URI:http://backup.test/delta.crl"}});
  EXPECT_EQ(crl.freshest_crl_urls(),
            (std::vector<std::string>{"http://crl.test/delta.crl", "http://backup.test/delta.crl"}));
}

TEST(Crl, EntryViewsReadSerialDateAndReasonInPlace) {
  TestCa issuer = make_issuer();
  CrlContents contents = sample_contents();
  NIMBUS_ASSERT_OK_AND_ASSIGN(CertificateRevocationList crl, sign_crl(issuer.certificate, issuer.key, contents));
  ASSERT_EQ(crl.revoked_count(), contents.revoked.size());
  std::size_t seen = 0;
  for (const RevokedCertificate& expected : contents.revoked) {
    for (std::size_t i = 0; i < crl.revoked_count(); ++i) {
      CrlEntryView entry = crl.entry(i);
      if (Bytes(entry.serial().begin(), entry.serial().end()) != expected.serial) continue;
      ++seen;
      EXPECT_EQ(entry.revoked_at(), expected.revoked_at);
      if (expected.reason == RevocationReason::kUnspecified) {
        EXPECT_EQ(entry.reason_code(), std::nullopt);  // RFC 5280 5.3.1: left out
        EXPECT_EQ(entry.extension_count(), 0u);
      } else {
        EXPECT_EQ(entry.reason_code(), std::optional<std::int64_t>(static_cast<std::int64_t>(expected.reason)));
        ASSERT_EQ(entry.extension_count(), 1u);
        EXPECT_EQ(entry.extension(0).type(), ExtensionType::kReasonCode);
        EXPECT_FALSE(entry.extension(0).critical());
      }
    }
  }
  EXPECT_EQ(seen, contents.revoked.size());
}

}  // namespace
}  // namespace nimbus::x509
