#include "crypto/bio.h"

#include <gtest/gtest.h>

#include "testing/test_support.h"

namespace nimbus::crypto {
namespace {

// "AQID" is the base64 of 01 02 03; "BAU=" of 04 05.
constexpr std::string_view kTwoBlocks =
    "text a tool wrote first\n"
    "-----BEGIN CERTIFICATE REQUEST-----\nAQID\n-----END CERTIFICATE REQUEST-----\n"
    "between\n"
    "-----BEGIN PRIVATE KEY-----\nBAU=\n-----END PRIVATE KEY-----\n"
    "trailing text\n";

TEST(PemBlocks, ReadsEveryBlockInOrderSkippingTheTextAround) {
  NIMBUS_ASSERT_OK_AND_ASSIGN(std::vector<PemBlock> blocks, read_pem_blocks(as_bytes(kTwoBlocks)));
  ASSERT_EQ(blocks.size(), 2u);
  EXPECT_EQ(blocks[0].name, "CERTIFICATE REQUEST");
  EXPECT_EQ(blocks[0].der, (Bytes{1, 2, 3}));
  EXPECT_EQ(blocks[1].name, "PRIVATE KEY");
  EXPECT_EQ(blocks[1].der, (Bytes{4, 5}));
}

TEST(PemBlocks, NoBlockIsAnEmptyList) {
  NIMBUS_ASSERT_OK_AND_ASSIGN(std::vector<PemBlock> blocks, read_pem_blocks(as_bytes("no PEM here\n")));
  EXPECT_TRUE(blocks.empty());
}

TEST(PemBlocks, ADamagedBlockIsNamedByItsPlace) {
  std::string damaged = std::string(kTwoBlocks) + "-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n";
  auto blocks = read_pem_blocks(as_bytes(damaged));
  ASSERT_FALSE(blocks.ok());
  EXPECT_EQ(blocks.error().code(), ErrorCode::kMalformed);
  EXPECT_EQ(blocks.error().message(), "PEM block 3 is damaged (bad base64 or a missing END line)");

  auto unterminated = read_pem_blocks(as_bytes("-----BEGIN CERTIFICATE-----\nAQID\n"));
  ASSERT_FALSE(unterminated.ok());
  EXPECT_EQ(unterminated.error().message(), "PEM block 1 is damaged (bad base64 or a missing END line)");
}

}  // namespace
}  // namespace nimbus::crypto
