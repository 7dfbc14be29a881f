#include "api/api_error.h"

#include <nlohmann/json.hpp>

namespace nimbus::api {

namespace {

http::Response error_object(int status, std::string_view code, std::string_view message, std::string_view field) {
  const nlohmann::json field_value = field.empty() ? nlohmann::json(nullptr) : nlohmann::json(field);
  const nlohmann::json body = {{"error", {{"code", code}, {"message", message}, {"field", field_value}}}};
  std::string text = body.dump();
  return http::Response::bytes(status, "application/json", Bytes(text.begin(), text.end()));
}

}  // namespace

int api_error_status(ErrorCode code) {
  switch (code) {
    case ErrorCode::kNotFound: return 404;
    case ErrorCode::kAlreadyExists:
    case ErrorCode::kFailedPrecondition: return 409;
    case ErrorCode::kPermissionDenied: return 403;
    case ErrorCode::kPolicyViolation: return 422;
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kMalformed:
    case ErrorCode::kUnsupported:
    case ErrorCode::kBadPassphrase: return 400;
    case ErrorCode::kIoError:
    case ErrorCode::kStoreError:
    case ErrorCode::kCryptoError:
    case ErrorCode::kInternal: return 500;
  }
  return 500;
}

http::Response api_error_response(const Error& error, std::string_view field) {
  if (error.is_failure()) {
    return error_object(500, "internal", "the server could not complete the request; its log says why", {});
  }
  return error_object(api_error_status(error.code()), error_code_name(error.code()), error.message(),
                      field.empty() ? std::string_view(error.field()) : field);
}

http::Response unauthenticated_response() {
  http::Response response =
      error_object(401, "unauthenticated", "a valid API token is required (Authorization: Bearer nimbus_...)", {});
  response.set_header("WWW-Authenticate", "Bearer realm=\"nimbus\"");
  return response;
}

http::Response rate_limited_response(int retry_after_seconds) {
  http::Response response = error_object(429, "rate_limited", "too many requests with this token; retry later", {});
  response.set_header("Retry-After", std::to_string(retry_after_seconds));
  return response;
}

}  // namespace nimbus::api
