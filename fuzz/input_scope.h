// What every fuzz target does around one input, so that libFuzzer measures the input and nothing
// that an earlier input left behind.
#pragma once

#include "crypto/openssl_error.h"

namespace nimbus::fuzz {

// Declared first in LLVMFuzzerTestOneInput; when the input is done, empties OpenSSL's error queue.
//
// Taking an error off the queue (crypto::openssl_error does) leaves the copies OpenSSL made of its
// file and function names allocated until a later error reuses the slot, one input or several later.
// libFuzzer then counts more allocations than frees in most inputs that fail to parse, suspects a
// leak, and runs each such input again followed by a full LeakSanitizer pass: a few milliseconds per
// input, most of the time spent. After a thousand such passes it gives up checking inputs for leaks
// at all. Emptying the queue frees the copies within the input that made them.
class InputScope {
 public:
  InputScope() = default;
  InputScope(const InputScope&) = delete;
  InputScope& operator=(const InputScope&) = delete;
  ~InputScope() { crypto::clear_openssl_errors(); }
};

}  // namespace nimbus::fuzz
