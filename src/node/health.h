// Health: what keeps a running node from doing its job, as the node's background work and its
// services find it, for GET /healthz and the log.
//
// A problem is named by its component ("crl-publication", "ocsp-signer") and, where it concerns
// one, the authority; reporting it again replaces the message and keeps the time it began.
// Thread-safe.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "core/time.h"

namespace nimbus::node {

struct HealthProblem {
  std::string component;
  std::string authority_id;  // empty when the problem is not an authority's
  std::string message;
  Timestamp since;
};

class Health {
 public:
  // Returns true when the problem is new (not reported since it was last cleared) or its message
  // changed: when it is worth a log line.
  bool report(const std::string& component, const std::string& authority_id, std::string message,
              Timestamp now = now_utc());
  // Returns true when there was such a problem.
  bool clear(const std::string& component, const std::string& authority_id = {});

  // Oldest first.
  std::vector<HealthProblem> problems() const;

 private:
  using Key = std::pair<std::string, std::string>;
  mutable std::mutex mutex_;
  std::map<Key, HealthProblem> problems_;
};

}  // namespace nimbus::node
