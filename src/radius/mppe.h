// MS-MPPE-Send-Key and MS-MPPE-Recv-Key (RFC 2548 §2.4.2, §2.4.3): how an Access-Accept hands the
// NAS the keys an EAP method derived, hidden with the shared secret and the request's
// authenticator.
#pragma once

#include <cstdint>

#include "core/bytes.h"
#include "core/result.h"
#include "radius/packet.h"

namespace nimbus::radius {

inline constexpr std::uint32_t kMicrosoftVendorId = 311;

enum class MppeKey : std::uint8_t { kSend = 16, kRecv = 17 };

// The Vendor-Specific attribute carrying `key` (1 to 239 octets; EAP-TLS gives 32 each). `salt` must
// differ between the attributes of one response; its high bit is set here, as the RFC requires.
Attribute mppe_key_attribute(MppeKey which, ByteView key, std::uint16_t salt, ByteView secret,
                             const Authenticator& request_authenticator);

// The key of the `which` attribute in `response`, as the NAS recovers it. kNotFound when the
// response has none; kMalformed when its layout, salt or padding is wrong.
Result<Bytes> recover_mppe_key(const Packet& response, MppeKey which, ByteView secret,
                               const Authenticator& request_authenticator);

}  // namespace nimbus::radius
