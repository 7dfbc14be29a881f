#include "http/server.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <condition_variable>
#include <exception>
#include <future>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/vector_body.hpp>
#include <boost/beast/http/write.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/log_text.h"
#include "core/log_throttle.h"
#include "core/time.h"
#include "http/caching.h"
#include "http/idle_list.h"
#include "http/metrics.h"
#include "http/request_metrics.h"

namespace nimbus::http {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

// Every I/O object names its io_context's executor type: the type-erased default costs a virtual
// call and an allocation on every operation.
using Executor = net::io_context::executor_type;
using Socket = net::basic_stream_socket<tcp, Executor>;
using Acceptor = net::basic_socket_acceptor<tcp, Executor>;
using Stream = beast::basic_stream<tcp, Executor>;
using TlsStream = net::ssl::stream<Stream&>;
using Timer = net::basic_waitable_timer<std::chrono::steady_clock, net::wait_traits<std::chrono::steady_clock>, Executor>;

using BeastBody = bhttp::vector_body<std::uint8_t>;
using BeastRequest = bhttp::request<BeastBody>;
using BeastResponse = bhttp::response<BeastBody>;

constexpr std::string_view kServerName = "nimbus";
// After an error response, how long and how much unread input we drain before closing, so that
// the client reads our response instead of a TCP reset (RFC 9112 9.6, "lingering close").
constexpr auto kLingerTime = std::chrono::seconds(2);
constexpr std::size_t kLingerBytes = 1024 * 1024;
// Events a client can cause in bulk are logged at most this often, with a count.
constexpr auto kBulkLogInterval = std::chrono::seconds(10);

// What a connection refused at accept is sent, best effort and without waiting.
std::string refusal_response(int status, std::string_view body) {
  return fmt::format(
      "HTTP/1.1 {} {}\r\nServer: {}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nRetry-After: 1\r\n"
      "Connection: close\r\n\r\n{}",
      status, reason_phrase(status), kServerName, body.size(), body);
}

// The client's User-Agent as the access log shows it: bounded, since one long header should not
// make every line of a busy log long; "-" when absent, as in the common log formats.
std::string loggable_user_agent(const bhttp::fields& header) {
  constexpr std::size_t kMaxLogged = 200;
  auto found = header.find(bhttp::field::user_agent);
  if (found == header.end() || found->value().empty()) return "-";
  std::string_view value = found->value();
  return std::string(value.substr(0, kMaxLogged));
}

std::shared_ptr<spdlog::logger> access_logger() {
  if (auto logger = spdlog::get("access")) return logger;
  auto logger = spdlog::default_logger()->clone("access");
  try {
    spdlog::register_logger(logger);
  } catch (const spdlog::spdlog_ex&) {
    // Another server registered it first; use theirs so that there is one "access" logger.
    if (auto existing = spdlog::get("access")) return existing;
  }
  return logger;
}

bool has_line_break(std::string_view text) { return text.find_first_of("\r\n") != std::string_view::npos; }

bool is_http_parse_error(const beast::error_code& ec) {
  return ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category();
}

// Splits a request-target into path and query. Accepts origin-form ("/a?b") and absolute-form
// ("http://host/a?b", RFC 9112 3.2.2); anything else (authority-form, "*") has no path we serve.
std::optional<std::pair<std::string, std::string>> split_target(std::string_view target) {
  for (std::string_view scheme : {"http://", "https://"}) {
    if (target.size() >= scheme.size() &&
        std::equal(scheme.begin(), scheme.end(), target.begin(),
                   [](char a, char b) { return a == std::tolower(static_cast<unsigned char>(b)); })) {
      std::size_t slash = target.find_first_of("/?", scheme.size());
      if (slash == std::string_view::npos) return std::pair<std::string, std::string>("/", "");
      target = target.substr(slash);
      if (target.front() == '?') return std::pair<std::string, std::string>("/", std::string(target.substr(1)));
      break;
    }
  }
  if (target.empty() || target.front() != '/') return std::nullopt;
  std::size_t question = target.find('?');
  if (question == std::string_view::npos) return std::pair<std::string, std::string>(std::string(target), "");
  return std::pair<std::string, std::string>(std::string(target.substr(0, question)),
                                             std::string(target.substr(question + 1)));
}

}  // namespace

class Session;

// Whether a new connection may stay.
enum class Admission { kAccepted, kServerFull, kAddressFull };

// Connections open and idle, for the nimbus_http_connections gauge, which may be read after the
// server is gone (it then has no samples).
struct ConnectionCounts {
  std::atomic<std::size_t> open{0};
  std::atomic<std::size_t> idle{0};
};

// Everything a connection shares with the server. HttpServer::Impl is this; the separate name
// lets Session, which is no member of HttpServer, refer to it.
class ServerCore {
 public:
  ServerCore(ServerOptions options, Router router, MetricsRegistry* metrics)
      : options(std::move(options)),
        router(std::move(router)),
        metrics(metrics),
        access_log(access_logger()),
        reclaim_from(this->options.max_connections - this->options.max_connections / 16),
        thread_count(this->options.worker_threads != 0 ? this->options.worker_threads
                                                      : std::max(1u, std::thread::hardware_concurrency())) {
    for (unsigned i = 0; i < thread_count; ++i) contexts.push_back(std::make_unique<net::io_context>(1));
  }

  Status start();
  void stop();
  void do_accept();
  void on_accept(beast::error_code ec, Socket socket);
  // Decides on a connection from `address` and, when the server is near its limit, picks the
  // connection idle longest to be closed (`reclaim`).
  Admission admit(const std::string& address, std::shared_ptr<Session>& reclaim);
  void refuse(Socket& socket, Admission why, const std::string& address);
  // Logs an HTTPS connection whose TLS handshake failed: a client certificate missing or refused,
  // no protocol version or cipher in common, plain HTTP sent to the TLS port.
  void handshake_failed(const std::string& address, beast::error_code ec,
                        const std::optional<std::string>& certificate_refused);
  // Logs, one interval after the first event held back, what the bulk-event logs held back; so
  // that a flood's last refusals are reported although nothing comes after them.
  void schedule_held_report();
  void report_held();
  // The context the next connection lives on, round robin.
  Executor next_executor();

  void register_session(Session* session, const std::shared_ptr<Session>& shared);
  void unregister_session(Session* session);
  // A session waits for a request (idle) or has begun to receive one.
  void mark_idle(Session* session);
  void mark_busy(Session* session);
  // A reclaimed session was idle no longer when asked to close, and stays.
  void reclaim_declined(Session* session);

  // Calls the handler and turns errors and exceptions into responses.
  Response dispatch(const RouteMatch& match, const Request& request);
  void record(std::size_t route_slot, std::string_view method, int status, double seconds);
  // The route label of a RequestMetrics route slot, for logs.
  std::string_view route_label(std::size_t route_slot) const {
    return route_slot == RequestMetrics::kUnmatched ? std::string_view("unmatched") : router.pattern(route_slot - 1);
  }

  const ServerOptions options;
  const Router router;
  MetricsRegistry* const metrics;
  std::unique_ptr<RequestMetrics> request_metrics;  // set by start() when there are metrics
  std::shared_ptr<spdlog::logger> access_log;

  std::atomic<bool> draining{false};
  mutable std::mutex mutex;
  std::condition_variable sessions_changed;
  std::unordered_map<Session*, std::weak_ptr<Session>> sessions;  // guarded by mutex
  std::unordered_map<std::string, std::size_t> sessions_per_address;  // guarded by mutex
  // Sessions waiting for a request; guarded by mutex, like every session's link and reclaiming flag.
  IdleList<Session> idle;
  std::size_t reclaims_in_flight = 0;  // guarded by mutex
  // Written under mutex, read by the metrics gauge without it.
  const std::shared_ptr<ConnectionCounts> counts = std::make_shared<ConnectionCounts>();
  // From this many open connections on, each new one reclaims an idle one.
  const std::size_t reclaim_from;
  const std::string server_full_response = refusal_response(503, "too many requests\n");
  const std::string address_full_response = refusal_response(429, "too many connections from this address\n");
  LogThrottle server_full_log{kBulkLogInterval};
  LogThrottle address_full_log{kBulkLogInterval};
  LogThrottle reclaim_log{kBulkLogInterval};
  LogThrottle handshake_log{kBulkLogInterval, 5};
  std::atomic<std::uint16_t> bound_port{0};
  bool started = false;  // guarded by lifecycle_mutex
  bool stopped = false;
  std::mutex lifecycle_mutex;
  const unsigned thread_count;

  // Declared after everything a Session touches in its destructor: destroying the io_context
  // destroys the sessions its queued handlers still own.
  //
  // One io_context per worker thread: a connection lives on one thread for its whole life, so its
  // handlers need no strand and the threads contend for no shared scheduler. The acceptor lives on
  // the first context.
  std::vector<std::unique_ptr<net::io_context>> contexts;
  std::vector<net::executor_work_guard<Executor>> work;
  std::size_t next_context = 0;  // used on contexts[0]'s thread only, like the acceptor
  std::optional<Acceptor> acceptor;  // used on contexts[0]'s thread only once started
  std::optional<Timer> accept_backoff;
  std::optional<Timer> held_report;  // on contexts[0], like the acceptor
  bool held_report_pending = false;  // used on contexts[0]'s thread only
  std::vector<std::thread> threads;
};

// The bytes of one connection: plain TCP, or TLS over it. Beast reads and writes through it as
// through any stream; deadlines, cancellation and closing act on the TCP layer underneath.
class ConnectionStream {
 public:
  using executor_type = Executor;

  ConnectionStream(Socket socket, SSL* tls) : tcp_(std::move(socket)) {
    if (tls != nullptr) tls_.emplace(tcp_, tls);
  }

  executor_type get_executor() { return tcp_.get_executor(); }
  Stream& tcp() { return tcp_; }
  bool is_tls() const { return tls_.has_value(); }
  TlsStream& tls() { return *tls_; }

  template <typename MutableBuffers, typename Handler>
  void async_read_some(const MutableBuffers& buffers, Handler&& handler) {
    if (tls_) {
      tls_->async_read_some(buffers, std::forward<Handler>(handler));
    } else {
      tcp_.async_read_some(buffers, std::forward<Handler>(handler));
    }
  }

  template <typename ConstBuffers, typename Handler>
  void async_write_some(const ConstBuffers& buffers, Handler&& handler) {
    if (tls_) {
      tls_->async_write_some(buffers, std::forward<Handler>(handler));
    } else {
      tcp_.async_write_some(buffers, std::forward<Handler>(handler));
    }
  }

 private:
  Stream tcp_;
  std::optional<TlsStream> tls_;  // refers to tcp_: a ConnectionStream never moves
};

// One connection: reads requests one after the other, runs their handlers and writes responses.
// Every member is used on the thread of the session's io_context only.
class Session : public std::enable_shared_from_this<Session> {
 public:
  // `tls`, for HTTPS, is the connection's TLS state, which the session then owns.
  Session(ServerCore& server, Socket socket, SSL* tls, std::string remote)
      : server_(server), stream_(std::move(socket), tls), remote_(std::move(remote)) {}
  ~Session() { server_.unregister_session(this); }

  const std::string& remote() const { return remote_; }
  // Under ServerCore::mutex only: the session's place in ServerCore::idle, and whether it was chosen
  // to be closed to make room (counted in reclaims_in_flight).
  IdleList<Session>::Link idle_link;
  bool reclaiming = false;

  // Closes the connection if it is still waiting for a request; the server needs the room.
  void reclaim() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      if (self->state_ != State::kWaiting) return self->server_.reclaim_declined(self.get());
      spdlog::debug("http: closing the idle connection from {} to make room", self->remote_);
      self->close();
    });
  }

  void run() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      if (self->stream_.is_tls()) return self->handshake();
      self->wait_for_request();
    });
  }

  // Called (on the session's thread) when the server stops: a connection waiting for or reading a
  // request is closed; one running a handler or writing a response finishes first.
  void on_server_stop() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      if (self->state_ == State::kWaiting || self->state_ == State::kReading) self->stream_.tcp().cancel();
    });
  }

 private:
  enum class State { kWaiting, kReading, kHandling, kWriting, kClosing };

  // The TLS handshake of an HTTPS connection, within the read timeout, as for a first request.
  void handshake() {
    state_ = State::kReading;
    stream_.tcp().expires_after(server_.options.read_timeout);
    stream_.tls().async_handshake(net::ssl::stream_base::server, [self = shared_from_this()](beast::error_code ec) {
      if (ec) {
        self->server_.handshake_failed(self->remote_, ec,
                                       x509::peer_verification_failure(self->stream_.tls().native_handle()));
        return self->close();
      }
      self->client_certificate_ = x509::verified_peer_certificate(self->stream_.tls().native_handle());
      self->wait_for_request();
    });
  }

  void wait_for_request() {
    if (server_.draining.load()) return close();
    if (buffer_.size() > 0) return read_header();  // a pipelined request is already here
    state_ = State::kWaiting;
    server_.mark_idle(this);
    // A new connection gets the read timeout to send its first byte, a kept-alive one the idle
    // timeout; either way the header then has read_timeout from its first byte on.
    stream_.tcp().expires_after(first_request_ ? server_.options.read_timeout : server_.options.idle_timeout);
    stream_.async_read_some(buffer_.prepare(4096), [self = shared_from_this()](beast::error_code ec, std::size_t n) {
      if (ec) return self->close();
      self->server_.mark_busy(self.get());
      self->buffer_.commit(n);
      self->read_header();
    });
  }

  void read_header() {
    state_ = State::kReading;
    first_request_ = false;
    started_ = Clock::now();
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(server_.options.max_header_bytes));
    parser_->body_limit(server_.options.max_body_bytes);
    header_bytes_ = 0;
    stream_.tcp().expires_after(server_.options.read_timeout);
    parse_header();
  }

  // Feeds what is buffered to the parser until the header is complete, reading more as needed.
  // The header limit counts the bytes received: Beast's own applies to what one call is given, so
  // a header sent in pieces, each field complete, would pass it however long it grew.
  void parse_header() {
    while (buffer_.size() > 0 && !parser_->is_header_done()) {
      beast::error_code ec;
      std::size_t used = parser_->put(buffer_.data(), ec);
      buffer_.consume(used);
      header_bytes_ += used;
      if (ec == bhttp::error::need_more) break;
      if (ec) return on_header(ec);
    }
    if (parser_->is_header_done()) return on_header({});
    if (header_bytes_ + buffer_.size() >= server_.options.max_header_bytes) {
      return on_header(bhttp::error::header_limit);
    }
    stream_.async_read_some(buffer_.prepare(4096), [self = shared_from_this()](beast::error_code ec, std::size_t n) {
      if (ec == net::error::eof) {
        bool nothing_yet = self->header_bytes_ == 0 && self->buffer_.size() == 0;
        return self->on_header(nothing_yet ? bhttp::error::end_of_stream : bhttp::error::partial_message);
      }
      if (ec) return self->on_header(ec);
      self->buffer_.commit(n);
      self->parse_header();
    });
  }

  void on_header(beast::error_code ec) {
    if (ec) return on_read_error(ec);
    const auto& header = parser_->get();
    if (header.version() >= 11 && header.count(bhttp::field::host) == 0) {
      return fail(400, "an HTTP/1.1 request needs a Host header");
    }
    if (parser_->is_done()) return handle_request();
    auto expect = header[bhttp::field::expect];
    if (!expect.empty()) {
      if (!beast::iequals(expect, "100-continue")) return fail(417, "only 100-continue can be expected");
      // The limits were checked on the header; tell the client to send the body.
      continue_.emplace(bhttp::status::continue_, header.version());
      stream_.tcp().expires_after(server_.options.write_timeout);
      bhttp::async_write(stream_, *continue_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
        if (ec) return self->close();
        self->read_body();
      });
      return;
    }
    read_body();
  }

  void read_body() {
    stream_.tcp().expires_after(server_.options.read_timeout);
    bhttp::async_read(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->on_read_error(ec);
      self->handle_request();
    });
  }

  void on_read_error(beast::error_code ec) {
    if (ec == bhttp::error::body_limit) {
      return fail(413, fmt::format("the request body exceeds {} bytes", server_.options.max_body_bytes));
    }
    if (ec == bhttp::error::header_limit) {
      return fail(431, fmt::format("the request header exceeds {} bytes", server_.options.max_header_bytes));
    }
    // A client that went away or timed out gets no answer: nobody would read it.
    if (ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message || !is_http_parse_error(ec)) {
      if (ec != bhttp::error::end_of_stream && ec != net::error::operation_aborted) {
        spdlog::debug("http: closing connection from {}: {}", remote_, ec.message());
      }
      return close();
    }
    fail(400, fmt::format("malformed request: {}", ec.message()));
  }

  // Answers a request that could not be read whole, and closes the connection.
  void fail(int status, std::string_view why) {
    method_ = "-";
    target_ = "-";
    user_agent_ = "-";
    version_ = 11;
    // The start line is stored as soon as it parsed, so a request refused for its header or body
    // size is still logged by method and target.
    if (parser_ && !parser_->get().method_string().empty()) {
      const auto& header = parser_->get();
      method_ = std::string(header.method_string());
      target_ = std::string(header.target());
      user_agent_ = loggable_user_agent(header);
      version_ = header.version() == 10 ? 10 : 11;
    }
    route_slot_ = RequestMetrics::kUnmatched;
    head_ = false;
    send(Response::text(status, why), /*keep_alive=*/false);
  }

  void handle_request() {
    state_ = State::kHandling;
    BeastRequest beast_request = parser_->release();
    parser_.reset();

    Request request;
    request.method = std::string(beast_request.method_string());
    request.target = std::string(beast_request.target());
    request.remote_address = remote_;
    request.secure = stream_.is_tls();
    request.client_certificate = client_certificate_;
    for (const auto& field : beast_request) {
      request.headers.add(std::string(field.name_string()), std::string(field.value()));
    }
    request.body = std::move(beast_request.body());
    method_ = request.method;
    target_ = request.target;
    user_agent_ = loggable_user_agent(beast_request);
    version_ = beast_request.version() == 10 ? 10 : 11;
    head_ = request.method == "HEAD";
    route_slot_ = RequestMetrics::kUnmatched;
    bool keep_alive = beast_request.keep_alive();

    auto split = split_target(request.target);
    if (!split) return send(Response::text(400, "the request target must be a path"), false);
    request.path = std::move(split->first);
    request.query = std::move(split->second);

    RouteMatch match = server_.router.match(request.method, request.path);
    Response response;
    switch (match.outcome) {
      case RouteMatch::Outcome::kNotFound:
        response = Response::text(404, "not found");
        break;
      case RouteMatch::Outcome::kMethodNotAllowed:
        route_slot_ = match.index + 1;
        response = Response::text(405, fmt::format("method {} not allowed; allowed: {}", request.method, match.allow));
        response.set_header("Allow", match.allow);
        break;
      case RouteMatch::Outcome::kMatched:
        route_slot_ = match.index + 1;
        request.params = std::move(match.params);
        response = server_.dispatch(match, request);
        break;
    }
    send(std::move(response), keep_alive);
  }

  void send(Response response, bool keep_alive) {
    state_ = State::kWriting;
    keep_alive = keep_alive && !server_.draining.load();
    keep_alive_ = keep_alive;
    status_ = response.status;

    response_ = BeastResponse(static_cast<bhttp::status>(response.status), version_);
    response_.reason(reason_phrase(response.status));
    response_.set(bhttp::field::date, format_http_date(now_utc()));
    response_.set(bhttp::field::server, kServerName);
    if (!response.content_type.empty() && !has_line_break(response.content_type)) {
      response_.set(bhttp::field::content_type, response.content_type);
    }
    for (const auto& [name, value] : response.headers) {
      if (name.empty() || has_line_break(name) || has_line_break(value) || name.find(':') != std::string::npos) {
        spdlog::error("http: route {} produced an invalid header '{}'; dropped", server_.route_label(route_slot_),
                      loggable(name));
        continue;
      }
      response_.insert(name, value);
    }

    bool bodiless = response.status == 204 || response.status == 304 || response.status < 200;
    body_bytes_ = bodiless || head_ ? 0 : response.body.size();
    if (bodiless) {
      response_.body().clear();
    } else if (head_) {
      // HEAD announces the length GET would send (RFC 9110 9.3.2) and sends nothing.
      response_.content_length(response.body.size());
    } else {
      response_.body() = std::move(response.body);
      response_.content_length(response_.body().size());
    }
    response_.keep_alive(keep_alive);

    stream_.tcp().expires_after(server_.options.write_timeout);
    bhttp::async_write(stream_, response_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      self->on_written(ec);
    });
  }

  void on_written(beast::error_code ec) {
    double seconds = std::chrono::duration<double>(Clock::now() - started_).count();
    server_.record(route_slot_, method_, status_, seconds);
    server_.access_log->info("{} \"{} {}\" {} {} {:.3f}ms \"{}\"{}", remote_, loggable(method_), loggable(target_),
                             status_, body_bytes_, seconds * 1000.0, loggable(user_agent_),
                             ec ? fmt::format(" (write failed: {})", ec.message()) : "");
    response_ = {};
    if (ec) return close();
    if (!keep_alive_) return linger_and_close();
    wait_for_request();
  }

  // Half-closes, then discards what the client still sends until it closes too (or the bounds
  // run out), so that unread request bytes do not turn our close into a reset that destroys the
  // response in flight.
  void linger_and_close() {
    state_ = State::kClosing;
    if (stream_.is_tls()) return close_tls();
    beast::error_code ignored;
    stream_.tcp().socket().shutdown(tcp::socket::shutdown_send, ignored);
    buffer_.clear();
    stream_.tcp().expires_after(kLingerTime);
    linger_read();
  }

  void linger_read() {
    stream_.async_read_some(buffer_.prepare(16 * 1024), [self = shared_from_this()](beast::error_code ec, std::size_t n) {
      self->lingered_ += n;
      if (ec || self->lingered_ > kLingerBytes) return self->close();
      self->linger_read();
    });
  }

  // TLS says it is done with close_notify (RFC 8446 6.1) and waits, within the linger time, for
  // the client's: a client that reads until then has the whole response.
  void close_tls() {
    stream_.tcp().expires_after(kLingerTime);
    stream_.tls().async_shutdown([self = shared_from_this()](beast::error_code) { self->close(); });
  }

  void close() {
    state_ = State::kClosing;
    beast::error_code ignored;
    stream_.tcp().socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.tcp().close();
  }

  ServerCore& server_;
  ConnectionStream stream_;
  std::optional<x509::Certificate> client_certificate_;  // verified in the TLS handshake
  beast::flat_buffer buffer_;
  const std::string remote_;
  State state_ = State::kWaiting;
  bool first_request_ = true;
  std::optional<bhttp::request_parser<BeastBody>> parser_;
  std::optional<bhttp::response<bhttp::empty_body>> continue_;
  BeastResponse response_;

  // What the access log and metrics say about the current request.
  Clock::time_point started_ = Clock::now();
  std::string method_ = "-";
  std::string target_ = "-";
  std::string user_agent_ = "-";
  std::size_t route_slot_ = RequestMetrics::kUnmatched;
  unsigned version_ = 11;
  bool head_ = false;
  bool keep_alive_ = false;
  int status_ = 0;
  std::size_t body_bytes_ = 0;
  std::size_t lingered_ = 0;
  std::size_t header_bytes_ = 0;  // of the request being read, parsed so far
};

// ---- Impl --------------------------------------------------------------------------------------

Status ServerCore::start() {
  std::lock_guard lifecycle(lifecycle_mutex);
  if (started) return Error(ErrorCode::kFailedPrecondition, "the HTTP server was already started");
  if (options.max_connections == 0 || options.max_body_bytes == 0 || options.max_header_bytes < 64 ||
      options.max_header_bytes > UINT32_MAX || options.read_timeout.count() <= 0 ||
      options.write_timeout.count() <= 0 || options.idle_timeout.count() <= 0) {
    return Error(ErrorCode::kInvalidArgument,
                 "HTTP server options: limits and timeouts must be positive, max_header_bytes at least 64");
  }

  beast::error_code ec;
  net::ip::address address = net::ip::make_address(options.listen_address, ec);
  if (ec) {
    return Error(ErrorCode::kInvalidArgument,
                 fmt::format("listen address '{}' is not an IPv4 or IPv6 address", options.listen_address));
  }
  tcp::endpoint endpoint(address, options.port);
  std::string where = address.is_v6() ? fmt::format("[{}]:{}", options.listen_address, options.port)
                                      : fmt::format("{}:{}", options.listen_address, options.port);

  if (metrics != nullptr) {
    auto created = RequestMetrics::create(*metrics, router, options.metrics_prefix);
    if (!created.ok()) return std::move(created).error().with_context("registering HTTP metrics");
    request_metrics = std::move(created).value();
    Status gauge = metrics->gauge(
        options.metrics_prefix + "_connections", "HTTP connections open, and of them idle (waiting for a request)",
        [weak = std::weak_ptr<ConnectionCounts>(counts)]() -> std::vector<GaugeSample> {
          auto counted = weak.lock();
          if (!counted) return {};
          return {{{{"state", "open"}}, static_cast<double>(counted->open.load(std::memory_order_relaxed))},
                  {{{"state", "idle"}}, static_cast<double>(counted->idle.load(std::memory_order_relaxed))}};
        });
    if (!gauge.ok()) return std::move(gauge).error().with_context("registering HTTP metrics");
  }

  Executor acceptor_executor = contexts.front()->get_executor();
  acceptor.emplace(acceptor_executor);
  auto bind_error = [&](std::string_view step) {
    std::string why = ec == net::error::address_in_use
                          ? "the address is already in use (by another process, or another Nimbus)"
                          : ec.message();
    beast::error_code ignored;
    acceptor->close(ignored);
    return Error(ErrorCode::kIoError, fmt::format("cannot listen on {}: {} failed: {}", where, step, why));
  };
  if (acceptor->open(endpoint.protocol(), ec)) return bind_error("open");
  // Lets a restarted server bind while old connections sit in TIME_WAIT. On Linux it does not let
  // two listeners share a port, so "address in use" is still reported.
  if (acceptor->set_option(net::socket_base::reuse_address(true), ec)) return bind_error("setsockopt");
  if (acceptor->bind(endpoint, ec)) return bind_error("bind");
  if (acceptor->listen(net::socket_base::max_listen_connections, ec)) return bind_error("listen");
  bound_port = acceptor->local_endpoint(ec).port();
  accept_backoff.emplace(acceptor_executor);
  held_report.emplace(acceptor_executor);

  for (auto& context : contexts) work.push_back(net::make_work_guard(*context));
  net::post(acceptor_executor, [this] { do_accept(); });
  threads.reserve(thread_count);
  for (unsigned i = 0; i < thread_count; ++i) {
    threads.emplace_back([&ioc = *contexts[i]] {
      // Handlers catch their own exceptions; this guards against a bug in the server itself
      // taking the whole process down with std::terminate.
      while (true) {
        try {
          ioc.run();
          return;
        } catch (const std::exception& e) {
          spdlog::error("http: unexpected exception in a worker thread: {}", e.what());
        }
      }
    });
  }
  started = true;
  std::string bound = address.is_v6() ? fmt::format("[{}]:{}", options.listen_address, bound_port.load())
                                      : fmt::format("{}:{}", options.listen_address, bound_port.load());
  spdlog::info("{}: listening on {}{}", options.name, options.tls ? "https://" : "", bound);
  return ok_status();
}

void ServerCore::do_accept() {
  acceptor->async_accept(next_executor(), [this](beast::error_code ec, Socket socket) {
    on_accept(ec, std::move(socket));
  });
}

Executor ServerCore::next_executor() {
  return contexts[next_context++ % contexts.size()]->get_executor();
}

void ServerCore::on_accept(beast::error_code ec, Socket socket) {
  if (!acceptor->is_open() || ec == net::error::operation_aborted) return;
  if (ec) {
    // Typically EMFILE: retrying at once would spin; a short pause lets connections close.
    spdlog::warn("{}: accept failed: {}", options.name, ec.message());
    accept_backoff->expires_after(std::chrono::milliseconds(100));
    accept_backoff->async_wait([this](beast::error_code wait_ec) {
      if (!wait_ec && acceptor->is_open()) do_accept();
    });
    return;
  }
  if (draining.load()) {
    socket.close(ec);
    return;
  }
  beast::error_code remote_ec;
  tcp::endpoint remote = socket.remote_endpoint(remote_ec);
  std::string remote_address = remote_ec ? std::string("-") : remote.address().to_string();
  std::shared_ptr<Session> reclaimed;
  Admission admission = admit(remote_address, reclaimed);
  if (reclaimed) reclaimed->reclaim();
  if (admission != Admission::kAccepted) {
    refuse(socket, admission, remote_address);
  } else {
    // Responses go out in one write; waiting to coalesce them with more data only adds latency.
    socket.set_option(tcp::no_delay(true), remote_ec);
    SSL* tls = nullptr;
    if (options.tls) {
      auto created = options.tls->new_connection();
      if (!created.ok()) {
        spdlog::error("{}: connection from {} closed: {}", options.name, remote_address, created.error().to_string());
        socket.close(remote_ec);
        return do_accept();
      }
      tls = *created;
    }
    auto session = std::make_shared<Session>(*this, std::move(socket), tls, std::move(remote_address));
    register_session(session.get(), session);
    session->run();
  }
  do_accept();
}

Admission ServerCore::admit(const std::string& address, std::shared_ptr<Session>& reclaim) {
  std::lock_guard lock(mutex);
  if (options.max_connections_per_address != 0) {
    auto it = sessions_per_address.find(address);
    if (it != sessions_per_address.end() && it->second >= options.max_connections_per_address) {
      return Admission::kAddressFull;
    }
  }
  std::size_t open = sessions.size();
  // Reclaims are bounded, so that connections being closed cannot hold more than a sixteenth
  // again of the limit's file descriptors.
  if (open >= reclaim_from && reclaims_in_flight <= options.max_connections / 16) {
    // Taken out either way: a session whose last owner is gone is ending and unregisters itself,
    // and one already being reclaimed went busy and idle again before it heard of it.
    while (Session* oldest = idle.pop_oldest()) {
      if (oldest->reclaiming) continue;
      auto it = sessions.find(oldest);
      if (it == sessions.end() || !(reclaim = it->second.lock())) continue;
      oldest->reclaiming = true;
      ++reclaims_in_flight;
      break;
    }
    counts->idle.store(idle.size(), std::memory_order_relaxed);
  }
  if (open >= options.max_connections + reclaims_in_flight) return Admission::kServerFull;
  return Admission::kAccepted;
}

void ServerCore::handshake_failed(const std::string& address, beast::error_code ec,
                                  const std::optional<std::string>& certificate_refused) {
  // A client that gives up or times out before saying anything is no news.
  if (ec == net::error::eof || ec == net::ssl::error::stream_truncated || ec == net::error::operation_aborted ||
      ec == beast::error::timeout) {
    spdlog::debug("{}: TLS handshake from {} ended: {}", options.name, address, ec.message());
    return;
  }
  if (std::uint64_t failed = handshake_log.admit()) {
    spdlog::warn("{}: TLS handshake from {} failed: {}{}{}", options.name, address, ec.message(),
                 certificate_refused ? fmt::format(": the client certificate: {}", *certificate_refused) : "",
                 failed > 1 ? fmt::format(" ({} failed handshakes since the last report)", failed) : "");
  }
}

void ServerCore::refuse(Socket& socket, Admission why, const std::string& address) {
  bool server_full = why == Admission::kServerFull;
  const std::string& answer = server_full ? server_full_response : address_full_response;
  // A fresh socket's send buffer takes these bytes at once; a TLS client could not read them.
  beast::error_code ec;
  socket.non_blocking(true, ec);
  if (!options.tls) socket.write_some(net::buffer(answer.data(), answer.size()), ec);
  socket.shutdown(tcp::socket::shutdown_both, ec);
  socket.close(ec);
  if (server_full) {
    if (std::uint64_t refused = server_full_log.admit()) {
      spdlog::warn("http: refused {} connection(s) since the last report: {} open, none idle (http_max_connections)",
                   refused, options.max_connections);
    } else {
      schedule_held_report();
    }
  } else if (std::uint64_t refused = address_full_log.admit()) {
    spdlog::warn("http: refused {} connection(s) since the last report from addresses at their limit of {}, the "
                 "last from {} (http_max_connections_per_address)",
                 refused, options.max_connections_per_address, address);
  } else {
    schedule_held_report();
  }
  record(RequestMetrics::kUnmatched, "other", server_full ? 503 : 429, 0.0);
}

void ServerCore::schedule_held_report() {
  if (held_report_pending) return;
  held_report_pending = true;
  held_report->expires_after(kBulkLogInterval);
  held_report->async_wait([this](beast::error_code ec) {
    held_report_pending = false;
    if (!ec) report_held();
  });
}

void ServerCore::report_held() {
  auto seconds = std::chrono::duration_cast<std::chrono::seconds>(kBulkLogInterval).count();
  if (std::uint64_t refused = server_full_log.drain()) {
    spdlog::warn("http: refused {} more connection(s) in the last {} s: none idle (http_max_connections {})", refused,
                 seconds, options.max_connections);
  }
  if (std::uint64_t refused = address_full_log.drain()) {
    spdlog::warn("http: refused {} more connection(s) in the last {} s from addresses at their limit "
                 "(http_max_connections_per_address {})",
                 refused, seconds, options.max_connections_per_address);
  }
  if (std::uint64_t reclaimed = reclaim_log.drain()) {
    spdlog::warn("http: closed {} more idle connection(s) in the last {} s to make room for new ones "
                 "(http_max_connections {})",
                 reclaimed, seconds, options.max_connections);
  }
}

void ServerCore::register_session(Session* session, const std::shared_ptr<Session>& shared) {
  std::lock_guard lock(mutex);
  sessions.emplace(session, shared);
  ++sessions_per_address[session->remote()];
  counts->open.store(sessions.size(), std::memory_order_relaxed);
}

void ServerCore::unregister_session(Session* session) {
  {
    std::lock_guard lock(mutex);
    if (sessions.erase(session) == 0) return;
    auto counted = sessions_per_address.find(session->remote());
    if (counted != sessions_per_address.end() && --counted->second == 0) sessions_per_address.erase(counted);
    if (session->reclaiming) {
      --reclaims_in_flight;
      if (std::uint64_t reclaimed = reclaim_log.admit()) {
        spdlog::warn("http: closed {} idle connection(s) since the last report to make room for new ones "
                     "(http_max_connections {})",
                     reclaimed, options.max_connections);
      } else {
        net::post(contexts.front()->get_executor(), [this] {
          if (!draining.load()) schedule_held_report();
        });
      }
    }
    session->reclaiming = false;
    idle.remove(session);
    counts->idle.store(idle.size(), std::memory_order_relaxed);
    counts->open.store(sessions.size(), std::memory_order_relaxed);
  }
  sessions_changed.notify_all();
}

void ServerCore::mark_idle(Session* session) {
  std::lock_guard lock(mutex);
  idle.push_newest(session);
  counts->idle.store(idle.size(), std::memory_order_relaxed);
}

void ServerCore::mark_busy(Session* session) {
  std::lock_guard lock(mutex);
  if (idle.remove(session)) counts->idle.store(idle.size(), std::memory_order_relaxed);
}

void ServerCore::reclaim_declined(Session* session) {
  std::lock_guard lock(mutex);
  if (!session->reclaiming) return;
  session->reclaiming = false;
  --reclaims_in_flight;
}

Response ServerCore::dispatch(const RouteMatch& match, const Request& request) {
  try {
    Result<Response> result = (*match.handler)(request);
    if (result.ok()) return std::move(result).value();
    const Error& error = result.error();
    if (error.is_failure()) {
      spdlog::error("http: {} {} failed: {}", request.method, match.pattern, loggable(error.to_string()));
    }
    return error_response(error);
  } catch (const std::exception& e) {
    spdlog::error("http: {} {} threw: {}", request.method, match.pattern, loggable(e.what()));
  } catch (...) {
    spdlog::error("http: {} {} threw an unknown exception", request.method, match.pattern);
  }
  return Response::text(500, "internal server error");
}

void ServerCore::record(std::size_t route_slot, std::string_view method, int status, double seconds) {
  if (request_metrics) request_metrics->record(route_slot, method, status, seconds);
}

void ServerCore::stop() {
  std::lock_guard lifecycle(lifecycle_mutex);
  if (!started || stopped) return;
  stopped = true;
  draining = true;

  std::promise<void> acceptor_closed;
  net::post(contexts.front()->get_executor(), [this, &acceptor_closed] {
    beast::error_code ignored;
    acceptor->close(ignored);
    accept_backoff->cancel();
    held_report->cancel();
    acceptor_closed.set_value();
  });
  acceptor_closed.get_future().wait();

  std::vector<std::shared_ptr<Session>> open;
  {
    std::lock_guard lock(mutex);
    for (auto& [raw, weak] : sessions) {
      if (auto session = weak.lock()) open.push_back(std::move(session));
    }
  }
  for (auto& session : open) session->on_server_stop();
  open.clear();  // a session must be able to end while we wait

  {
    std::unique_lock lock(mutex);
    bool drained = sessions_changed.wait_for(lock, options.shutdown_grace, [this] { return sessions.empty(); });
    if (!drained) {
      spdlog::warn("http: {} connection(s) still busy after {} ms; closing them", sessions.size(),
                   options.shutdown_grace.count());
    }
  }
  work.clear();
  for (auto& context : contexts) context->stop();
  for (std::thread& thread : threads) thread.join();
  threads.clear();
  report_held();
  bound_port = 0;
  spdlog::info("{}: stopped", options.name);
}

class HttpServer::Impl : public ServerCore {
 public:
  using ServerCore::ServerCore;
};

// ---- HttpServer --------------------------------------------------------------------------------

HttpServer::HttpServer(ServerOptions options, Router router, MetricsRegistry* metrics)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(router), metrics)) {}

HttpServer::~HttpServer() { stop(); }

Status HttpServer::start() { return impl_->start(); }

void HttpServer::stop() { impl_->stop(); }

std::uint16_t HttpServer::port() const { return impl_->bound_port.load(); }

const ServerOptions& HttpServer::options() const { return impl_->options; }

std::size_t HttpServer::idle_connection_count() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->counts->idle.load(std::memory_order_relaxed);
}

std::size_t HttpServer::connection_count() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->sessions.size();
}

}  // namespace nimbus::http
