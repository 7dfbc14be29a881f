#include "x509/ocsp_request.h"

#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <fmt/format.h>

#include "crypto/handles.h"
#include "crypto/openssl_error.h"
#include "x509/der_writer.h"

namespace nimbus::x509 {

namespace {

constexpr std::uint8_t kRequestorNameTag = der::context_tag(1, true);
constexpr std::uint8_t kRequestExtensionsTag = der::context_tag(2, true);
constexpr std::uint8_t kSingleRequestExtensionsTag = der::context_tag(0, true);
constexpr std::uint8_t kOptionalSignatureTag = der::context_tag(0, true);
constexpr std::uint8_t kCertsTag = der::context_tag(0, true);

// True when `encoding` is exactly one object that `decode` accepts: for the parts of a request
// that are read for their structure only (requestorName, the signature's certificates).
template <typename T, T* (*Decode)(T**, const unsigned char**, long), void (*Free)(T*)>
bool decodes_as(ByteView encoding) {
  const unsigned char* cursor = encoding.data();
  crypto::OpenSslPtr<T, Free> object(Decode(nullptr, &cursor, static_cast<long>(encoding.size())));
  bool whole = object && cursor == encoding.data() + encoding.size();
  if (!whole) crypto::clear_openssl_errors();
  return whole;
}

Status read_requestor_name(der::Reader& tbs) {
  if (!tbs.next_is(kRequestorNameTag)) return ok_status();
  NIMBUS_ASSIGN_OR_RETURN(der::Reader requestor, tbs.enter(kRequestorNameTag, "requestorName"));
  ByteView name = requestor.remaining();
  NIMBUS_TRY(requestor.read_any(""));
  NIMBUS_TRY(requestor.expect_end());
  if (!decodes_as<GENERAL_NAME, d2i_GENERAL_NAME, GENERAL_NAME_free>(name)) {
    return requestor.error("requestorName is not a GeneralName");
  }
  return ok_status();
}

// Signature ::= SEQUENCE { signatureAlgorithm, signature BIT STRING, certs [0] EXPLICIT SEQUENCE OF
// Certificate OPTIONAL }.
Status read_signature(der::Reader& request) {
  NIMBUS_ASSIGN_OR_RETURN(der::Reader wrapper, request.enter(kOptionalSignatureTag, "optionalSignature"));
  NIMBUS_ASSIGN_OR_RETURN(der::Reader signature, wrapper.enter(der::kSequence, ""));
  NIMBUS_TRY(signature.read_algorithm_identifier("signatureAlgorithm"));
  NIMBUS_TRY(signature.read_bit_string("signature"));
  if (signature.next_is(kCertsTag)) {
    NIMBUS_ASSIGN_OR_RETURN(der::Reader certs_wrapper, signature.enter(kCertsTag, "certs"));
    NIMBUS_ASSIGN_OR_RETURN(der::Reader certs, certs_wrapper.enter(der::kSequence, ""));
    for (int i = 0; !certs.at_end(); ++i) {
      NIMBUS_ASSIGN_OR_RETURN(der::Element certificate, certs.read(der::kSequence, ""));
      if (!decodes_as<X509, d2i_X509, X509_free>(certificate.encoding)) {
        return certs.error(fmt::format("certificate {} is not an X.509 certificate", i));
      }
    }
    NIMBUS_TRY(certs_wrapper.expect_end());
  }
  NIMBUS_TRY(signature.expect_end());
  return wrapper.expect_end();
}

}  // namespace

Result<OcspRequest> OcspRequest::parse(ByteView der) {
  NIMBUS_ASSIGN_OR_RETURN(der::Reader message, der::Reader::message(der, der::kSequence, "OCSPRequest"));
  OcspRequest request;
  NIMBUS_ASSIGN_OR_RETURN(der::Reader tbs, message.enter(der::kSequence, "tbsRequest"));
  NIMBUS_TRY(read_ocsp_version(tbs));
  NIMBUS_TRY(read_requestor_name(tbs));
  NIMBUS_ASSIGN_OR_RETURN(der::Reader list, tbs.enter(der::kSequence, "requestList"));
  for (int i = 0; !list.at_end(); ++i) {
    NIMBUS_ASSIGN_OR_RETURN(der::Reader single, list.enter(der::kSequence, "", i));
    NIMBUS_ASSIGN_OR_RETURN(OcspCertId id, OcspCertId::read(single, "reqCert"));
    NIMBUS_ASSIGN_OR_RETURN(std::vector<OcspExtension> extensions,
                            read_optional_ocsp_extensions(single, kSingleRequestExtensionsTag, "singleRequestExtensions"));
    NIMBUS_TRY(single.expect_end());
    request.requests_.push_back(OcspSingleRequest{std::move(id), std::move(extensions)});
  }
  NIMBUS_ASSIGN_OR_RETURN(request.extensions_,
                          read_optional_ocsp_extensions(tbs, kRequestExtensionsTag, "requestExtensions"));
  NIMBUS_TRY(tbs.expect_end());
  if (message.next_is(kOptionalSignatureTag)) {
    NIMBUS_TRY(read_signature(message));
    request.signed_ = true;
  }
  NIMBUS_TRY(message.expect_end());
  request.der_.assign(der.begin(), der.end());
  return request;
}

Result<OcspRequest> OcspRequest::build(std::vector<OcspCertId> cert_ids, std::optional<Bytes> nonce) {
  if (cert_ids.empty()) return Error(ErrorCode::kInvalidArgument, "an OCSP request names at least one certificate");
  OcspRequest request;
  if (nonce) {
    if (nonce->empty() || nonce->size() > kMaxOcspNonceLength) {
      return Error(ErrorCode::kInvalidArgument,
                   fmt::format("a nonce of {} octets; RFC 9654 allows 1 to {}", nonce->size(), kMaxOcspNonceLength));
    }
    request.extensions_.push_back(ocsp_nonce_extension(*nonce));
  }
  Bytes list;
  for (const OcspCertId& id : cert_ids) {
    // Request ::= SEQUENCE { reqCert CertID }
    der::append_element(list, der::kSequence, id.der());
  }
  Bytes tbs;
  der::append_element(tbs, der::kSequence, list);
  if (!request.extensions_.empty()) {
    Bytes extensions;
    NIMBUS_TRY(append_ocsp_extensions(extensions, request.extensions_));
    der::append_element(tbs, kRequestExtensionsTag, extensions);
  }
  request.der_ = der::element(der::kSequence, der::element(der::kSequence, tbs));
  for (OcspCertId& id : cert_ids) request.requests_.push_back(OcspSingleRequest{std::move(id), {}});
  return request;
}

const OcspExtension* OcspRequest::nonce_extension() const {
  for (const OcspExtension& extension : extensions_) {
    if (extension.is_nonce()) return &extension;
  }
  return nullptr;
}

std::optional<Bytes> OcspRequest::nonce() const {
  const OcspExtension* extension = nonce_extension();
  if (extension == nullptr) return std::nullopt;
  return ocsp_nonce_value(*extension);
}

}  // namespace nimbus::x509
