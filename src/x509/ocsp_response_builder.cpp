#include "x509/ocsp_response_builder.h"

#include <openssl/ocsp.h>

#include "crypto/openssl_error.h"
#include "x509/certificate_builder.h"

namespace nimbus::x509 {

namespace {

Result<crypto::Asn1TimePtr> asn1_time(Timestamp t) {
  crypto::Asn1TimePtr time(ASN1_TIME_new());
  if (!time) return crypto::openssl_error(ErrorCode::kCryptoError, "out of memory");
  NIMBUS_TRY(set_asn1_time(time.get(), t));
  return time;
}

int openssl_cert_status(OcspCertStatus status) {
  switch (status) {
    case OcspCertStatus::kGood: return V_OCSP_CERTSTATUS_GOOD;
    case OcspCertStatus::kRevoked: return V_OCSP_CERTSTATUS_REVOKED;
    case OcspCertStatus::kUnknown: break;
  }
  return V_OCSP_CERTSTATUS_UNKNOWN;
}

}  // namespace

OcspResponseBuilder::OcspResponseBuilder() : basic_(OCSP_BASICRESP_new()) {}

Status OcspResponseBuilder::add(const OcspSingleResponse& single) {
  if (!basic_) return crypto::openssl_error(ErrorCode::kCryptoError, "out of memory");
  if (!single.extensions.empty()) {
    return Error(ErrorCode::kInvalidArgument, "singleExtensions are not written into OCSP responses");
  }
  if (single.status == OcspCertStatus::kRevoked && !single.revoked_at) {
    return Error(ErrorCode::kInvalidArgument, "a revoked SingleResponse needs its revocation time");
  }
  const Bytes& id_der = single.cert_id.der();
  const unsigned char* cursor = id_der.data();
  crypto::OcspCertIdPtr id(d2i_OCSP_CERTID(nullptr, &cursor, static_cast<long>(id_der.size())));
  if (!id) return crypto::openssl_error(ErrorCode::kCryptoError, "decoding a CertID failed");
  NIMBUS_ASSIGN_OR_RETURN(crypto::Asn1TimePtr this_update, asn1_time(single.this_update));
  crypto::Asn1TimePtr next_update;
  if (single.next_update) {
    NIMBUS_ASSIGN_OR_RETURN(next_update, asn1_time(*single.next_update));
  }
  crypto::Asn1TimePtr revoked_at;
  int reason = OCSP_REVOKED_STATUS_NOSTATUS;
  if (single.status == OcspCertStatus::kRevoked) {
    NIMBUS_ASSIGN_OR_RETURN(revoked_at, asn1_time(*single.revoked_at));
    if (single.reason) reason = static_cast<int>(*single.reason);
  }
  if (OCSP_basic_add1_status(basic_.get(), id.get(), openssl_cert_status(single.status), reason, revoked_at.get(),
                             this_update.get(), next_update.get()) == nullptr) {
    return crypto::openssl_error(ErrorCode::kCryptoError, "adding a SingleResponse failed");
  }
  return ok_status();
}

Status OcspResponseBuilder::echo_nonce(const OcspRequest& request) {
  const OcspExtension* nonce = request.nonce_extension();
  if (nonce == nullptr) return ok_status();
  crypto::Asn1OctetStringPtr value(ASN1_OCTET_STRING_new());
  crypto::X509ExtensionPtr extension;
  if (value && ASN1_OCTET_STRING_set(value.get(), nonce->value.data(), static_cast<int>(nonce->value.size())) == 1) {
    extension.reset(X509_EXTENSION_create_by_NID(nullptr, NID_id_pkix_OCSP_Nonce, nonce->critical ? 1 : 0, value.get()));
  }
  if (!basic_ || !extension || OCSP_BASICRESP_add_ext(basic_.get(), extension.get(), -1) != 1) {
    return crypto::openssl_error(ErrorCode::kCryptoError, "echoing the nonce failed");
  }
  return ok_status();
}

Result<Bytes> OcspResponseBuilder::sign(const Certificate& signer, const crypto::PrivateKey& key,
                                        crypto::SignatureDigest digest) {
  if (!basic_ ||
      OCSP_basic_sign(basic_.get(), signer.get(), key.get(), crypto::evp_digest(digest), nullptr, OCSP_RESPID_KEY) != 1) {
    return crypto::openssl_error(ErrorCode::kCryptoError, "signing the OCSP response failed");
  }
  crypto::OcspResponsePtr response(OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, basic_.get()));
  basic_.reset();
  unsigned char* encoded = nullptr;
  int size = response ? i2d_OCSP_RESPONSE(response.get(), &encoded) : 0;
  crypto::OpenSslBufferPtr owned(encoded);
  if (size <= 0) return crypto::openssl_error(ErrorCode::kCryptoError, "encoding the OCSP response failed");
  return Bytes(encoded, encoded + size);
}

Bytes ocsp_error_response(OcspResponseStatus status) {
  return Bytes{0x30, 0x03, 0x0a, 0x01, static_cast<std::uint8_t>(status)};
}

}  // namespace nimbus::x509
