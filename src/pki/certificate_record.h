// How a signed certificate is recorded in the store.
#pragma once

#include <optional>
#include <string>

#include "core/time.h"
#include "store/records.h"
#include "x509/certificate.h"

namespace nimbus::pki {

store::CertificateRecord certificate_record(const x509::Certificate& certificate, const std::string& issuer_id,
                                            const std::optional<std::string>& authority_id, Timestamp issued_at);

}  // namespace nimbus::pki
