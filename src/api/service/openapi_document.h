// The OpenAPI 3.1 document of the REST API: docs/openapi.json, built into the binary so that the
// node serves exactly the document checked in (at /api/v1/openapi.json).
#pragma once

#include <string_view>

namespace nimbus::api {

std::string_view openapi_document();

}  // namespace nimbus::api
