// Message digests used for thumbprints and key identifiers.
#pragma once

#include "core/bytes.h"

namespace nimbus::crypto {

Bytes sha1(ByteView data);
Bytes sha256(ByteView data);

}  // namespace nimbus::crypto
