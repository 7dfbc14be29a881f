#include "x509/pkcs7_certificates.h"

#include <openssl/pem.h>

#include <fmt/format.h>

#include "crypto/bio.h"
#include "crypto/handles.h"
#include "crypto/openssl_error.h"

namespace nimbus::x509 {

namespace {

Result<crypto::Pkcs7Ptr> decode(ByteView data) {
  if (crypto::looks_like_pem(data)) {
    crypto::BioPtr in = crypto::memory_reader(data);
    crypto::Pkcs7Ptr bundle(PEM_read_bio_PKCS7(in.get(), nullptr, nullptr, nullptr));
    if (!bundle) return crypto::openssl_error(ErrorCode::kMalformed, "not a PEM PKCS#7 bundle");
    return bundle;
  }
  const unsigned char* cursor = data.data();
  crypto::Pkcs7Ptr bundle(d2i_PKCS7(nullptr, &cursor, static_cast<long>(data.size())));
  if (!bundle) return crypto::openssl_error(ErrorCode::kMalformed, "not a DER PKCS#7 bundle");
  if (cursor != data.data() + data.size()) {
    return Error(ErrorCode::kMalformed,
                 fmt::format("{} bytes follow the PKCS#7 bundle", data.data() + data.size() - cursor));
  }
  return bundle;
}

}  // namespace

Result<Pkcs7Contents> pkcs7_contents(ByteView data) {
  NIMBUS_ASSIGN_OR_RETURN(crypto::Pkcs7Ptr bundle, decode(data));
  if (OBJ_obj2nid(bundle->type) != NID_pkcs7_signed || bundle->d.sign == nullptr) {
    return Error(ErrorCode::kMalformed, "the PKCS#7 bundle is not SignedData");
  }
  Pkcs7Contents contents;
  STACK_OF(X509)* certs = bundle->d.sign->cert;
  for (int i = 0; i < sk_X509_num(certs); ++i) {
    unsigned char* der = nullptr;
    int size = i2d_X509(sk_X509_value(certs, i), &der);
    if (size <= 0) return crypto::openssl_error(ErrorCode::kMalformed, "a certificate in the PKCS#7 bundle");
    crypto::OpenSslBufferPtr owned(der);
    auto parsed = Certificate::from_der(ByteView(der, static_cast<std::size_t>(size)));
    if (!parsed.ok()) return std::move(parsed).error().with_context(fmt::format("PKCS#7 certificate {}", i + 1));
    contents.certificates.push_back(std::move(parsed).value());
  }
  STACK_OF(X509_CRL)* crls = bundle->d.sign->crl;
  for (int i = 0; i < sk_X509_CRL_num(crls); ++i) {
    unsigned char* der = nullptr;
    int size = i2d_X509_CRL(sk_X509_CRL_value(crls, i), &der);
    if (size <= 0) return crypto::openssl_error(ErrorCode::kMalformed, "a CRL in the PKCS#7 bundle");
    crypto::OpenSslBufferPtr owned(der);
    contents.crls.emplace_back(der, der + size);
  }
  return contents;
}

Result<std::vector<Certificate>> certificates_from_pkcs7(ByteView data) {
  NIMBUS_ASSIGN_OR_RETURN(Pkcs7Contents contents, pkcs7_contents(data));
  if (contents.certificates.empty()) return Error(ErrorCode::kMalformed, "the PKCS#7 bundle holds no certificates");
  return std::move(contents.certificates);
}

Result<Bytes> certs_only_pkcs7(const std::vector<Certificate>& certificates, const std::vector<Bytes>& crls) {
  crypto::Pkcs7Ptr bundle(PKCS7_new());
  if (!bundle || PKCS7_set_type(bundle.get(), NID_pkcs7_signed) != 1 ||
      PKCS7_content_new(bundle.get(), NID_pkcs7_data) != 1) {
    return crypto::openssl_error(ErrorCode::kCryptoError, "cannot start a PKCS#7 bundle");
  }
  for (const Certificate& certificate : certificates) {
    if (PKCS7_add_certificate(bundle.get(), certificate.get()) != 1) {
      return crypto::openssl_error(ErrorCode::kCryptoError, "cannot add a certificate to the PKCS#7 bundle");
    }
  }
  for (const Bytes& der : crls) {
    const unsigned char* cursor = der.data();
    crypto::X509CrlPtr crl(d2i_X509_CRL(nullptr, &cursor, static_cast<long>(der.size())));
    if (!crl || PKCS7_add_crl(bundle.get(), crl.get()) != 1) {
      return crypto::openssl_error(ErrorCode::kInvalidArgument, "cannot add a CRL to the PKCS#7 bundle");
    }
  }
  unsigned char* der = nullptr;
  int size = i2d_PKCS7(bundle.get(), &der);
  if (size <= 0) return crypto::openssl_error(ErrorCode::kCryptoError, "cannot encode the PKCS#7 bundle");
  crypto::OpenSslBufferPtr owned(der);
  return Bytes(der, der + size);
}

}  // namespace nimbus::x509
