#include "x509/ocsp_response.h"

#include <openssl/asn1t.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <chrono>

#include <fmt/format.h>

#include "crypto/digest.h"
#include "crypto/handles.h"
#include "crypto/openssl_error.h"

namespace nimbus::x509 {

namespace {

constexpr std::uint8_t kResponseBytesTag = der::context_tag(0, true);
constexpr std::uint8_t kByNameTag = der::context_tag(1, true);
constexpr std::uint8_t kByKeyTag = der::context_tag(2, true);
constexpr std::uint8_t kResponseExtensionsTag = der::context_tag(1, true);
constexpr std::uint8_t kCertsTag = der::context_tag(0, true);
constexpr std::uint8_t kGoodTag = der::context_tag(0, false);
constexpr std::uint8_t kRevokedTag = der::context_tag(1, true);
constexpr std::uint8_t kUnknownTag = der::context_tag(2, false);
constexpr std::uint8_t kRevocationReasonTag = der::context_tag(0, true);
constexpr std::uint8_t kNextUpdateTag = der::context_tag(0, true);
constexpr std::uint8_t kSingleExtensionsTag = der::context_tag(1, true);
// id-pkix-ocsp-basic, 1.3.6.1.5.5.7.48.1.1.
constexpr std::uint8_t kBasicResponseOid[] = {0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x01};

Error rejected(std::string message) { return Error(ErrorCode::kPolicyViolation, std::move(message)); }

Result<OcspSingleResponse> read_single_response(der::Reader& single) {
  NIMBUS_ASSIGN_OR_RETURN(OcspCertId id, OcspCertId::read(single, "certID"));
  OcspSingleResponse response{std::move(id)};
  if (single.next_is(kGoodTag)) {
    NIMBUS_TRY(single.read_null(kGoodTag, "certStatus"));
    response.status = OcspCertStatus::kGood;
  } else if (single.next_is(kRevokedTag)) {
    NIMBUS_ASSIGN_OR_RETURN(der::Reader revoked, single.enter(kRevokedTag, "certStatus"));
    NIMBUS_ASSIGN_OR_RETURN(response.revoked_at, revoked.read_generalized_time("revocationTime"));
    if (revoked.next_is(kRevocationReasonTag)) {
      NIMBUS_ASSIGN_OR_RETURN(der::Reader reason, revoked.enter(kRevocationReasonTag, "revocationReason"));
      NIMBUS_ASSIGN_OR_RETURN(int code, reason.read_small_integer(der::kEnumerated, ""));
      NIMBUS_TRY(reason.expect_end());
      response.reason = static_cast<RevocationReason>(code);
    }
    NIMBUS_TRY(revoked.expect_end());
    response.status = OcspCertStatus::kRevoked;
  } else if (single.next_is(kUnknownTag)) {
    NIMBUS_TRY(single.read_null(kUnknownTag, "certStatus"));
    response.status = OcspCertStatus::kUnknown;
  } else {
    return single.error("certStatus is none of good [0], revoked [1] and unknown [2]");
  }
  NIMBUS_ASSIGN_OR_RETURN(response.this_update, single.read_generalized_time("thisUpdate"));
  if (single.next_is(kNextUpdateTag)) {
    NIMBUS_ASSIGN_OR_RETURN(der::Reader next, single.enter(kNextUpdateTag, "nextUpdate"));
    NIMBUS_ASSIGN_OR_RETURN(response.next_update, next.read_generalized_time(""));
    NIMBUS_TRY(next.expect_end());
  }
  NIMBUS_ASSIGN_OR_RETURN(response.extensions,
                          read_optional_ocsp_extensions(single, kSingleExtensionsTag, "singleExtensions"));
  NIMBUS_TRY(single.expect_end());
  return response;
}

Status read_responder_id(der::Reader& tbs, std::optional<DistinguishedName>& name, Bytes& key_hash) {
  if (tbs.next_is(kByNameTag)) {
    NIMBUS_ASSIGN_OR_RETURN(der::Reader by_name, tbs.enter(kByNameTag, "responderID"));
    NIMBUS_ASSIGN_OR_RETURN(der::Element encoded, by_name.read(der::kSequence, "byName"));
    NIMBUS_TRY(by_name.expect_end());
    const unsigned char* cursor = encoded.encoding.data();
    crypto::X509NamePtr parsed(d2i_X509_NAME(nullptr, &cursor, static_cast<long>(encoded.encoding.size())));
    if (!parsed || cursor != encoded.encoding.data() + encoded.encoding.size()) {
      crypto::clear_openssl_errors();
      return tbs.error("responderID byName is not a Name");
    }
    name = DistinguishedName::from_openssl(parsed.get());
    return ok_status();
  }
  if (tbs.next_is(kByKeyTag)) {
    NIMBUS_ASSIGN_OR_RETURN(der::Reader by_key, tbs.enter(kByKeyTag, "responderID"));
    NIMBUS_ASSIGN_OR_RETURN(ByteView hash, by_key.read_octet_string("byKey"));
    NIMBUS_TRY(by_key.expect_end());
    key_hash.assign(hash.begin(), hash.end());
    return ok_status();
  }
  return tbs.error("responderID is neither byName [1] nor byKey [2]");
}

}  // namespace

std::string_view ocsp_status_name(OcspResponseStatus status) {
  switch (status) {
    case OcspResponseStatus::kSuccessful: return "successful";
    case OcspResponseStatus::kMalformedRequest: return "malformedRequest";
    case OcspResponseStatus::kInternalError: return "internalError";
    case OcspResponseStatus::kTryLater: return "tryLater";
    case OcspResponseStatus::kSigRequired: return "sigRequired";
    case OcspResponseStatus::kUnauthorized: return "unauthorized";
  }
  return "";
}

Result<OcspResponse> OcspResponse::parse(ByteView der) {
  NIMBUS_ASSIGN_OR_RETURN(der::Reader message, der::Reader::message(der, der::kSequence, "OCSPResponse"));
  OcspResponse response;
  NIMBUS_ASSIGN_OR_RETURN(int status, message.read_small_integer(der::kEnumerated, "responseStatus"));
  response.status_ = static_cast<OcspResponseStatus>(status);
  if (message.next_is(kResponseBytesTag)) {
    NIMBUS_ASSIGN_OR_RETURN(der::Reader wrapper, message.enter(kResponseBytesTag, "responseBytes"));
    NIMBUS_ASSIGN_OR_RETURN(der::Reader bytes, wrapper.enter(der::kSequence, ""));
    NIMBUS_TRY(wrapper.expect_end());
    NIMBUS_ASSIGN_OR_RETURN(ByteView type, bytes.read_object_identifier("responseType"));
    if (response.status_ == OcspResponseStatus::kSuccessful && std::ranges::equal(type, kBasicResponseOid)) {
      NIMBUS_ASSIGN_OR_RETURN(der::Reader basic, bytes.enter_encapsulated(der::kSequence, "response"));
      NIMBUS_ASSIGN_OR_RETURN(response.basic_, OcspBasicResponse::read(basic));
    } else {
      NIMBUS_TRY(bytes.read_octet_string("response"));
    }
    NIMBUS_TRY(bytes.expect_end());
  }
  NIMBUS_TRY(message.expect_end());
  response.der_.assign(der.begin(), der.end());
  return response;
}

// BasicOCSPResponse ::= SEQUENCE { tbsResponseData, signatureAlgorithm, signature,
//                                  certs [0] EXPLICIT SEQUENCE OF Certificate OPTIONAL }
Result<OcspBasicResponse> OcspBasicResponse::read(der::Reader& basic) {
  OcspBasicResponse out;
  NIMBUS_ASSIGN_OR_RETURN(der::Element tbs_element, basic.read(der::kSequence, "tbsResponseData"));
  NIMBUS_ASSIGN_OR_RETURN(der::AlgorithmIdentifier algorithm, basic.read_algorithm_identifier("signatureAlgorithm"));
  NIMBUS_ASSIGN_OR_RETURN(der::Element signature, basic.read_bit_string("signature"));
  if (basic.next_is(kCertsTag)) {
    NIMBUS_ASSIGN_OR_RETURN(der::Reader wrapper, basic.enter(kCertsTag, "certs"));
    NIMBUS_ASSIGN_OR_RETURN(der::Reader certs, wrapper.enter(der::kSequence, ""));
    NIMBUS_TRY(wrapper.expect_end());
    for (int i = 0; !certs.at_end(); ++i) {
      NIMBUS_ASSIGN_OR_RETURN(der::Element encoded, certs.read(der::kSequence, ""));
      auto certificate = Certificate::from_der(encoded.encoding);
      if (!certificate.ok()) {
        return certs.error(fmt::format("certificate {}: {}", i, certificate.error().message()));
      }
      out.certificates_.push_back(std::move(certificate).value());
    }
  }
  NIMBUS_TRY(basic.expect_end());

  // ResponseData ::= SEQUENCE { version [0] EXPLICIT DEFAULT v1, responderID, producedAt,
  //                             responses SEQUENCE OF SingleResponse, responseExtensions [1] }
  der::Reader tbs = basic.open(tbs_element, "tbsResponseData");
  NIMBUS_TRY(read_ocsp_version(tbs));
  NIMBUS_TRY(read_responder_id(tbs, out.responder_name_, out.responder_key_hash_));
  NIMBUS_ASSIGN_OR_RETURN(out.produced_at_, tbs.read_generalized_time("producedAt"));
  NIMBUS_ASSIGN_OR_RETURN(der::Reader list, tbs.enter(der::kSequence, "responses"));
  for (int i = 0; !list.at_end(); ++i) {
    NIMBUS_ASSIGN_OR_RETURN(der::Reader single, list.enter(der::kSequence, "", i));
    NIMBUS_ASSIGN_OR_RETURN(OcspSingleResponse response, read_single_response(single));
    out.responses_.push_back(std::move(response));
  }
  NIMBUS_ASSIGN_OR_RETURN(out.extensions_,
                          read_optional_ocsp_extensions(tbs, kResponseExtensionsTag, "responseExtensions"));
  NIMBUS_TRY(tbs.expect_end());

  out.tbs_.assign(tbs_element.encoding.begin(), tbs_element.encoding.end());
  out.signature_algorithm_.assign(algorithm.element.encoding.begin(), algorithm.element.encoding.end());
  out.signature_.assign(signature.encoding.begin(), signature.encoding.end());
  return out;
}

std::optional<Bytes> OcspBasicResponse::nonce() const {
  for (const OcspExtension& extension : extensions_) {
    if (extension.is_nonce()) return ocsp_nonce_value(extension);
  }
  return std::nullopt;
}

const OcspSingleResponse* OcspBasicResponse::find(const OcspCertId& id) const {
  for (const OcspSingleResponse& response : responses_) {
    if (response.cert_id == id) return &response;
  }
  return nullptr;
}

std::optional<Certificate> OcspBasicResponse::find_signer(const std::vector<Certificate>& candidates) const {
  // OpenSSL's ocsp_find_signer_sk: by subject name, or by the SHA-1 of the key, 20 octets only.
  auto named = [&](const Certificate& certificate) {
    if (responder_name_) return X509_NAME_cmp(X509_get_subject_name(certificate.get()), responder_name_->get()) == 0;
    if (responder_key_hash_.size() != 20) return false;
    const ASN1_BIT_STRING* key = X509_get0_pubkey_bitstr(certificate.get());
    if (key == nullptr) return false;
    return crypto::sha1(ByteView(ASN1_STRING_get0_data(key), static_cast<std::size_t>(ASN1_STRING_length(key)))) ==
           responder_key_hash_;
  };
  for (const std::vector<Certificate>* pool : {&candidates, &certificates_}) {
    for (const Certificate& certificate : *pool) {
      if (named(certificate)) return certificate;
    }
  }
  return std::nullopt;
}

bool OcspBasicResponse::is_signed_by(const Certificate& signer) const {
  EVP_PKEY* key = X509_get0_pubkey(signer.get());
  const unsigned char* cursor = signature_algorithm_.data();
  crypto::X509AlgorPtr algorithm(d2i_X509_ALGOR(nullptr, &cursor, static_cast<long>(signature_algorithm_.size())));
  cursor = signature_.data();
  crypto::Asn1BitStringPtr signature(d2i_ASN1_BIT_STRING(nullptr, &cursor, static_cast<long>(signature_.size())));
  // Held as an ASN1_ANY, tbsResponseData is encoded back exactly as received, so that the
  // signature is checked over the bytes the responder signed rather than over OpenSSL's
  // re-encoding of what it parsed.
  cursor = tbs_.data();
  crypto::Asn1TypePtr tbs(d2i_ASN1_TYPE(nullptr, &cursor, static_cast<long>(tbs_.size())));
  bool verified = key != nullptr && algorithm && signature && tbs &&
                  ASN1_item_verify(ASN1_ITEM_rptr(ASN1_ANY), algorithm.get(), signature.get(), tbs.get(), key) == 1;
  if (!verified) crypto::clear_openssl_errors();
  return verified;
}

Status check_ocsp_responder_authority(const Certificate& responder, const Certificate& issuer, Timestamp at) {
  if (X509_cmp(responder.get(), issuer.get()) == 0) return ok_status();
  if (X509_check_issued(issuer.get(), responder.get()) != X509_V_OK) {
    crypto::clear_openssl_errors();
    return rejected("the response is signed by a certificate the CA did not issue");
  }
  if (!responder.is_signed_by(issuer.public_key())) {
    return rejected("the responder's certificate does not verify under the CA's key");
  }
  if ((X509_get_extension_flags(responder.get()) & EXFLAG_XKUSAGE) == 0 ||
      (X509_get_extended_key_usage(responder.get()) & XKU_OCSP_SIGN) == 0) {
    return rejected("the responder's certificate is not authorized for OCSP signing (no id-kp-OCSPSigning)");
  }
  time_t when = std::chrono::system_clock::to_time_t(at);
  if (X509_cmp_time(X509_get0_notBefore(responder.get()), &when) > 0 ||
      X509_cmp_time(X509_get0_notAfter(responder.get()), &when) < 0) {
    return rejected("the responder's certificate is not valid at the validation time");
  }
  return ok_status();
}

}  // namespace nimbus::x509
