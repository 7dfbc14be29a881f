#include "x509/der_writer.h"

#include <gtest/gtest.h>

#include "testing/test_support.h"
#include "x509/der_reader.h"

namespace nimbus::x509::der {
namespace {

using nimbus::testing::must;

TEST(DerWriter, WritesMinimalLengthsTheReaderAccepts) {
  for (std::size_t length : {0u, 1u, 127u, 128u, 255u, 256u, 65535u, 65536u}) {
    Bytes contents(length, 0x41);
    Bytes der = element(kOctetString, contents);
    Bytes outer = element(kSequence, der);
    Reader reader = must(Reader::message(outer, kSequence, "T"));
    NIMBUS_ASSERT_OK_AND_ASSIGN(ByteView read, reader.read_octet_string("text"));
    EXPECT_EQ(read.size(), length);
  }
  EXPECT_EQ(element(kSequence, Bytes(200, 0x00)).size(), 203u);
  EXPECT_EQ(element(kSequence, Bytes(300, 0x00)).size(), 304u);
}

TEST(DerWriter, UnsignedIntegersAreMinimalAndPositive) {
  EXPECT_EQ(unsigned_integer_contents(Bytes{}), (Bytes{0x00}));
  EXPECT_EQ(unsigned_integer_contents(Bytes{0x00, 0x00, 0x05}), (Bytes{0x05}));
  EXPECT_EQ(unsigned_integer_contents(Bytes{0x80, 0x01}), (Bytes{0x00, 0x80, 0x01}));
  EXPECT_EQ(unsigned_integer_contents(Bytes{0x7f, 0xff}), (Bytes{0x7f, 0xff}));
}

}  // namespace
}  // namespace nimbus::x509::der
