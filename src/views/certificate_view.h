// How certificates are shown to scripts: the JSON of `cert list`, `cert show` and `cert revoke`
// (schema: docs/json.md).
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "core/time.h"
#include "store/records.h"

namespace nimbus::views {

// "valid", "revoked" or "expired" (at `now`).
std::string certificate_status(const store::CertificateRecord& record, Timestamp now);

nlohmann::json certificate_json(const store::CertificateRecord& record, Timestamp now);

}  // namespace nimbus::views
