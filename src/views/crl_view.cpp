#include "views/crl_view.h"

#include "core/time.h"

namespace nimbus::views {

nlohmann::json crl_json(const store::CrlRecord& record, const x509::CertificateRevocationList& crl) {
  return {{"authority", record.authority_id},
          {"number", record.number},
          {"this_update", format_timestamp(record.this_update)},
          {"next_update", format_timestamp(record.next_update)},
          {"entries", crl.revoked_count()},
          {"issuer", crl.issuer().to_string()},
          {"size", record.der.size()}};
}

}  // namespace nimbus::views
