#include "node/health.h"

#include <algorithm>

namespace nimbus::node {

bool Health::report(const std::string& component, const std::string& authority_id, std::string message,
                    Timestamp now) {
  std::lock_guard lock(mutex_);
  auto [it, added] = problems_.try_emplace({component, authority_id}, HealthProblem{component, authority_id, {}, now});
  if (!added && it->second.message == message) return false;
  it->second.message = std::move(message);
  return true;
}

bool Health::clear(const std::string& component, const std::string& authority_id) {
  std::lock_guard lock(mutex_);
  return problems_.erase({component, authority_id}) != 0;
}

std::vector<HealthProblem> Health::problems() const {
  std::vector<HealthProblem> list;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [key, problem] : problems_) list.push_back(problem);
  }
  std::stable_sort(list.begin(), list.end(),
                   [](const HealthProblem& a, const HealthProblem& b) { return a.since < b.since; });
  return list;
}

}  // namespace nimbus::node
