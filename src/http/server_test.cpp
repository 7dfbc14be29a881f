#include "http/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <future>
#include <map>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "http/caching.h"
#include "http/metrics.h"
#include "testing/test_support.h"

namespace nimbus::http {
namespace {

using namespace std::chrono_literals;

// Generous: only a hung server should ever hit it.
constexpr auto kPatience = 15s;

struct RawResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;

  bool has(const std::string& name) const { return headers.count(name) != 0; }
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

// A blocking TCP client that sends exactly the bytes it is told to, for requests no well-behaved
// client library would make.
class RawClient {
 public:
  // Connects to 127.0.0.1 from `source` (another loopback address, to look like another client).
  explicit RawClient(std::uint16_t port, const char* source = "127.0.0.1") {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in from{};
    from.sin_family = AF_INET;
    ::inet_pton(AF_INET, source, &from.sin_addr);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&from), sizeof from) != 0 ||
        ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
      throw std::runtime_error("cannot connect to the test server");
    }
  }
  ~RawClient() {
    if (fd_ >= 0) ::close(fd_);
  }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  // False when the server has closed the connection.
  bool send(std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  // Reads one response; nothing when the connection closes (or nothing comes) first.
  std::optional<RawResponse> read_response(bool head_request = false) {
    std::size_t end;
    while ((end = pending_.find("\r\n\r\n")) == std::string::npos) {
      if (!fill()) return std::nullopt;
    }
    RawResponse response;
    std::string header = pending_.substr(0, end);
    pending_.erase(0, end + 4);
    std::size_t line_end = header.find("\r\n");
    std::string status_line = header.substr(0, line_end);
    if (status_line.size() < 12 || status_line.rfind("HTTP/1.", 0) != 0) return std::nullopt;
    response.status = std::stoi(status_line.substr(9, 3));
    std::size_t pos = line_end == std::string::npos ? header.size() : line_end + 2;
    while (pos < header.size()) {
      std::size_t next = header.find("\r\n", pos);
      if (next == std::string::npos) next = header.size();
      std::string line = header.substr(pos, next - pos);
      std::size_t colon = line.find(':');
      std::string name = line.substr(0, colon);
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      std::string value = colon == std::string::npos ? "" : line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      response.headers[name] = value;
      pos = next + 2;
    }
    std::size_t length = 0;
    if (!head_request && response.status != 304 && response.status != 204 && response.has("content-length")) {
      length = std::stoul(response.header("content-length"));
    }
    while (pending_.size() < length) {
      if (!fill()) return std::nullopt;
    }
    response.body = pending_.substr(0, length);
    pending_.erase(0, length);
    return response;
  }

  std::optional<RawResponse> request(std::string_view bytes, bool head_request = false) {
    if (!send(bytes)) return std::nullopt;
    return read_response(head_request);
  }

  // True when the server closes the connection within `patience` (unread bytes are discarded).
  bool closed_by_server(std::chrono::milliseconds patience = kPatience) {
    auto deadline = std::chrono::steady_clock::now() + patience;
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      char buffer[4096];
      ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) return true;
    }
    return false;
  }

  // Whether the connection is still open after `wait` (no data and no EOF arrived).
  bool still_open_after(std::chrono::milliseconds wait) {
    pollfd p{fd_, POLLIN, 0};
    return ::poll(&p, 1, static_cast<int>(wait.count())) == 0;
  }

 private:
  bool fill() {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(std::chrono::milliseconds(kPatience).count())) <= 0) return false;
    char buffer[4096];
    ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
    if (n <= 0) return false;
    pending_.append(buffer, static_cast<std::size_t>(n));
    return true;
  }

  int fd_ = -1;
  std::string pending_;
};

// The status of a response, 0 when none came.
int status_of(const std::optional<RawResponse>& response) { return response ? response->status : 0; }

using testing::CommandResult;

CommandResult run(const std::string& command) { return testing::run_command(command); }

std::string get(std::uint16_t port, std::string_view path, std::string_view extra = "") {
  return fmt::format("GET {} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\n{}\r\n", path, port, extra);
}

Result<Response> text(std::string_view body) { return Response::text(200, body); }

const Bytes kCrl = {0x30, 0x82, 0x00, 0x10, 'c', 'r', 'l'};

class HttpServerTest : public ::testing::Test {
 protected:
  Router routes() {
    Router router;
    testing::must(router.add_route({"GET"}, "/healthz", [](const Request&) { return text("ok"); }));
    testing::must(router.add_route({"GET"}, "/cdp/{ca}.crl", [](const Request& request) -> Result<Response> {
      CacheableObject object;
      object.content_type = "application/pkix-crl";
      object.body = kCrl;
      object.last_modified = testing::at("2026-01-01T00:00:00Z");
      object.expires = now_utc() + std::chrono::hours(1);
      if (request.param("ca") != "root") return Error(ErrorCode::kNotFound, "no such CA");
      return conditional_response(request, std::move(object), now_utc());
    }));
    testing::must(router.add_route({"GET"}, "/ocsp/{ca}/{request...}", [](const Request& request) {
      return text(fmt::format("ca={} request={}", request.param("ca"), request.param("request")));
    }));
    testing::must(router.add_route({"GET"}, "/inspect", [](const Request& request) {
      return text(fmt::format("path={} query={} remote={} agent={}", request.path, request.query,
                              request.remote_address, request.header("user-agent").value_or("-")));
    }));
    testing::must(router.add_route({"POST"}, "/echo", [](const Request& request) {
      return Result<Response>(Response::bytes(200, "application/octet-stream", request.body));
    }));
    testing::must(router.add_route({"GET"}, "/throws", [](const Request&) -> Result<Response> {
      throw std::runtime_error("handler bug");
    }));
    testing::must(router.add_route({"GET"}, "/fails", [](const Request&) -> Result<Response> {
      return Error(ErrorCode::kStoreError, "database is locked");
    }));
    testing::must(router.add_route({"GET"}, "/slow", [this](const Request&) {
      slow_entered_.set_value();
      std::this_thread::sleep_for(500ms);
      return text("slow done");
    }));
    return router;
  }

  void start(ServerOptions options = {}) {
    options.port = 0;
    options.worker_threads = 2;
    server_ = std::make_unique<HttpServer>(options, routes(), &metrics_);
    NIMBUS_ASSERT_OK(server_->start());
    port_ = server_->port();
    ASSERT_NE(port_, 0);
  }

  std::string url(std::string_view path) const { return fmt::format("http://127.0.0.1:{}{}", port_, path); }

  // Waits (up to kPatience) until `done` holds of the server; returns whether it did.
  template <typename Condition>
  bool eventually(Condition done) const {
    auto deadline = std::chrono::steady_clock::now() + kPatience;
    while (!done(*server_)) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(10ms);
    }
    return true;
  }

  MetricsRegistry metrics_;
  std::unique_ptr<HttpServer> server_;
  std::uint16_t port_ = 0;
  std::promise<void> slow_entered_;
};

TEST_F(HttpServerTest, ServesTwoRequestsOnOneKeptAliveConnection) {
  start();
  RawClient client(port_);
  for (int i = 0; i < 2; ++i) {
    auto response = client.request(get(port_, "/healthz"));
    ASSERT_TRUE(response.has_value()) << "request " << i;
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(response->body, "ok\n");
    EXPECT_EQ(response->header("server"), "nimbus");
    EXPECT_TRUE(parse_http_date(response->header("date")).has_value()) << response->header("date");
    EXPECT_EQ(response->header("content-length"), "3");
    EXPECT_EQ(response->header("content-type"), "text/plain; charset=utf-8");
    EXPECT_NE(response->header("connection"), "close");
  }
  EXPECT_TRUE(client.still_open_after(200ms));
}

TEST_F(HttpServerTest, AnswersPipelinedRequestsInOrder) {
  start();
  RawClient client(port_);
  ASSERT_TRUE(client.send(get(port_, "/healthz") + get(port_, "/ocsp/a/b") + get(port_, "/nope")));
  auto first = client.read_response();
  auto second = client.read_response();
  auto third = client.read_response();
  ASSERT_TRUE(first && second && third);
  EXPECT_EQ(first->body, "ok\n");
  EXPECT_EQ(second->body, "ca=a request=b\n");
  EXPECT_EQ(third->status, 404);
}

TEST_F(HttpServerTest, HonoursConnectionClose) {
  start();
  RawClient client(port_);
  auto response = client.request(get(port_, "/healthz", "Connection: close\r\n"));
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->header("connection"), "close");
  EXPECT_TRUE(client.closed_by_server());
}

TEST_F(HttpServerTest, Http10ClosesUnlessAskedToKeepAlive) {
  start();
  {
    RawClient client(port_);
    auto response = client.request("GET /healthz HTTP/1.0\r\n\r\n");
    ASSERT_TRUE(response.has_value());
    EXPECT_EQ(response->status, 200);
    EXPECT_TRUE(client.closed_by_server());
  }
  {
    RawClient client(port_);
    auto response = client.request("GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    ASSERT_TRUE(response.has_value());
    EXPECT_EQ(response->header("connection"), "keep-alive");
    auto again = client.request("GET /healthz HTTP/1.0\r\n\r\n");
    ASSERT_TRUE(again.has_value());
    EXPECT_EQ(again->status, 200);
    EXPECT_TRUE(client.closed_by_server());
  }
}

TEST_F(HttpServerTest, GivesHandlersPathQueryHeadersAndPeer) {
  start();
  RawClient client(port_);
  auto response = client.request(get(port_, "/inspect?a=1&b=%2F", "User-Agent: test-agent\r\n"));
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->body, "path=/inspect query=a=1&b=%2F remote=127.0.0.1 agent=test-agent\n");
  // Absolute-form, as sent to proxies (RFC 9112 3.2.2), reaches the same route.
  auto absolute = client.request("GET http://pki.example.net/inspect?x HTTP/1.1\r\nHost: pki.example.net\r\n\r\n");
  ASSERT_TRUE(absolute.has_value());
  EXPECT_EQ(absolute->body, "path=/inspect query=x remote=127.0.0.1 agent=-\n");
}

TEST_F(HttpServerTest, HeadSendsTheLengthButNoBody) {
  start();
  RawClient client(port_);
  auto head = client.request("HEAD /cdp/root.crl HTTP/1.1\r\nHost: x\r\n\r\n", /*head_request=*/true);
  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->header("content-length"), std::to_string(kCrl.size()));
  EXPECT_EQ(head->header("content-type"), "application/pkix-crl");
  // Had a body been sent, it would now be read as the start of the next response.
  auto next = client.request(get(port_, "/healthz"));
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->status, 200);
  EXPECT_EQ(next->body, "ok\n");
}

TEST_F(HttpServerTest, UnknownPathIsNotFoundAndWrongMethodNotAllowed) {
  start();
  RawClient client(port_);
  auto missing = client.request(get(port_, "/nothing/here"));
  ASSERT_TRUE(missing.has_value());
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(missing->header("content-length"), std::to_string(missing->body.size()));

  auto wrong = client.request(fmt::format("DELETE /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(wrong.has_value());
  EXPECT_EQ(wrong->status, 405);
  EXPECT_EQ(wrong->header("allow"), "GET, HEAD");

  // Both leave the connection usable.
  auto ok = client.request(get(port_, "/healthz"));
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(ok->status, 200);
}

TEST_F(HttpServerTest, ABodyOverTheLimitIs413AndCloses) {
  ServerOptions options;
  options.max_body_bytes = 1024;
  start(options);
  {
    RawClient client(port_);
    auto response = client.request(
        "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n" + std::string(4096, 'a'));
    ASSERT_TRUE(response.has_value());
    EXPECT_EQ(response->status, 413);
    EXPECT_EQ(response->header("connection"), "close");
    EXPECT_TRUE(client.closed_by_server());
  }
  {
    // Chunked: the size is only known while reading.
    RawClient client(port_);
    std::string chunk(800, 'b');
    auto response = client.request("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n320\r\n" +
                                   chunk + "\r\n320\r\n" + chunk + "\r\n0\r\n\r\n");
    ASSERT_TRUE(response.has_value());
    EXPECT_EQ(response->status, 413);
    EXPECT_TRUE(client.closed_by_server());
  }
  {
    RawClient client(port_);
    auto response = client.request("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
    ASSERT_TRUE(response.has_value());
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(response->body, "hello");
  }
}

TEST_F(HttpServerTest, MalformedRequestsAre400AndClose) {
  start();
  for (std::string garbage :
       {std::string("HELLO\r\n\r\n"), std::string("GET /healthz HTTP/1.1 extra\r\nHost: x\r\n\r\n"),
        std::string("GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n"), std::string("GET /healthz HTTP/1.1\r\nHost x\r\n\r\n"),
        std::string("GET /healthz HTTP/1.1\r\n\r\n"),  // HTTP/1.1 without Host
        std::string("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab"),
        std::string("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"),
        std::string("GET healthz HTTP/1.1\r\nHost: x\r\n\r\n"), std::string("\x16\x03\x01\x02\x00\x01\x00\r\n\r\n")}) {
    RawClient client(port_);
    auto response = client.request(garbage);
    ASSERT_TRUE(response.has_value()) << garbage;
    EXPECT_EQ(response->status, 400) << garbage;
    EXPECT_EQ(response->header("server"), "nimbus");
    EXPECT_TRUE(client.closed_by_server()) << garbage;
  }
  // The server is still fine.
  RawClient client(port_);
  auto response = client.request(get(port_, "/healthz"));
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
}

TEST_F(HttpServerTest, OversizedHeaderIs431) {
  ServerOptions options;
  options.max_header_bytes = 1024;
  start(options);
  RawClient client(port_);
  auto response = client.request(get(port_, "/healthz", "X-Big: " + std::string(2000, 'x') + "\r\n"));
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 431);
  EXPECT_TRUE(client.closed_by_server());
}

TEST_F(HttpServerTest, AHeaderSentInPiecesCountsEveryByteReceived) {
  ServerOptions options;
  options.max_header_bytes = 2048;
  start(options);
  RawClient client(port_);
  ASSERT_TRUE(client.send("GET /healthz HTTP/1.1\r\nHost: x\r\n"));
  // Fields of 12 bytes, 40 at a time: each piece is far below the limit, their sum is not.
  bool refused = false;
  for (int piece = 0; piece < 10 && !refused; ++piece) {
    std::string fields;
    for (int i = 0; i < 40; ++i) fields += fmt::format("X-{:04}: v\r\n", piece * 40 + i);
    refused = !client.send(fields) || !client.still_open_after(50ms);
  }
  auto response = client.read_response();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 431);
}

TEST_F(HttpServerTest, HandlerExceptionsAndFailuresAre500) {
  start();
  RawClient client(port_);
  for (const char* path : {"/throws", "/fails"}) {
    auto response = client.request(get(port_, path));
    ASSERT_TRUE(response.has_value()) << path;
    EXPECT_EQ(response->status, 500) << path;
    EXPECT_EQ(response->body.find("database"), std::string::npos) << response->body;
  }
  auto refused = client.request(get(port_, "/cdp/unknown.crl"));
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->status, 404);
}

TEST_F(HttpServerTest, DisconnectsAHalfOpenClientAndKeepsServingOthers) {
  ServerOptions options;
  options.read_timeout = 1s;
  start(options);
  RawClient slow(port_);
  ASSERT_TRUE(slow.send("GET /healthz HTTP/1.1\r\nHost: x\r\n"));  // never finished
  RawClient silent(port_);                                          // never sends anything

  RawClient other(port_);
  auto response = other.request(get(port_, "/healthz"));
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);

  EXPECT_TRUE(slow.closed_by_server());
  EXPECT_TRUE(silent.closed_by_server());
  auto again = other.request(get(port_, "/healthz"));
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->status, 200);
}

TEST_F(HttpServerTest, ClosesIdleKeptAliveConnections) {
  ServerOptions options;
  options.idle_timeout = 1s;
  start(options);
  RawClient client(port_);
  auto response = client.request(get(port_, "/healthz"));
  ASSERT_TRUE(response.has_value());
  EXPECT_TRUE(client.closed_by_server());
}

TEST_F(HttpServerTest, RefusesConnectionsBeyondTheLimitWhenNoneIsIdle) {
  ServerOptions options;
  options.max_connections = 1;
  start(options);
  RawClient first(port_);
  // Half a request: the connection is busy receiving it, not idle.
  ASSERT_TRUE(first.send("GET /healthz HTTP/1.1\r\nHost: x\r\n"));
  ASSERT_TRUE(eventually([](const HttpServer& server) { return server.idle_connection_count() == 0; }));
  RawClient second(port_);
  auto refused = second.read_response();
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->status, 503);
  EXPECT_EQ(refused->body, "too many requests\n");
  EXPECT_TRUE(second.closed_by_server());
  // The busy one was not touched.
  EXPECT_EQ(status_of(first.request("\r\n")), 200);
}

TEST_F(HttpServerTest, ANewClientTakesThePlaceOfTheConnectionIdleLongest) {
  ServerOptions options;
  options.max_connections = 2;
  start(options);
  RawClient oldest(port_);
  ASSERT_TRUE(oldest.request(get(port_, "/healthz")).has_value());
  ASSERT_TRUE(eventually([](const HttpServer& server) { return server.idle_connection_count() == 1; }));
  RawClient newer(port_);
  ASSERT_TRUE(newer.request(get(port_, "/healthz")).has_value());

  RawClient third(port_);
  EXPECT_EQ(status_of(third.request(get(port_, "/healthz"))), 200);
  EXPECT_TRUE(oldest.closed_by_server());
  EXPECT_EQ(status_of(newer.request(get(port_, "/healthz"))), 200);
  EXPECT_LE(server_->connection_count(), 2u);
  ASSERT_TRUE(eventually([](const HttpServer& server) { return server.idle_connection_count() == 2; }));
  std::string metrics = metrics_.render();
  EXPECT_NE(metrics.find("nimbus_http_connections{state=\"open\"} 2"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("nimbus_http_connections{state=\"idle\"} 2"), std::string::npos) << metrics;
}

TEST_F(HttpServerTest, AClientAtItsAddressLimitIsRefusedAndOthersAreNot) {
  ServerOptions options;
  options.max_connections_per_address = 2;
  start(options);
  std::optional<RawClient> first(std::in_place, port_, "127.0.0.2");
  RawClient second(port_, "127.0.0.2");
  ASSERT_TRUE(first->request(get(port_, "/healthz")).has_value());
  ASSERT_TRUE(second.request(get(port_, "/healthz")).has_value());

  RawClient third(port_, "127.0.0.2");
  auto refused = third.read_response();
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->status, 429);
  EXPECT_EQ(refused->header("retry-after"), "1");
  EXPECT_TRUE(third.closed_by_server());

  RawClient elsewhere(port_, "127.0.0.3");
  EXPECT_EQ(status_of(elsewhere.request(get(port_, "/healthz"))), 200);
  // Closing one makes room for that address again.
  first.reset();
  ASSERT_TRUE(eventually([](const HttpServer& server) { return server.connection_count() == 2; }));
  RawClient fourth(port_, "127.0.0.2");
  EXPECT_EQ(status_of(fourth.request(get(port_, "/healthz"))), 200);
}

TEST_F(HttpServerTest, StopLetsAnInFlightRequestFinish) {
  start();
  RawClient idle(port_);  // kept alive, no request in flight: closed at once
  ASSERT_TRUE(idle.request(get(port_, "/healthz")).has_value());

  auto entered = slow_entered_.get_future();
  std::future<std::optional<RawResponse>> slow = std::async(std::launch::async, [this] {
    RawClient client(port_);
    return client.request(get(port_, "/slow"));
  });
  ASSERT_EQ(entered.wait_for(kPatience), std::future_status::ready);
  server_->stop();

  std::optional<RawResponse> response = slow.get();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "slow done\n");
  EXPECT_EQ(response->header("connection"), "close");
  EXPECT_TRUE(idle.closed_by_server());
  EXPECT_EQ(server_->port(), 0);
  EXPECT_EQ(server_->connection_count(), 0u);
  server_->stop();  // idempotent
}

TEST_F(HttpServerTest, StartFailsClearlyWhenThePortIsInUse) {
  start();
  ServerOptions options;
  options.port = port_;
  HttpServer second(options, Router());
  Status status = second.start();
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code(), ErrorCode::kIoError);
  EXPECT_NE(status.error().message().find(std::to_string(port_)), std::string::npos) << status.error().message();
  EXPECT_NE(status.error().message().find("in use"), std::string::npos) << status.error().message();
}

TEST_F(HttpServerTest, StartRefusesAnAddressThatIsNotAnIp) {
  ServerOptions options;
  options.listen_address = "pki.example.net";
  options.port = 0;
  HttpServer server(options, Router());
  NIMBUS_EXPECT_ERROR(server.start(), ErrorCode::kInvalidArgument);
}

TEST_F(HttpServerTest, CurlFetchesACrlAndRevalidatesWithIfNoneMatch) {
  start();
  CommandResult headers = run(fmt::format("curl -s --max-time 10 -D - -o /dev/null '{}'", url("/cdp/root.crl")));
  ASSERT_EQ(headers.exit_code, 0) << headers.output;
  std::string etag = strong_etag(kCrl);
  EXPECT_NE(headers.output.find("ETag: " + etag), std::string::npos) << headers.output;
  EXPECT_NE(headers.output.find("Cache-Control: public, max-age="), std::string::npos) << headers.output;

  CommandResult not_modified = run(fmt::format("curl -s --max-time 10 -o /dev/null -w '%{{http_code}}' -H 'If-None-Match: {}' '{}'",
                                               etag, url("/cdp/root.crl")));
  EXPECT_EQ(not_modified.output, "304");
  CommandResult modified = run(fmt::format("curl -s --max-time 10 -o /dev/null -w '%{{http_code}}' -H 'If-None-Match: \"old\"' '{}'",
                                           url("/cdp/root.crl")));
  EXPECT_EQ(modified.output, "200");
}

TEST_F(HttpServerTest, DeliversAnOcspGetRequestDecoded) {
  start();
  // Base64 with '/', '+' and both as escapes, the way RFC 5019 clients differ.
  RawClient client(port_);
  auto response = client.request(get(port_, "/ocsp/issuing-1/MEUw+Q/ab%2Bc%2Fd%3D%3D"));
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->body, "ca=issuing-1 request=MEUw+Q/ab+c/d==\n");

  CommandResult curl = run(fmt::format("curl -s --max-time 10 '{}'", url("/ocsp/issuing-1//MEU%2bw/x+y%2F%3d")));
  ASSERT_EQ(curl.exit_code, 0);
  EXPECT_EQ(curl.output, "ca=issuing-1 request=/MEU+w/x+y/=\n");
}

TEST_F(HttpServerTest, CurlPostsABodyExpectingContinue) {
  start();
  std::string body(3000, 'z');
  CommandResult curl = run(fmt::format("curl -s --max-time 10 -H 'Expect: 100-continue' --data-binary '{}' '{}'",
                                       body, url("/echo")));
  ASSERT_EQ(curl.exit_code, 0);
  EXPECT_EQ(curl.output, body);
  CommandResult head = run(fmt::format("curl -s --max-time 10 -I -o /dev/null -w '%{{http_code}}' '{}'", url("/healthz")));
  EXPECT_EQ(head.output, "200");
}

TEST_F(HttpServerTest, RecordsRequestsByRoutePattern) {
  start();
  RawClient client(port_);
  ASSERT_TRUE(client.request(get(port_, "/ocsp/a/b")).has_value());
  ASSERT_TRUE(client.request(get(port_, "/ocsp/c/d")).has_value());
  ASSERT_TRUE(client.request(get(port_, "/random/path")).has_value());
  ASSERT_TRUE(client.request("BREW /healthz HTTP/1.1\r\nHost: x\r\n\r\n").has_value());
  server_->stop();  // the access log and metrics are written after the response
  std::string text = metrics_.render();
  EXPECT_NE(text.find("nimbus_http_requests_total{route=\"/ocsp/{ca}/{request...}\",method=\"GET\",code=\"200\"} 2"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("nimbus_http_requests_total{route=\"unmatched\",method=\"GET\",code=\"404\"} 1"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("nimbus_http_requests_total{route=\"/healthz\",method=\"other\",code=\"405\"} 1"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("nimbus_http_request_duration_seconds_count{route=\"/ocsp/{ca}/{request...}\"} 2"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("/random/path"), std::string::npos);
}

}  // namespace
}  // namespace nimbus::http
