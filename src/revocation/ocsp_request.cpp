#include "revocation/ocsp_request.h"

#include <fmt/format.h>

namespace nimbus::revocation {

namespace {

Error malformed(std::string message) { return Error(ErrorCode::kMalformed, std::move(message)); }

Bytes copy(ByteView bytes) { return Bytes(bytes.begin(), bytes.end()); }

}  // namespace

Result<OcspRequest> OcspRequest::parse(ByteView der, std::size_t max_nonce_length) {
  if (der.empty()) return malformed("the request is empty");
  if (der.size() > kMaxOcspRequestSize) {
    return malformed(fmt::format("the request is {} bytes; at most {} are accepted", der.size(), kMaxOcspRequestSize));
  }
  auto request = x509::OcspRequest::parse(der);
  if (!request.ok()) return std::move(request).error();
  OcspRequest parsed(std::move(request).value());

  const std::vector<x509::OcspSingleRequest>& singles = parsed.parsed_.requests();
  if (singles.empty()) return malformed("the request names no certificate");
  if (singles.size() > kMaxOcspRequestCertificates) {
    return malformed(fmt::format("the request names {} certificates; at most {} are answered at once", singles.size(),
                                 kMaxOcspRequestCertificates));
  }
  parsed.cert_ids_.reserve(singles.size());
  for (std::size_t i = 0; i < singles.size(); ++i) {
    for (const x509::OcspExtension& extension : singles[i].extensions) {
      if (extension.critical) {
        return malformed(fmt::format("CertID {} carries a critical extension this responder does not know", i + 1));
      }
    }
    const x509::OcspCertId& id = singles[i].cert_id;
    parsed.cert_ids_.push_back(OcspCertId{id.hash_nid(), copy(id.issuer_name_hash()), copy(id.issuer_key_hash()),
                                          id.serial(), id.negative_serial(), id.der()});
  }

  for (const x509::OcspExtension& extension : parsed.parsed_.extensions()) {
    if (extension.is_nonce()) {
      if (parsed.nonce_) return malformed("the request carries two nonces");
      Bytes nonce = x509::ocsp_nonce_value(extension);
      if (nonce.empty() || nonce.size() > max_nonce_length) {
        return malformed(fmt::format("the nonce is {} octets; RFC 9654 allows 1 to {}", nonce.size(), max_nonce_length));
      }
      parsed.nonce_ = std::move(nonce);
    } else if (extension.critical) {
      return malformed(fmt::format("the request carries critical extension {}, which this responder does not know",
                                   extension.oid));
    }
  }
  return parsed;
}

}  // namespace nimbus::revocation
