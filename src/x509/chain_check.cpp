#include "x509/chain_check.h"

#include <fmt/format.h>

#include "crypto/openssl_error.h"

namespace nimbus::x509 {

Status verify_chain_to_root(const Certificate& subject, const std::vector<Certificate>& chain, Timestamp at) {
  NIMBUS_ASSIGN_OR_RETURN(Certificate certificate, subject.with_decoded_key());
  crypto::X509StorePtr roots(X509_STORE_new());
  crypto::X509StackPtr intermediates(sk_X509_new_null());
  std::size_t root_count = 0;
  for (const Certificate& given : chain) {
    NIMBUS_ASSIGN_OR_RETURN(Certificate link, given.with_decoded_key());
    bool self_signed = link.is_self_issued() && link.is_signed_by(link.public_key());
    if (self_signed) {
      if (X509_STORE_add_cert(roots.get(), link.get()) != 1) crypto::clear_openssl_errors();
      ++root_count;
    } else {
      X509_up_ref(link.get());
      sk_X509_push(intermediates.get(), link.get());
    }
  }
  if (root_count == 0) {
    return Error(ErrorCode::kInvalidArgument,
                 "the chain file holds no self-signed root certificate; include the enterprise root");
  }
  crypto::X509StoreCtxPtr context(X509_STORE_CTX_new());
  if (!context || X509_STORE_CTX_init(context.get(), roots.get(), certificate.get(), intermediates.get()) != 1) {
    return crypto::openssl_error(ErrorCode::kCryptoError, "setting up chain verification failed");
  }
  X509_STORE_CTX_set_time(context.get(), 0, std::chrono::system_clock::to_time_t(at));
  if (X509_verify_cert(context.get()) != 1) {
    int code = X509_STORE_CTX_get_error(context.get());
    int depth = X509_STORE_CTX_get_error_depth(context.get());
    crypto::clear_openssl_errors();
    return Error(ErrorCode::kPolicyViolation,
                 fmt::format("the certificate does not chain to the given root: {} (at depth {})",
                             X509_verify_cert_error_string(code), depth));
  }
  return ok_status();
}

}  // namespace nimbus::x509
