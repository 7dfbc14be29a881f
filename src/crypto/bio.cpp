#include "crypto/bio.h"

#include <algorithm>
#include <string_view>

namespace nimbus::crypto {

BioPtr memory_reader(ByteView data) {
  return BioPtr(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
}

BioPtr memory_writer() { return BioPtr(BIO_new(BIO_s_mem())); }

Bytes bio_contents(BIO* bio) {
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);
  if (size <= 0) return {};
  return Bytes(data, data + size);
}

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);
  if (size <= 0) return {};
  return std::string(data, static_cast<std::size_t>(size));
}

bool looks_like_pem(ByteView data) {
  std::string_view text(reinterpret_cast<const char*>(data.data()), data.size());
  return text.find("-----BEGIN ") != std::string_view::npos;
}

}  // namespace nimbus::crypto
