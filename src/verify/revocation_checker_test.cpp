#include "verify/revocation_checker.h"

#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "crypto/handles.h"
#include "crypto/random.h"
#include "verify/verify_test_pki.h"
#include "x509/certificate_builder.h"
#include "x509/extensions.h"

namespace nimbus::verify {
namespace {

using namespace nimbus::verify::testing;
using nimbus::testing::dn;
using nimbus::testing::make_key;

inline constexpr const char* kIssuingDeltaCrl = "http://pki.test/cdp/issuing+.crl";

// An empty delta CRL (RFC 5280 5.2.4) on base CRL `base`; sign_crl writes only complete CRLs.
Bytes delta_crl(const TestCa& issuer, std::uint64_t base) {
  crypto::X509CrlPtr crl(X509_CRL_new());
  crypto::Asn1TimePtr this_update(ASN1_TIME_new());
  crypto::Asn1TimePtr next_update(ASN1_TIME_new());
  crypto::Asn1IntegerPtr number(ASN1_INTEGER_new());
  crypto::Asn1IntegerPtr base_number(ASN1_INTEGER_new());
  bool made = crl && this_update && next_update && number && base_number &&
              X509_CRL_set_version(crl.get(), X509_CRL_VERSION_2) == 1 &&
              X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(issuer.certificate.get())) == 1 &&
              x509::set_asn1_time(this_update.get(), kNow - kDay).ok() &&
              x509::set_asn1_time(next_update.get(), kNow + kDay).ok() &&
              X509_CRL_set1_lastUpdate(crl.get(), this_update.get()) == 1 &&
              X509_CRL_set1_nextUpdate(crl.get(), next_update.get()) == 1 &&
              ASN1_INTEGER_set_uint64(number.get(), base + 1) == 1 &&
              ASN1_INTEGER_set_uint64(base_number.get(), base) == 1 &&
              X509_CRL_add1_ext_i2d(crl.get(), NID_crl_number, number.get(), 0, 0) == 1 &&
              X509_CRL_add1_ext_i2d(crl.get(), NID_delta_crl, base_number.get(), 1, 0) == 1 &&
              X509_CRL_sign(crl.get(), issuer.key.get(), EVP_sha256()) > 0;
  if (!made) throw std::runtime_error("building a test delta CRL");
  return x509::CertificateRevocationList::adopt(std::move(crl)).der();
}

// An end-entity certificate from `issuer` with the given CRL distribution points and, when
// `freshest` is not empty, a Freshest CRL extension naming it.
x509::Certificate end_entity(const TestCa& issuer, std::string_view subject, const std::vector<std::string>& cdp,
                             const std::string& freshest = {}) {
  crypto::PrivateKey key = make_key();
  x509::CertificateBuilder builder;
  builder.set_subject(dn(subject))
      .set_issuer(issuer.certificate.subject())
      .set_serial(must(crypto::random_serial()))
      .set_validity(kNow - 30 * kDay, kNow + kYear)
      .set_public_key(key.public_key())
      .add_extension(x509::basic_constraints_extension(false, std::nullopt))
      .add_extension(x509::crl_distribution_points_extension(cdp));
  if (!freshest.empty()) {
    std::string value = "URI:" + freshest;
    crypto::X509ExtensionPtr extension(X509V3_EXT_conf_nid(nullptr, nullptr, NID_freshest_crl, value.c_str()));
    if (!extension) throw std::runtime_error("building a Freshest CRL extension");
    builder.add_extension(std::move(extension));
  }
  return must(builder.sign(issuer.key, crypto::SignatureDigest::kSha256), "signing a test certificate");
}

RevocationResult check_once(const RevocationChecker& checker, MapFetcher& fetcher, const x509::Certificate& subject,
                            const TestCa& issuer) {
  FetchSession session(&fetcher, FetchLimits{});
  std::vector<FetchRecord> fetches;
  return checker.check(subject, issuer.certificate, kNow, session, fetches);
}

// The cache keys a CRL by URL and issuer, not by whether it is a delta. A delta CRL fetched
// through a Freshest CRL URL must not then answer as the complete CRL for a certificate whose CRL
// distribution point is that URL: it lists only what changed since its base.
TEST(RevocationChecker, CachedDeltaCrlIsNotTakenAsACompleteCrl) {
  TestPki pki = make_pki();
  x509::Certificate bob = end_entity(pki.issuing, "CN=bob, O=Nimbus Tests", {kIssuingCrl}, kIssuingDeltaCrl);
  x509::Certificate carol = end_entity(pki.issuing, "CN=carol, O=Nimbus Tests", {kIssuingDeltaCrl});
  MapFetcher fetcher;
  fetcher.put(kIssuingCrl, crl_for(pki.issuing, {revoked(carol)}, kNow - kDay, kNow + 6 * kDay, 1));
  fetcher.put(kIssuingDeltaCrl, delta_crl(pki.issuing, 1));

  RevocationChecker uncached(nullptr, {});
  RevocationResult refused = check_once(uncached, fetcher, carol, pki.issuing);
  ASSERT_EQ(refused.status, RevocationStatus::kOffline) << refused.detail;

  RevocationCache cache;
  RevocationChecker checker(&cache, {});
  RevocationResult bob_result = check_once(checker, fetcher, bob, pki.issuing);
  ASSERT_EQ(bob_result.status, RevocationStatus::kGood) << bob_result.detail;
  ASSERT_EQ(cache.size(), 2u) << "the complete and the delta CRL are both cached";

  RevocationResult carol_result = check_once(checker, fetcher, carol, pki.issuing);
  EXPECT_EQ(carol_result.status, RevocationStatus::kOffline) << carol_result.detail;
}

// The other way round: a complete CRL cached from a CRL distribution point is not a delta CRL.
TEST(RevocationChecker, CachedCompleteCrlIsNotTakenAsADeltaCrl) {
  TestPki pki = make_pki();
  // dave names the issuing CA's complete CRL as his delta CRL too.
  x509::Certificate dave = end_entity(pki.issuing, "CN=dave, O=Nimbus Tests", {kIssuingCrl}, kIssuingCrl);
  MapFetcher fetcher;
  fetcher.put(kIssuingCrl, crl_for(pki.issuing, {}, kNow - kDay, kNow + 6 * kDay, 1));

  RevocationChecker uncached(nullptr, {});
  RevocationResult refused = check_once(uncached, fetcher, dave, pki.issuing);
  ASSERT_EQ(refused.status, RevocationStatus::kOffline) << refused.detail;

  RevocationCache cache;
  RevocationChecker checker(&cache, {});
  RevocationResult cached = check_once(checker, fetcher, dave, pki.issuing);
  EXPECT_EQ(cached.status, RevocationStatus::kOffline) << cached.detail;
}

}  // namespace
}  // namespace nimbus::verify
