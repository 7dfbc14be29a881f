#include "core/error.h"

namespace nimbus {

std::string_view error_code_name(ErrorCode code) {
  switch (code) {
#define NIMBUS_ERROR_NAME(code, name, failure) \
  case ErrorCode::code:                        \
    return name;
    NIMBUS_ERROR_CODES(NIMBUS_ERROR_NAME)
#undef NIMBUS_ERROR_NAME
  }
  return "unknown";
}

bool error_code_is_failure(ErrorCode code) {
  switch (code) {
#define NIMBUS_ERROR_FAILURE(code, name, failure) \
  case ErrorCode::code:                           \
    return failure;
    NIMBUS_ERROR_CODES(NIMBUS_ERROR_FAILURE)
#undef NIMBUS_ERROR_FAILURE
  }
  return true;
}

Error&& Error::with_context(std::string_view context) && {
  message_ = std::string(context) + ": " + message_;
  return std::move(*this);
}

Error&& Error::at_field(std::string field) && {
  field_ = std::move(field);
  return std::move(*this);
}

std::string Error::to_string() const {
  return std::string(error_code_name(code_)) + ": " + message_;
}

}  // namespace nimbus
