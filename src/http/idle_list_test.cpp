#include "http/idle_list.h"

#include <vector>

#include <gtest/gtest.h>

namespace nimbus::http {
namespace {

struct Connection {
  int id = 0;
  IdleList<Connection>::Link idle_link;
};

std::vector<int> drain(IdleList<Connection>& list) {
  std::vector<int> order;
  while (Connection* oldest = list.pop_oldest()) order.push_back(oldest->id);
  return order;
}

TEST(IdleList, HandsOutTheOldestFirstAndForgetsWhatLeft) {
  std::vector<Connection> connections(5);
  for (int i = 0; i < 5; ++i) connections[i].id = i;
  IdleList<Connection> list;
  for (Connection& connection : connections) list.push_newest(&connection);
  list.push_newest(&connections[0]);  // already waiting: keeps its place
  EXPECT_EQ(list.size(), 5u);

  EXPECT_TRUE(list.remove(&connections[0]));   // the oldest
  EXPECT_TRUE(list.remove(&connections[2]));   // one in the middle
  EXPECT_TRUE(list.remove(&connections[4]));   // the newest
  EXPECT_FALSE(list.remove(&connections[4]));  // not there any more
  list.push_newest(&connections[2]);           // idle again: now the newest
  EXPECT_EQ(list.size(), 3u);
  EXPECT_EQ(drain(list), (std::vector<int>{1, 3, 2}));
  EXPECT_EQ(list.size(), 0u);
  EXPECT_EQ(list.pop_oldest(), nullptr);
  EXPECT_FALSE(connections[1].idle_link.linked);
}

}  // namespace
}  // namespace nimbus::http
