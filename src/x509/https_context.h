// The TLS side of an HTTPS listener: the server's certificate, chain and key, and for mutual TLS
// the authorities whose certificates clients may present.
//
// TLS 1.2 and 1.3 only, OpenSSL's default cipher suites at security level 2 (no RSA below 2048 bits,
// no SHA-1 signatures), no renegotiation, no compression. A client certificate, when asked for, is
// verified by OpenSSL during the handshake against the given authorities alone (any of them may be
// an intermediate: the chain need not reach a root); a client whose certificate does not verify
// never gets to send a request. Revocation is not the handshake's business: the caller looks the
// certificate up (verified_peer_certificate) where it knows the authorities' records.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/result.h"
#include "crypto/key.h"
#include "x509/certificate.h"

struct ssl_st;
struct ssl_ctx_st;

namespace nimbus::x509 {

enum class ClientCertificates {
  kOff,       // not asked for
  kOptional,  // asked for; a client without one is let in, one with a bad one is not
  kRequired,  // a client without a certificate that verifies is refused in the handshake
};

// "off", "optional", "required": as configuration names them.
std::string_view client_certificates_name(ClientCertificates mode);
std::optional<ClientCertificates> parse_client_certificates(std::string_view name);

// Immutable once made; connections of several threads share one.
class HttpsContext {
 public:
  // `client_authorities` must not be empty unless `clients` is kOff.
  static Result<HttpsContext> make(const Certificate& certificate, std::span<const Certificate> chain,
                                   const crypto::PrivateKey& key, ClientCertificates clients,
                                   std::span<const Certificate> client_authorities);

  ClientCertificates client_certificates() const { return clients_; }

  // The TLS state of a new connection. The caller owns it: asio's ssl::stream takes it over and
  // frees it with the connection.
  Result<ssl_st*> new_connection() const;

 private:
  HttpsContext(std::shared_ptr<ssl_ctx_st> context, ClientCertificates clients)
      : context_(std::move(context)), clients_(clients) {}

  std::shared_ptr<ssl_ctx_st> context_;
  ClientCertificates clients_ = ClientCertificates::kOff;
};

// The certificate the client of a finished handshake presented and OpenSSL verified; none when it
// presented none (a failed verification ends the handshake, so there is no third case).
std::optional<Certificate> verified_peer_certificate(const ssl_st* connection);

// Why the client's certificate was refused in a failed handshake ("certificate has expired",
// "unable to get local issuer certificate"); none when it was not (or none was presented).
std::optional<std::string> peer_verification_failure(const ssl_st* connection);

}  // namespace nimbus::x509
