#include "crypto/digest.h"

#include <openssl/evp.h>

namespace nimbus::crypto {

namespace {
Bytes digest(const EVP_MD* md, ByteView data) {
  Bytes out(EVP_MAX_MD_SIZE);
  unsigned int size = 0;
  // EVP_Digest cannot fail for built-in digests short of memory exhaustion, where OpenSSL aborts.
  EVP_Digest(data.data(), data.size(), out.data(), &size, md, nullptr);
  out.resize(size);
  return out;
}
}  // namespace

Bytes sha1(ByteView data) { return digest(EVP_sha1(), data); }
Bytes sha256(ByteView data) { return digest(EVP_sha256(), data); }

}  // namespace nimbus::crypto
