#include "revocation/publication.h"

#include <mutex>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/log_text.h"
#include "crypto/digest.h"
#include "x509/certificate.h"

namespace nimbus::revocation {

namespace {

PublishedObject publish(Bytes der, Timestamp last_modified, std::optional<Timestamp> expires) {
  Bytes digest = crypto::sha256(der);
  digest.resize(16);
  return {std::make_shared<const Bytes>(std::move(der)), last_modified, expires, to_hex(digest)};
}

}  // namespace

Publication::Publication(store::StoreReader& store) : store_(store) {}

Result<PublishedObject> Publication::ca_certificate(const std::string& authority_id) const {
  std::shared_lock lock(mutex_);
  auto entry = entries_.find(authority_id);
  if (entry == entries_.end()) {
    return Error(ErrorCode::kNotFound, fmt::format("no authority '{}'", loggable(authority_id)));
  }
  return entry->second.certificate;
}

Result<PublishedObject> Publication::crl(const std::string& authority_id) const {
  std::shared_lock lock(mutex_);
  auto entry = entries_.find(authority_id);
  if (entry == entries_.end()) {
    return Error(ErrorCode::kNotFound, fmt::format("no authority '{}'", loggable(authority_id)));
  }
  if (!entry->second.crl) {
    return Error(ErrorCode::kNotFound, fmt::format("authority '{}' has published no CRL", loggable(authority_id)));
  }
  return *entry->second.crl;
}

std::optional<Publication::AuthorityState> Publication::authority(const std::string& authority_id) const {
  std::shared_lock lock(mutex_);
  auto entry = entries_.find(authority_id);
  if (entry == entries_.end()) return std::nullopt;
  return AuthorityState{entry->second.certificate.der, entry->second.crl_number};
}

std::vector<std::string> Publication::authority_ids() const {
  std::shared_lock lock(mutex_);
  std::vector<std::string> ids;
  for (const auto& [id, entry] : entries_) ids.push_back(id);
  return ids;
}

Result<std::vector<std::string>> Publication::refresh() {
  NIMBUS_ASSIGN_OR_RETURN(auto authorities, store_.list_authorities());
  std::map<std::string, Entry, std::less<>> next;
  {
    std::shared_lock lock(mutex_);
    next = entries_;
  }
  std::vector<std::string> changed;
  for (const store::AuthorityRecord& authority : authorities) {
    if (!authority.certificate_der) continue;
    auto existing = next.find(authority.id);
    bool known = existing != next.end();
    Entry& entry = next[authority.id];
    if (!known || *entry.certificate.der != *authority.certificate_der) {
      NIMBUS_ASSIGN_OR_RETURN(x509::Certificate certificate, x509::Certificate::from_der(*authority.certificate_der));
      entry.certificate = publish(*authority.certificate_der, certificate.not_before(), std::nullopt);
    }
    // The store numbers CRLs in the same transaction that stores them, so an unchanged number means
    // an unchanged CRL, and the (possibly large) DER is not read again.
    if (entry.crl && entry.crl_number == authority.last_crl_number) continue;
    NIMBUS_ASSIGN_OR_RETURN(auto latest, store_.latest_crl(authority.id));
    if (!latest) continue;
    entry.crl = publish(std::move(latest->der), latest->this_update, latest->next_update);
    entry.crl_number = authority.last_crl_number;
    if (known) changed.push_back(authority.id);
    spdlog::debug("serving CRL {} of '{}'", latest->number, authority.id);
  }
  std::unique_lock lock(mutex_);
  entries_ = std::move(next);
  return changed;
}

}  // namespace nimbus::revocation
