#include "revocation/crl_publisher.h"

#include <fmt/format.h>

#include "x509/crl.h"

namespace nimbus::revocation {


bool crl_due(const std::optional<store::CrlRecord>& current, Timestamp now, const CrlPolicy& policy) {
  return !current || now >= current->next_update - policy.republish_before_expiry;
}

Result<store::CrlRecord> publish_crl(store::StoreWriter& transaction, const CrlAuthority& authority,
                                     Timestamp now, const CrlPolicy& policy) {
  x509::CrlContents contents;
  contents.this_update = now;
  contents.next_update = now + policy.validity;
  NIMBUS_TRY(transaction.for_each_revocation(authority.id, [&](const store::RevocationEntry& entry) -> Status {
    if (!policy.keep_expired_entries && entry.not_after < now) return ok_status();
    std::optional<Bytes> serial = from_hex(entry.serial);
    if (!serial || serial->empty()) {
      return Error(ErrorCode::kMalformed, fmt::format("stored serial '{}' is not hex", entry.serial));
    }
    NIMBUS_ASSIGN_OR_RETURN(x509::RevocationReason reason, x509::revocation_reason_from_code(entry.reason));
    contents.revoked.push_back({std::move(*serial), entry.revoked_at, reason});
    return ok_status();
  }));
  NIMBUS_ASSIGN_OR_RETURN(contents.number, transaction.allocate_crl_number(authority.id));
  NIMBUS_ASSIGN_OR_RETURN(Bytes der, x509::sign_crl_der(authority.certificate, authority.key, contents));
  store::CrlRecord record{authority.id, contents.number, contents.this_update, contents.next_update, std::move(der)};
  NIMBUS_TRY(transaction.insert_crl(record));
  return record;
}

}  // namespace nimbus::revocation
