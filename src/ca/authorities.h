// Authorities: creating and running the CA hierarchy — roots, issuing CAs under them, issuing CAs
// anchored under an existing enterprise root, and their pause, resume and revocation.
//
// Every operation checks all it can before it changes anything, then makes its changes in one store
// transaction together with an audit event; on any error the store is left as it was (a key
// generated for a failed creation is discarded).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "ca/publication_urls.h"
#include "core/result.h"
#include "core/time.h"
#include "crypto/key.h"
#include "crypto/key_store.h"
#include "store/store.h"
#include "x509/certificate.h"
#include "x509/csr.h"
#include "x509/name.h"
#include "x509/revocation_reason.h"

namespace nimbus::ca {

inline constexpr Duration kDefaultRootValidity = std::chrono::hours(24 * 365 * 15);
inline constexpr Duration kDefaultIssuingValidity = std::chrono::hours(24 * 365 * 5);

struct NewRoot {
  std::string id;  // empty: derived from the subject's CN
  x509::DistinguishedName subject;
  crypto::KeySpec key;  // rsa:3072, rsa:4096 or ec:p384
  Duration validity = kDefaultRootValidity;
};

struct NewIssuing {
  std::string id;  // empty: derived from the subject's CN
  std::string parent_id;
  x509::DistinguishedName subject;
  crypto::KeySpec key;
  Duration validity = kDefaultIssuingValidity;  // must end before the parent's certificate does
};

struct NewExternalIssuing {
  std::string id;
  x509::DistinguishedName subject;
  crypto::KeySpec key;
};

// An issuing CA waiting for its certificate from an external parent, and the request to send it.
struct PendingAuthority {
  store::AuthorityRecord record;
  x509::CertificateRequest request;
};

// Not thread-safe; create one per command or request. The store and key store it borrows must
// outlive it.
class Authorities {
 public:
  using Clock = std::function<Timestamp()>;

  Authorities(store::Store& store, crypto::KeyStore& keys, PublicationUrls urls, std::string actor,
              Clock clock = now_utc);

  Result<store::AuthorityRecord> create_root(const NewRoot& request);
  Result<store::AuthorityRecord> create_issuing(const NewIssuing& request);
  Result<PendingAuthority> create_issuing_for_external_parent(const NewExternalIssuing& request);

  // Installs the certificate an external CA issued for a pending authority, after checking that it
  // carries the authority's key, is a CA certificate with a CDP, and chains to the root in `chain`.
  Result<store::AuthorityRecord> import_certificate(const std::string& id, const x509::Certificate& certificate,
                                                    const std::vector<x509::Certificate>& chain);

  Status pause(const std::string& id);
  Status resume(const std::string& id);
  // Revokes an issuing CA's certificate and republishes its parent's CRL to include it.
  Status revoke(const std::string& id, x509::RevocationReason reason);

  // kNotFound with a helpful message if there is no such authority.
  Result<store::AuthorityRecord> get(const std::string& id);
  // The authority's certificate followed by its issuers up to the root (external ones included).
  Result<std::vector<x509::Certificate>> chain(const std::string& id);

  const PublicationUrls& urls() const { return urls_; }

 private:
  struct NewAuthority {
    std::string id;
    store::AuthorityKind kind;
    std::optional<std::string> parent_id;
    crypto::KeySpec key;
  };
  // Stores a new authority, its certificate and its first CRL in one transaction with an audit
  // event; discards `key` if signing failed or the transaction does.
  Result<store::AuthorityRecord> install(const NewAuthority& authority, const crypto::GeneratedKey& key,
                                         Result<x509::Certificate> signed_certificate, Timestamp now);
  Result<std::string> choose_id(const std::string& requested, const x509::DistinguishedName& subject);
  Result<Bytes> unique_serial();
  Result<x509::Certificate> certificate_of(const store::AuthorityRecord& authority);
  Status set_status(const std::string& id, store::AuthorityStatus from, store::AuthorityStatus to,
                    std::string_view action);
  // Runs `work` in a transaction; if it fails, discards `key_reference`.
  Status commit_or_discard(const std::string& key_reference,
                           const std::function<Status(store::StoreWriter&)>& work);
  store::AuditEvent audit(std::string action, std::string target, std::string detail) const;

  store::Store& store_;
  crypto::KeyStore& keys_;
  PublicationUrls urls_;
  std::string actor_;
  Clock clock_;
};

}  // namespace nimbus::ca
