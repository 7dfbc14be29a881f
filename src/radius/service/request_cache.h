// Duplicate detection (RFC 5080 §2.2.2): a NAS that hears nothing retransmits the same request —
// same source, identifier and authenticator — and must get the same answer, not a second
// authentication. A request is registered when it arrives; its sealed answer is kept for a while
// after it is sent, and a retransmission gets that answer again, or nothing while the first copy
// is still being worked on.
//
// Thread-safety: every method may be called from any thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "core/bytes.h"
#include "radius/packet.h"

namespace nimbus::radius {

class RequestCache {
 public:
  // `lifetime`: how long an answer is kept after it is sent (RFC 5080 suggests 5 to 30 seconds).
  // `max_entries`: past it, new requests are not remembered (they are still served).
  RequestCache(std::chrono::seconds lifetime, std::size_t max_entries) : lifetime_(lifetime), max_entries_(max_entries) {}

  enum class Seen {
    kNew,         // first copy: the caller works on it, then calls answered()
    kInProgress,  // a copy is being worked on: drop this one
    kAnswered,    // resend `answer`
  };
  struct Lookup {
    Seen seen = Seen::kNew;
    Bytes answer;
  };
  // `source` names the NAS and its UDP address and port.
  Lookup arrive(const std::string& source, std::uint8_t identifier, const Authenticator& authenticator);
  void answered(const std::string& source, std::uint8_t identifier, const Authenticator& authenticator, Bytes answer);
  // Forgets a request that will get no answer, so that a retransmission is worked on afresh.
  void abandon(const std::string& source, std::uint8_t identifier, const Authenticator& authenticator);

  std::size_t expire(std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now());
  std::size_t size() const;

 private:
  struct Entry {
    std::optional<Bytes> answer;
    std::chrono::steady_clock::time_point expires;
  };
  static std::string key_of(const std::string& source, std::uint8_t identifier, const Authenticator& authenticator);

  const std::chrono::seconds lifetime_;
  const std::size_t max_entries_;
  mutable std::mutex mutex_;
  std::map<std::string, Entry> entries_;
};

}  // namespace nimbus::radius
