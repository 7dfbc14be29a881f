#include "crypto/key.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>

#include <algorithm>

#include <gtest/gtest.h>

#include "crypto/bio.h"
#include "crypto/handles.h"
#include "testing/test_support.h"

namespace nimbus::crypto {
namespace {

using nimbus::testing::make_key;

constexpr std::string_view kPassphrase = "a long enough test passphrase";

bool contains(ByteView haystack, ByteView needle) {
  return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end()) != haystack.end();
}

// The DER inside a PEM block.
Bytes pem_body(std::string_view pem) {
  BioPtr in = memory_reader(as_bytes(pem));
  char* name = nullptr;
  char* header = nullptr;
  unsigned char* body = nullptr;
  long size = 0;
  if (PEM_read_bio(in.get(), &name, &header, &body, &size) != 1) return {};
  Bytes out(body, body + size);
  OPENSSL_free(name);
  OPENSSL_free(header);
  OPENSSL_free(body);
  return out;
}

std::string to_pem(std::string_view name, ByteView der) {
  BioPtr out = memory_writer();
  PEM_write_bio(out.get(), std::string(name).c_str(), "", der.data(), static_cast<long>(der.size()));
  return bio_text(out.get());
}

Bytes object_der(const char* oid) {
  Asn1ObjectPtr object(OBJ_txt2obj(oid, 1));
  unsigned char* der = nullptr;
  int size = i2d_ASN1_OBJECT(object.get(), &der);
  Bytes out(der, der + size);
  OPENSSL_free(der);
  return out;
}

// ---- KeySpec ----

TEST(KeySpec, ParsesEveryAcceptedForm) {
  struct Case {
    const char* text;
    KeyAlgorithm algorithm;
    int bits;
    const char* curve;
  };
  for (const Case& c : {Case{"rsa:2048", KeyAlgorithm::kRsa, 2048, ""}, Case{"rsa:3072", KeyAlgorithm::kRsa, 3072, ""},
                        Case{"rsa:4096", KeyAlgorithm::kRsa, 4096, ""}, Case{"ec:p256", KeyAlgorithm::kEc, 0, "p256"},
                        Case{"ec:p384", KeyAlgorithm::kEc, 0, "p384"}}) {
    auto spec = KeySpec::parse(c.text);
    ASSERT_TRUE(spec.ok()) << c.text << ": " << spec.error().to_string();
    EXPECT_EQ(spec->algorithm, c.algorithm) << c.text;
    EXPECT_EQ(spec->rsa_bits, c.bits) << c.text;
    EXPECT_EQ(spec->curve, c.curve) << c.text;
    EXPECT_EQ(spec->to_string(), c.text);
  }
}

TEST(KeySpec, RefusesShortRsaKeysAsAPolicyViolation) {
  for (const char* text : {"rsa:1024", "rsa:512", "rsa:768"}) {
    auto spec = KeySpec::parse(text);
    ASSERT_FALSE(spec.ok()) << text;
    EXPECT_EQ(spec.error().code(), ErrorCode::kPolicyViolation) << text;
    EXPECT_NE(spec.error().message().find("2048"), std::string::npos) << spec.error().message();
  }
}

TEST(KeySpec, RefusesUnknownAlgorithmsAndCurvesListingTheAcceptedOnes) {
  for (const char* text : {"dsa", "dsa:2048", "ec:p521", "ec:secp256k1", "ec:P-256", "ec", "ec:", "rsa",
                           "rsa:", "rsa:2047", "rsa:8192", "RSA:2048", "EC:p256", "ed25519", "", ":", "rsa:2048 ",
                           " rsa:2048", "rsa:2048:x"}) {
    auto spec = KeySpec::parse(text);
    ASSERT_FALSE(spec.ok()) << "'" << text << "' was accepted";
    EXPECT_EQ(spec.error().code(), ErrorCode::kUnsupported) << text << ": " << spec.error().to_string();
    EXPECT_NE(spec.error().message().find("ec:p384"), std::string::npos) << spec.error().message();
  }
}

TEST(KeySpec, ComparesByValue) {
  EXPECT_EQ(KeySpec::parse("ec:p256").value(), KeySpec::parse("ec:p256").value());
  EXPECT_FALSE(KeySpec::parse("ec:p256").value() == KeySpec::parse("ec:p384").value());
}

// ---- Generation and public keys ----

TEST(PrivateKey, GeneratesP256) {
  PrivateKey key = make_key("ec:p256");
  PublicKey pub = key.public_key();
  EXPECT_TRUE(pub.is_ec());
  EXPECT_FALSE(pub.is_rsa());
  EXPECT_EQ(pub.bits(), 256);
  EXPECT_EQ(pub.spec_string(), "ec:p256");
  EXPECT_EQ(pub.description(), "ECDSA P-256");
  EXPECT_EQ(key.preferred_digest(), SignatureDigest::kSha256);
}

TEST(PrivateKey, GeneratesP384AndPrefersSha384) {
  PrivateKey key = make_key("ec:p384");
  EXPECT_EQ(key.public_key().spec_string(), "ec:p384");
  EXPECT_EQ(key.public_key().description(), "ECDSA P-384");
  EXPECT_EQ(key.preferred_digest(), SignatureDigest::kSha384);
  EXPECT_EQ(digest_name(key.preferred_digest()), "sha384");
  EXPECT_EQ(evp_digest(key.preferred_digest()), EVP_sha384());
}

TEST(PrivateKey, GeneratesRsa2048) {
  PrivateKey key = make_key("rsa:2048");
  PublicKey pub = key.public_key();
  EXPECT_TRUE(pub.is_rsa());
  EXPECT_FALSE(pub.is_ec());
  EXPECT_EQ(pub.bits(), 2048);
  EXPECT_EQ(pub.spec_string(), "rsa:2048");
  EXPECT_EQ(pub.description(), "RSA 2048 bits");
  EXPECT_EQ(key.preferred_digest(), SignatureDigest::kSha256);
}

TEST(PrivateKey, EachGenerationMakesANewKey) {
  PrivateKey a = make_key("ec:p256");
  PrivateKey b = make_key("ec:p256");
  EXPECT_FALSE(a.public_key() == b.public_key());
  EXPECT_TRUE(a.public_key() == a.public_key());
}

TEST(PrivateKey, PublicHalfHoldsNoPrivateMaterial) {
  PrivateKey key = make_key("ec:p256");
  PublicKey pub = key.public_key();
  BIGNUM* raw = nullptr;
  EXPECT_EQ(EVP_PKEY_get_bn_param(pub.get(), OSSL_PKEY_PARAM_PRIV_KEY, &raw), 0);
  BN_free(raw);
  ERR_clear_error();
}

TEST(Digest, NamesAndAlgorithms) {
  EXPECT_EQ(digest_name(SignatureDigest::kSha256), "sha256");
  EXPECT_EQ(digest_name(SignatureDigest::kSha384), "sha384");
  EXPECT_EQ(digest_name(SignatureDigest::kSha512), "sha512");
  EXPECT_EQ(evp_digest(SignatureDigest::kSha256), EVP_sha256());
  EXPECT_EQ(evp_digest(SignatureDigest::kSha512), EVP_sha512());
}

TEST(PublicKey, SpkiDerDecodesToTheSameKey) {
  PrivateKey key = make_key("ec:p256");
  Bytes spki = key.public_key().spki_der();
  ASSERT_FALSE(spki.empty());
  const unsigned char* cursor = spki.data();
  EvpPkeyPtr decoded(d2i_PUBKEY(nullptr, &cursor, static_cast<long>(spki.size())));
  ASSERT_NE(decoded, nullptr);
  EXPECT_EQ(cursor, spki.data() + spki.size());
  EXPECT_TRUE(PublicKey(std::move(decoded)) == key.public_key());
}

TEST(PublicKey, DescribesKeysNimbusDoesNotMake) {
  EvpPkeyPtr p521(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-521"));
  ASSERT_NE(p521, nullptr);
  PublicKey p521_public(std::move(p521));
  EXPECT_EQ(p521_public.spec_string(), "ec:p521");
  EXPECT_EQ(p521_public.description(), "ECDSA P-521");

  EvpPkeyPtr k1(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "secp256k1"));
  ASSERT_NE(k1, nullptr);
  PublicKey k1_public(std::move(k1));
  EXPECT_EQ(k1_public.spec_string(), "ec:secp256k1");
  EXPECT_EQ(k1_public.description(), "ECDSA secp256k1");

  EvpPkeyPtr ed(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  ASSERT_NE(ed, nullptr);
  PublicKey ed_public(std::move(ed));
  EXPECT_FALSE(ed_public.is_ec());
  EXPECT_FALSE(ed_public.is_rsa());
  // key.h gives "ed25519" as the example; OpenSSL's type name is upper case ("ED25519").
  std::string spec = ed_public.spec_string();
  std::transform(spec.begin(), spec.end(), spec.begin(), [](char c) { return static_cast<char>(std::tolower(c)); });
  EXPECT_EQ(spec, "ed25519");
  EXPECT_EQ(ed_public.description(), ed_public.spec_string());
}

// ---- Encrypted PKCS#8 ----

TEST(EncryptedPem, RoundTripsAnEcKey) {
  PrivateKey key = make_key("ec:p256");
  NIMBUS_ASSERT_OK_AND_ASSIGN(std::string pem, key.to_encrypted_pem(kPassphrase));
  NIMBUS_ASSERT_OK_AND_ASSIGN(PrivateKey loaded, PrivateKey::from_encrypted_pem(as_bytes(pem), kPassphrase));
  EXPECT_TRUE(loaded.public_key() == key.public_key());
  EXPECT_EQ(loaded.preferred_digest(), key.preferred_digest());
}

TEST(EncryptedPem, RoundTripsAnRsaKey) {
  PrivateKey key = make_key("rsa:2048");
  NIMBUS_ASSERT_OK_AND_ASSIGN(std::string pem, key.to_encrypted_pem(kPassphrase));
  NIMBUS_ASSERT_OK_AND_ASSIGN(PrivateKey loaded, PrivateKey::from_encrypted_pem(as_bytes(pem), kPassphrase));
  EXPECT_TRUE(loaded.public_key() == key.public_key());
  EXPECT_EQ(loaded.public_key().spec_string(), "rsa:2048");
}

TEST(EncryptedPem, IsAnEncryptedPkcs8BlockWithScryptAndAes256) {
  PrivateKey key = make_key("ec:p256");
  NIMBUS_ASSERT_OK_AND_ASSIGN(std::string pem, key.to_encrypted_pem(kPassphrase));
  EXPECT_EQ(pem.rfind("-----BEGIN ENCRYPTED PRIVATE KEY-----\n", 0), 0u) << pem;
  EXPECT_NE(pem.find("-----END ENCRYPTED PRIVATE KEY-----"), std::string::npos);
  EXPECT_EQ(pem.find("BEGIN PRIVATE KEY"), std::string::npos);
  EXPECT_EQ(pem.find("BEGIN EC PRIVATE KEY"), std::string::npos);

  Bytes der = pem_body(pem);
  ASSERT_FALSE(der.empty());
  EXPECT_TRUE(contains(der, object_der("1.2.840.113549.1.5.13")));    // PBES2
  EXPECT_TRUE(contains(der, object_der("1.3.6.1.4.1.11591.4.11")));   // scrypt
  EXPECT_TRUE(contains(der, object_der("2.16.840.1.101.3.4.1.42")));  // aes256-CBC
}

TEST(EncryptedPem, ContainsNeitherThePrivateKeyNorThePassphrase) {
  PrivateKey key = make_key("ec:p256");
  BIGNUM* raw = nullptr;
  ASSERT_EQ(EVP_PKEY_get_bn_param(key.get(), OSSL_PKEY_PARAM_PRIV_KEY, &raw), 1);
  BignumPtr scalar(raw);
  Bytes scalar_bytes(static_cast<std::size_t>(BN_num_bytes(scalar.get())));
  BN_bn2bin(scalar.get(), scalar_bytes.data());
  ASSERT_GE(scalar_bytes.size(), 16u);

  // The unencrypted PKCS#8 encoding of the same key, for comparison.
  unsigned char* plain_der = nullptr;
  Pkcs8PrivKeyInfoPtr info(EVP_PKEY2PKCS8(key.get()));
  int plain_size = i2d_PKCS8_PRIV_KEY_INFO(info.get(), &plain_der);
  ASSERT_GT(plain_size, 0);
  Bytes plain(plain_der, plain_der + plain_size);
  OPENSSL_free(plain_der);

  NIMBUS_ASSERT_OK_AND_ASSIGN(std::string pem, key.to_encrypted_pem(kPassphrase));
  Bytes der = pem_body(pem);
  ASSERT_FALSE(der.empty());
  EXPECT_FALSE(contains(der, scalar_bytes));
  EXPECT_FALSE(contains(as_bytes(pem), scalar_bytes));
  EXPECT_FALSE(contains(der, plain));
  EXPECT_EQ(pem.find(kPassphrase), std::string::npos);
  EXPECT_FALSE(contains(der, as_bytes(kPassphrase)));
}

TEST(EncryptedPem, SaltMakesEachEncryptionDifferent) {
  PrivateKey key = make_key("ec:p256");
  NIMBUS_ASSERT_OK_AND_ASSIGN(std::string first, key.to_encrypted_pem(kPassphrase));
  NIMBUS_ASSERT_OK_AND_ASSIGN(std::string second, key.to_encrypted_pem(kPassphrase));
  EXPECT_NE(first, second);
}

TEST(EncryptedPem, OpenSslReadsItWithThePassphrase) {
  PrivateKey key = make_key("ec:p384");
  NIMBUS_ASSERT_OK_AND_ASSIGN(std::string pem, key.to_encrypted_pem(kPassphrase));
  BioPtr in = memory_reader(as_bytes(pem));
  std::string passphrase(kPassphrase);
  EvpPkeyPtr read(PEM_read_bio_PrivateKey(in.get(), nullptr, nullptr, passphrase.data()));
  ASSERT_NE(read, nullptr);
  EXPECT_EQ(EVP_PKEY_eq(read.get(), key.get()), 1);
}

TEST(EncryptedPem, WrongPassphraseIsBadPassphrase) {
  PrivateKey key = make_key("ec:p256");
  NIMBUS_ASSERT_OK_AND_ASSIGN(std::string pem, key.to_encrypted_pem(kPassphrase));
  for (std::string_view wrong : {std::string_view("a long enough test passphrasE"), std::string_view("x"),
                                 std::string_view("")}) {
    auto loaded = PrivateKey::from_encrypted_pem(as_bytes(pem), wrong);
    ASSERT_FALSE(loaded.ok()) << "'" << wrong << "' opened the key";
    EXPECT_EQ(loaded.error().code(), ErrorCode::kBadPassphrase);
    EXPECT_FALSE(loaded.error().is_failure());
    EXPECT_EQ(loaded.error().message().find(kPassphrase), std::string::npos);
  }
}

TEST(EncryptedPem, DamagedCiphertextIsBadPassphrase) {
  PrivateKey key = make_key("ec:p256");
  NIMBUS_ASSERT_OK_AND_ASSIGN(std::string pem, key.to_encrypted_pem(kPassphrase));
  Bytes der = pem_body(pem);
  ASSERT_FALSE(der.empty());
  der[der.size() - 20] ^= 0x01;  // inside the encrypted octets, which come last
  std::string damaged = to_pem("ENCRYPTED PRIVATE KEY", der);
  NIMBUS_EXPECT_ERROR(PrivateKey::from_encrypted_pem(as_bytes(damaged), kPassphrase),
                      ErrorCode::kBadPassphrase);
}

TEST(EncryptedPem, RefusesAnUnencryptedKey) {
  PrivateKey key = make_key("ec:p256");
  BioPtr pkcs8 = memory_writer();
  ASSERT_EQ(PEM_write_bio_PrivateKey(pkcs8.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr), 1);
  std::string plain = bio_text(pkcs8.get());
  ASSERT_NE(plain.find("BEGIN PRIVATE KEY"), std::string::npos);
  auto loaded = PrivateKey::from_encrypted_pem(as_bytes(plain), kPassphrase);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().code(), ErrorCode::kMalformed);
  EXPECT_NE(loaded.error().message().find("encrypted"), std::string::npos);

  BioPtr traditional = memory_writer();
  ASSERT_EQ(PEM_write_bio_PrivateKey_traditional(traditional.get(), key.get(), nullptr, nullptr, 0, nullptr,
                                                 nullptr),
            1);
  NIMBUS_EXPECT_ERROR(PrivateKey::from_encrypted_pem(as_bytes(bio_text(traditional.get())), kPassphrase),
                      ErrorCode::kMalformed);
}

TEST(EncryptedPem, RefusesGarbage) {
  NIMBUS_EXPECT_ERROR(PrivateKey::from_encrypted_pem(as_bytes(""), kPassphrase), ErrorCode::kMalformed);
  NIMBUS_EXPECT_ERROR(PrivateKey::from_encrypted_pem(as_bytes("not a key"), kPassphrase), ErrorCode::kMalformed);
  NIMBUS_EXPECT_ERROR(PrivateKey::from_encrypted_pem(
                          as_bytes("-----BEGIN ENCRYPTED PRIVATE KEY-----\n!!!!\n-----END ENCRYPTED PRIVATE KEY-----\n"),
                          kPassphrase),
                      ErrorCode::kMalformed);
}

TEST(EncryptedPem, RefusesAnEmptyPassphrase) {
  PrivateKey key = make_key("ec:p256");
  NIMBUS_EXPECT_ERROR(key.to_encrypted_pem(""), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace nimbus::crypto

namespace nimbus::crypto {
namespace {

std::string plain_pem(const PrivateKey& key) {
  BioPtr out(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(out.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  long size = BIO_get_mem_data(out.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

TEST(PemKey, ReadsAPlainKeyAndAnEncryptedOneWithItsPassphrase) {
  PrivateKey key = make_key("ec:p256");
  auto plain = PrivateKey::from_pem(as_bytes(plain_pem(key)), std::nullopt);
  ASSERT_TRUE(plain.ok()) << plain.error().message();
  EXPECT_EQ(EVP_PKEY_eq(plain->get(), key.get()), 1);

  NIMBUS_ASSERT_OK_AND_ASSIGN(std::string encrypted, key.to_encrypted_pem(kPassphrase));
  auto opened = PrivateKey::from_pem(as_bytes(encrypted), kPassphrase);
  ASSERT_TRUE(opened.ok()) << opened.error().message();
  EXPECT_EQ(EVP_PKEY_eq(opened->get(), key.get()), 1);
}

TEST(PemKey, AnEncryptedKeyWithoutItsPassphraseIsRefusedWithoutAsking) {
  PrivateKey key = make_key("ec:p256");
  NIMBUS_ASSERT_OK_AND_ASSIGN(std::string encrypted, key.to_encrypted_pem(kPassphrase));
  auto none = PrivateKey::from_pem(as_bytes(encrypted), std::nullopt);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code(), ErrorCode::kBadPassphrase);
  EXPECT_EQ(none.error().message(), "the key is encrypted and no passphrase was given");
  auto wrong = PrivateKey::from_pem(as_bytes(encrypted), std::string_view("not it"));
  EXPECT_EQ(wrong.error().code(), ErrorCode::kBadPassphrase);
  EXPECT_EQ(PrivateKey::from_pem(as_bytes("hello"), std::nullopt).error().code(), ErrorCode::kMalformed);
}

TEST(PrivateKey, UnencryptedPemReadsBackAsTheSameKey) {
  PrivateKey key = PrivateKey::generate(KeySpec::parse("ec:p256").value()).value();
  std::string pem = key.to_pem().value();
  EXPECT_TRUE(pem.starts_with("-----BEGIN PRIVATE KEY-----")) << pem;
  PrivateKey back = PrivateKey::from_pem(as_bytes(pem), std::nullopt).value();
  EXPECT_EQ(back.public_key().spki_der(), key.public_key().spki_der());
}

}  // namespace
}  // namespace nimbus::crypto
