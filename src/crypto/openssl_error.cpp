#include "crypto/openssl_error.h"

#include <openssl/err.h>

namespace nimbus::crypto {

std::string drain_openssl_errors() {
  std::string text;
  unsigned long code = 0;
  while ((code = ERR_get_error()) != 0) {
    char line[256];
    ERR_error_string_n(code, line, sizeof line);
    if (!text.empty()) text += "; ";
    // The reason string is the last colon-separated field; the rest is noise for a user.
    std::string_view view(line);
    auto colon = view.rfind(':');
    text += colon == std::string_view::npos ? view : view.substr(colon + 1);
  }
  return text;
}

Error openssl_error(ErrorCode code, std::string_view what) {
  std::string reasons = drain_openssl_errors();
  std::string message(what);
  if (!reasons.empty()) message += " (" + reasons + ")";
  return Error(code, std::move(message));
}

void clear_openssl_errors() { ERR_clear_error(); }

}  // namespace nimbus::crypto
