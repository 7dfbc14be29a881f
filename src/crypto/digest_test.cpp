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

// RFC 1321 appendix A.5.
TEST(Digest, Md5MatchesKnownAnswersWhetherGivenWholeOrInPieces) {
  EXPECT_EQ(to_hex(Md5().finish()), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(to_hex(Md5().update(as_bytes("message digest")).finish()), "f96b697d7cb7938d525a2f31aaf161d0");
  EXPECT_EQ(to_hex(Md5().update(as_bytes("message ")).update(ByteView()).update(as_bytes("digest")).finish()),
            "f96b697d7cb7938d525a2f31aaf161d0");
}

// RFC 2104 appendix (and RFC 2202 test cases 1 and 2).
TEST(Digest, HmacMd5MatchesKnownAnswers) {
  Bytes key(16, 0x0b);
  EXPECT_EQ(to_hex(hmac_md5(key, as_bytes("Hi There"))), "9294727a3638bb1c13f48ef8158bfc9d");
  EXPECT_EQ(to_hex(hmac_md5(as_bytes("Jefe"), as_bytes("what do ya want for nothing?"))),
            "750c783e6ab0b503eaa86e310a5db738");
}

// RFC 4231 §4.2 and §4.3 (test cases 1 and 2).
TEST(Digest, HmacSha256MatchesKnownAnswers) {
  Bytes key(20, 0x0b);
  EXPECT_EQ(to_hex(hmac_sha256(key, as_bytes("Hi There"))),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  EXPECT_EQ(to_hex(hmac_sha256(as_bytes("Jefe"), as_bytes("what do ya want for nothing?"))),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

}  // namespace
}  // namespace nimbus::crypto
