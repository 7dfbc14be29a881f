// CertificateRequest: a PKCS#10 request, parsed or built.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "core/bytes.h"
#include "core/result.h"
#include "crypto/handles.h"
#include "crypto/key.h"
#include "x509/name.h"

namespace nimbus::x509 {

// Immutable; copies share the parsed request. Thread-safe to read.
class CertificateRequest {
 public:
  // PEM ("CERTIFICATE REQUEST" or "NEW CERTIFICATE REQUEST") or DER, holding exactly one request:
  // a second request (a second PEM block, or DER requests one after another) is refused with the
  // count, other trailing bytes too; PEM blocks of other kinds around the request are skipped.
  // Parsing does not check the signature: call verify_signature().
  static Result<CertificateRequest> parse(ByteView data);

  // A request for a CA certificate: subject, the key's public half, and requested extensions
  // basicConstraints CA:TRUE pathlen:0 and keyUsage keyCertSign+cRLSign, signed with `key`.
  static Result<CertificateRequest> create_for_ca(const DistinguishedName& subject,
                                                  const crypto::PrivateKey& key);

  // An end-entity request as an enrollment client sends it: subject, the key's public half, the
  // challengePassword (a UTF8String) when given, and dNSName subjectAltNames in an extensionRequest
  // when given, signed with `key` and `digest`.
  static Result<CertificateRequest> create_for_enrollment(const DistinguishedName& subject,
                                                          const crypto::PrivateKey& key,
                                                          crypto::SignatureDigest digest,
                                                          const std::optional<std::string>& challenge_password,
                                                          const std::vector<std::string>& dns_names = {});

  // Checks the self-signature (proof of possession of the private key).
  Status verify_signature() const;

  // The digest of the request's signature when it is SHA-256/384/512; nullopt for anything else
  // (SHA-1, MD5, or a scheme without a separate digest).
  std::optional<crypto::SignatureDigest> signature_digest() const;
  // "sha1WithRSAEncryption", "ecdsa-with-SHA256", ...
  std::string signature_algorithm() const;

  // The challengePassword attribute (PKCS#9, RFC 2985 5.4.1) as text; nullopt when absent, or when
  // it is repeated or not a single string (PrintableString, UTF8String, IA5String or T61String).
  std::optional<std::string> challenge_password() const;

  DistinguishedName subject() const;
  // The subjectAltNames the request asks for in its extensionRequest, written as
  // subject_alt_names() writes a certificate's ("DNS:host", "UPN:user@domain", ...); none when it
  // asks for none. kInvalidArgument when the extension is there but does not decode.
  Result<std::vector<std::string>> requested_subject_alt_names() const;
  crypto::PublicKey public_key() const;
  const Bytes& der() const { return shared_->der; }
  std::string pem() const;

  X509_REQ* get() const { return shared_->request.get(); }

 private:
  struct Shared {
    crypto::X509ReqPtr request;
    Bytes der;
  };
  explicit CertificateRequest(std::shared_ptr<const Shared> shared) : shared_(std::move(shared)) {}
  static CertificateRequest adopt(crypto::X509ReqPtr request);
  std::shared_ptr<const Shared> shared_;
};

}  // namespace nimbus::x509
