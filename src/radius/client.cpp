#include "radius/client.h"

#include <arpa/inet.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "crypto/random.h"
#include "radius/integrity.h"

namespace nimbus::radius {

Result<Endpoint> Endpoint::parse(std::string_view text) {
  Endpoint endpoint;
  endpoint.text = std::string(text);
  auto bad = [&] {
    return Error(ErrorCode::kInvalidArgument, fmt::format("'{}' is not HOST:PORT (an IP address, e.g. 127.0.0.1:1812 or [::1]:1812)", text));
  };
  std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon + 1 == text.size()) return bad();
  std::string host(text.substr(0, colon));
  std::string port_text(text.substr(colon + 1));
  int port = 0;
  for (char c : port_text) {
    if (c < '0' || c > '9' || port > 65535) return bad();
    port = port * 10 + (c - '0');
  }
  if (port == 0 || port > 65535) return bad();
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&endpoint.address);
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<std::uint16_t>(port));
    if (inet_pton(AF_INET6, host.substr(1, host.size() - 2).c_str(), &v6->sin6_addr) != 1) return bad();
    endpoint.size = sizeof(sockaddr_in6);
    return endpoint;
  }
  auto* v4 = reinterpret_cast<sockaddr_in*>(&endpoint.address);
  v4->sin_family = AF_INET;
  v4->sin_port = htons(static_cast<std::uint16_t>(port));
  if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) != 1) return bad();
  endpoint.size = sizeof(sockaddr_in);
  return endpoint;
}

Result<RadiusClient> RadiusClient::connect(const Endpoint& server, Bytes secret, ClientOptions options) {
  int fd = ::socket(server.address.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Error(ErrorCode::kIoError, fmt::format("cannot open a UDP socket: {}", std::strerror(errno)));
  // Connected, so that the kernel drops datagrams from anywhere but the server.
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&server.address), server.size) != 0) {
    int error = errno;
    ::close(fd);
    return Error(ErrorCode::kIoError, fmt::format("cannot reach {}: {}", server.text, std::strerror(error)));
  }
  NIMBUS_ASSIGN_OR_RETURN(Bytes first, crypto::random_bytes(1));
  RadiusClient client(fd, server, std::move(secret), options);
  client.next_identifier_ = first[0];
  return client;
}

RadiusClient::~RadiusClient() {
  if (socket_ >= 0) ::close(socket_);
}

RadiusClient::RadiusClient(RadiusClient&& other) noexcept
    : socket_(std::exchange(other.socket_, -1)),
      server_(std::move(other.server_)),
      secret_(std::move(other.secret_)),
      options_(other.options_),
      next_identifier_(other.next_identifier_) {}

Result<Answer> RadiusClient::exchange(Packet request) {
  request.identifier = next_identifier_++;
  NIMBUS_ASSIGN_OR_RETURN(Bytes random, crypto::random_bytes(request.authenticator.size()));
  std::copy(random.begin(), random.end(), request.authenticator.begin());
  NIMBUS_ASSIGN_OR_RETURN(Bytes wire, seal_request(request, secret_));

  Bytes datagram(kMaxPacketSize);
  for (int attempt = 0; attempt < options_.tries; ++attempt) {
    // A retransmission is the same packet: the server answers it from its duplicate cache.
    if (::send(socket_, wire.data(), wire.size(), 0) != static_cast<ssize_t>(wire.size())) {
      return Error(ErrorCode::kIoError, fmt::format("cannot send to {}: {}", server_.text, std::strerror(errno)));
    }
    auto deadline = std::chrono::steady_clock::now() + options_.timeout;
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      pollfd ready{socket_, POLLIN, 0};
      int events = ::poll(&ready, 1, static_cast<int>(left.count()));
      if (events < 0 && errno == EINTR) continue;
      if (events <= 0) break;
      ssize_t got = ::recv(socket_, datagram.data(), datagram.size(), 0);
      if (got < 0) {
        // ECONNREFUSED: an ICMP port unreachable; nothing listens there, which retrying will not change.
        if (errno == ECONNREFUSED) {
          return Error(ErrorCode::kIoError, fmt::format("nothing answers RADIUS at {} (port unreachable)", server_.text));
        }
        continue;
      }
      auto answer = decode_packet(ByteView(datagram.data(), static_cast<std::size_t>(got)));
      if (!answer.ok() || answer->identifier != request.identifier) continue;
      if (!check_response(*answer, request.authenticator, secret_).ok()) continue;
      return Answer{*std::move(answer), request.authenticator};
    }
  }
  return Error(ErrorCode::kIoError,
               fmt::format("no authentic answer from {} after {} tries of {} ms (wrong shared secret, unknown client "
                           "address, or no server)",
                           server_.text, options_.tries, options_.timeout.count()));
}

}  // namespace nimbus::radius
