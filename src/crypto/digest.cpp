#include "crypto/digest.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

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

// As with EVP_Digest, the default provider's MD5 fails only when memory is exhausted.
Md5::Md5() : context_(EVP_MD_CTX_new()) { EVP_DigestInit_ex(context_.get(), EVP_md5(), nullptr); }

Md5& Md5::update(ByteView data) {
  EVP_DigestUpdate(context_.get(), data.data(), data.size());
  return *this;
}

Md5Digest Md5::finish() {
  Md5Digest out{};
  unsigned int size = 0;
  EVP_DigestFinal_ex(context_.get(), out.data(), &size);
  return out;
}

Md5Digest hmac_md5(ByteView key, ByteView data) {
  Md5Digest out{};
  unsigned int size = 0;
  HMAC(EVP_md5(), key.data(), static_cast<int>(key.size()), data.data(), data.size(), out.data(), &size);
  return out;
}

}  // namespace nimbus::crypto
