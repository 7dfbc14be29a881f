#include "verify/revocation_cache.h"

#include <algorithm>
#include <mutex>
#include <optional>
#include <vector>

namespace nimbus::verify {

std::string RevocationCache::key_of(char kind, std::string_view url, ByteView id) {
  std::string key;
  key.reserve(2 + url.size() + id.size());
  key.push_back(kind);
  key.append(url);
  key.push_back('\n');
  key.append(reinterpret_cast<const char*>(id.data()), id.size());
  return key;
}

const RevocationCache::Entry* RevocationCache::find(const std::string& key) const {
  auto found = entries_.find(key);
  if (found == entries_.end()) return nullptr;
  found->second->last_used = ++clock_;
  return found->second.get();
}

std::shared_ptr<const CheckedCrl> RevocationCache::find_crl(std::string_view url, ByteView issuer_id,
                                                            Timestamp at) const {
  std::string key = key_of('c', url, issuer_id);
  std::lock_guard lock(mutex_);
  const Entry* entry = find(key);
  if (entry == nullptr || entry->crl->stale_at(at)) return nullptr;
  return entry->crl;
}

std::optional<OcspAnswer> RevocationCache::find_ocsp(std::string_view url, ByteView cert_id_der, Timestamp at) const {
  std::string key = key_of('o', url, cert_id_der);
  std::lock_guard lock(mutex_);
  const Entry* entry = find(key);
  if (entry == nullptr || entry->ocsp->stale_at(at)) return std::nullopt;
  return entry->ocsp;
}

std::vector<RevocationCache::RefreshCandidate> RevocationCache::to_refresh(Timestamp now) const {
  std::vector<RefreshCandidate> due;
  std::lock_guard lock(mutex_);
  for (const auto& [key, entry] : entries_) {
    if (!entry->issuer) continue;
    if (entry->crl && entry->crl->is_delta()) continue;
    Timestamp this_update = entry->crl ? entry->crl->this_update() : entry->ocsp->this_update;
    std::optional<Timestamp> next_update = entry->crl ? entry->crl->next_update() : entry->ocsp->next_update;
    // Past its nextUpdate an entry is of no use and goes at the next insertion; whoever needs it
    // again fetches it then.
    if (!next_update || now >= *next_update) continue;
    if (now >= this_update + (*next_update - this_update) * 3 / 4) due.push_back({entry->url, *entry->issuer, entry->subject});
  }
  return due;
}

bool RevocationCache::cacheable(std::string_view url) const {
  for (const std::string& prefix : uncached_prefixes_) {
    if (url.starts_with(prefix)) return false;
  }
  return true;
}

void RevocationCache::store_crl(std::string_view url, ByteView issuer_id, std::shared_ptr<const CheckedCrl> crl,
                                Timestamp at, const x509::Certificate* issuer) {
  if (!cacheable(url)) return;
  auto entry = std::make_unique<Entry>();
  entry->url = std::string(url);
  if (issuer != nullptr) entry->issuer = *issuer;
  entry->bytes = crl->memory_bytes() + url.size() + issuer_id.size();
  entry->crl = std::move(crl);
  insert(key_of('c', url, issuer_id), std::move(entry), at);
}

void RevocationCache::store_ocsp(std::string_view url, ByteView cert_id_der, const OcspAnswer& answer,
                                 Timestamp at, const x509::Certificate* subject, const x509::Certificate* issuer) {
  if (!answer.next_update) return;  // RFC 5019 2.2.4: nothing says how long it stays true
  if (!cacheable(url)) return;
  auto entry = std::make_unique<Entry>();
  entry->bytes = sizeof(Entry) + sizeof(OcspAnswer) + answer.responder.size() + url.size() + cert_id_der.size();
  entry->ocsp = answer;
  entry->url = std::string(url);
  if (subject != nullptr && issuer != nullptr) {
    entry->subject = *subject;
    entry->issuer = *issuer;
  }
  insert(key_of('o', url, cert_id_der), std::move(entry), at);
}

void RevocationCache::insert(std::string key, std::unique_ptr<Entry> entry, Timestamp at) {
  if (entry->bytes > max_bytes_) return;
  std::lock_guard lock(mutex_);
  entry->last_used = ++clock_;
  auto existing = entries_.find(key);
  if (existing != entries_.end()) {
    bytes_ -= existing->second->bytes;
    entries_.erase(existing);
  }
  bytes_ += entry->bytes;
  entries_.emplace(std::move(key), std::move(entry));

  // Answers past their nextUpdate are of no use to anyone; then, if still over, the least
  // recently used go first.
  for (auto it = entries_.begin(); it != entries_.end();) {
    const Entry& e = *it->second;
    std::optional<Timestamp> next = e.crl ? e.crl->next_update() : e.ocsp->next_update;
    if (next && *next < at) {
      bytes_ -= e.bytes;
      it = entries_.erase(it);
    } else {
      ++it;
    }
  }
  while (bytes_ > max_bytes_ && !entries_.empty()) {
    auto oldest = std::min_element(entries_.begin(), entries_.end(), [](const auto& a, const auto& b) {
      return a.second->last_used < b.second->last_used;
    });
    bytes_ -= oldest->second->bytes;
    entries_.erase(oldest);
  }
}

std::size_t RevocationCache::memory_bytes() const {
  std::lock_guard lock(mutex_);
  return bytes_;
}

std::size_t RevocationCache::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

Bytes issuer_identity(const x509::Certificate& issuer) {
  std::optional<Bytes> digest = issuer.cached_sha1_thumbprint();
  return digest ? std::move(*digest) : issuer.sha256_thumbprint();
}

}  // namespace nimbus::verify
