#include "crypto/bio.h"

#include <openssl/err.h>
#include <openssl/pem.h>

#include <algorithm>
#include <string_view>

#include <fmt/format.h>

#include "crypto/openssl_error.h"

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

Result<std::vector<PemBlock>> read_pem_blocks(ByteView data) {
  std::vector<PemBlock> blocks;
  BioPtr in = memory_reader(data);
  for (;;) {
    char* name = nullptr;
    char* header = nullptr;
    unsigned char* body = nullptr;
    long size = 0;
    if (PEM_read_bio(in.get(), &name, &header, &body, &size) != 1) {
      // The end of the input is reported as PEM_R_NO_START_LINE; anything else is damage.
      unsigned long reason = ERR_GET_REASON(ERR_peek_last_error());
      clear_openssl_errors();
      if (reason != PEM_R_NO_START_LINE) {
        return Error(ErrorCode::kMalformed, fmt::format("PEM block {} is damaged (bad base64 or a missing END line)",
                                                        blocks.size() + 1));
      }
      return blocks;
    }
    blocks.push_back(PemBlock{name, Bytes(body, body + size)});
    OPENSSL_free(name);
    OPENSSL_free(header);
    OPENSSL_free(body);
  }
}

}  // namespace nimbus::crypto
