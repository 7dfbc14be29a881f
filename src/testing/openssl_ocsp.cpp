#include "testing/openssl_ocsp.h"

#include <openssl/rsa.h>

#include <stdexcept>
#include <string>

#include "crypto/handles.h"
#include "x509/certificate_builder.h"

namespace nimbus::testing {

namespace {

void require(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("making a test OCSP response: ") + what);
}

crypto::Asn1TimePtr asn1_time(Timestamp t) {
  crypto::Asn1TimePtr time(ASN1_TIME_new());
  require(time && x509::set_asn1_time(time.get(), t).ok(), "time");
  return time;
}

Bytes encode(OCSP_RESPONSE* response) {
  unsigned char* der = nullptr;
  int size = i2d_OCSP_RESPONSE(response, &der);
  require(size > 0, "encoding");
  crypto::OpenSslBufferPtr owned(der);
  return Bytes(der, der + size);
}

void sign(OCSP_BASICRESP* basic, const OpenSslOcspAnswer& answer) {
  if (!answer.pss) {
    require(OCSP_basic_sign(basic, answer.signer->certificate.get(), answer.signer->key.get(), EVP_sha256(), nullptr,
                            answer.flags) == 1,
            "signature");
    return;
  }
  crypto::EvpMdCtxPtr context(EVP_MD_CTX_new());
  EVP_PKEY_CTX* key_context = nullptr;
  require(EVP_DigestSignInit(context.get(), &key_context, EVP_sha256(), nullptr, answer.signer->key.get()) == 1 &&
              EVP_PKEY_CTX_set_rsa_padding(key_context, RSA_PKCS1_PSS_PADDING) == 1 &&
              OCSP_basic_sign_ctx(basic, answer.signer->certificate.get(), context.get(), nullptr, answer.flags) == 1,
          "PSS signature");
}

}  // namespace

OpenSslOcspAnswer OpenSslOcspAnswer::about(const x509::Certificate& subject, const x509::Certificate& issuer,
                                           const TestCa& signer, Timestamp now) {
  OpenSslOcspAnswer answer;
  answer.subject = &subject;
  answer.issuer = &issuer;
  answer.signer = &signer;
  answer.revoked_at = now - 3 * kDay;
  answer.this_update = now - std::chrono::hours(1);
  answer.next_update = now + 2 * kDay;
  return answer;
}

Bytes openssl_ocsp_response(const OpenSslOcspAnswer& answer) {
  crypto::OcspBasicResponsePtr basic(OCSP_BASICRESP_new());
  crypto::OcspCertIdPtr id(OCSP_cert_to_id(EVP_sha1(), answer.subject->get(), answer.issuer->get()));
  require(basic && id, "basic response");
  crypto::Asn1TimePtr revoked_at = asn1_time(answer.revoked_at);
  crypto::Asn1TimePtr this_update = asn1_time(answer.this_update);
  crypto::Asn1TimePtr next_update = answer.next_update ? asn1_time(*answer.next_update) : nullptr;
  bool revoked = answer.status == V_OCSP_CERTSTATUS_REVOKED;
  require(OCSP_basic_add1_status(basic.get(), id.get(), answer.status, answer.reason,
                                 revoked ? revoked_at.get() : nullptr, this_update.get(), next_update.get()) != nullptr,
          "status");
  if (answer.nonce) {
    require(OCSP_basic_add1_nonce(basic.get(), const_cast<unsigned char*>(answer.nonce->data()),
                                  static_cast<int>(answer.nonce->size())) == 1,
            "nonce");
  }
  sign(basic.get(), answer);
  crypto::OcspResponsePtr response(OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, basic.get()));
  require(response != nullptr, "response");
  return encode(response.get());
}

Bytes openssl_ocsp_error_response(int status) {
  crypto::OcspResponsePtr response(OCSP_response_create(status, nullptr));
  require(response != nullptr, "response");
  return encode(response.get());
}

}  // namespace nimbus::testing
