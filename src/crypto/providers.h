// OpenSSL providers beyond the default one.
#pragma once

#include "core/result.h"

namespace nimbus::crypto {

// Makes OpenSSL's legacy provider available next to the default one, for ciphers it no longer
// offers by default (single DES, which old SCEP clients still send). Process-wide and for the
// life of the process; safe to call more than once, and from several threads. kCryptoError when
// the provider module is not installed.
Status load_legacy_provider();

}  // namespace nimbus::crypto
