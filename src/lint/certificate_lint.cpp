#include "lint/certificate_lint.h"

#include <set>
#include <string_view>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "x509/key_purposes.h"

namespace nimbus::lint {

namespace {

using x509::KeyUsage;

constexpr std::size_t kSerialBytes = 16;
constexpr std::string_view kServerAuth = "1.3.6.1.5.5.7.3.1";

class Findings {
 public:
  void require(bool ok, std::string finding) {
    if (!ok) findings_.push_back(std::move(finding));
  }
  std::vector<std::string> take() { return std::move(findings_); }

 private:
  std::vector<std::string> findings_;
};

bool all_http(const std::vector<std::string>& urls) {
  for (const std::string& url : urls) {
    if (!url.starts_with("http://")) return false;
  }
  return !urls.empty();
}

void lint_structure(const x509::Certificate& cert, Findings& findings) {
  findings.require(cert.version() == 3, "version: not an X.509 v3 certificate");
  // serial() is the magnitude; the sign lives in the INTEGER's type. A positive 16-byte DER content
  // means a magnitude of 16 bytes whose top bit is clear.
  Bytes serial = cert.serial();
  bool negative = cert.serial_is_negative();
  findings.require(!negative && serial.size() == kSerialBytes && (serial[0] & 0x80) == 0 && serial[0] != 0,
                   fmt::format("serial: {}{} bytes; expected {} random bytes, positive", negative ? "negative, " : "",
                               serial.size(), kSerialBytes));
  findings.require(cert.not_before() < cert.not_after(), "validity: notBefore is not before notAfter");
  // Types OpenSSL does not know have no name here and are not compared.
  std::set<std::string_view> seen;
  for (std::size_t i = 0; i < cert.extension_count(); ++i) {
    std::string_view name = cert.extension(i).short_name();
    if (name.empty()) continue;
    findings.require(seen.insert(name).second, fmt::format("extensions: {} appears twice", name));
  }
}

void lint_issuer(const x509::Certificate& cert, const x509::Certificate& issuer, Findings& findings) {
  findings.require(cert.issuer() == issuer.subject(), "issuer: not the issuing CA's subject");
  findings.require(cert.not_before() >= issuer.not_before() && cert.not_after() <= issuer.not_after(),
                   "validity: outside the issuing CA's validity");
  Bytes ca_key_id = issuer.subject_key_id();
  findings.require(!cert.authority_key_id().empty() && (ca_key_id.empty() || cert.authority_key_id() == ca_key_id),
                   "authorityKeyIdentifier: missing or not the issuing CA's key identifier");
  findings.require(!cert.subject_key_id().empty(), "subjectKeyIdentifier: missing");
}

void lint_key(const x509::Certificate& cert, const LintContext& context, Findings& findings) {
  crypto::PublicKey key = cert.public_key();
  std::string spec = key.spec_string();
  findings.require((key.is_rsa() && key.bits() >= crypto::kMinimumRsaBits) || spec == "ec:p256" || spec == "ec:p384",
                   fmt::format("public key: {} is not allowed (RSA >= {}, P-256, P-384)", spec, crypto::kMinimumRsaBits));
  // The digest is one Nimbus chose, so SHA-1 here means a bug upstream.
  findings.require(context.digest == crypto::SignatureDigest::kSha256 ||
                       context.digest == crypto::SignatureDigest::kSha384 ||
                       context.digest == crypto::SignatureDigest::kSha512,
                   "signature: the digest is not SHA-256/384/512");
}

void lint_usage(const x509::Certificate& cert, Findings& findings) {
  auto constraints = cert.basic_constraints();
  findings.require(!constraints || !constraints->ca, "basicConstraints: CA:TRUE in an end-entity certificate");
  findings.require(cert.has_key_usage_extension() && cert.key_usage_critical(), "keyUsage: missing or not critical");
  findings.require(!cert.has_key_usage(KeyUsage::kKeyCertSign) && !cert.has_key_usage(KeyUsage::kCrlSign),
                   "keyUsage: keyCertSign or cRLSign in an end-entity certificate");
  crypto::PublicKey key = cert.public_key();
  findings.require(!(key.is_ec() && cert.has_key_usage(KeyUsage::kKeyEncipherment)),
                   "keyUsage: keyEncipherment with an EC key");
  findings.require(!(key.is_rsa() && cert.has_key_usage(KeyUsage::kKeyAgreement)),
                   "keyUsage: keyAgreement with an RSA key");

  std::vector<std::string> purposes = x509::extended_key_usages(cert);
  findings.require(!purposes.empty(), "extendedKeyUsage: missing");
  bool signs = cert.has_key_usage(KeyUsage::kDigitalSignature);
  bool agrees = cert.has_key_usage(KeyUsage::kKeyAgreement);
  bool enciphers = cert.has_key_usage(KeyUsage::kKeyEncipherment);
  for (const std::string& purpose : purposes) {
    // RFC 5280 4.2.1.12: the key usages consistent with each purpose.
    if (purpose == x509::kClientAuthOid) {
      findings.require(signs || agrees, "extendedKeyUsage: clientAuth needs digitalSignature or keyAgreement");
    } else if (purpose == kServerAuth) {
      findings.require(signs || enciphers || agrees,
                       "extendedKeyUsage: serverAuth needs digitalSignature, keyEncipherment or keyAgreement");
    }
  }
}

void lint_names(const x509::Certificate& cert, Findings& findings) {
  bool has_san = cert.has_subject_alt_name_extension();
  findings.require(!cert.subject().empty() || has_san, "subject: empty and no subjectAltName");
  if (cert.subject().empty() && has_san) {
    findings.require(cert.subject_alt_name_critical(), "subjectAltName: must be critical when the subject is empty");
  }
}

void lint_revocation_pointers(const x509::Certificate& cert, Findings& findings) {
  // The rule this product exists for: without these a relying party cannot check revocation.
  findings.require(all_http(cert.crl_distribution_urls()), "cRLDistributionPoints: missing or not http");
  findings.require(all_http(cert.ca_issuers_urls()), "authorityInfoAccess: caIssuers missing or not http");
  findings.require(all_http(cert.ocsp_urls()), "authorityInfoAccess: OCSP missing or not http");
}

}  // namespace

std::vector<std::string> lint_end_entity(const x509::Certificate& to_be_signed, const LintContext& context) {
  Findings findings;
  lint_structure(to_be_signed, findings);
  lint_issuer(to_be_signed, context.issuer, findings);
  lint_key(to_be_signed, context, findings);
  lint_usage(to_be_signed, findings);
  lint_names(to_be_signed, findings);
  lint_revocation_pointers(to_be_signed, findings);
  return findings.take();
}

Status check_end_entity(const x509::Certificate& to_be_signed, const LintContext& context) {
  std::vector<std::string> findings = lint_end_entity(to_be_signed, context);
  if (findings.empty()) return ok_status();
  return Error(ErrorCode::kInternal,
               fmt::format("the certificate failed pre-issuance checks and was not signed: {}",
                           fmt::join(findings, "; ")));
}

}  // namespace nimbus::lint
