// IdleList: the connections waiting for a request, oldest first, so that the one idle longest is
// found at once when the server needs room. Intrusive — each node carries its own Link — so that
// joining and leaving the list, which every request does, allocates nothing.
//
//   struct Connection { IdleList<Connection>::Link idle_link; };
//   IdleList<Connection> idle;
//
// A Node names its link `idle_link`; the list may be declared while Node is still incomplete.
// Not thread-safe: the caller guards the list and every node's link with one lock.
#pragma once

#include <cstddef>

namespace nimbus::http {

template <typename Node>
class IdleList {
 public:
  struct Link {
    Node* older = nullptr;
    Node* newer = nullptr;
    bool linked = false;
  };

  IdleList() = default;
  IdleList(const IdleList&) = delete;
  IdleList& operator=(const IdleList&) = delete;

  // Adds `node` as the newest; nothing when it is already in the list.
  void push_newest(Node* node) {
    Link& link = node->idle_link;
    if (link.linked) return;
    link = {newest_, nullptr, true};
    (newest_ != nullptr ? newest_->idle_link.newer : oldest_) = node;
    newest_ = node;
    ++size_;
  }

  // Takes `node` out; false when it was not in the list.
  bool remove(Node* node) {
    Link& link = node->idle_link;
    if (!link.linked) return false;
    (link.older != nullptr ? link.older->idle_link.newer : oldest_) = link.newer;
    (link.newer != nullptr ? link.newer->idle_link.older : newest_) = link.older;
    link = {};
    --size_;
    return true;
  }

  // Takes out and returns the oldest node; nullptr when the list is empty.
  Node* pop_oldest() {
    Node* node = oldest_;
    if (node != nullptr) remove(node);
    return node;
  }

  std::size_t size() const { return size_; }

 private:
  Node* oldest_ = nullptr;
  Node* newest_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace nimbus::http
