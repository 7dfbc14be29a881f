// TLS carried inside another protocol instead of over a socket: the records go in and come out as
// bytes (OpenSSL memory BIOs), as EAP-TLS (RFC 5216, RFC 9190) needs. The peer's certificate chain
// is only collected here; whether to trust it is the verifier's decision, made after the handshake
// with the whole revocation policy. The handshake itself still proves that the peer holds the
// certificate's key.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "core/bytes.h"
#include "core/result.h"
#include "crypto/key.h"
#include "x509/certificate.h"

struct ssl_ctx_st;

namespace nimbus::x509 {

enum class TlsVersion { k1_2, k1_3 };

std::string_view tls_version_name(TlsVersion version);  // "TLS 1.2", "TLS 1.3"

struct TlsOptions {
  TlsVersion min_version = TlsVersion::k1_2;
  TlsVersion max_version = TlsVersion::k1_3;
  // A server's sessions may be resumed for this long (0: never). The state stays on the server
  // (a session cache of `session_cache_size` sessions; no stateless tickets), so that what a
  // resumed session may skip is the server's to decide. A client offers whatever session it is
  // given (TlsSession's `resume`), whatever this says.
  std::chrono::seconds session_lifetime{0};
  std::size_t session_cache_size = 20000;
};

// Gives a TLS context the certificate it proves itself with, its chain and the matching key
// (EAP-TLS's contexts and the HTTPS listener's alike).
Status use_tls_identity(ssl_ctx_st* context, const Certificate& certificate, std::span<const Certificate> chain,
                        const crypto::PrivateKey& key);

// What every session of one side shares: its certificate, chain, key and versions. Immutable once
// made; sessions of several threads may use one context.
class TlsContext {
 public:
  // A server that requires a client certificate (any; the verifier judges it).
  static Result<TlsContext> server(const Certificate& certificate, std::span<const Certificate> chain,
                                   const crypto::PrivateKey& key, const TlsOptions& options);
  // A client that presents `certificate` and accepts any server certificate (the caller checks the
  // server's chain itself when it cares).
  static Result<TlsContext> client(const Certificate& certificate, std::span<const Certificate> chain,
                                   const crypto::PrivateKey& key, const TlsOptions& options);

  struct State;

 private:
  explicit TlsContext(std::shared_ptr<State> state) : state_(std::move(state)) {}
  std::shared_ptr<State> state_;
  friend class TlsSession;
};

// A session a client may offer to resume later. Cheap to copy; immutable.
class TlsResumableSession {
 public:
  struct State;

 private:
  explicit TlsResumableSession(std::shared_ptr<const State> state) : state_(std::move(state)) {}
  std::shared_ptr<const State> state_;
  friend class TlsSession;
};

// One TLS conversation. Not thread-safe; an EAP conversation owns one.
class TlsSession {
 public:
  // A client given `resume` offers that session; the server decides whether it is resumed.
  explicit TlsSession(const TlsContext& context, const TlsResumableSession* resume = nullptr);
  ~TlsSession();
  TlsSession(TlsSession&&) noexcept;
  TlsSession& operator=(TlsSession&&) noexcept;

  // Takes the records the peer sent (none, for a client's first flight), advances the handshake or
  // reads application data, and returns the records to send back (possibly none). kPermissionDenied
  // when the handshake fails (an alert to send may still be in the returned error's records: see
  // pending_output), with OpenSSL's reason.
  Result<Bytes> exchange(ByteView from_peer);
  // Records written but not yet returned: the alert that follows a failed handshake.
  Bytes pending_output();

  bool established() const;
  std::optional<TlsVersion> version() const;
  // The peer's certificate first, then the chain it sent. Empty before the handshake.
  std::vector<Certificate> peer_chain() const;
  // Whether the handshake resumed an earlier session (the peer then sent no certificate: its
  // chain is the one of the session it resumed).
  bool resumed() const;
  // Client: the session to offer next time, once the handshake is done and the server gave one
  // (under TLS 1.3, after its ticket arrived). nullopt otherwise.
  std::optional<TlsResumableSession> resumable_session() const;
  // Server: lets a client resume this session later (once the server has decided to admit it).
  // Without it, the session leaves the server's cache when this object goes: OpenSSL treats a
  // session that was not shut down as one not to resume. A client's finished session stays
  // resumable by itself.
  void retain_for_resumption();

  // Writes application data (the TLS 1.3 EAP-TLS commitment message, RFC 9190 §2.5); the records
  // come out of the next exchange() or pending_output().
  Status send(ByteView data);
  // Application data received so far; cleared by the call.
  Bytes take_received();

  // RFC 5705 / RFC 8446 §7.5 exporters: `context` absent is "no context" (TLS 1.2's EAP-TLS key
  // derivation), present (even empty) is a context value.
  Result<Bytes> export_keying_material(std::string_view label, std::optional<ByteView> context,
                                       std::size_t length) const;

  struct State;

 private:
  std::unique_ptr<State> state_;
};

}  // namespace nimbus::x509
