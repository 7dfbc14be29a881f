// The RADIUS listener over UDP (RFC 2865 authentication, RFC 2866 accounting): what arrives on the
// sockets is sorted out here before any EAP work — the source must be a configured NAS, the packet
// must parse and carry a correct Message-Authenticator (or accounting authenticator); anything
// else is dropped unanswered, counted, and logged (a bounded number of lines per minute).
// Retransmissions are answered from the RequestCache. Accounting is acknowledged here.
//
// Authentic Access-Requests go to worker threads through two bounded queues: one for
// conversations under way (with a State), served first, and one for new conversations. When the
// new-conversation queue is full, new requests are dropped — a flood of them delays no client that
// is halfway through its handshake.
//
// The handler is transport-neutral (it takes a packet and gives one back): RADIUS over TLS
// (RFC 6614) is another listener in front of the same handler.
//
// Thread-safety: start and stop are called from one thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/log_throttle.h"
#include "core/result.h"
#include "radius/client.h"
#include "radius/service/access_handler.h"
#include "radius/service/address_range.h"
#include "radius/service/request_cache.h"

namespace nimbus::radius {

// The configured NAS clients, searched in order by source address.
class NasDirectory {
 public:
  void add(AddressRange range, NasClient client) { entries_.push_back({std::move(range), std::move(client)}); }
  const NasClient* find(const boost::asio::ip::address& address) const;

 private:
  struct Entry {
    AddressRange range;
    NasClient client;
  };
  std::vector<Entry> entries_;
};

struct ListenerCounters {
  std::atomic<std::uint64_t> access_requests{0};
  std::atomic<std::uint64_t> accounting_requests{0};
  std::atomic<std::uint64_t> dropped_unknown_client{0};
  std::atomic<std::uint64_t> dropped_malformed{0};
  std::atomic<std::uint64_t> dropped_bad_authenticator{0};
  std::atomic<std::uint64_t> dropped_unexpected_code{0};
  std::atomic<std::uint64_t> dropped_queue_full{0};
  std::atomic<std::uint64_t> duplicates{0};
};

struct ListenerOptions {
  Endpoint authentication;
  Endpoint accounting;
  int workers = 2;
  std::size_t queue_limit = 1024;  // per queue
};

class UdpListener {
 public:
  // Binds both sockets and starts the threads. Everything passed must outlive the listener.
  static Result<std::unique_ptr<UdpListener>> start(const ListenerOptions& options, const NasDirectory& clients,
                                                    AccessHandler& handler, ConversationTable& conversations,
                                                    ListenerCounters& counters);
  ~UdpListener();
  UdpListener(const UdpListener&) = delete;
  UdpListener& operator=(const UdpListener&) = delete;

  // Stops receiving, lets the workers finish what they hold, and joins every thread. Idempotent.
  void stop();

 private:
  struct Job {
    const NasClient* nas = nullptr;
    Endpoint from;
    boost::asio::ip::address address;
    std::string source;
    Packet request;
  };

  UdpListener(const NasDirectory& clients, AccessHandler& handler, ConversationTable& conversations,
              ListenerCounters& counters);
  void receive_loop();
  void receive_authentication();
  void receive_accounting();
  void work();
  void serve(Job& job);
  void send(int fd, const Endpoint& to, ByteView datagram);
  void housekeeping();

  const NasDirectory& clients_;
  AccessHandler& handler_;
  ConversationTable& conversations_;
  ListenerCounters& counters_;
  RequestCache cache_;
  std::size_t queue_limit_ = 0;
  int authentication_fd_ = -1;
  int accounting_fd_ = -1;
  int wake_fd_ = -1;  // an eventfd that ends the receive loop
  std::atomic<bool> stopping_{false};
  std::thread receiver_;
  std::vector<std::thread> workers_;
  std::mutex queue_mutex_;
  std::condition_variable queue_ready_;
  std::deque<Job> continuing_;  // requests with a State
  std::deque<Job> opening_;     // new conversations
  LogThrottle drops_{std::chrono::minutes(1), 10};
  LogThrottle full_{std::chrono::minutes(1), 1};
  std::chrono::steady_clock::time_point last_housekeeping_ = std::chrono::steady_clock::now();
};

}  // namespace nimbus::radius
