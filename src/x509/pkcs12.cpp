#include "x509/pkcs12.h"

#include <openssl/pkcs12.h>

#include <string>

#include "crypto/openssl_error.h"

namespace nimbus::x509 {

namespace {
// As many PBKDF2 rounds as common importers handle without a noticeable pause.
constexpr int kKdfIterations = 100000;
constexpr int kMacIterations = 100000;
}  // namespace

Result<Bytes> make_pkcs12(const crypto::PrivateKey& key, const Certificate& issued,
                          const std::vector<Certificate>& chain, std::string_view password,
                          std::string_view friendly_name) {
  if (password.empty()) {
    return Error(ErrorCode::kInvalidArgument, "a PKCS#12 file needs a non-empty password");
  }
  // PKCS12_create matches the key against the certificate's decoded public key.
  NIMBUS_ASSIGN_OR_RETURN(Certificate certificate, issued.with_decoded_key());
  crypto::X509StackPtr ca_certs(sk_X509_new_null());
  for (const Certificate& link : chain) {
    X509_up_ref(link.get());
    sk_X509_push(ca_certs.get(), link.get());
  }
  std::string pass(password);
  std::string name(friendly_name);
  crypto::OpenSslPtr<PKCS12, PKCS12_free> bundle(PKCS12_create_ex(
      pass.c_str(), name.c_str(), key.get(), certificate.get(), ca_certs.get(), NID_aes_256_cbc, NID_aes_256_cbc,
      kKdfIterations, -1, 0, nullptr, nullptr));
  if (!bundle) return crypto::openssl_error(ErrorCode::kCryptoError, "building the PKCS#12 file failed");
  if (PKCS12_set_mac(bundle.get(), pass.c_str(), static_cast<int>(pass.size()), nullptr, 0, kMacIterations,
                     EVP_sha256()) != 1) {
    return crypto::openssl_error(ErrorCode::kCryptoError, "adding the PKCS#12 MAC failed");
  }
  unsigned char* der = nullptr;
  int size = i2d_PKCS12(bundle.get(), &der);
  if (size <= 0) return crypto::openssl_error(ErrorCode::kCryptoError, "encoding the PKCS#12 file failed");
  Bytes out(der, der + size);
  OPENSSL_cleanse(der, static_cast<std::size_t>(size));
  OPENSSL_free(der);
  OPENSSL_cleanse(pass.data(), pass.size());
  return out;
}

}  // namespace nimbus::x509
