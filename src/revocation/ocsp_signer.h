// Delegated OCSP signing certificates (RFC 6960 4.2.2.2): one per authority, issued by it, renewed
// before it runs out.
//
// A CA's own key signs certificates and CRLs only; every OCSP answer is signed by a short-lived
// responder key the CA certified for that single purpose (extendedKeyUsage id-kp-OCSPSigning). The
// certificate carries id-pkix-ocsp-nocheck, so relying parties do not look for its revocation, and
// it is sent inside every response, so clients can check the delegation without fetching anything.
#pragma once

#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/time.h"
#include "crypto/key.h"
#include "crypto/key_store.h"
#include "store/store.h"
#include "x509/certificate.h"

namespace nimbus::revocation {

struct OcspSignerOptions {
  // Lifetime of a new signer certificate (capped by the CA certificate's notAfter). Short, because
  // with id-pkix-ocsp-nocheck nothing can revoke it: its expiry is the only limit on a stolen key.
  Duration validity = std::chrono::hours(30 * 24);
  // Key of a new signer. Unset: the CA's family at its everyday size, ec:p256 under an EC CA and
  // rsa:2048 under an RSA CA, so that a client able to check the CA's signature can check ours.
  std::optional<crypto::KeySpec> key;
  // Who the audit trail names for the issuance.
  std::string actor = "system:ocsp";
  // After a signer could not be loaded or issued (a key that will not open, a store that fails),
  // requests get that failure at once for this long, rather than each trying again: a key that
  // will not open would otherwise cost a key derivation per request.
  Duration retry_after_failure = std::chrono::seconds(60);
};

// An authority whose signer could not be loaded or issued, and no valid one serves.
struct OcspSignerFailure {
  std::string authority_id;
  std::string message;
  Timestamp since;
};

// A signer: its certificate, the key it certifies, and the authority that issued it.
struct OcspSigner {
  std::string authority_id;
  x509::Certificate certificate;
  crypto::PrivateKey key;
};

// Hands out each authority's current signer, issuing one when the authority has none or when less
// than a third of the current one's lifetime remains.
//
// Thread-safe: signer_for and renew_due may be called from any number of threads; concurrent calls
// for the same authority wait for one another, so that at most one signer is issued. Loaded
// signers are kept in memory. The store and key store must outlive this object; the key store is used under an
// internal lock (FileKeyStore is not thread-safe), so nothing else may use it concurrently.
class OcspSigners {
 public:
  using Clock = std::function<Timestamp()>;

  OcspSigners(store::Store& store, crypto::KeyStore& keys, Clock clock = now_utc, OcspSignerOptions options = {});
  OcspSigners(const OcspSigners&) = delete;
  OcspSigners& operator=(const OcspSigners&) = delete;

  // kNotFound for an unknown authority; kFailedPrecondition for one that has no certificate yet
  // (pending) or whose certificate has expired. Paused and revoked authorities get a signer: the
  // revocation status of what they issued must stay available.
  Result<OcspSigner> signer_for(const std::string& authority_id);

  // Renews, ahead of need, every signer already loaded whose renewal is due, so that no OCSP
  // request waits for a key to be generated: while the new signer is made, signer_for keeps
  // handing out the current one. Authorities nobody has asked about are left alone, and so is a
  // signer that has already expired (the next request issues its successor). Returns the ids of
  // the authorities renewed; a failure is logged and retried on the next call.
  std::vector<std::string> renew_due();

  // The authorities whose OCSP answers fail because no signer could be made, as of now.
  std::vector<OcspSignerFailure> failures() const;

 private:
  struct Slot {
    std::mutex mutex;
    std::optional<OcspSigner> signer;
    Timestamp ca_not_after;
    // Set while renew_due makes this slot's next signer outside the mutex.
    bool renewing = false;
    std::condition_variable renewed;
    // The last attempt's failure, until an attempt succeeds; none is made before retry_at.
    std::optional<Error> failure;
    Timestamp failed_since;
    Timestamp retry_at;
  };
  struct LoadedSigner {
    OcspSigner signer;
    Timestamp ca_not_after;
  };

  Slot& slot(const std::string& authority_id);
  // Remembers and logs a failed attempt; the caller holds the slot's mutex.
  void note_failure(Slot& slot, const std::string& authority_id, Error error, Timestamp now);
  // Loads the stored signer, or issues a new one when it is due (or there is none).
  Result<LoadedSigner> load_or_issue(const std::string& authority_id, Timestamp now);
  Result<OcspSigner> issue(const store::AuthorityRecord& authority, const x509::Certificate& ca_certificate,
                           Timestamp now);
  // The key store, under keys_mutex_.
  Result<crypto::PrivateKey> load_key(const std::string& reference);
  Result<crypto::GeneratedKey> generate_key(const crypto::KeySpec& spec, const std::string& label);

  store::Store& store_;
  crypto::KeyStore& keys_;
  Clock clock_;
  OcspSignerOptions options_;

  mutable std::mutex slots_mutex_;
  std::map<std::string, std::unique_ptr<Slot>> slots_;
  std::mutex keys_mutex_;
};

// True when `signer` (issued under a CA certificate expiring at `ca_not_after`) should be replaced
// at `now`: it has expired, or less than a third of its lifetime remains and a new one would
// outlast it (a signer already capped by the CA's expiry is kept until it ends).
bool ocsp_signer_due_for_renewal(const x509::Certificate& signer, Timestamp ca_not_after, Timestamp now);

}  // namespace nimbus::revocation
