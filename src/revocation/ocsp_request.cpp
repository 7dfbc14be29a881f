#include "revocation/ocsp_request.h"

#include <fmt/format.h>

#include "crypto/object_identifier.h"
#include "crypto/openssl_error.h"

namespace nimbus::revocation {

namespace {

Error malformed(std::string message) {
  crypto::clear_openssl_errors();
  return Error(ErrorCode::kMalformed, std::move(message));
}

Bytes string_bytes(const ASN1_STRING* string) {
  if (string == nullptr) return {};
  const unsigned char* data = ASN1_STRING_get0_data(string);
  return Bytes(data, data + ASN1_STRING_length(string));
}

// RFC 9654 2.1: the extnValue is the DER of an OCTET STRING holding the nonce. Clients written to
// RFC 2560 sometimes put the bare nonce there instead; that is taken as the nonce itself, and the
// extension is echoed exactly as received either way.
Bytes nonce_value(X509_EXTENSION* extension) {
  Bytes value = string_bytes(X509_EXTENSION_get_data(extension));
  const unsigned char* cursor = value.data();
  crypto::Asn1OctetStringPtr inner(d2i_ASN1_OCTET_STRING(nullptr, &cursor, static_cast<long>(value.size())));
  if (inner && cursor == value.data() + value.size()) return string_bytes(inner.get());
  crypto::clear_openssl_errors();
  return value;
}

std::string extension_oid(X509_EXTENSION* extension) {
  return crypto::dotted_oid(X509_EXTENSION_get_object(extension));
}

}  // namespace

Result<OcspRequest> OcspRequest::parse(ByteView der, std::size_t max_nonce_length) {
  if (der.empty()) return malformed("the request is empty");
  if (der.size() > kMaxOcspRequestSize) {
    return malformed(fmt::format("the request is {} bytes; at most {} are accepted", der.size(), kMaxOcspRequestSize));
  }
  OcspRequest parsed;
  const unsigned char* cursor = der.data();
  parsed.request_.reset(d2i_OCSP_REQUEST(nullptr, &cursor, static_cast<long>(der.size())));
  if (!parsed.request_) return malformed("the request is not a DER OCSPRequest");
  if (cursor != der.data() + der.size()) {
    return malformed(fmt::format("{} bytes follow the OCSPRequest", der.data() + der.size() - cursor));
  }
  OCSP_REQUEST* request = parsed.request_.get();

  int count = OCSP_request_onereq_count(request);
  if (count <= 0) return malformed("the request names no certificate");
  if (static_cast<std::size_t>(count) > kMaxOcspRequestCertificates) {
    return malformed(fmt::format("the request names {} certificates; at most {} are answered at once", count,
                                 kMaxOcspRequestCertificates));
  }
  for (int i = 0; i < count; ++i) {
    OCSP_ONEREQ* one = OCSP_request_onereq_get0(request, i);
    OCSP_CERTID* id = one == nullptr ? nullptr : OCSP_onereq_get0_id(one);
    ASN1_OCTET_STRING* name_hash = nullptr;
    ASN1_OBJECT* hash_algorithm = nullptr;
    ASN1_OCTET_STRING* key_hash = nullptr;
    ASN1_INTEGER* serial = nullptr;
    if (id == nullptr || OCSP_id_get0_info(&name_hash, &hash_algorithm, &key_hash, &serial, id) != 1 ||
        serial == nullptr) {
      return malformed(fmt::format("CertID {} is incomplete", i + 1));
    }
    if (OCSP_ONEREQ_get_ext_by_critical(one, 1, -1) >= 0) {
      return malformed(fmt::format("CertID {} carries a critical extension this responder does not know", i + 1));
    }
    OcspCertId cert_id;
    cert_id.hash_nid = OBJ_obj2nid(hash_algorithm);
    cert_id.issuer_name_hash = string_bytes(name_hash);
    cert_id.issuer_key_hash = string_bytes(key_hash);
    cert_id.serial = string_bytes(serial);
    cert_id.negative_serial = ASN1_STRING_type(serial) == V_ASN1_NEG_INTEGER;
    unsigned char* encoded = nullptr;
    int size = i2d_OCSP_CERTID(id, &encoded);
    crypto::OpenSslBufferPtr owned(encoded);
    if (size <= 0) return malformed(fmt::format("CertID {} cannot be re-encoded", i + 1));
    cert_id.der.assign(encoded, encoded + size);
    parsed.cert_ids_.push_back(std::move(cert_id));
  }

  for (int i = 0; i < OCSP_REQUEST_get_ext_count(request); ++i) {
    X509_EXTENSION* extension = OCSP_REQUEST_get_ext(request, i);
    if (OBJ_obj2nid(X509_EXTENSION_get_object(extension)) == NID_id_pkix_OCSP_Nonce) {
      if (parsed.nonce_) return malformed("the request carries two nonces");
      Bytes nonce = nonce_value(extension);
      if (nonce.empty() || nonce.size() > max_nonce_length) {
        return malformed(fmt::format("the nonce is {} octets; RFC 9654 allows 1 to {}", nonce.size(), max_nonce_length));
      }
      parsed.nonce_ = std::move(nonce);
    } else if (X509_EXTENSION_get_critical(extension) == 1) {
      return malformed(
          fmt::format("the request carries critical extension {}, which this responder does not know",
                      extension_oid(extension)));
    }
  }
  return parsed;
}

OCSP_CERTID* OcspRequest::openssl_cert_id(std::size_t index) const {
  return OCSP_onereq_get0_id(OCSP_request_onereq_get0(request_.get(), static_cast<int>(index)));
}

}  // namespace nimbus::revocation
