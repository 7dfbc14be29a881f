#include "revocation/revocations.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/bytes.h"
#include "core/log_text.h"
#include "x509/certificate.h"

namespace nimbus::revocation {

Revocations::Revocations(store::Store& store, crypto::KeyStore& keys, std::string actor, CrlPolicy policy,
                         Clock clock)
    : store_(store), keys_(keys), actor_(std::move(actor)), policy_(policy), clock_(std::move(clock)) {}

Result<store::CertificateRecord> Revocations::end_entity(const std::string& serial_or_thumbprint) {
  std::optional<std::string> key = canonical_hex(serial_or_thumbprint);
  if (!key) {
    return Error(ErrorCode::kInvalidArgument,
                 fmt::format("'{}' is not a serial number or a SHA-1/SHA-256 thumbprint in hex", serial_or_thumbprint));
  }
  NIMBUS_ASSIGN_OR_RETURN(auto record, store_.find_certificate_by_thumbprint(*key));
  if (!record) return Error(ErrorCode::kNotFound, fmt::format("no certificate with serial or thumbprint {}", *key));
  if (record->authority_id) {
    return Error(ErrorCode::kFailedPrecondition,
                 fmt::format("certificate {} belongs to the CA '{}'; revoke a CA with 'nimbus ca revoke {}', which also "
                             "stops it issuing",
                             record->serial, *record->authority_id, *record->authority_id));
  }
  return std::move(*record);
}

Result<CrlAuthority> Revocations::signing_authority(const std::string& authority_id) {
  NIMBUS_ASSIGN_OR_RETURN(auto authority, store_.find_authority(authority_id));
  if (!authority) {
    return Error(ErrorCode::kNotFound, fmt::format("no authority '{}' (see 'nimbus ca list')", authority_id));
  }
  if (!authority->certificate_der) {
    return Error(ErrorCode::kFailedPrecondition,
                 fmt::format("authority '{}' has no certificate yet, so it cannot sign a CRL", authority_id));
  }
  NIMBUS_ASSIGN_OR_RETURN(x509::Certificate certificate, x509::Certificate::from_der(*authority->certificate_der));
  NIMBUS_ASSIGN_OR_RETURN(crypto::PrivateKey key, keys_.load(authority->key_reference));
  return CrlAuthority{authority_id, std::move(certificate), std::move(key)};
}

Result<Revoked> Revocations::change(const store::CertificateRecord& certificate, std::string_view action,
                                   std::string detail,
                                   const std::function<Status(store::StoreWriter&, Timestamp)>& update) {
  NIMBUS_ASSIGN_OR_RETURN(CrlAuthority issuer, signing_authority(certificate.issuer_id));
  Timestamp now = clock_();
  store::CrlRecord crl;
  NIMBUS_TRY(store_.write([&](store::StoreWriter& tx) -> Status {
    NIMBUS_TRY(update(tx, now));
    NIMBUS_ASSIGN_OR_RETURN(crl, publish_crl(tx, issuer, now, policy_));
    return tx.append_audit({now, actor_, std::string(action), certificate.serial,
                            fmt::format("{} issuer={} crl_number={}", detail, issuer.id, crl.number)});
  }));
  NIMBUS_ASSIGN_OR_RETURN(auto after, store_.find_certificate(certificate.serial));
  if (!after) return Error(ErrorCode::kInternal, fmt::format("certificate {} vanished", certificate.serial));
  return Revoked{std::move(*after), std::move(crl)};
}

Result<Revoked> Revocations::revoke(const std::string& serial_or_thumbprint, x509::RevocationReason reason) {
  NIMBUS_ASSIGN_OR_RETURN(store::CertificateRecord certificate, end_entity(serial_or_thumbprint));
  bool on_hold = certificate.status == store::CertificateStatus::kRevoked &&
                 certificate.revocation_reason == static_cast<int>(x509::RevocationReason::kCertificateHold);
  if (certificate.status == store::CertificateStatus::kRevoked && (!on_hold || reason == x509::RevocationReason::kCertificateHold)) {
    std::string was = "unspecified";
    if (auto stored = x509::revocation_reason_from_code(certificate.revocation_reason.value_or(0)); stored.ok()) {
      was = std::string(x509::revocation_reason_name(*stored));
    }
    return Error(ErrorCode::kFailedPrecondition,
                 fmt::format("certificate {} is already revoked ({}, {})", certificate.serial, was,
                             certificate.revoked_at ? format_timestamp(*certificate.revoked_at) : "?"));
  }
  std::string detail = fmt::format("reason={}{}", x509::revocation_reason_name(reason), on_hold ? " was=certificateHold" : "");
  NIMBUS_ASSIGN_OR_RETURN(Revoked revoked,
                          change(certificate, "certificate.revoke", detail, [&](store::StoreWriter& tx, Timestamp now) {
                            return tx.revoke_certificate(certificate.serial, now, static_cast<int>(reason));
                          }));
  spdlog::info("revoked certificate {} (\"{}\", {}); published CRL {} of '{}'", certificate.serial,
               loggable(certificate.subject), x509::revocation_reason_name(reason), revoked.crl.number,
               certificate.issuer_id);
  return revoked;
}

Result<Revoked> Revocations::release_hold(const std::string& serial_or_thumbprint) {
  NIMBUS_ASSIGN_OR_RETURN(store::CertificateRecord certificate, end_entity(serial_or_thumbprint));
  bool on_hold = certificate.status == store::CertificateStatus::kRevoked &&
                 certificate.revocation_reason == static_cast<int>(x509::RevocationReason::kCertificateHold);
  if (!on_hold) {
    return Error(ErrorCode::kFailedPrecondition,
                 fmt::format("certificate {} is {}; only a certificate on hold (certificateHold) can be released",
                             certificate.serial,
                             certificate.status == store::CertificateStatus::kRevoked ? "revoked for good" : "not revoked"));
  }
  NIMBUS_ASSIGN_OR_RETURN(Revoked released,
                          change(certificate, "certificate.unrevoke", "was=certificateHold",
                                 [&](store::StoreWriter& tx, Timestamp) {
                                   return tx.release_certificate_hold(certificate.serial);
                                 }));
  spdlog::info("released certificate {} (\"{}\") from hold; published CRL {} of '{}'", certificate.serial,
               loggable(certificate.subject), released.crl.number, certificate.issuer_id);
  return released;
}

Result<store::CrlRecord> Revocations::publish(const std::string& authority_id) {
  NIMBUS_ASSIGN_OR_RETURN(CrlAuthority authority, signing_authority(authority_id));
  Timestamp now = clock_();
  store::CrlRecord crl;
  NIMBUS_TRY(store_.write([&](store::StoreWriter& tx) -> Status {
    NIMBUS_ASSIGN_OR_RETURN(crl, publish_crl(tx, authority, now, policy_));
    return tx.append_audit({now, actor_, "crl.publish", authority_id,
                            fmt::format("number={} next_update={}", crl.number, format_timestamp(crl.next_update))});
  }));
  spdlog::info("published CRL {} of '{}' (next update {})", crl.number, authority_id, format_timestamp(crl.next_update));
  return crl;
}

Result<std::vector<store::CrlRecord>> Revocations::publish_due() {
  NIMBUS_ASSIGN_OR_RETURN(auto authorities, store_.list_authorities());
  std::vector<store::CrlRecord> published;
  for (const store::AuthorityRecord& authority : authorities) {
    if (!authority.certificate_der) continue;
    NIMBUS_ASSIGN_OR_RETURN(auto current, store_.latest_crl(authority.id));
    if (!crl_due(current, clock_(), policy_)) continue;
    auto crl = publish(authority.id);
    if (!crl.ok()) {
      spdlog::error("could not publish the CRL of '{}': {}; its current CRL {}", authority.id, crl.error().message(),
                    current ? "expires " + format_timestamp(current->next_update) : "does not exist");
      continue;
    }
    published.push_back(std::move(crl).value());
  }
  return published;
}

}  // namespace nimbus::revocation
