// Revocations: revoking end-entity certificates, releasing holds, and publishing CRLs on demand and
// on schedule.
//
// A revocation and the CRL that lists it commit in one transaction, so a relying party that fetches
// the CRL after `revoke` returns always sees the revocation, and a crash in between loses neither.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/time.h"
#include "crypto/key_store.h"
#include "revocation/crl_publisher.h"
#include "store/store.h"
#include "x509/revocation_reason.h"

namespace nimbus::revocation {

struct Revoked {
  store::CertificateRecord certificate;  // as it is now
  store::CrlRecord crl;                  // the issuer's CRL published with the change
};

// Not thread-safe; create one per command, or guard it. The store and key store must outlive it.
class Revocations {
 public:
  using Clock = std::function<Timestamp()>;
  Revocations(store::Store& store, crypto::KeyStore& keys, std::string actor, CrlPolicy policy = {},
              Clock clock = now_utc);

  // Revokes the end-entity certificate with this serial (or SHA-1/SHA-256 thumbprint) and publishes
  // its issuer's CRL. A certificate on hold may be revoked for good with another reason; one that is
  // already revoked otherwise is refused. An authority's own certificate is refused with a pointer
  // to `nimbus ca revoke`, which also stops the authority.
  Result<Revoked> revoke(const std::string& serial_or_thumbprint, x509::RevocationReason reason);

  // Takes a certificate off hold (certificateHold is the only reversible reason) and republishes.
  Result<Revoked> release_hold(const std::string& serial_or_thumbprint);

  // Publishes a new CRL for one authority now.
  Result<store::CrlRecord> publish(const std::string& authority_id);

  // Publishes for every authority whose current CRL is due under the policy (or which has none);
  // returns what was published. An authority that cannot publish (a pending CA, a missing key) is
  // logged and skipped, so one broken CA does not leave the others' CRLs to expire.
  Result<std::vector<store::CrlRecord>> publish_due();

  const CrlPolicy& policy() const { return policy_; }
  void set_policy(const CrlPolicy& policy) { policy_ = policy; }

 private:
  Result<store::CertificateRecord> end_entity(const std::string& serial_or_thumbprint);
  Result<CrlAuthority> signing_authority(const std::string& authority_id);
  Result<Revoked> change(const store::CertificateRecord& certificate, std::string_view action, std::string detail,
                         const std::function<Status(store::StoreWriter&, Timestamp)>& update);

  store::Store& store_;
  crypto::KeyStore& keys_;
  std::string actor_;
  CrlPolicy policy_;
  Clock clock_;
};

}  // namespace nimbus::revocation
