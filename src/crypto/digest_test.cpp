#include "crypto/digest.h"

#include <gtest/gtest.h>

namespace nimbus::crypto {
namespace {

TEST(Digest, MatchesKnownAnswers) {
  EXPECT_EQ(to_hex(sha1(as_bytes("abc"))), "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(to_hex(sha256(as_bytes("abc"))), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(to_hex(sha1(ByteView())), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  EXPECT_EQ(sha256(ByteView()).size(), 32u);
}

}  // namespace
}  // namespace nimbus::crypto
