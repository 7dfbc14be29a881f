#include "radius/service/udp_listener.h"

#include <cerrno>
#include <cstring>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/log_text.h"
#include "radius/integrity.h"

namespace nimbus::radius {

namespace {

boost::asio::ip::address address_of(const sockaddr_storage& from) {
  if (from.ss_family == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&from);
    boost::asio::ip::address_v6::bytes_type bytes;
    std::memcpy(bytes.data(), &v6->sin6_addr, bytes.size());
    return boost::asio::ip::address_v6(bytes);
  }
  const auto* v4 = reinterpret_cast<const sockaddr_in*>(&from);
  return boost::asio::ip::address_v4(ntohl(v4->sin_addr.s_addr));
}

std::uint16_t port_of(const sockaddr_storage& from) {
  if (from.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6*>(&from)->sin6_port);
  return ntohs(reinterpret_cast<const sockaddr_in*>(&from)->sin_port);
}

Result<int> bind_udp(const Endpoint& endpoint, std::string_view what) {
  int fd = ::socket(endpoint.address.ss_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return Error(ErrorCode::kIoError, fmt::format("cannot open a UDP socket: {}", std::strerror(errno)));
  // Room for bursts: a NAS in front of a thousand clients that reconnect at once.
  int buffer = 4 << 20;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&endpoint.address), endpoint.size) != 0) {
    int error = errno;
    ::close(fd);
    return Error(ErrorCode::kIoError, fmt::format("cannot listen for RADIUS {} on {}: {}", what, endpoint.text,
                                                  std::strerror(error)));
  }
  return fd;
}

bool is_authentication_code(Code code) { return code == Code::kAccessRequest || code == Code::kStatusServer; }

ByteView secret_of(const NasClient& nas) { return as_bytes(nas.secret.reveal()); }

std::string accounting_status(const Packet& request) {
  const Attribute* status = request.find(attribute::kAcctStatusType);
  if (status == nullptr || status->value.size() != 4) return "unknown";
  switch (status->value[3]) {  // RFC 2866 §5.1
    case 1: return "Start";
    case 2: return "Stop";
    case 3: return "Interim-Update";
    case 7: return "Accounting-On";
    case 8: return "Accounting-Off";
    default: return fmt::format("{}", status->value[3]);
  }
}

}  // namespace

const NasClient* NasDirectory::find(const boost::asio::ip::address& address) const {
  for (const Entry& entry : entries_) {
    if (entry.range.contains(address)) return &entry.client;
  }
  return nullptr;
}

UdpListener::UdpListener(const NasDirectory& clients, AccessHandler& handler, ConversationTable& conversations,
                         ListenerCounters& counters)
    : clients_(clients),
      handler_(handler),
      conversations_(conversations),
      counters_(counters),
      cache_(std::chrono::seconds(30), 65536) {}

Result<std::unique_ptr<UdpListener>> UdpListener::start(const ListenerOptions& options, const NasDirectory& clients,
                                                        AccessHandler& handler, ConversationTable& conversations,
                                                        ListenerCounters& counters) {
  std::unique_ptr<UdpListener> listener(new UdpListener(clients, handler, conversations, counters));
  listener->queue_limit_ = options.queue_limit;
  NIMBUS_ASSIGN_OR_RETURN(listener->authentication_fd_, bind_udp(options.authentication, "authentication"));
  NIMBUS_ASSIGN_OR_RETURN(listener->accounting_fd_, bind_udp(options.accounting, "accounting"));
  listener->wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (listener->wake_fd_ < 0) return Error(ErrorCode::kIoError, fmt::format("eventfd: {}", std::strerror(errno)));
  for (int i = 0; i < std::max(1, options.workers); ++i) listener->workers_.emplace_back([l = listener.get()] { l->work(); });
  listener->receiver_ = std::thread([l = listener.get()] { l->receive_loop(); });
  return listener;
}

UdpListener::~UdpListener() {
  stop();
  for (int fd : {authentication_fd_, accounting_fd_, wake_fd_}) {
    if (fd >= 0) ::close(fd);
  }
}

void UdpListener::stop() {
  if (stopping_.exchange(true)) return;
  std::uint64_t one = 1;
  if (wake_fd_ >= 0) (void)!::write(wake_fd_, &one, sizeof one);
  if (receiver_.joinable()) receiver_.join();
  queue_ready_.notify_all();
  for (std::thread& worker : workers_) {
    if (worker.joinable()) worker.join();
  }
}

void UdpListener::receive_loop() {
  pollfd fds[3] = {{authentication_fd_, POLLIN, 0}, {accounting_fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
  while (!stopping_) {
    int ready = ::poll(fds, 3, 1000);
    if (ready < 0 && errno != EINTR) {
      spdlog::error("radius: poll failed: {}", std::strerror(errno));
      break;
    }
    if (ready > 0 && (fds[0].revents & POLLIN)) receive_authentication();
    if (ready > 0 && (fds[1].revents & POLLIN)) receive_accounting();
    housekeeping();
  }
}

void UdpListener::housekeeping() {
  auto now = std::chrono::steady_clock::now();
  if (now - last_housekeeping_ < std::chrono::seconds(1)) return;
  last_housekeeping_ = now;
  if (std::size_t expired = conversations_.expire(now)) {
    spdlog::info("radius: forgot {} conversation(s) idle for too long", expired);
  }
  cache_.expire(now);
  if (std::uint64_t held = drops_.drain()) spdlog::warn("radius: dropped {} more packet(s) in the last minute", held);
  if (std::uint64_t held = full_.drain()) {
    spdlog::warn("radius: dropped {} more new conversation(s): at the conversation or queue limit", held);
  }
}

void UdpListener::receive_authentication() {
  std::uint8_t buffer[kMaxPacketSize + 1];
  // A burst at a time, so that housekeeping still runs under load.
  for (int burst = 0; burst < 256 && !stopping_; ++burst) {
    Job job;
    job.from.size = sizeof job.from.address;
    ssize_t n = ::recvfrom(authentication_fd_, buffer, sizeof buffer, MSG_TRUNC,
                           reinterpret_cast<sockaddr*>(&job.from.address), &job.from.size);
    if (n < 0) return;  // EAGAIN: drained
    job.address = address_of(job.from.address);
    job.from.text = fmt::format("{}:{}", job.address.to_string(), port_of(job.from.address));
    ++counters_.access_requests;
    job.nas = clients_.find(job.address);
    if (job.nas == nullptr) {
      ++counters_.dropped_unknown_client;
      if (std::uint64_t events = drops_.admit()) {
        spdlog::warn("radius: dropped {} packet(s); the last from {}, which is no configured NAS client", events,
                     job.from.text);
      }
      continue;
    }
    auto drop = [&](std::atomic<std::uint64_t>& counter, std::string_view why) {
      ++counter;
      if (std::uint64_t events = drops_.admit()) {
        spdlog::warn("radius: dropped {} packet(s); the last from NAS {} ({}): {}", events, loggable(job.nas->name),
                     job.from.text, loggable(why));
      }
    };
    if (static_cast<std::size_t>(n) > kMaxPacketSize) {
      drop(counters_.dropped_malformed, "a datagram longer than 4096 octets");
      continue;
    }
    auto packet = decode_packet(ByteView(buffer, static_cast<std::size_t>(n)));
    if (!packet.ok()) {
      drop(counters_.dropped_malformed, packet.error().message());
      continue;
    }
    if (!is_authentication_code(packet->code)) {
      drop(counters_.dropped_unexpected_code,
           fmt::format("an {} on the authentication port", code_name(packet->code)));
      continue;
    }
    if (Status authentic = check_message_authenticator(*packet, secret_of(*job.nas)); !authentic.ok()) {
      drop(counters_.dropped_bad_authenticator, authentic.error().message());
      continue;
    }
    job.source = fmt::format("{}|{}", job.nas->name, job.from.text);
    RequestCache::Lookup seen = cache_.arrive(job.source, packet->identifier, packet->authenticator);
    if (seen.seen != RequestCache::Seen::kNew) {
      ++counters_.duplicates;
      if (seen.seen == RequestCache::Seen::kAnswered) send(authentication_fd_, job.from, seen.answer);
      continue;
    }
    bool continuing = packet->find(attribute::kState) != nullptr;
    job.request = std::move(*packet);
    {
      std::lock_guard lock(queue_mutex_);
      std::deque<Job>& queue = continuing ? continuing_ : opening_;
      if (queue.size() < queue_limit_) {
        queue.push_back(std::move(job));
        queue_ready_.notify_one();
        continue;
      }
    }
    cache_.abandon(job.source, job.request.identifier, job.request.authenticator);
    ++counters_.dropped_queue_full;
    if (std::uint64_t events = full_.admit()) {
      spdlog::warn("radius: dropped {} request(s) for lack of a worker; the last from NAS {}", events,
                   loggable(job.nas->name));
    }
  }
}

void UdpListener::receive_accounting() {
  std::uint8_t buffer[kMaxPacketSize + 1];
  for (int burst = 0; burst < 256 && !stopping_; ++burst) {
    Endpoint from;
    from.size = sizeof from.address;
    ssize_t n = ::recvfrom(accounting_fd_, buffer, sizeof buffer, MSG_TRUNC, reinterpret_cast<sockaddr*>(&from.address),
                           &from.size);
    if (n < 0) return;
    boost::asio::ip::address address = address_of(from.address);
    from.text = fmt::format("{}:{}", address.to_string(), port_of(from.address));
    ++counters_.accounting_requests;
    const NasClient* nas = clients_.find(address);
    std::string why;
    std::optional<Packet> packet;
    if (nas == nullptr) {
      ++counters_.dropped_unknown_client;
      why = "no configured NAS client";
    } else if (static_cast<std::size_t>(n) > kMaxPacketSize) {
      ++counters_.dropped_malformed;
      why = "a datagram longer than 4096 octets";
    } else if (auto decoded = decode_packet(ByteView(buffer, static_cast<std::size_t>(n))); !decoded.ok()) {
      ++counters_.dropped_malformed;
      why = decoded.error().message();
    } else if (decoded->code != Code::kAccountingRequest) {
      ++counters_.dropped_unexpected_code;
      why = fmt::format("an {} on the accounting port", code_name(decoded->code));
    } else if (Status authentic = check_accounting_authenticator(*decoded, secret_of(*nas)); !authentic.ok()) {
      ++counters_.dropped_bad_authenticator;
      why = authentic.error().message();
    } else {
      packet = std::move(*decoded);
    }
    if (!packet) {
      if (std::uint64_t events = drops_.admit()) {
        spdlog::warn("radius: dropped {} accounting packet(s); the last from {} ({}): {}", events, from.text,
                     loggable(nas ? std::string_view(nas->name) : std::string_view("unknown")), loggable(why));
      }
      continue;
    }
    spdlog::info("radius: accounting {} from NAS {} for {} (session {})", accounting_status(*packet),
                 loggable(nas->name), loggable(packet->text(attribute::kUserName)),
                 loggable(packet->text(attribute::kAcctSessionId)));
    Packet response;
    response.code = Code::kAccountingResponse;
    response.identifier = packet->identifier;
    copy_proxy_state(*packet, response);
    auto sealed = seal_response(std::move(response), packet->authenticator, secret_of(*nas));
    if (sealed.ok()) send(accounting_fd_, from, *sealed);
  }
}

void UdpListener::work() {
  for (;;) {
    Job job;
    {
      std::unique_lock lock(queue_mutex_);
      queue_ready_.wait(lock, [&] { return stopping_ || !continuing_.empty() || !opening_.empty(); });
      if (continuing_.empty() && opening_.empty()) return;  // stopping, and nothing left
      std::deque<Job>& queue = continuing_.empty() ? opening_ : continuing_;
      job = std::move(queue.front());
      queue.pop_front();
    }
    serve(job);
  }
}

void UdpListener::serve(Job& job) {
  std::optional<Packet> response = handler_.handle(*job.nas, job.address, job.request);
  if (!response) {
    cache_.abandon(job.source, job.request.identifier, job.request.authenticator);
    return;
  }
  auto sealed = seal_response(std::move(*response), job.request.authenticator, secret_of(*job.nas));
  if (!sealed.ok()) {
    spdlog::error("radius: could not answer NAS {}: {}", loggable(job.nas->name), sealed.error().message());
    cache_.abandon(job.source, job.request.identifier, job.request.authenticator);
    return;
  }
  // Recorded before it is sent: a retransmission that arrives as soon as the NAS hears the answer
  // must find it, not a request still in progress (which would be dropped).
  cache_.answered(job.source, job.request.identifier, job.request.authenticator, *sealed);
  send(authentication_fd_, job.from, *sealed);
}

void UdpListener::send(int fd, const Endpoint& to, ByteView datagram) {
  if (::sendto(fd, datagram.data(), datagram.size(), 0, reinterpret_cast<const sockaddr*>(&to.address), to.size) < 0) {
    spdlog::warn("radius: could not send to {}: {}", to.text, std::strerror(errno));
  }
}

}  // namespace nimbus::radius
