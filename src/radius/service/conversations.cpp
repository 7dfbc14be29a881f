#include "radius/service/conversations.h"

#include "crypto/random.h"

namespace nimbus::radius {

std::shared_ptr<Conversation> ConversationTable::admit(std::unique_ptr<Conversation> conversation) {
  // Drawn before the lock: the random generator is the slow part.
  auto state = crypto::random_bytes(16);
  if (!state.ok()) return nullptr;
  std::lock_guard lock(mutex_);
  std::size_t& of_nas = per_nas_[conversation->nas];
  if (entries_.size() >= limits_.max_total || of_nas >= limits_.max_per_nas) {
    ++refused_;
    return nullptr;
  }
  conversation->state = *state;
  std::shared_ptr<Conversation> shared(std::move(conversation));
  auto [it, inserted] = entries_.emplace(*state, Entry{shared, std::chrono::steady_clock::now()});
  if (!inserted) return nullptr;  // 128 random bits collided: not in this universe
  ++of_nas;
  return shared;
}

std::shared_ptr<Conversation> ConversationTable::find(ByteView state, const std::string& nas) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(Bytes(state.begin(), state.end()));
  if (it == entries_.end() || it->second.conversation->nas != nas) return nullptr;
  it->second.last_active = std::chrono::steady_clock::now();
  return it->second.conversation;
}

void ConversationTable::remove(ByteView state) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(Bytes(state.begin(), state.end()));
  if (it != entries_.end()) erase(it);
}

std::size_t ConversationTable::expire(std::chrono::steady_clock::time_point now) {
  std::lock_guard lock(mutex_);
  std::size_t expired = 0;
  for (auto it = entries_.begin(); it != entries_.end();) {
    auto next = std::next(it);
    if (now - it->second.last_active > limits_.idle_timeout) {
      erase(it);
      ++expired;
    }
    it = next;
  }
  return expired;
}

void ConversationTable::erase(std::map<Bytes, Entry>::iterator it) {
  auto nas = per_nas_.find(it->second.conversation->nas);
  if (nas != per_nas_.end() && --nas->second == 0) per_nas_.erase(nas);
  entries_.erase(it);
}

std::size_t ConversationTable::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

std::size_t ConversationTable::refused() const {
  std::lock_guard lock(mutex_);
  return refused_;
}

}  // namespace nimbus::radius
