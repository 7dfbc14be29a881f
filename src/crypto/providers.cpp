#include "crypto/providers.h"

#include <mutex>

#include <openssl/provider.h>

#include "crypto/openssl_error.h"

namespace nimbus::crypto {

Status load_legacy_provider() {
  static std::once_flag once;
  static Status loaded = ok_status();
  std::call_once(once, [] {
    // Loading any provider by name stops the default one from loading implicitly, so both are
    // loaded; neither is unloaded (algorithms fetched from them may be in use until exit).
    if (OSSL_PROVIDER_load(nullptr, "default") == nullptr || OSSL_PROVIDER_load(nullptr, "legacy") == nullptr) {
      loaded = openssl_error(ErrorCode::kCryptoError, "OpenSSL's legacy provider does not load");
    }
  });
  return loaded;
}

}  // namespace nimbus::crypto
