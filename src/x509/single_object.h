// Files meant to hold one object (a request, a certificate, a CRL): telling one object from several,
// so that a reader refuses the second one instead of ignoring it.
//
// Internal to x509/.
#pragma once

#include <cstddef>
#include <string_view>

#include "core/bytes.h"
#include "core/error.h"
#include "crypto/openssl_error.h"

namespace nimbus::x509 {

// kMalformed: "holds 2 certificate requests; exactly one is expected (...)". `plural` names the
// objects ("certificate requests").
Error several_objects(std::size_t count, std::string_view plural);

// How many DER objects that `decode` (an OpenSSL d2i function) reads lie one after another in
// `data`, when they make up all of it; 0 when anything else is in it.
template <typename Ptr, typename Decode>
std::size_t count_der_objects(ByteView data, Decode decode) {
  const unsigned char* cursor = data.data();
  const unsigned char* end = data.data() + data.size();
  std::size_t count = 0;
  while (cursor < end) {
    const unsigned char* start = cursor;
    Ptr object(decode(nullptr, &cursor, static_cast<long>(end - cursor)));
    if (!object || cursor <= start) {
      crypto::clear_openssl_errors();
      return 0;
    }
    ++count;
  }
  return count;
}

}  // namespace nimbus::x509
