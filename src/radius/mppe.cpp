#include "radius/mppe.h"

#include <algorithm>
#include <cassert>

#include <fmt/format.h>

#include "crypto/digest.h"

namespace nimbus::radius {

namespace {

constexpr std::size_t kBlock = 16;
// Vendor-Id (4), Vendor-Type (1), Vendor-Length (1), Salt (2).
constexpr std::size_t kPrefix = 8;

// The key stream's blocks: b(1) = MD5(secret + R + salt), b(i) = MD5(secret + c(i-1)), each
// XORed into the block in place. `encrypting` says whether `blocks` holds plaintext (so that the
// chain continues from the ciphertext just made) or ciphertext.
void apply_key_stream(std::span<std::uint8_t> blocks, ByteView salt, ByteView secret,
                      const Authenticator& request_authenticator, bool encrypting) {
  crypto::Md5Digest previous_cipher{};
  for (std::size_t at = 0; at < blocks.size(); at += kBlock) {
    crypto::Md5 md5;
    md5.update(secret);
    if (at == 0) {
      md5.update(request_authenticator).update(salt);
    } else {
      md5.update(previous_cipher);
    }
    auto stream = md5.finish();
    auto block = blocks.subspan(at, kBlock);
    if (!encrypting) std::copy(block.begin(), block.end(), previous_cipher.begin());
    for (std::size_t i = 0; i < kBlock; ++i) block[i] ^= stream[i];
    if (encrypting) std::copy(block.begin(), block.end(), previous_cipher.begin());
  }
}

}  // namespace

Attribute mppe_key_attribute(MppeKey which, ByteView key, std::uint16_t salt, ByteView secret,
                             const Authenticator& request_authenticator) {
  assert(!key.empty() && key.size() <= 239);
  std::size_t plain_size = (1 + key.size() + kBlock - 1) / kBlock * kBlock;
  Bytes value = {0, 0, 0x01, 0x37};  // 311, big-endian
  value.push_back(static_cast<std::uint8_t>(which));
  value.push_back(static_cast<std::uint8_t>(2 + 2 + plain_size));
  salt |= 0x8000;
  value.push_back(static_cast<std::uint8_t>(salt >> 8));
  value.push_back(static_cast<std::uint8_t>(salt));
  value.push_back(static_cast<std::uint8_t>(key.size()));
  value.insert(value.end(), key.begin(), key.end());
  value.resize(kPrefix + plain_size, 0);
  apply_key_stream(std::span<std::uint8_t>(value).subspan(kPrefix), ByteView(value).subspan(6, 2), secret,
                   request_authenticator, true);
  return Attribute{attribute::kVendorSpecific, std::move(value)};
}

Result<Bytes> recover_mppe_key(const Packet& response, MppeKey which, ByteView secret,
                               const Authenticator& request_authenticator) {
  for (const auto& a : response.attributes) {
    const Bytes& v = a.value;
    if (a.type != attribute::kVendorSpecific || v.size() < 6 || v[0] != 0 || v[1] != 0 || v[2] != 0x01 ||
        v[3] != 0x37 || v[4] != static_cast<std::uint8_t>(which)) {
      continue;
    }
    if (v[5] + 4u != v.size() || v.size() < kPrefix + kBlock || (v.size() - kPrefix) % kBlock != 0) {
      return Error(ErrorCode::kMalformed, "the MS-MPPE key attribute's length is not salt plus whole blocks");
    }
    if ((v[6] & 0x80) == 0) return Error(ErrorCode::kMalformed, "the MS-MPPE key's salt lacks its high bit");
    Bytes plain(v.begin() + kPrefix, v.end());
    apply_key_stream(plain, ByteView(v).subspan(6, 2), secret, request_authenticator, false);
    std::size_t size = plain[0];
    if (size == 0 || size + 1 > plain.size()) {
      return Error(ErrorCode::kMalformed, fmt::format("the MS-MPPE key claims {} octets of {}", size, plain.size() - 1));
    }
    return Bytes(plain.begin() + 1, plain.begin() + 1 + static_cast<std::ptrdiff_t>(size));
  }
  return Error(ErrorCode::kNotFound, which == MppeKey::kSend ? "the response has no MS-MPPE-Send-Key"
                                                             : "the response has no MS-MPPE-Recv-Key");
}

}  // namespace nimbus::radius
