// The error object of every refused or failed API call (docs/api.md):
//
//   {"error": {"code": "not_found", "message": "no certificate with serial 0a", "field": null}}
//
// `code` is stable for scripts: the name of the error's kind (core/error.h), or "unauthenticated"
// and "rate_limited", which only the API gives. `field` names the request member or parameter at
// fault when there is one. A failure (the store or a key could not be used) is answered 500 with a
// generic message: its own message may describe internals and belongs in the log.
#pragma once

#include <string>
#include <string_view>

#include "core/error.h"
#include "http/message.h"

namespace nimbus::api {

// The HTTP status for an error of this kind: 400, 403, 404, 409, 422 or 500.
int api_error_status(ErrorCode code);

// The error object for `error`, naming `field` (or else the error's own field(), core/error.h) when
// it concerns one member or parameter.
http::Response api_error_response(const Error& error, std::string_view field = {});

// 401: no token, or one that is unknown, expired or revoked. The reason goes to the log only, so
// that the answer tells a prober nothing about which tokens exist.
http::Response unauthenticated_response();

// 429 with Retry-After, for a token past its rate limit.
http::Response rate_limited_response(int retry_after_seconds);

}  // namespace nimbus::api
