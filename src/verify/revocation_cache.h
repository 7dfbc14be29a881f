// RevocationCache: checked CRLs and OCSP answers, shared by every verification in a process.
//
// A CRL is cached under its URL and the certificate of the CA it was checked against; an OCSP
// answer under its URL and CertID. Entries are used while the validation time is inside their
// thisUpdate..nextUpdate window and dropped once past it; OCSP answers without a nextUpdate are
// never cached. URLs under an uncached prefix are never stored: a source that answers from the
// memory of this process (the node's own publication) is always current, and cheaper to ask than
// a cached answer is to trust. The total size is bounded: past the bound, the least recently used entries go.
//
// Thread-safe: one mutex, held for a map lookup or an insertion. (Not a reader-writer lock: under
// a steady stream of lookups glibc's would keep a refreshed CRL from ever being stored.)
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <mutex>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "core/time.h"
#include "verify/checked_crl.h"
#include "verify/ocsp_query.h"

namespace nimbus::verify {

class RevocationCache {
 public:
  // 256 MiB holds several CRLs of a million entries each.
  static constexpr std::size_t kDefaultMaxBytes = std::size_t{256} << 20;

  explicit RevocationCache(std::size_t max_bytes = kDefaultMaxBytes, std::vector<std::string> uncached_prefixes = {})
      : max_bytes_(max_bytes), uncached_prefixes_(std::move(uncached_prefixes)) {}
  RevocationCache(const RevocationCache&) = delete;
  RevocationCache& operator=(const RevocationCache&) = delete;

  // `issuer_id` identifies the CA certificate a CRL was checked against (see issuer_identity).
  std::shared_ptr<const CheckedCrl> find_crl(std::string_view url, ByteView issuer_id, Timestamp at) const;
  // `at` is the validation time of the verification that obtained it: entries past their
  // nextUpdate by then are dropped, this one included. `issuer`, when given, is kept so that the
  // CRL can be refreshed in the background (to_refresh).
  void store_crl(std::string_view url, ByteView issuer_id, std::shared_ptr<const CheckedCrl> crl, Timestamp at,
                 const x509::Certificate* issuer = nullptr);

  // The complete CRLs and the OCSP answers that have used three quarters of their
  // thisUpdate..nextUpdate window at `now` but not all of it, and were stored with what it takes
  // to ask again:
  // fetched again ahead of their nextUpdate, no verification waits for them.
  struct RefreshCandidate {
    std::string url;
    x509::Certificate issuer;
    std::optional<x509::Certificate> subject;  // set for an OCSP answer: the certificate asked about
  };
  std::vector<RefreshCandidate> to_refresh(Timestamp now) const;

  std::optional<OcspAnswer> find_ocsp(std::string_view url, ByteView cert_id_der, Timestamp at) const;
  // `subject` and `issuer`, when given, are kept so that the answer can be refreshed.
  void store_ocsp(std::string_view url, ByteView cert_id_der, const OcspAnswer& answer, Timestamp at,
                  const x509::Certificate* subject = nullptr, const x509::Certificate* issuer = nullptr);

  std::size_t memory_bytes() const;
  std::size_t size() const;

 private:
  struct Entry {
    std::shared_ptr<const CheckedCrl> crl;
    std::string url;
    std::optional<x509::Certificate> issuer;
    std::optional<x509::Certificate> subject;  // OCSP entries
    std::optional<OcspAnswer> ocsp;
    std::size_t bytes = 0;
    mutable std::uint64_t last_used = 0;  // clock_ at the last lookup; under mutex_
  };
  static std::string key_of(char kind, std::string_view url, ByteView id);
  void insert(std::string key, std::unique_ptr<Entry> entry, Timestamp at);
  const Entry* find(const std::string& key) const;
  bool cacheable(std::string_view url) const;

  const std::size_t max_bytes_;
  const std::vector<std::string> uncached_prefixes_;
  mutable std::mutex mutex_;
  std::map<std::string, std::unique_ptr<Entry>, std::less<>> entries_;
  std::size_t bytes_ = 0;
  mutable std::uint64_t clock_ = 0;  // under mutex_
};

// A short, stable identity for a CA certificate (its SHA-1 fingerprint, which OpenSSL computes
// once when the certificate is parsed): the cache key for "checked against this issuer".
Bytes issuer_identity(const x509::Certificate& issuer);

}  // namespace nimbus::verify
