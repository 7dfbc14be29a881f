// How a stored CRL is shown to scripts: the JSON of `crl publish`, `crl show`, `cert revoke` and
// the REST API (schema: docs/json.md).
#pragma once

#include <nlohmann/json.hpp>

#include "store/records.h"
#include "x509/crl.h"

namespace nimbus::views {

nlohmann::json crl_json(const store::CrlRecord& record, const x509::CertificateRevocationList& crl);

}  // namespace nimbus::views
