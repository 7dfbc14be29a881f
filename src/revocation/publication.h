// Publication: what relying parties fetch over HTTP — each authority's certificate (AIA) and its
// current CRL (CDP) — held in memory and refreshed from the store, which stays the source of truth.
//
// Requests never touch the store: lookups read the snapshot the last refresh() made, so a flood of
// requests (or of requests for unknown authorities) costs no database work. A revocation made by
// another process (`nimbus cert revoke` while the server runs) is visible after the next refresh.
//
// Thread-safety: every method may be called from any thread.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "core/bytes.h"
#include "core/result.h"
#include "core/time.h"
#include "store/store.h"

namespace nimbus::revocation {

// One published object, shared by every response that serves it.
struct PublishedObject {
  std::shared_ptr<const Bytes> der;
  Timestamp last_modified;
  std::optional<Timestamp> expires;  // a CRL's nextUpdate; none for a certificate
  // Hex of the first 16 bytes of the DER's SHA-256, computed once per object: an HTTP entity tag
  // for it without hashing a CRL (tens of megabytes for a large CA) on every request.
  std::string fingerprint;
};

class Publication {
 public:
  explicit Publication(store::StoreReader& store);
  Publication(const Publication&) = delete;
  Publication& operator=(const Publication&) = delete;

  // kNotFound for an authority this deployment does not have (or not yet, for a pending one).
  Result<PublishedObject> ca_certificate(const std::string& authority_id) const;
  Result<PublishedObject> crl(const std::string& authority_id) const;

  // The authorities with a certificate, as of the last refresh.
  std::vector<std::string> authority_ids() const;

  // An authority's certificate and the number of the CRL it serves; nullopt if unknown.
  struct AuthorityState {
    std::shared_ptr<const Bytes> certificate_der;
    std::uint64_t crl_number = 0;
  };
  std::optional<AuthorityState> authority(const std::string& authority_id) const;

  // Re-reads the authorities and, for those whose CRL number moved, their latest CRL. Returns the
  // ids whose CRL changed since the previous refresh (a revocation, a hold released, a scheduled
  // republication) so that callers can drop what they derived from the old state (OCSP answers).
  Result<std::vector<std::string>> refresh();

 private:
  struct Entry {
    PublishedObject certificate;
    std::optional<PublishedObject> crl;
    std::uint64_t crl_number = 0;
  };

  store::StoreReader& store_;
  mutable std::shared_mutex mutex_;
  std::map<std::string, Entry, std::less<>> entries_;
};

}  // namespace nimbus::revocation
