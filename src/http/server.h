// HttpServer: the HTTP/1.1 server that publishes AIA, CDP and OCSP (and later SCEP and metrics).
//
// Plain HTTP on purpose for those: relying parties fetch these URLs before they can validate
// anything, and RFC 5280 4.2.1.13 / RFC 5019 expect http. The same server speaks HTTPS when given a
// TLS context (ServerOptions::tls), as the listener of the REST API and the console does: each
// connection then starts with a TLS handshake under the read timeout, and a request carries the
// client certificate the handshake verified. Built to face the Internet directly: every read has a
// deadline, headers and bodies have size limits, the number of connections is capped in total and
// per client address (idle connections make way for new clients), bad input gets a 4xx and a
// closed connection, never a crash or a 500. What a client can cause in bulk (refused
// connections) is logged at most once per interval, with a count.
//
// Keep-alive follows HTTP/1.1: a 1.1 connection stays open unless either side says
// "Connection: close"; a 1.0 connection closes unless the client sends "Connection: keep-alive".
// Requests on one connection are answered in order (pipelining is accepted, not parallelised).
//
// Every response carries Date, Server: nimbus and Content-Length (except 204 and 304, which by
// RFC 9110 8.6 must not carry a length other than the full representation's, which we don't know).
// Every request is logged at info on the spdlog logger "access" (created from the default logger
// if nobody registered one), so that deployments can route it to its own sink.
//
// Thread-safety: start, stop and port may be called from any thread, but not concurrently with
// each other and never from a handler (stop joins the threads handlers run on).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "core/result.h"
#include "http/router.h"
#include "x509/https_context.h"

namespace nimbus::http {

class MetricsRegistry;

struct ServerOptions {
  // The IP address to listen on (IPv4 or IPv6 literal). "0.0.0.0" or "::" for every interface.
  std::string listen_address = "127.0.0.1";
  // The TCP port; 0 picks a free one, which port() then reports.
  std::uint16_t port = 8080;
  // Threads running handlers and I/O; 0 means one per hardware thread.
  unsigned worker_threads = 0;
  // Largest request body accepted; a larger one is answered 413 and the connection closed.
  std::size_t max_body_bytes = 64 * 1024;
  // Largest request line plus header fields; larger is answered 431 and the connection closed.
  std::size_t max_header_bytes = 8 * 1024;
  // Time allowed to receive a request's header, and then its body, once its first byte arrived
  // (and for a new connection, from accept). A client slower than that is disconnected.
  std::chrono::milliseconds read_timeout = std::chrono::seconds(10);
  // Time allowed to send a response to a client that does not read it.
  std::chrono::milliseconds write_timeout = std::chrono::seconds(10);
  // How long a kept-alive connection may wait for its next request.
  std::chrono::milliseconds idle_timeout = std::chrono::seconds(60);
  // Open connections at most. Near the limit (from 15/16 of it on) each new connection closes the
  // one that has waited longest for a request (its first or its next), so that a new client is
  // served while any connection is merely idle; when none is idle, a connection beyond the limit
  // is answered 503 and closed at once. The total exceeds the limit only by connections already
  // being closed.
  std::size_t max_connections = 1024;
  // Open connections from one client address at most; beyond that a new one is answered 429 and
  // closed at once, and other clients are not affected. 0: no such limit.
  std::size_t max_connections_per_address = 0;
  // How long stop() waits for in-flight requests before closing what is left.
  std::chrono::milliseconds shutdown_grace = std::chrono::seconds(10);
  // HTTPS when set: every connection is TLS with this context.
  std::shared_ptr<const x509::HttpsContext> tls;
  // Names the listener in logs ("http", "api") and its metric families ("nimbus_http" gives
  // nimbus_http_requests_total), so that two listeners of one process can be told apart.
  std::string name = "http";
  std::string metrics_prefix = "nimbus_http";
};

class HttpServer {
 public:
  // `router` is fixed from here on. `metrics`, when given, must outlive the server; the server
  // then records nimbus_http_requests_total{route,method,code} and
  // nimbus_http_request_duration_seconds{route}, with the route pattern (or "unmatched") as route.
  HttpServer(ServerOptions options, Router router, MetricsRegistry* metrics = nullptr);
  ~HttpServer();  // stops the server if it runs
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds, listens and starts the worker threads; returns once the server accepts connections.
  // Fails (io_error) when the address cannot be bound, e.g. the port is in use, and
  // (invalid_argument) for options that make no sense. A server starts at most once.
  Status start();

  // Stops accepting, closes idle connections, lets requests in flight finish (their responses go
  // out with Connection: close) for up to shutdown_grace, then closes everything and joins the
  // threads. Idempotent; a stopped server cannot be started again. Threads cannot be interrupted:
  // a handler that never returns keeps stop() from returning.
  void stop();

  // The bound port once started (the chosen one when options.port was 0), else 0.
  std::uint16_t port() const;

  // Connections currently open, and those of them waiting for a request.
  std::size_t connection_count() const;
  std::size_t idle_connection_count() const;

  const ServerOptions& options() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace nimbus::http
