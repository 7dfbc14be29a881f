// The issuance engine: end-entity certificates built from a profile and an enrollment record.
//
// What goes into a certificate — subject, alternative names, validity, key usage, extended key
// usage, strong-mapping extensions — comes from the profile and the enrollment's variables; a CSR
// contributes only its public key. The certificate is linted before it is signed, and recorded in
// the store, in the same transaction that marks the enrollment used, before it is returned.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "ca/authorities.h"
#include "ca/publication_urls.h"
#include "core/result.h"
#include "core/time.h"
#include "crypto/key.h"
#include "crypto/key_store.h"
#include "pki/issuing_rules.h"
#include "profile/profile.h"
#include "store/store.h"
#include "x509/certificate.h"
#include "x509/csr.h"

namespace nimbus::ca {

struct IssuanceOptions {
  // notBefore is set this far in the past, for devices whose clocks run slow.
  Duration backdate = pki::kClockSkewAllowance;
};

// A certificate with a private key Nimbus generated for a device that cannot make its own. The key
// exists only in this value; it is never stored.
struct GeneratedIdentity {
  x509::Certificate certificate;
  crypto::PrivateKey key;
};

// Thread-safe: issue() may run on several threads at once. CA keys and parsed profiles are loaded
// once and cached; the authority's status is read from the store on every issuance, so pausing a
// CA takes effect at once. The store and key store must outlive the Issuer.
class Issuer {
 public:
  using Clock = std::function<Timestamp()>;

  Issuer(store::Store& store, crypto::KeyStore& keys, PublicationUrls urls, std::string actor,
         IssuanceOptions options = {}, Clock clock = now_utc);

  // Issues the certificate for a pending enrollment. The request must verify and its key and
  // signature hash must be allowed by the profile; its subject and extensions are ignored.
  Result<x509::Certificate> issue(const std::string& enrollment_id, const x509::CertificateRequest& request);

  // Generates a key of `key` (which the profile must allow) and issues its certificate.
  Result<GeneratedIdentity> issue_with_generated_key(const std::string& enrollment_id, const crypto::KeySpec& key);

  // The issuing CA's certificate and its issuers up to the root, for a chain to hand out with a
  // certificate.
  Result<std::vector<x509::Certificate>> chain_of(const x509::Certificate& issued);

 private:
  struct SigningAuthority {
    std::string id;
    x509::Certificate certificate;
    crypto::PrivateKey key;
  };
  struct Enrollment {
    store::EnrollmentRecord record;
    profile::Profile profile;
  };

  Result<Enrollment> pending_enrollment(const std::string& enrollment_id);
  Result<std::shared_ptr<const SigningAuthority>> signing_authority(const std::string& authority_id);
  Result<profile::Profile> parsed_profile(const store::ProfileRecord& record);
  Result<x509::Certificate> issue_for_key(const Enrollment& enrollment, const crypto::PublicKey& subject_key,
                                          const std::optional<x509::DistinguishedName>& requested_subject);

  store::Store& store_;
  crypto::KeyStore& keys_;
  PublicationUrls urls_;
  std::string actor_;
  IssuanceOptions options_;
  Clock clock_;

  std::mutex mutex_;  // guards the caches and keys_
  std::map<std::string, std::shared_ptr<const SigningAuthority>> authorities_;
  std::map<std::string, std::pair<std::uint64_t, profile::Profile>> profiles_;
};

}  // namespace nimbus::ca
