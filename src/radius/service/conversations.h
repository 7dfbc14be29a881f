// Conversations: the EAP-TLS conversations under way, found by the State attribute the server hands
// out with each Access-Challenge (RFC 2865 §5.24, RFC 3579 §2.1).
//
// Memory is bounded: at most `max_total` conversations, and `max_per_nas` for one NAS. A request
// that would open one past either bound is refused (the caller drops it, and the NAS retries
// later), while the conversations already under way go on — a flood of new conversations costs the
// flood, not the clients halfway through. A conversation with no packet for `idle_timeout` is
// forgotten by expire().
//
// Thread-safety: every method may be called from any thread. A Conversation itself is used by one
// thread at a time: the caller holds its mutex while it works on it.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "core/bytes.h"
#include "radius/eap_tls.h"

namespace nimbus::radius {

struct Conversation {
  Conversation(std::string nas_name, const x509::TlsContext& context, EapTlsLimits limits)
      : nas(std::move(nas_name)), tls(context, limits) {}

  std::mutex mutex;
  const std::string nas;
  Bytes state;            // the State attribute's value; set when the table admits it
  std::string identity;   // the EAP-Response/Identity
  EapTlsServer tls;
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  bool finished = false;  // decided; the table forgets it
};

struct ConversationLimits {
  std::size_t max_total = 4096;
  std::size_t max_per_nas = 1024;
  std::chrono::seconds idle_timeout{30};
};

class ConversationTable {
 public:
  explicit ConversationTable(ConversationLimits limits) : limits_(limits) {}
  ConversationTable(const ConversationTable&) = delete;
  ConversationTable& operator=(const ConversationTable&) = delete;

  // Admits `conversation` under a fresh State of 16 random octets; null when a bound is reached.
  std::shared_ptr<Conversation> admit(std::unique_ptr<Conversation> conversation);

  // The conversation of `state` if it is known and was opened by `nas`, and marks it active.
  std::shared_ptr<Conversation> find(ByteView state, const std::string& nas);

  void remove(ByteView state);

  // Forgets conversations idle longer than the timeout; returns how many.
  std::size_t expire(std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now());

  std::size_t size() const;
  // How many admissions were refused for a bound since the table was made.
  std::size_t refused() const;

 private:
  struct Entry {
    std::shared_ptr<Conversation> conversation;
    std::chrono::steady_clock::time_point last_active;
  };
  void erase(std::map<Bytes, Entry>::iterator it);

  const ConversationLimits limits_;
  mutable std::mutex mutex_;
  std::map<Bytes, Entry> entries_;
  std::map<std::string, std::size_t> per_nas_;
  std::size_t refused_ = 0;
};

}  // namespace nimbus::radius
