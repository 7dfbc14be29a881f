#include "x509/tls_session.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "crypto/handles.h"
#include "crypto/openssl_error.h"

namespace nimbus::x509 {

namespace {

using SslCtxPtr = crypto::OpenSslPtr<SSL_CTX, SSL_CTX_free>;
using SslPtr = crypto::OpenSslPtr<SSL, SSL_free>;

int protocol_version(TlsVersion version) { return version == TlsVersion::k1_2 ? TLS1_2_VERSION : TLS1_3_VERSION; }

// Every peer certificate is let through the handshake: trust, purpose and revocation are decided
// afterwards, by the verifier, on the chain peer_chain() returns. Replacing OpenSSL's chain
// verification outright (rather than letting it run against an empty store and overriding each
// failure) also spares a chain build per handshake that nothing would use. The handshake still
// checks the CertificateVerify signature with the certificate's key: the peer proves the key.
int collect_only(X509_STORE_CTX*, void*) { return 1; }

}  // namespace

std::string_view tls_version_name(TlsVersion version) {
  return version == TlsVersion::k1_2 ? "TLS 1.2" : "TLS 1.3";
}

struct TlsContext::State {
  SslCtxPtr context;
  bool server = false;
};

namespace {

Result<std::shared_ptr<TlsContext::State>> make_context(bool server, const Certificate& certificate,
                                                        std::span<const Certificate> chain,
                                                        const crypto::PrivateKey& key, const TlsOptions& options) {
  auto state = std::make_shared<TlsContext::State>();
  state->server = server;
  state->context.reset(SSL_CTX_new(server ? TLS_server_method() : TLS_client_method()));
  SSL_CTX* context = state->context.get();
  if (context == nullptr) return crypto::openssl_error(ErrorCode::kCryptoError, "cannot create a TLS context");
  if (SSL_CTX_set_min_proto_version(context, protocol_version(options.min_version)) != 1 ||
      SSL_CTX_set_max_proto_version(context, protocol_version(options.max_version)) != 1) {
    return crypto::openssl_error(ErrorCode::kInvalidArgument, "the TLS versions cannot be set");
  }
  NIMBUS_TRY(use_tls_identity(context, certificate, chain, key));
  SSL_CTX_set_verify(context, server ? SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT : SSL_VERIFY_PEER, nullptr);
  SSL_CTX_set_cert_verify_callback(context, collect_only, nullptr);
  // Renegotiation has no place inside EAP. SSL_OP_NO_TICKET keeps resumption state on the server:
  // TLS 1.2 resumes by session ID, TLS 1.3 by a ticket that only names a cached session.
  SSL_CTX_set_options(context, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_TICKET);
  if (server && options.session_lifetime.count() > 0) {
    static constexpr unsigned char kSessionContext[] = "nimbus eap-tls";
    SSL_CTX_set_session_cache_mode(context, SSL_SESS_CACHE_SERVER);
    SSL_CTX_set_session_id_context(context, kSessionContext, sizeof kSessionContext - 1);
    SSL_CTX_set_timeout(context, static_cast<long>(options.session_lifetime.count()));
    SSL_CTX_sess_set_cache_size(context, static_cast<long>(options.session_cache_size));
    SSL_CTX_set_num_tickets(context, 1);
  } else if (server) {
    SSL_CTX_set_session_cache_mode(context, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_num_tickets(context, 0);
  } else {
    // The client keeps sessions itself (resumable_session()), not in the context.
    SSL_CTX_set_session_cache_mode(context, SSL_SESS_CACHE_OFF);
  }
  return state;
}

}  // namespace

Result<TlsContext> TlsContext::server(const Certificate& certificate, std::span<const Certificate> chain,
                                      const crypto::PrivateKey& key, const TlsOptions& options) {
  NIMBUS_ASSIGN_OR_RETURN(auto state, make_context(true, certificate, chain, key, options));
  return TlsContext(std::move(state));
}

Result<TlsContext> TlsContext::client(const Certificate& certificate, std::span<const Certificate> chain,
                                      const crypto::PrivateKey& key, const TlsOptions& options) {
  NIMBUS_ASSIGN_OR_RETURN(auto state, make_context(false, certificate, chain, key, options));
  return TlsContext(std::move(state));
}

struct TlsResumableSession::State {
  crypto::OpenSslPtr<SSL_SESSION, SSL_SESSION_free> session;
};

struct TlsSession::State {
  SslPtr ssl;
  BIO* from_peer = nullptr;  // owned by ssl
  BIO* to_peer = nullptr;    // owned by ssl
  bool server = false;
  bool failed = false;
  bool retained = false;
  Bytes received;
};

TlsSession::TlsSession(const TlsContext& context, const TlsResumableSession* resume)
    : state_(std::make_unique<State>()) {
  state_->server = context.state_->server;
  state_->ssl.reset(SSL_new(context.state_->context.get()));
  state_->from_peer = BIO_new(BIO_s_mem());
  state_->to_peer = BIO_new(BIO_s_mem());
  // Short of memory exhaustion (where OpenSSL aborts) these succeed; SSL_set_bio takes both BIOs.
  SSL_set_bio(state_->ssl.get(), state_->from_peer, state_->to_peer);
  if (state_->server) {
    SSL_set_accept_state(state_->ssl.get());
  } else {
    SSL_set_connect_state(state_->ssl.get());
    // A session the server no longer knows only costs a full handshake.
    if (resume != nullptr) SSL_set_session(state_->ssl.get(), resume->state_->session.get());
  }
}

TlsSession::~TlsSession() {
  if (!state_ || !state_->ssl) return;
  // EAP-TLS ends without close_notify; marking the session shut down is what keeps SSL_free from
  // taking it out of the cache (server) or making it unresumable (client).
  bool keep = !state_->failed && established() && (state_->retained || !state_->server);
  if (keep) SSL_set_shutdown(state_->ssl.get(), SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
}

void TlsSession::retain_for_resumption() { state_->retained = true; }
TlsSession::TlsSession(TlsSession&&) noexcept = default;
TlsSession& TlsSession::operator=(TlsSession&&) noexcept = default;

Bytes TlsSession::pending_output() {
  Bytes out(static_cast<std::size_t>(BIO_ctrl_pending(state_->to_peer)));
  if (!out.empty()) {
    int read = BIO_read(state_->to_peer, out.data(), static_cast<int>(out.size()));
    out.resize(read > 0 ? static_cast<std::size_t>(read) : 0);
  }
  return out;
}

Result<Bytes> TlsSession::exchange(ByteView from_peer) {
  SSL* ssl = state_->ssl.get();
  if (!from_peer.empty() &&
      BIO_write(state_->from_peer, from_peer.data(), static_cast<int>(from_peer.size())) != static_cast<int>(from_peer.size())) {
    return crypto::openssl_error(ErrorCode::kCryptoError, "cannot buffer the peer's TLS records");
  }
  if (!SSL_is_init_finished(ssl)) {
    int done = SSL_do_handshake(ssl);
    if (done != 1) {
      int why = SSL_get_error(ssl, done);
      if (why != SSL_ERROR_WANT_READ && why != SSL_ERROR_WANT_WRITE) {
        state_->failed = true;
        return crypto::openssl_error(ErrorCode::kPermissionDenied, "the TLS handshake failed");
      }
    }
  }
  if (SSL_is_init_finished(ssl)) {
    std::uint8_t buffer[4096];
    for (;;) {
      std::size_t read = 0;
      if (SSL_read_ex(ssl, buffer, sizeof buffer, &read) == 1) {
        state_->received.insert(state_->received.end(), buffer, buffer + read);
        continue;
      }
      int why = SSL_get_error(ssl, 0);
      if (why == SSL_ERROR_WANT_READ || why == SSL_ERROR_WANT_WRITE || why == SSL_ERROR_ZERO_RETURN) break;
      state_->failed = true;
      return crypto::openssl_error(ErrorCode::kPermissionDenied, "the TLS session failed");
    }
  }
  crypto::clear_openssl_errors();
  return pending_output();
}

bool TlsSession::established() const { return SSL_is_init_finished(state_->ssl.get()) == 1; }

std::optional<TlsVersion> TlsSession::version() const {
  if (!established()) return std::nullopt;
  return SSL_version(state_->ssl.get()) == TLS1_3_VERSION ? TlsVersion::k1_3 : TlsVersion::k1_2;
}

std::vector<Certificate> TlsSession::peer_chain() const {
  std::vector<Certificate> chain;
  // The handshake parsed these already: they are shared, not encoded and parsed again. Certificate
  // refuses keys and extensions that do not decode; OpenSSL has decoded both by now, so that
  // check is repeated on the shared object.
  auto share = [&](X509* cert) {
    if (X509_get0_pubkey(cert) == nullptr || (X509_get_extension_flags(cert) & EXFLAG_INVALID) != 0) {
      crypto::clear_openssl_errors();
      return;
    }
    X509_up_ref(cert);
    chain.push_back(Certificate::adopt(crypto::X509Ptr(cert)));
  };
  crypto::X509Ptr leaf(SSL_get1_peer_certificate(state_->ssl.get()));
  if (!leaf) return chain;
  share(leaf.get());
  if (chain.empty()) return chain;
  // A server's list leaves out the peer's own certificate; a client's starts with it.
  STACK_OF(X509)* sent = SSL_get_peer_cert_chain(state_->ssl.get());
  for (int i = state_->server ? 0 : 1; sent != nullptr && i < sk_X509_num(sent); ++i) share(sk_X509_value(sent, i));
  return chain;
}

bool TlsSession::resumed() const { return SSL_session_reused(state_->ssl.get()) == 1; }

std::optional<TlsResumableSession> TlsSession::resumable_session() const {
  if (state_->server || !established()) return std::nullopt;
  auto state = std::make_shared<TlsResumableSession::State>();
  state->session.reset(SSL_get1_session(state_->ssl.get()));
  if (!state->session || SSL_SESSION_is_resumable(state->session.get()) != 1) return std::nullopt;
  return TlsResumableSession(std::move(state));
}

Status TlsSession::send(ByteView data) {
  std::size_t written = 0;
  if (!established() || SSL_write_ex(state_->ssl.get(), data.data(), data.size(), &written) != 1 ||
      written != data.size()) {
    return crypto::openssl_error(ErrorCode::kFailedPrecondition, "cannot send application data on this TLS session");
  }
  return ok_status();
}

Bytes TlsSession::take_received() { return std::exchange(state_->received, Bytes()); }

Result<Bytes> TlsSession::export_keying_material(std::string_view label, std::optional<ByteView> context,
                                                 std::size_t length) const {
  Bytes out(length);
  if (!established() ||
      SSL_export_keying_material(state_->ssl.get(), out.data(), out.size(), label.data(), label.size(),
                                 context ? context->data() : nullptr, context ? context->size() : 0,
                                 context ? 1 : 0) != 1) {
    return crypto::openssl_error(ErrorCode::kFailedPrecondition, "cannot export keying material from this TLS session");
  }
  return out;
}

Status use_tls_identity(SSL_CTX* context, const Certificate& certificate, std::span<const Certificate> chain,
                        const crypto::PrivateKey& key) {
  if (SSL_CTX_use_certificate(context, certificate.get()) != 1) {
    return crypto::openssl_error(ErrorCode::kInvalidArgument, "the TLS certificate cannot be used");
  }
  for (const Certificate& intermediate : chain) {
    if (SSL_CTX_add1_chain_cert(context, intermediate.get()) != 1) {
      return crypto::openssl_error(ErrorCode::kInvalidArgument, "a certificate of the TLS chain cannot be used");
    }
  }
  if (SSL_CTX_use_PrivateKey(context, key.get()) != 1 || SSL_CTX_check_private_key(context) != 1) {
    return crypto::openssl_error(ErrorCode::kInvalidArgument, "the TLS key does not match its certificate");
  }
  return ok_status();
}

}  // namespace nimbus::x509
