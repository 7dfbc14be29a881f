#include "node/health.h"

#include <algorithm>

namespace nimbus::node {

bool Health::report(const std::string& component, const std::string& authority_id, std::string message,
                    Timestamp now) {
  std::lock_guard lock(mutex_);
  auto [it, added] = problems_.try_emplace({component, authority_id}, HealthProblem{component, authority_id, {}, now});
  it->second.message = std::move(message);
  return added;
}

bool Health::clear(const std::string& component, const std::string& authority_id) {
  std::lock_guard lock(mutex_);
  return problems_.erase({component, authority_id}) != 0;
}

void Health::clear_all_but(const std::string& component, const std::vector<std::string>& still_failing) {
  std::lock_guard lock(mutex_);
  std::erase_if(problems_, [&](const auto& entry) {
    return entry.first.first == component &&
           std::find(still_failing.begin(), still_failing.end(), entry.first.second) == still_failing.end();
  });
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
