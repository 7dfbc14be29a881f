#include "revocation/crl_publisher.h"

#include <array>
#include <span>

#include <fmt/format.h>

#include "x509/crl.h"

namespace nimbus::revocation {


bool crl_due(const std::optional<store::CrlRecord>& current, Timestamp now, const CrlPolicy& policy) {
  return !current || now >= current->next_update - policy.republish_before_expiry;
}

Result<store::CrlRecord> publish_crl(store::StoreWriter& transaction, const CrlAuthority& authority,
                                     Timestamp now, const CrlPolicy& policy) {
  x509::CrlHeader header;
  header.this_update = now;
  header.next_update = now + policy.validity;
  x509::CrlEntries entries;
  NIMBUS_TRY(transaction.for_each_revocation(authority.id, [&](const store::RevocationEntry& entry) -> Status {
    if (!policy.keep_expired_entries && entry.not_after < now) return ok_status();
    // Decoded on the stack: this runs once per revoked certificate, a million times for a large CA.
    // One octet beyond RFC 5280's limit, for a leading zero that CrlEntries does not count.
    std::array<std::uint8_t, x509::CrlEntries::kMaxSerialOctets + 1> serial{};
    std::size_t octets = entry.serial.size() / 2;
    if (octets > serial.size()) {
      return Error(ErrorCode::kMalformed, fmt::format("stored serial '{}' is longer than 20 octets", entry.serial));
    }
    if (entry.serial.empty() || !decode_hex(entry.serial, std::span(serial.data(), octets))) {
      return Error(ErrorCode::kMalformed, fmt::format("stored serial '{}' is not hex", entry.serial));
    }
    NIMBUS_ASSIGN_OR_RETURN(x509::RevocationReason reason, x509::revocation_reason_from_code(entry.reason));
    return entries.add(ByteView(serial.data(), octets), entry.revoked_at, reason);
  }));
  NIMBUS_ASSIGN_OR_RETURN(header.number, transaction.allocate_crl_number(authority.id));
  NIMBUS_ASSIGN_OR_RETURN(Bytes der, x509::sign_crl_der(authority.certificate, authority.key, header, std::move(entries)));
  store::CrlRecord record{authority.id, header.number, header.this_update, header.next_update, std::move(der)};
  NIMBUS_TRY(transaction.insert_crl(record));
  return record;
}

}  // namespace nimbus::revocation
