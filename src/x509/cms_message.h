// CMS SignedData and EnvelopedData (RFC 5652) in the shape SCEP carries them (RFC 8894 §3): a
// message signed by one signer whose certificate travels with it, carrying signed attributes that
// are each one PrintableString or OCTET STRING, around content that is itself an EnvelopedData to
// one recipient. What the attributes mean is SCEP's business (scep/); here is only how they are
// read, verified, written and sealed.
//
// Thread-safety: the functions are pure; call them from any thread.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.h"
#include "core/result.h"
#include "crypto/key.h"
#include "x509/certificate.h"

namespace nimbus::x509 {

// A signed attribute with a single value of one of the two types SCEP uses.
struct SignedAttribute {
  enum class Type { kPrintableString, kOctetString };
  std::string oid;  // dotted
  Type type = Type::kPrintableString;
  Bytes value;

  bool operator==(const SignedAttribute&) const = default;
};

struct SignedMessage {
  Bytes content;                          // the encapsulated content (id-data)
  Certificate signer;                     // the certificate whose key verified the signature
  std::vector<Certificate> certificates;  // every certificate the message carries, the signer's included
  std::string digest;                     // of the signature: "SHA256", "SHA1", ...
  std::vector<SignedAttribute> attributes;  // those of the OIDs asked for that are present

  const SignedAttribute* find(std::string_view oid) const;
};

// Reads a DER SignedData with exactly one signer whose certificate is among the message's
// certificates, and verifies that signature over the content and signed attributes. The signer's
// certificate is not checked against anything: who may sign is the caller's decision.
//   kMalformed: not DER, not CMS, not SignedData, no content, not one signer, or an attribute of
//               `wanted_oids` with other than one value of the two types;
//   kPermissionDenied: the signature does not verify, or the signer's certificate is missing.
Result<SignedMessage> open_signed_message(ByteView der, std::span<const std::string_view> wanted_oids);

struct SigningRequest {
  ByteView content;
  const Certificate* signer = nullptr;
  const crypto::PrivateKey* key = nullptr;
  crypto::SignatureDigest digest = crypto::SignatureDigest::kSha256;
  std::vector<SignedAttribute> attributes;
  std::vector<Certificate> certificates;  // besides the signer's, which is always included
};

// DER SignedData over `content` (id-data, included), one signer, the attributes signed.
Result<Bytes> make_signed_message(const SigningRequest& request);

// DES-CBC (56-bit, broken) exists only for old SCEP clients that offer nothing else; OpenSSL needs
// its legacy provider for it (crypto::load_legacy_provider).
enum class ContentCipher { kAes128Cbc, kAes256Cbc, kDesEde3Cbc, kDesCbc };
std::string_view content_cipher_name(ContentCipher cipher);  // "AES-128-CBC", ...

// The content encryption of a DER EnvelopedData, without decrypting it; nullopt when it is not an
// EnvelopedData or its cipher is none of the above.
std::optional<ContentCipher> envelope_cipher(ByteView der);

// DER EnvelopedData of `content` to `recipient` (key transport: RSA PKCS#1 v1.5, as SCEP clients
// expect).
Result<Bytes> seal_envelope(ByteView content, const Certificate& recipient, ContentCipher cipher);

struct OpenedEnvelope {
  Bytes content;
  std::optional<ContentCipher> cipher;  // nullopt: another content encryption algorithm
};

// Decrypts a DER EnvelopedData addressed to `recipient`. kMalformed for what is not one;
// kPermissionDenied when it is not addressed to `recipient` or does not decrypt with `key`.
Result<OpenedEnvelope> open_envelope(ByteView der, const Certificate& recipient, const crypto::PrivateKey& key);

}  // namespace nimbus::x509
