#include "crypto/random.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "crypto/openssl_error.h"

namespace nimbus::crypto {

Result<Bytes> random_bytes(std::size_t count) {
  Bytes out(count);
  if (RAND_bytes(out.data(), static_cast<int>(count)) != 1) {
    return openssl_error(ErrorCode::kCryptoError, "the random number generator failed");
  }
  return out;
}

Result<Bytes> random_serial() {
  constexpr std::size_t kSerialBytes = 16;
  for (;;) {
    NIMBUS_ASSIGN_OR_RETURN(Bytes serial, random_bytes(kSerialBytes));
    serial[0] &= 0x7f;
    if (serial[0] != 0) return serial;
  }
}

Result<std::string> random_passphrase(std::size_t bytes) {
  NIMBUS_ASSIGN_OR_RETURN(Bytes raw, random_bytes(bytes));
  std::string encoded(4 * ((raw.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()), raw.data(),
                          static_cast<int>(raw.size()));
  encoded.resize(static_cast<std::size_t>(n));
  for (char& c : encoded) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  while (!encoded.empty() && encoded.back() == '=') encoded.pop_back();
  return encoded;
}

}  // namespace nimbus::crypto
