#include "x509/pkcs12.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pkcs12.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>

#include <algorithm>
#include <set>

#include <gtest/gtest.h>

#include "testing/test_support.h"

namespace nimbus::x509 {
namespace {

using nimbus::testing::make_key;
using nimbus::testing::make_chain;
using nimbus::testing::TestChain;

constexpr std::string_view kPassword = "correct horse battery staple";

using Pkcs12Ptr = crypto::OpenSslPtr<PKCS12, PKCS12_free>;
void free_auth_safes(STACK_OF(PKCS7) * safes) { sk_PKCS7_pop_free(safes, PKCS7_free); }
void free_safe_bags(STACK_OF(PKCS12_SAFEBAG) * bags) { sk_PKCS12_SAFEBAG_pop_free(bags, PKCS12_SAFEBAG_free); }
using AuthSafesPtr = crypto::OpenSslPtr<STACK_OF(PKCS7), free_auth_safes>;
using SafeBagsPtr = crypto::OpenSslPtr<STACK_OF(PKCS12_SAFEBAG), free_safe_bags>;
using Pbe2ParamPtr = crypto::OpenSslPtr<PBE2PARAM, PBE2PARAM_free>;
using Pbkdf2ParamPtr = crypto::OpenSslPtr<PBKDF2PARAM, PBKDF2PARAM_free>;

Pkcs12Ptr decode(const Bytes& der) {
  const unsigned char* cursor = der.data();
  Pkcs12Ptr p12(d2i_PKCS12(nullptr, &cursor, static_cast<long>(der.size())));
  if (p12 && cursor != der.data() + der.size()) return nullptr;  // trailing bytes
  return p12;
}

Bytes der_of(X509* cert) {
  unsigned char* der = nullptr;
  int size = i2d_X509(cert, &der);
  Bytes out(der, der + std::max(size, 0));
  OPENSSL_free(der);
  return out;
}

// What PKCS12_parse returns, owned.
struct Parsed {
  crypto::EvpPkeyPtr key;
  crypto::X509Ptr cert;
  crypto::X509StackPtr chain;
};

std::optional<Parsed> parse(const Bytes& der, const char* password) {
  Pkcs12Ptr p12 = decode(der);
  if (!p12) return std::nullopt;
  EVP_PKEY* key = nullptr;
  X509* cert = nullptr;
  STACK_OF(X509)* chain = nullptr;
  if (PKCS12_parse(p12.get(), password, &key, &cert, &chain) != 1) {
    ERR_clear_error();
    return std::nullopt;
  }
  return Parsed{crypto::EvpPkeyPtr(key), crypto::X509Ptr(cert), crypto::X509StackPtr(chain)};
}

// PBES2 parameters: the key-derivation and encryption algorithms, as NIDs, and the PBKDF2 rounds.
struct Pbes2 {
  int kdf = NID_undef;
  int prf = NID_undef;
  long iterations = 0;
  int cipher = NID_undef;
};

// Reads the PBES2 parameters of `algorithm`; nullopt when it is not PBES2.
std::optional<Pbes2> pbes2_of(const X509_ALGOR* algorithm) {
  const ASN1_OBJECT* oid = nullptr;
  int parameter_type = 0;
  const void* parameter = nullptr;
  X509_ALGOR_get0(&oid, &parameter_type, &parameter, algorithm);
  if (OBJ_obj2nid(oid) != NID_pbes2 || parameter_type != V_ASN1_SEQUENCE) return std::nullopt;
  const auto* sequence = static_cast<const ASN1_STRING*>(parameter);
  const unsigned char* cursor = ASN1_STRING_get0_data(sequence);
  Pbe2ParamPtr pbe2(d2i_PBE2PARAM(nullptr, &cursor, ASN1_STRING_length(sequence)));
  if (!pbe2) return std::nullopt;
  Pbes2 out;
  out.kdf = OBJ_obj2nid(pbe2->keyfunc->algorithm);
  out.cipher = OBJ_obj2nid(pbe2->encryption->algorithm);
  if (out.kdf == NID_id_pbkdf2 && pbe2->keyfunc->parameter != nullptr &&
      pbe2->keyfunc->parameter->type == V_ASN1_SEQUENCE) {
    const ASN1_STRING* kdf_sequence = pbe2->keyfunc->parameter->value.sequence;
    const unsigned char* kdf_cursor = ASN1_STRING_get0_data(kdf_sequence);
    Pbkdf2ParamPtr pbkdf2(d2i_PBKDF2PARAM(nullptr, &kdf_cursor, ASN1_STRING_length(kdf_sequence)));
    if (pbkdf2) {
      out.iterations = ASN1_INTEGER_get(pbkdf2->iter);
      // An absent PRF means hmacWithSHA1 (RFC 8018 A.2).
      out.prf = pbkdf2->prf != nullptr ? OBJ_obj2nid(pbkdf2->prf->algorithm) : NID_hmacWithSHA1;
    }
  }
  return out;
}

class Pkcs12Test : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { chain_ = new TestChain(make_chain()); }
  static void TearDownTestSuite() {
    delete chain_;
    chain_ = nullptr;
  }

  const TestChain& chain() const { return *chain_; }
  std::vector<Certificate> ca_chain() const { return {chain().intermediate.certificate, chain().root.certificate}; }

  Bytes make(std::string_view password = kPassword) const {
    return nimbus::testing::must(
        make_pkcs12(chain().leaf.key, chain().leaf.certificate, ca_chain(), password, "alice@contoso.com"));
  }

  static TestChain* chain_;
};

TestChain* Pkcs12Test::chain_ = nullptr;

TEST_F(Pkcs12Test, ParsesBackToTheKeyCertificateAndChain) {
  Bytes der = make();
  ASSERT_FALSE(der.empty());
  std::optional<Parsed> parsed = parse(der, std::string(kPassword).c_str());
  ASSERT_TRUE(parsed.has_value());
  ASSERT_NE(parsed->key, nullptr);
  ASSERT_NE(parsed->cert, nullptr);
  EXPECT_EQ(EVP_PKEY_eq(parsed->key.get(), chain().leaf.key.get()), 1);
  EXPECT_EQ(der_of(parsed->cert.get()), chain().leaf.certificate.der());
  EXPECT_EQ(X509_check_private_key(parsed->cert.get(), parsed->key.get()), 1);

  // The friendly name travels with the certificate.
  int length = 0;
  const unsigned char* alias = X509_alias_get0(parsed->cert.get(), &length);
  ASSERT_NE(alias, nullptr);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(alias), static_cast<std::size_t>(length)), "alice@contoso.com");

  ASSERT_NE(parsed->chain, nullptr);
  ASSERT_EQ(sk_X509_num(parsed->chain.get()), 2);
  std::set<Bytes> chain_der;
  for (int i = 0; i < sk_X509_num(parsed->chain.get()); ++i) chain_der.insert(der_of(sk_X509_value(parsed->chain.get(), i)));
  EXPECT_EQ(chain_der, (std::set<Bytes>{chain().intermediate.certificate.der(), chain().root.certificate.der()}));
}

TEST_F(Pkcs12Test, WithoutAChainHoldsJustTheKeyAndCertificate) {
  NIMBUS_ASSERT_OK_AND_ASSIGN(Bytes der, make_pkcs12(chain().leaf.key, chain().leaf.certificate, {}, kPassword, "leaf"));
  std::optional<Parsed> parsed = parse(der, std::string(kPassword).c_str());
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(der_of(parsed->cert.get()), chain().leaf.certificate.der());
  EXPECT_TRUE(parsed->chain == nullptr || sk_X509_num(parsed->chain.get()) == 0);
}

TEST_F(Pkcs12Test, CarriesAnRsaKey) {
  crypto::PrivateKey rsa = make_key("rsa:2048");
  nimbus::testing::CertificateOptions options;
  options.subject = "CN=rsa-device";
  options.ca = false;
  x509::Certificate cert = nimbus::testing::make_certificate(options, rsa, &chain().intermediate);
  NIMBUS_ASSERT_OK_AND_ASSIGN(Bytes der, make_pkcs12(rsa, cert, ca_chain(), kPassword, "rsa-device"));
  std::optional<Parsed> parsed = parse(der, std::string(kPassword).c_str());
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(EVP_PKEY_eq(parsed->key.get(), rsa.get()), 1);
}

TEST_F(Pkcs12Test, MacVerifiesOnlyWithThePassword) {
  Bytes der = make();
  Pkcs12Ptr p12 = decode(der);
  ASSERT_NE(p12, nullptr);
  ASSERT_EQ(PKCS12_mac_present(p12.get()), 1);
  std::string password(kPassword);
  EXPECT_EQ(PKCS12_verify_mac(p12.get(), password.c_str(), static_cast<int>(password.size())), 1);
  EXPECT_NE(PKCS12_verify_mac(p12.get(), "wrong password", 14), 1);
  EXPECT_NE(PKCS12_verify_mac(p12.get(), "", 0), 1);
  ERR_clear_error();
  EXPECT_FALSE(parse(der, "wrong password").has_value());
}

TEST_F(Pkcs12Test, MacIsHmacSha256) {
  Pkcs12Ptr p12 = decode(make());
  ASSERT_NE(p12, nullptr);
  const ASN1_OCTET_STRING* mac = nullptr;
  const X509_ALGOR* mac_algorithm = nullptr;
  const ASN1_OCTET_STRING* salt = nullptr;
  const ASN1_INTEGER* iterations = nullptr;
  PKCS12_get0_mac(&mac, &mac_algorithm, &salt, &iterations, p12.get());
  ASSERT_NE(mac, nullptr);
  ASSERT_NE(mac_algorithm, nullptr);
  const ASN1_OBJECT* digest = nullptr;
  X509_ALGOR_get0(&digest, nullptr, nullptr, mac_algorithm);
  EXPECT_EQ(OBJ_obj2nid(digest), NID_sha256);
  EXPECT_EQ(ASN1_STRING_length(mac), 32);
  ASSERT_NE(salt, nullptr);
  EXPECT_GE(ASN1_STRING_length(salt), 8);
  ASSERT_NE(iterations, nullptr);
  EXPECT_EQ(ASN1_INTEGER_get(iterations), 100000);
}

// Every encrypted part, the certificate bag and the shrouded key bag, is PBES2 with PBKDF2
// (HMAC-SHA256) and AES-256-CBC: nothing RC2, 3DES or SHA-1 based, which current importers reject
// or warn about.
TEST_F(Pkcs12Test, EncryptsWithPbes2Aes256Cbc) {
  Pkcs12Ptr p12 = decode(make());
  ASSERT_NE(p12, nullptr);
  AuthSafesPtr safes(PKCS12_unpack_authsafes(p12.get()));
  ASSERT_NE(safes, nullptr);
  ASSERT_GE(sk_PKCS7_num(safes.get()), 1);

  int encrypted_safes = 0;
  int shrouded_keys = 0;
  int plain_keys = 0;
  int certificates = 0;
  std::string password(kPassword);
  for (int i = 0; i < sk_PKCS7_num(safes.get()); ++i) {
    PKCS7* safe = sk_PKCS7_value(safes.get(), i);
    SafeBagsPtr bags(nullptr);
    int type = OBJ_obj2nid(safe->type);
    if (type == NID_pkcs7_encrypted) {
      ++encrypted_safes;
      std::optional<Pbes2> pbes2 = pbes2_of(safe->d.encrypted->enc_data->algorithm);
      ASSERT_TRUE(pbes2.has_value()) << "encrypted safe " << i << " is not PBES2";
      EXPECT_EQ(pbes2->kdf, NID_id_pbkdf2);
      EXPECT_EQ(pbes2->prf, NID_hmacWithSHA256);
      EXPECT_EQ(pbes2->cipher, NID_aes_256_cbc);
      EXPECT_EQ(pbes2->iterations, 100000);
      bags.reset(PKCS12_unpack_p7encdata(safe, password.c_str(), static_cast<int>(password.size())));
    } else {
      ASSERT_EQ(type, NID_pkcs7_data) << "safe " << i;
      bags.reset(PKCS12_unpack_p7data(safe));
    }
    ASSERT_NE(bags, nullptr) << "safe " << i;
    for (int j = 0; j < sk_PKCS12_SAFEBAG_num(bags.get()); ++j) {
      const PKCS12_SAFEBAG* bag = sk_PKCS12_SAFEBAG_value(bags.get(), j);
      switch (PKCS12_SAFEBAG_get_nid(bag)) {
        case NID_pkcs8ShroudedKeyBag: {
          ++shrouded_keys;
          const X509_SIG* shrouded = PKCS12_SAFEBAG_get0_pkcs8(bag);
          const X509_ALGOR* algorithm = nullptr;
          X509_SIG_get0(shrouded, &algorithm, nullptr);
          std::optional<Pbes2> pbes2 = pbes2_of(algorithm);
          ASSERT_TRUE(pbes2.has_value()) << "the key bag is not PBES2";
          EXPECT_EQ(pbes2->kdf, NID_id_pbkdf2);
          EXPECT_EQ(pbes2->prf, NID_hmacWithSHA256);
          EXPECT_EQ(pbes2->cipher, NID_aes_256_cbc);
          EXPECT_EQ(pbes2->iterations, 100000);
          // Certificates in a plain (unencrypted) safe would be fine; a key never is.
          break;
        }
        case NID_keyBag: ++plain_keys; break;
        case NID_certBag:
          ++certificates;
          EXPECT_EQ(type, NID_pkcs7_encrypted) << "a certificate bag outside the encrypted safe";
          break;
        default: break;
      }
    }
  }
  EXPECT_EQ(encrypted_safes, 1);
  EXPECT_EQ(shrouded_keys, 1);
  EXPECT_EQ(plain_keys, 0);
  EXPECT_EQ(certificates, 3);
}

TEST_F(Pkcs12Test, EachFileIsFreshlySalted) {
  EXPECT_NE(make(), make());
}

TEST_F(Pkcs12Test, RefusesAnEmptyPassword) {
  auto refused = make_pkcs12(chain().leaf.key, chain().leaf.certificate, ca_chain(), "", "alice");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(refused.error().message().find("password"), std::string::npos) << refused.error().message();
}

// The chain certificates are shared with the caller's Certificate values; building the file must
// leave them intact and usable.
TEST_F(Pkcs12Test, LeavesTheCallersCertificatesIntact) {
  std::vector<Certificate> links = ca_chain();
  for (int i = 0; i < 3; ++i) NIMBUS_ASSERT_OK(make_pkcs12(chain().leaf.key, chain().leaf.certificate, links, kPassword, "x"));
  EXPECT_EQ(links[0].der(), chain().intermediate.certificate.der());
  EXPECT_TRUE(links[0].is_signed_by(chain().root.certificate.public_key()));
  EXPECT_EQ(der_of(links[1].get()), chain().root.certificate.der());
}

}  // namespace
}  // namespace nimbus::x509
