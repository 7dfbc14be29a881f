#include "crypto/key.h"

#include <openssl/core_names.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <algorithm>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "crypto/bio.h"
#include "crypto/openssl_error.h"

namespace nimbus::crypto {

namespace {

// The RSA sizes Nimbus generates, shortest first.
constexpr int kRsaSizes[] = {kMinimumRsaBits, 3072, 4096};
static_assert(kRsaSizes[0] == kMinimumRsaBits);

// Sizes still asked for out of habit: refused as too short, with the reason, not as unknown.
constexpr int kShortRsaSizes[] = {512, 768, 1024};
static_assert(std::ranges::all_of(kShortRsaSizes, [](int bits) { return bits < kMinimumRsaBits; }));

// The curves Nimbus generates, as written in a key spec and as OpenSSL names the group.
struct Curve {
  std::string_view name;
  const char* group;
};
constexpr Curve kCurves[] = {{"p256", "P-256"}, {"p384", "P-384"}};

// "rsa:2048, rsa:3072, rsa:4096, ec:p256, ec:p384"
std::string accepted_keys() {
  std::vector<std::string> keys;
  for (int bits : kRsaSizes) keys.push_back(fmt::format("rsa:{}", bits));
  for (const Curve& curve : kCurves) keys.push_back(fmt::format("ec:{}", curve.name));
  return fmt::format("{}", fmt::join(keys, ", "));
}

// scrypt cost for keys at rest: OpenSSL's own default for `openssl pkcs8 -scrypt`, and within the
// 32 MiB memory bound its PKCS#8 decoder applies, so `openssl pkey` can read what we write.
constexpr uint64_t kScryptN = 1 << 14;
constexpr uint64_t kScryptR = 8;
constexpr uint64_t kScryptP = 1;

const char* openssl_group_name(std::string_view curve) {
  for (const Curve& known : kCurves) {
    if (known.name == curve) return known.group;
  }
  return nullptr;
}

std::string group_name(EVP_PKEY* key) {
  char name[64] = {};
  size_t size = 0;
  if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof name, &size) != 1) {
    clear_openssl_errors();
    return "unknown";
  }
  return name;
}

std::string nimbus_curve_name(const std::string& group) {
  if (group == "prime256v1" || group == "P-256") return "p256";
  if (group == "secp384r1" || group == "P-384") return "p384";
  if (group == "secp521r1" || group == "P-521") return "p521";
  return group;
}

std::shared_ptr<EVP_PKEY> share(EvpPkeyPtr key) {
  return std::shared_ptr<EVP_PKEY>(key.release(), EVP_PKEY_free);
}

}  // namespace

Result<KeySpec> KeySpec::parse(std::string_view text) {
  KeySpec spec;
  auto colon = text.find(':');
  std::string_view algorithm = text.substr(0, colon);
  std::string_view parameter = colon == std::string_view::npos ? "" : text.substr(colon + 1);
  if (algorithm == "rsa") {
    spec.algorithm = KeyAlgorithm::kRsa;
    for (int bits : kRsaSizes) {
      if (parameter == std::to_string(bits)) {
        spec.rsa_bits = bits;
        return spec;
      }
    }
    for (int bits : kShortRsaSizes) {
      if (parameter == std::to_string(bits)) {
        return Error(ErrorCode::kPolicyViolation,
                     fmt::format("key '{}' refused: RSA keys shorter than {} bits can be factored "
                                 "and are rejected by clients; use rsa:{} or longer",
                                 text, kMinimumRsaBits, kMinimumRsaBits));
      }
    }
    return Error(ErrorCode::kUnsupported,
                 fmt::format("key '{}' is not supported; use one of {}", text, accepted_keys()));
  }
  if (algorithm == "ec") {
    spec.algorithm = KeyAlgorithm::kEc;
    if (openssl_group_name(parameter) == nullptr) {
      return Error(ErrorCode::kUnsupported,
                   fmt::format("key '{}' is not supported; use one of {}", text, accepted_keys()));
    }
    spec.curve = std::string(parameter);
    return spec;
  }
  return Error(ErrorCode::kUnsupported,
               fmt::format("key algorithm '{}' is not supported; use one of {}", text, accepted_keys()));
}

std::string KeySpec::to_string() const {
  if (algorithm == KeyAlgorithm::kRsa) return fmt::format("rsa:{}", rsa_bits);
  return "ec:" + curve;
}

const EVP_MD* evp_digest(SignatureDigest digest) {
  switch (digest) {
    case SignatureDigest::kSha256: return EVP_sha256();
    case SignatureDigest::kSha384: return EVP_sha384();
    case SignatureDigest::kSha512: return EVP_sha512();
  }
  return EVP_sha256();
}

std::string_view digest_name(SignatureDigest digest) {
  switch (digest) {
    case SignatureDigest::kSha256: return "sha256";
    case SignatureDigest::kSha384: return "sha384";
    case SignatureDigest::kSha512: return "sha512";
  }
  return "sha256";
}

PublicKey::PublicKey(EvpPkeyPtr key) {
  auto state = std::make_shared<State>();
  state->key = std::move(key);
  state_ = std::move(state);
}

PublicKey PublicKey::from_received(const X509_PUBKEY* received) {
  auto state = std::make_shared<State>();
  state->key.reset(X509_PUBKEY_get(received));
  X509PubkeyPtr copy(X509_PUBKEY_new());
  if (copy && copy_spki(received, copy.get())) {
    state->spki = std::move(copy);
    state->received = true;
  } else {
    clear_openssl_errors();
  }
  return PublicKey(std::move(state));
}

bool copy_spki(const X509_PUBKEY* source, X509_PUBKEY* target) {
  ASN1_OBJECT* algorithm = nullptr;
  const unsigned char* bits = nullptr;
  int size = 0;
  X509_ALGOR* source_algorithm = nullptr;
  if (X509_PUBKEY_get0_param(&algorithm, &bits, &size, &source_algorithm, source) != 1) return false;
  Asn1ObjectPtr algorithm_copy(OBJ_dup(algorithm));
  OpenSslBufferPtr bits_copy(static_cast<unsigned char*>(OPENSSL_memdup(bits, static_cast<std::size_t>(size))));
  if (!algorithm_copy || (size > 0 && !bits_copy)) return false;
  // set0_param records zero unused bits, as every key Nimbus accepts has (a whole number of octets).
  if (X509_PUBKEY_set0_param(target, algorithm_copy.get(), V_ASN1_UNDEF, nullptr, bits_copy.get(), size) != 1) {
    return false;
  }
  algorithm_copy.release();
  bits_copy.release();
  X509_ALGOR* target_algorithm = nullptr;
  X509_PUBKEY_get0_param(nullptr, nullptr, nullptr, &target_algorithm, target);
  return X509_ALGOR_copy(target_algorithm, source_algorithm) == 1;
}

bool PublicKey::is_rsa() const { return EVP_PKEY_is_a(get(), "RSA"); }
bool PublicKey::is_ec() const { return EVP_PKEY_is_a(get(), "EC"); }
int PublicKey::bits() const { return EVP_PKEY_get_bits(get()); }

const X509_PUBKEY* PublicKey::spki() const {
  if (state_->received) return state_->spki.get();
  std::call_once(state_->encoded, [this] {
    X509_PUBKEY* encoded = nullptr;
    if (X509_PUBKEY_set(&encoded, get()) != 1) clear_openssl_errors();
    state_->spki.reset(encoded);
  });
  return state_->spki.get();
}

std::string PublicKey::spec_string() const {
  if (is_rsa()) return fmt::format("rsa:{}", bits());
  if (is_ec()) return "ec:" + nimbus_curve_name(group_name(get()));
  const char* type = EVP_PKEY_get0_type_name(get());
  return type != nullptr ? std::string(type) : "unknown";
}

std::string PublicKey::description() const {
  if (is_rsa()) return fmt::format("RSA {} bits", bits());
  if (is_ec()) {
    std::string curve = nimbus_curve_name(group_name(get()));
    if (curve == "p256") return "ECDSA P-256";
    if (curve == "p384") return "ECDSA P-384";
    if (curve == "p521") return "ECDSA P-521";
    return "ECDSA " + curve;
  }
  return spec_string();
}

Bytes PublicKey::spki_der() const {
  const X509_PUBKEY* encoded = spki();
  if (encoded == nullptr) return {};
  unsigned char* der = nullptr;
  int size = i2d_X509_PUBKEY(encoded, &der);
  if (size <= 0) return {};
  Bytes out(der, der + size);
  OPENSSL_free(der);
  return out;
}

bool PublicKey::operator==(const PublicKey& other) const {
  return EVP_PKEY_eq(get(), other.get()) == 1;
}

PrivateKey::PrivateKey(EvpPkeyPtr key) : key_(share(std::move(key))) {}

Result<PrivateKey> PrivateKey::generate(const KeySpec& spec) {
  EVP_PKEY* raw = nullptr;
  if (spec.algorithm == KeyAlgorithm::kRsa) {
    raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(spec.rsa_bits));
  } else {
    raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", openssl_group_name(spec.curve));
  }
  if (raw == nullptr) {
    return openssl_error(ErrorCode::kCryptoError,
                         fmt::format("generating a {} key failed", spec.to_string()));
  }
  return PrivateKey(EvpPkeyPtr(raw));
}

Result<std::string> PrivateKey::to_encrypted_pem(std::string_view passphrase) const {
  if (passphrase.empty()) {
    return Error(ErrorCode::kInvalidArgument, "refusing to store a private key without a passphrase");
  }
  Pkcs8PrivKeyInfoPtr info(EVP_PKEY2PKCS8(key_.get()));
  if (!info) return openssl_error(ErrorCode::kCryptoError, "encoding the private key failed");
  X509_ALGOR* pbe = PKCS5_pbe2_set_scrypt(EVP_aes_256_cbc(), nullptr, 0, nullptr, kScryptN,
                                          kScryptR, kScryptP);
  if (pbe == nullptr) return openssl_error(ErrorCode::kCryptoError, "setting up key encryption failed");
  // PKCS8_set0_pbe takes ownership of `pbe` whether it succeeds or not.
  X509SigPtr encrypted(PKCS8_set0_pbe(passphrase.data(), static_cast<int>(passphrase.size()),
                                      info.get(), pbe));
  if (!encrypted) return openssl_error(ErrorCode::kCryptoError, "encrypting the private key failed");
  BioPtr out = memory_writer();
  if (PEM_write_bio_PKCS8(out.get(), encrypted.get()) != 1) {
    return openssl_error(ErrorCode::kCryptoError, "writing the encrypted private key failed");
  }
  return bio_text(out.get());
}

Result<std::string> PrivateKey::to_pem() const {
  BioPtr out = memory_writer();
  if (PEM_write_bio_PrivateKey(out.get(), key_.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return openssl_error(ErrorCode::kCryptoError, "writing the private key failed");
  }
  return bio_text(out.get());
}

Result<PrivateKey> PrivateKey::from_encrypted_pem(ByteView pem, std::string_view passphrase) {
  BioPtr in = memory_reader(pem);
  X509SigPtr encrypted(PEM_read_bio_PKCS8(in.get(), nullptr, nullptr, nullptr));
  if (!encrypted) {
    clear_openssl_errors();
    return Error(ErrorCode::kMalformed,
                 "the key file is not an encrypted PKCS#8 key (keys at rest must be encrypted)");
  }
  Pkcs8PrivKeyInfoPtr info(PKCS8_decrypt(encrypted.get(), passphrase.data(),
                                         static_cast<int>(passphrase.size())));
  if (!info) {
    clear_openssl_errors();
    return Error(ErrorCode::kBadPassphrase,
                 "the key could not be decrypted: wrong passphrase, or a damaged key file");
  }
  EvpPkeyPtr key(EVP_PKCS82PKEY(info.get()));
  if (!key) {
    clear_openssl_errors();
    return Error(ErrorCode::kMalformed, "the decrypted key is not a usable private key");
  }
  return PrivateKey(std::move(key));
}

namespace {

// Hands OpenSSL the passphrase given, or none, so that it never asks the terminal for one.
int given_passphrase(char* buffer, int size, int, void* user) {
  const auto* passphrase = static_cast<const std::optional<std::string_view>*>(user);
  if (!passphrase->has_value() || (*passphrase)->size() > static_cast<std::size_t>(size)) return -1;
  std::copy((*passphrase)->begin(), (*passphrase)->end(), buffer);
  return static_cast<int>((*passphrase)->size());
}

}  // namespace

Result<PrivateKey> PrivateKey::from_pem(ByteView pem, std::optional<std::string_view> passphrase) {
  BioPtr in = memory_reader(pem);
  EvpPkeyPtr key(PEM_read_bio_PrivateKey(in.get(), nullptr, given_passphrase, &passphrase));
  if (!key) {
    bool encrypted = std::string_view(reinterpret_cast<const char*>(pem.data()), pem.size()).find("ENCRYPTED") !=
                     std::string_view::npos;
    clear_openssl_errors();
    if (encrypted) {
      return Error(ErrorCode::kBadPassphrase, passphrase ? "the key could not be decrypted: wrong passphrase"
                                                         : "the key is encrypted and no passphrase was given");
    }
    return Error(ErrorCode::kMalformed, "not a PEM private key");
  }
  return PrivateKey(std::move(key));
}

PublicKey PrivateKey::public_key() const {
  // Round-trip through SubjectPublicKeyInfo so the public half holds no private material.
  unsigned char* der = nullptr;
  int size = i2d_PUBKEY(key_.get(), &der);
  const unsigned char* cursor = der;
  EvpPkeyPtr pub(d2i_PUBKEY(nullptr, &cursor, size));
  OPENSSL_free(der);
  return PublicKey(std::move(pub));
}

SignatureDigest PrivateKey::preferred_digest() const {
  if (EVP_PKEY_is_a(key_.get(), "EC") && nimbus_curve_name(group_name(key_.get())) == "p384") {
    return SignatureDigest::kSha384;
  }
  return SignatureDigest::kSha256;
}

}  // namespace nimbus::crypto
