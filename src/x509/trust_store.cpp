#include "x509/trust_store.h"

#include "crypto/openssl_error.h"

namespace nimbus::x509 {

Result<TrustStore> TrustStore::from(const std::vector<Certificate>& certificates) {
  auto shared = std::make_shared<Shared>();
  shared->store.reset(X509_STORE_new());
  if (!shared->store) return crypto::openssl_error(ErrorCode::kCryptoError, "making a certificate store");
  shared->certificates.reserve(certificates.size());
  for (const Certificate& certificate : certificates) {
    NIMBUS_ASSIGN_OR_RETURN(Certificate decoded, certificate.with_decoded_key());
    // OpenSSL reports a repeated certificate as an error that means nothing here.
    if (X509_STORE_add_cert(shared->store.get(), decoded.get()) != 1) crypto::clear_openssl_errors();
    shared->certificates.push_back(std::move(decoded));
  }
  return TrustStore(std::move(shared));
}

}  // namespace nimbus::x509
