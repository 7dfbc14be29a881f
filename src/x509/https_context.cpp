#include "x509/https_context.h"

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include "crypto/openssl_error.h"
#include "x509/tls_session.h"

namespace nimbus::x509 {

std::string_view client_certificates_name(ClientCertificates mode) {
  switch (mode) {
    case ClientCertificates::kOff: return "off";
    case ClientCertificates::kOptional: return "optional";
    case ClientCertificates::kRequired: return "required";
  }
  return "off";
}

std::optional<ClientCertificates> parse_client_certificates(std::string_view name) {
  for (ClientCertificates mode : {ClientCertificates::kOff, ClientCertificates::kOptional, ClientCertificates::kRequired}) {
    if (client_certificates_name(mode) == name) return mode;
  }
  return std::nullopt;
}

namespace {

Status trust_client_authorities(SSL_CTX* context, ClientCertificates clients,
                                std::span<const Certificate> client_authorities) {
  if (clients == ClientCertificates::kOff) {
    SSL_CTX_set_verify(context, SSL_VERIFY_NONE, nullptr);
    return ok_status();
  }
  if (client_authorities.empty()) {
    return Error(ErrorCode::kInvalidArgument, "client certificates are asked for, but no authority is trusted to issue them");
  }
  X509_STORE* store = SSL_CTX_get_cert_store(context);
  for (const Certificate& authority : client_authorities) {
    // The client CA list tells a client with several certificates which one to present.
    if (X509_STORE_add_cert(store, authority.get()) != 1 || SSL_CTX_add_client_CA(context, authority.get()) != 1) {
      return crypto::openssl_error(ErrorCode::kInvalidArgument, "an authority for client certificates cannot be used");
    }
  }
  // An issuing CA is trusted by itself, without its root: only what it issued gets in.
  X509_STORE_set_flags(store, X509_V_FLAG_PARTIAL_CHAIN | X509_V_FLAG_X509_STRICT);
  X509_STORE_set_purpose(store, X509_PURPOSE_SSL_CLIENT);
  int verify = SSL_VERIFY_PEER | SSL_VERIFY_CLIENT_ONCE;
  if (clients == ClientCertificates::kRequired) verify |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
  SSL_CTX_set_verify(context, verify, nullptr);
  return ok_status();
}

}  // namespace

Result<HttpsContext> HttpsContext::make(const Certificate& certificate, std::span<const Certificate> chain,
                                        const crypto::PrivateKey& key, ClientCertificates clients,
                                        std::span<const Certificate> client_authorities) {
  std::shared_ptr<SSL_CTX> owned(SSL_CTX_new(TLS_server_method()), SSL_CTX_free);
  SSL_CTX* context = owned.get();
  if (context == nullptr) return crypto::openssl_error(ErrorCode::kCryptoError, "cannot create a TLS context");
  if (SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION) != 1) {
    return crypto::openssl_error(ErrorCode::kCryptoError, "the TLS versions cannot be set");
  }
  SSL_CTX_set_security_level(context, 2);
  SSL_CTX_set_options(context, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  NIMBUS_TRY(use_tls_identity(context, certificate, chain, key));
  static constexpr unsigned char kSessionContext[] = "nimbus https";
  SSL_CTX_set_session_id_context(context, kSessionContext, sizeof kSessionContext - 1);
  NIMBUS_TRY(trust_client_authorities(context, clients, client_authorities));
  return HttpsContext(std::move(owned), clients);
}

Result<ssl_st*> HttpsContext::new_connection() const {
  SSL* connection = SSL_new(context_.get());
  if (connection == nullptr) return crypto::openssl_error(ErrorCode::kCryptoError, "cannot start a TLS connection");
  return connection;
}

std::optional<Certificate> verified_peer_certificate(const ssl_st* connection) {
  X509* peer = SSL_get0_peer_certificate(connection);
  if (peer == nullptr || SSL_get_verify_result(connection) != X509_V_OK) return std::nullopt;
  X509_up_ref(peer);
  return Certificate::adopt(crypto::X509Ptr(peer));
}

std::optional<std::string> peer_verification_failure(const ssl_st* connection) {
  long result = SSL_get_verify_result(connection);
  if (result == X509_V_OK) return std::nullopt;
  return std::string(X509_verify_cert_error_string(result));
}

}  // namespace nimbus::x509
