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
#include <optional>
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

  // Changes that must commit together with a certificate, in its write (a one-time challenge
  // consumed, a SCEP transaction recorded): when they fail, nothing is issued. Given the record
  // of the certificate about to be stored. May run more than once (see Store::write).
  using RecordAlso = std::function<Status(store::StoreWriter&, const store::CertificateRecord&)>;

  // Issues the certificate for a pending enrollment. The request must verify and its key and
  // signature hash must be allowed by the profile; its subject and extensions are ignored.
  Result<x509::Certificate> issue(const std::string& enrollment_id, const x509::CertificateRequest& request,
                                  const RecordAlso& also = {});

  // Issues the certificate for `enrollment`, a pending enrollment made for this request and not
  // yet stored (one an MDM vouched for): it is stored in the certificate's own write, so that a
  // refusal leaves no enrollment behind. The checks are issue()'s.
  Result<x509::Certificate> issue_for_new_enrollment(const store::EnrollmentRecord& enrollment,
                                                     const x509::CertificateRequest& request,
                                                     const RecordAlso& also = {});

  // Renews `current`, a certificate this deployment issued for an enrollment: it must be the stored
  // certificate, valid now and not revoked, with no more than the profile's renewal threshold of
  // its validity left. The new certificate is for the request's key, with the enrollment's subject
  // and names under the profile as it is now; the old one is revoked (superseded) in the same
  // write when the profile says revoke_on_renewal, and otherwise stays valid until it expires.
  // Refusals are kFailedPrecondition (or kNotFound for a certificate the store does not know).
  Result<x509::Certificate> renew(const x509::Certificate& current, const x509::CertificateRequest& request,
                                  const RecordAlso& also = {});

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
    std::optional<store::CertificateRecord> renews;  // the certificate a renewal replaces
    bool unstored = false;                            // the record is written with the certificate
  };

  Result<Enrollment> pending_enrollment(const std::string& enrollment_id);
  Result<std::shared_ptr<const SigningAuthority>> signing_authority(const std::string& authority_id);
  Result<profile::Profile> parsed_profile(const store::ProfileRecord& record);
  Result<profile::Profile> current_profile(const std::string& profile_id, const std::string& enrollment_id);
  Result<Enrollment> renewable_enrollment(const x509::Certificate& current);
  Result<x509::Certificate> issue_for_request(const Enrollment& enrollment, const x509::CertificateRequest& request,
                                              const RecordAlso& also);
  Result<x509::Certificate> issue_for_key(const Enrollment& enrollment, const crypto::PublicKey& subject_key,
                                          const std::optional<x509::DistinguishedName>& requested_subject,
                                          const RecordAlso& also = {});

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
