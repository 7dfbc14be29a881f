// Turning OpenSSL's thread-local error queue into Nimbus errors.
#pragma once

#include <string>
#include <string_view>

#include "core/error.h"

namespace nimbus::crypto {

// Drains the calling thread's OpenSSL error queue into one line ("...; ..."), or "" if empty.
std::string drain_openssl_errors();

// An Error with `code` whose message is `what`, followed by OpenSSL's reasons when it has any.
// Drains the queue so that a stale entry never explains a later failure.
Error openssl_error(ErrorCode code, std::string_view what);

// Empties the queue without reporting; for callers that handled a failure they expected.
void clear_openssl_errors();

}  // namespace nimbus::crypto
