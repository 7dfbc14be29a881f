#include "verify/ocsp_query.h"

#include <fmt/format.h>

#include "crypto/openssl_error.h"

namespace nimbus::verify {

namespace {

Error rejected(std::string message) { return Error(ErrorCode::kPolicyViolation, std::move(message)); }

template <typename T, int (*Encode)(const T*, unsigned char**)>
Result<Bytes> encode(const T* value, std::string_view what) {
  unsigned char* der = nullptr;
  int size = Encode(value, &der);
  if (size <= 0) return crypto::openssl_error(ErrorCode::kCryptoError, fmt::format("encoding {}", what));
  crypto::OpenSslBufferPtr owned(der);
  return Bytes(der, der + size);
}

std::string_view response_status_name(int status) {
  switch (status) {
    case OCSP_RESPONSE_STATUS_MALFORMEDREQUEST: return "malformedRequest";
    case OCSP_RESPONSE_STATUS_INTERNALERROR: return "internalError";
    case OCSP_RESPONSE_STATUS_TRYLATER: return "tryLater";
    case OCSP_RESPONSE_STATUS_SIGREQUIRED: return "sigRequired";
    case OCSP_RESPONSE_STATUS_UNAUTHORIZED: return "unauthorized";
    default: return "an unknown status";
  }
}

// RFC 6960 4.2.2.2: the CA itself, or a responder the CA issued with id-kp-OCSPSigning.
Status check_authority(X509* signer, const x509::Certificate& issuer, Timestamp at) {
  if (X509_cmp(signer, issuer.get()) == 0) return ok_status();
  if (X509_check_issued(issuer.get(), signer) != X509_V_OK) {
    crypto::clear_openssl_errors();
    return rejected("the response is signed by a certificate the CA did not issue");
  }
  if (X509_verify(signer, issuer.public_key().get()) != 1) {
    crypto::clear_openssl_errors();
    return rejected("the responder's certificate does not verify under the CA's key");
  }
  if ((X509_get_extension_flags(signer) & EXFLAG_XKUSAGE) == 0 ||
      (X509_get_extended_key_usage(signer) & XKU_OCSP_SIGN) == 0) {
    return rejected("the responder's certificate is not authorized for OCSP signing (no id-kp-OCSPSigning)");
  }
  time_t when = std::chrono::system_clock::to_time_t(at);
  if (X509_cmp_time(X509_get0_notBefore(signer), &when) > 0 || X509_cmp_time(X509_get0_notAfter(signer), &when) < 0) {
    return rejected("the responder's certificate is not valid at the validation time");
  }
  return ok_status();
}

}  // namespace

std::optional<std::string> OcspAnswer::stale_at(Timestamp at) const {
  constexpr Duration kSkew = std::chrono::minutes(5);
  if (at + kSkew < this_update) return fmt::format("the answer is not valid yet (thisUpdate {})", format_timestamp(this_update));
  if (next_update && at > *next_update) {
    return fmt::format("the answer expired at {} (nextUpdate)", format_timestamp(*next_update));
  }
  return std::nullopt;
}

Result<OcspQuery> OcspQuery::make(const x509::Certificate& subject, const x509::Certificate& issuer) {
  crypto::OcspCertIdPtr id(OCSP_cert_to_id(EVP_sha1(), subject.get(), issuer.get()));
  if (!id) return crypto::openssl_error(ErrorCode::kCryptoError, "making an OCSP CertID");
  crypto::OcspRequestPtr request(OCSP_REQUEST_new());
  crypto::OcspCertIdPtr request_id(OCSP_CERTID_dup(id.get()));
  if (!request || !request_id || OCSP_request_add0_id(request.get(), request_id.get()) == nullptr) {
    return crypto::openssl_error(ErrorCode::kCryptoError, "making an OCSP request");
  }
  request_id.release();  // the request owns it now
  NIMBUS_ASSIGN_OR_RETURN(Bytes request_der, (encode<OCSP_REQUEST, i2d_OCSP_REQUEST>(request.get(), "the OCSP request")));
  NIMBUS_ASSIGN_OR_RETURN(Bytes id_der, (encode<OCSP_CERTID, i2d_OCSP_CERTID>(id.get(), "the OCSP CertID")));
  return OcspQuery(std::move(id), std::move(request_der), std::move(id_der));
}

Result<OcspAnswer> OcspQuery::judge(ByteView response_der, const x509::Certificate& issuer, Timestamp at) const {
  const unsigned char* cursor = response_der.data();
  crypto::OcspResponsePtr response(d2i_OCSP_RESPONSE(nullptr, &cursor, static_cast<long>(response_der.size())));
  if (!response || cursor != response_der.data() + response_der.size()) {
    crypto::clear_openssl_errors();
    return Error(ErrorCode::kMalformed, "the answer is not a DER OCSPResponse");
  }
  int status = OCSP_response_status(response.get());
  if (status != OCSP_RESPONSE_STATUS_SUCCESSFUL) {
    return rejected(fmt::format("the responder answered {} ({})", response_status_name(status), status));
  }
  crypto::OcspBasicResponsePtr basic(OCSP_response_get1_basic(response.get()));
  if (!basic) {
    crypto::clear_openssl_errors();
    return Error(ErrorCode::kMalformed, "the OCSP response is not a basic response");
  }
  crypto::X509StackPtr candidates(sk_X509_new_null());
  if (!candidates || sk_X509_push(candidates.get(), issuer.get()) <= 0) {
    return crypto::openssl_error(ErrorCode::kCryptoError, "preparing OCSP signer candidates");
  }
  X509_up_ref(issuer.get());
  X509* signer = nullptr;
  if (OCSP_resp_get0_signer(basic.get(), &signer, candidates.get()) != 1 || signer == nullptr) {
    crypto::clear_openssl_errors();
    return rejected("the response's signer is neither the CA nor a certificate included in the response");
  }
  // The chain of a delegated signer is checked by check_authority, not by OpenSSL's store.
  crypto::X509StorePtr empty_store(X509_STORE_new());
  if (OCSP_basic_verify(basic.get(), candidates.get(), empty_store.get(), OCSP_NOVERIFY) != 1) {
    crypto::clear_openssl_errors();
    return rejected("the response's signature does not verify");
  }
  NIMBUS_TRY(check_authority(signer, issuer, at));

  int cert_status = 0;
  int reason = -1;
  ASN1_GENERALIZEDTIME* revoked_at = nullptr;
  ASN1_GENERALIZEDTIME* this_update = nullptr;
  ASN1_GENERALIZEDTIME* next_update = nullptr;
  if (OCSP_resp_find_status(basic.get(), id_.get(), &cert_status, &reason, &revoked_at, &this_update, &next_update) !=
      1) {
    crypto::clear_openssl_errors();
    return rejected("the response does not answer for this certificate");
  }
  OcspAnswer answer;
  answer.this_update = x509::to_timestamp(this_update);
  if (next_update != nullptr) answer.next_update = x509::to_timestamp(next_update);
  answer.responder = x509::format_name(X509_get_subject_name(signer));
  switch (cert_status) {
    case V_OCSP_CERTSTATUS_GOOD: answer.status = OcspAnswer::Status::kGood; break;
    case V_OCSP_CERTSTATUS_REVOKED: {
      answer.status = OcspAnswer::Status::kRevoked;
      if (revoked_at != nullptr) answer.revoked_at = x509::to_timestamp(revoked_at);
      auto known = x509::revocation_reason_from_code(reason);
      if (reason >= 0 && known.ok()) answer.reason = known.value();
      break;
    }
    default: answer.status = OcspAnswer::Status::kUnknown; break;
  }
  return answer;
}

}  // namespace nimbus::verify
