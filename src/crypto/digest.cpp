#include "crypto/digest.h"

#include <openssl/core_names.h>
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

Bytes hmac_sha256(ByteView key, ByteView data) {
  Bytes out(32);
  std::size_t written = 0;
  // An empty key is a valid HMAC key; OpenSSL wants a non-null pointer for it all the same.
  static const std::uint8_t kNoKey = 0;
  EVP_Q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, key.empty() ? &kNoKey : key.data(), key.size(), data.data(),
            data.size(), out.data(), out.size(), &written);
  out.resize(written);
  return out;
}

namespace {

// MD5 and HMAC fetched from the default provider once per process. A RADIUS server computes
// several per packet; the legacy EVP_md5() would look the implementation up again, under the
// provider store's lock, every time (OpenSSL 3, "Performance" in crypto(7)).
struct Md5Implementations {
  EVP_MD* md5 = EVP_MD_fetch(nullptr, "MD5", nullptr);
  EVP_MAC_CTX* hmac_template = nullptr;

  Md5Implementations() {
    EVP_MAC* hmac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    hmac_template = EVP_MAC_CTX_new(hmac);
    EVP_MAC_free(hmac);  // the context holds its own reference
    char digest_name[] = "MD5";
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
                           OSSL_PARAM_construct_end()};
    EVP_MAC_CTX_set_params(hmac_template, params);
  }
  ~Md5Implementations() {
    EVP_MAC_CTX_free(hmac_template);
    EVP_MD_free(md5);
  }
};

const Md5Implementations& md5_implementations() {
  static const Md5Implementations implementations;
  return implementations;
}

using MacCtxPtr = OpenSslPtr<EVP_MAC_CTX, EVP_MAC_CTX_free>;

}  // namespace

// As with EVP_Digest, the default provider's MD5 fails only when memory is exhausted.
Md5::Md5() : context_(EVP_MD_CTX_new()) {
  EVP_DigestInit_ex(context_.get(), md5_implementations().md5, nullptr);
}

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
  // A copy of the template keeps the digest it was set up with; only the key is new.
  MacCtxPtr context(EVP_MAC_CTX_dup(md5_implementations().hmac_template));
  std::size_t written = 0;
  EVP_MAC_init(context.get(), key.data(), key.size(), nullptr);
  EVP_MAC_update(context.get(), data.data(), data.size());
  EVP_MAC_final(context.get(), out.data(), &written, out.size());
  return out;
}

}  // namespace nimbus::crypto
