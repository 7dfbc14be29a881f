#include "radius/mppe.h"

#include <gtest/gtest.h>

#include "radius/known_answers_test.h"

namespace nimbus::radius {
namespace {

using testing::kSecret;

Authenticator counting() { return testing::counting_authenticator(); }

Bytes key_of(std::uint8_t first) {
  Bytes key(32);
  for (std::size_t i = 0; i < key.size(); ++i) key[i] = static_cast<std::uint8_t>(first + i);
  return key;
}

// Computed independently from RFC 2548 §2.4.2 (Python's hashlib): key 10 11 .. 2f, salt 8001,
// request authenticator 00 01 .. 0f.
TEST(MppeKeys, TheSendKeyAttributeMatchesTheRfcsConstruction) {
  Attribute a = mppe_key_attribute(MppeKey::kSend, key_of(0x10), 0x0001, kSecret, counting());
  EXPECT_EQ(a.type, attribute::kVendorSpecific);
  EXPECT_EQ(to_hex(a.value),
            "0000013710348001d69ec34cf95697d6b2ec16f57a8e5fdd93ab7efe18e0f3c4264cd863039eab1b08d4f2b2026917"
            "0c2d722321c781cb18");
}

TEST(MppeKeys, TheNasRecoversBothKeysAndOnlyWithTheRightSecretAndRequest) {
  Packet accept;
  accept.code = Code::kAccessAccept;
  accept.attributes.push_back(mppe_key_attribute(MppeKey::kSend, key_of(0x40), 0x1234, kSecret, counting()));
  accept.attributes.push_back(mppe_key_attribute(MppeKey::kRecv, key_of(0x80), 0x1235, kSecret, counting()));
  EXPECT_EQ(*recover_mppe_key(accept, MppeKey::kSend, kSecret, counting()), key_of(0x40));
  EXPECT_EQ(*recover_mppe_key(accept, MppeKey::kRecv, kSecret, counting()), key_of(0x80));

  auto wrong = recover_mppe_key(accept, MppeKey::kSend, as_bytes("other"), counting());
  EXPECT_TRUE(!wrong.ok() || *wrong != key_of(0x40));
}

TEST(MppeKeys, AMissingOrMisshapenAttributeIsSaidSo) {
  Packet accept;
  EXPECT_EQ(recover_mppe_key(accept, MppeKey::kRecv, kSecret, counting()).error().code(), ErrorCode::kNotFound);

  Attribute a = mppe_key_attribute(MppeKey::kSend, key_of(0x10), 0x0001, kSecret, counting());
  Attribute truncated = a;
  truncated.value.resize(truncated.value.size() - 3);
  accept.attributes = {truncated};
  EXPECT_EQ(recover_mppe_key(accept, MppeKey::kSend, kSecret, counting()).error().code(), ErrorCode::kMalformed);

  Attribute unsalted = a;
  unsalted.value[6] &= 0x7f;
  accept.attributes = {unsalted};
  EXPECT_EQ(recover_mppe_key(accept, MppeKey::kSend, kSecret, counting()).error().message(),
            "the MS-MPPE key's salt lacks its high bit");
}

}  // namespace
}  // namespace nimbus::radius
