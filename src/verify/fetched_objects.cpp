#include "verify/fetched_objects.h"

#include <string_view>

#include <fmt/format.h>

#include "crypto/base64.h"
#include "crypto/bio.h"
#include "x509/pkcs7_certificates.h"

namespace nimbus::verify {

namespace {

Result<std::vector<x509::Certificate>> bounded(Result<std::vector<x509::Certificate>> certs) {
  if (certs.ok() && certs->size() > kMaxIssuerBundleCertificates) {
    return Error(ErrorCode::kMalformed, fmt::format("the bundle holds {} certificates; at most {} are read",
                                                     certs->size(), kMaxIssuerBundleCertificates));
  }
  return certs;
}

bool mentions_pkcs7(ByteView body) {
  std::string_view text(reinterpret_cast<const char*>(body.data()), body.size());
  return text.find("-----BEGIN PKCS7-----") != std::string_view::npos;
}

}  // namespace

Result<std::vector<x509::Certificate>> parse_issuer_certificates(ByteView body) {
  if (body.empty()) return Error(ErrorCode::kMalformed, "the answer is empty");
  if (crypto::looks_like_pem(body)) {
    if (mentions_pkcs7(body)) return bounded(x509::certificates_from_pkcs7(body));
    return bounded(x509::Certificate::parse_all(body));
  }
  auto single = x509::Certificate::from_der(body);
  if (single.ok()) return std::vector<x509::Certificate>{std::move(single).value()};
  auto bundle = x509::certificates_from_pkcs7(body);
  if (bundle.ok()) return bounded(std::move(bundle));
  return Error(ErrorCode::kMalformed, "neither a DER certificate nor a PKCS#7 certs-only bundle");
}

Result<x509::CertificateRevocationList> parse_fetched_crl(ByteView body) {
  if (body.empty()) return Error(ErrorCode::kMalformed, "the answer is empty");
  return x509::CertificateRevocationList::parse(body);
}

Result<Bytes> decode_ldap_answer(ByteView body) {
  std::string_view text(reinterpret_cast<const char*>(body.data()), body.size());
  std::size_t line_start = 0;
  while (line_start < text.size()) {
    std::size_t line_end = text.find('\n', line_start);
    if (line_end == std::string_view::npos) line_end = text.size();
    std::string_view line = text.substr(line_start, line_end - line_start);
    line_start = line_end + 1;
    if (!line.starts_with('\t')) continue;  // "DN: ..." and blank separators
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    // As in LDIF: "attr:: <base64>" for binary values, "attr: <value>" for printable ones.
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view attribute = line.substr(1, std::min<std::size_t>(colon - 1, 64));
    // libcurl's other LDAP backend (lib/ldap.c: winldap, builds without OpenLDAP) writes a
    // ";binary" attribute in base64 after a single colon; the OpenLDAP backend never does.
    bool legacy_binary = line.substr(1, colon - 1).ends_with(";binary") && line.substr(colon).starts_with(": ");
    if (line.substr(colon).starts_with(":: ") || (legacy_binary && line.size() > colon + 2)) {
      auto decoded = crypto::base64_decode(line.substr(colon + (legacy_binary ? 2 : 3)));
      if (!decoded || decoded->empty()) {
        return Error(ErrorCode::kMalformed, fmt::format("the LDAP attribute '{}' is not base64", attribute));
      }
      return std::move(*decoded);
    }
    if (line.substr(colon).starts_with(": ") && line.size() > colon + 2) {
      std::string_view value = line.substr(colon + 2);
      return Bytes(value.begin(), value.end());
    }
  }
  return Error(ErrorCode::kMalformed, "the LDAP answer holds no attribute value (no such entry or attribute?)");
}

}  // namespace nimbus::verify
