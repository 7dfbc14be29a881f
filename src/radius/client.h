// A RADIUS client over UDP (RFC 2865 §2.5): sends one request at a time to one server, retries on
// silence, and takes only an answer that the shared secret proves. What `nimbus radius test` and the
// load generator speak.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/bytes.h"
#include "core/result.h"
#include "radius/packet.h"

namespace nimbus::radius {

// A UDP address: "127.0.0.1:1812" or "[::1]:1812".
struct Endpoint {
  sockaddr_storage address{};
  socklen_t size = 0;
  std::string text;

  static Result<Endpoint> parse(std::string_view text);
};

struct ClientOptions {
  std::chrono::milliseconds timeout{3000};  // per try
  int tries = 3;
};

// A server's answer and the authenticator of the request it answers (MS-MPPE keys are hidden with
// it).
struct Answer {
  Packet packet;
  Authenticator request_authenticator{};
};

class RadiusClient {
 public:
  static Result<RadiusClient> connect(const Endpoint& server, Bytes secret, ClientOptions options);
  ~RadiusClient();
  RadiusClient(RadiusClient&& other) noexcept;
  RadiusClient& operator=(RadiusClient&&) = delete;

  // Sends `request` (its identifier and authenticator are set here) and returns the server's
  // answer once its Response Authenticator and Message-Authenticator check out. Datagrams that do
  // not (another identifier, a forged or damaged answer) are ignored while waiting. Silence after
  // every try is kIoError naming the server and the time waited.
  Result<Answer> exchange(Packet request);

  const Bytes& secret() const { return secret_; }

 private:
  RadiusClient(int socket, Endpoint server, Bytes secret, ClientOptions options)
      : socket_(socket), server_(std::move(server)), secret_(std::move(secret)), options_(options) {}

  int socket_ = -1;
  Endpoint server_;
  Bytes secret_;
  ClientOptions options_;
  std::uint8_t next_identifier_ = 0;
};

}  // namespace nimbus::radius
