// Key pairs: which kinds Nimbus makes, generating them, and their encrypted PKCS#8 form.
#pragma once

#include <memory>
#include <optional>
#include <mutex>
#include <string>
#include <string_view>

#include "core/bytes.h"
#include "core/result.h"
#include "crypto/handles.h"

namespace nimbus::crypto {

enum class KeyAlgorithm { kRsa, kEc };

// The shortest RSA key Nimbus generates, certifies or lets a profile allow: shorter keys can be
// factored, and clients refuse them. Every check and message about RSA key size uses this.
inline constexpr int kMinimumRsaBits = 2048;

// A key type and size as written on the command line and in the store: "rsa:2048", "ec:p256".
struct KeySpec {
  KeyAlgorithm algorithm = KeyAlgorithm::kRsa;
  int rsa_bits = 0;         // kMinimumRsaBits (2048), 3072 or 4096 when algorithm is kRsa
  std::string curve;        // "p256" or "p384" when algorithm is kEc

  // Parses and checks against what Nimbus will generate. RSA below kMinimumRsaBits is refused with
  // the reason; unknown algorithms and curves list what is accepted.
  static Result<KeySpec> parse(std::string_view text);

  std::string to_string() const;
  bool operator==(const KeySpec&) const = default;
};

// Digest used with a key when Nimbus signs: SHA-384 for P-384, SHA-256 otherwise. Never SHA-1.
enum class SignatureDigest { kSha256, kSha384, kSha512 };
const EVP_MD* evp_digest(SignatureDigest digest);
std::string_view digest_name(SignatureDigest digest);

// Public half of a key: what certificates and CSRs carry. Cheap to copy; immutable; thread-safe.
//
// OpenSSL 3.0 encodes a key to SubjectPublicKeyInfo through a freshly built encoder and decoder
// (about 0.2 ms a time), so a PublicKey encodes at most once and copies share the encoding. A key
// that was itself decoded from a SubjectPublicKeyInfo (a CSR's) keeps that encoding instead.
class PublicKey {
 public:
  explicit PublicKey(EvpPkeyPtr key);
  // The key decoded in `received`, a SubjectPublicKeyInfo parsed from a CSR or certificate, whose
  // encoding is copied and kept.
  static PublicKey from_received(const X509_PUBKEY* received);

  // "rsa:2048", "ec:p256", or e.g. "ED25519" / "ec:secp256k1" for keys Nimbus does not make.
  std::string spec_string() const;
  // Algorithm name and size for people: "RSA 2048 bits", "ECDSA P-256".
  std::string description() const;
  int bits() const;
  bool is_rsa() const;
  bool is_ec() const;

  // The SubjectPublicKeyInfo, and its DER.
  const X509_PUBKEY* spki() const;
  Bytes spki_der() const;
  // True when spki() is the encoding the key was received in, not one made from the key.
  bool received_encoded() const { return state_->received; }

  bool operator==(const PublicKey& other) const;

  EVP_PKEY* get() const { return state_->key.get(); }

 private:
  struct State {
    EvpPkeyPtr key;
    bool received = false;
    mutable std::once_flag encoded;
    mutable X509PubkeyPtr spki;
  };
  explicit PublicKey(std::shared_ptr<const State> state) : state_(std::move(state)) {}
  std::shared_ptr<const State> state_;
};

// Copies the algorithm, its parameters and the key bits of `source` into `target` exactly as
// encoded, without decoding or re-encoding the key. (X509_PUBKEY_dup in OpenSSL 3.0 loses the
// BIT STRING's unused-bits count and can change the encoding of an EC point.)
bool copy_spki(const X509_PUBKEY* source, X509_PUBKEY* target);

// A private key usable for signing. Copies share the key; the key itself is immutable and may be
// used to sign from several threads at once (OpenSSL 3 EVP_PKEY signing is thread-safe).
class PrivateKey {
 public:
  explicit PrivateKey(EvpPkeyPtr key);

  static Result<PrivateKey> generate(const KeySpec& spec);

  // Encrypted PKCS#8 PEM ("ENCRYPTED PRIVATE KEY"): PBES2 with scrypt (N=2^14, r=8, p=1) and
  // AES-256-CBC. `openssl pkey` reads it with the same passphrase.
  Result<std::string> to_encrypted_pem(std::string_view passphrase) const;

  // Unencrypted PKCS#8 PEM ("PRIVATE KEY"), for a client's own key that Nimbus does not keep (the
  // key `nimbus scep enroll --new-key` makes, which its caller writes to a file of mode 0600).
  // Never for CA or service keys: those go through to_encrypted_pem.
  Result<std::string> to_pem() const;

  // Reads what to_encrypted_pem wrote. A wrong passphrase or a damaged file is kBadPassphrase;
  // an unencrypted key is refused: keys at rest are always encrypted.
  static Result<PrivateKey> from_encrypted_pem(ByteView pem, std::string_view passphrase);

  // A key as other tools write them (PKCS#8 or traditional PEM, encrypted or not), for keys that
  // Nimbus uses but does not keep: a test client's. `passphrase` decrypts an encrypted one; without
  // it an encrypted key is kBadPassphrase (never a prompt on the terminal).
  static Result<PrivateKey> from_pem(ByteView pem, std::optional<std::string_view> passphrase);

  PublicKey public_key() const;
  SignatureDigest preferred_digest() const;

  EVP_PKEY* get() const { return key_.get(); }

 private:
  std::shared_ptr<EVP_PKEY> key_;
};

}  // namespace nimbus::crypto
