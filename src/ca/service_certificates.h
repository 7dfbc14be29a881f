// Certificates Nimbus issues to its own services: the TLS server certificate a RADIUS server shows
// EAP-TLS clients (and, later, the API listener's), and the SCEP registration authority's, which
// SCEP clients encrypt their requests to and whose signature is on every CertRep. Not from a profile — no enrollment asks for
// them — but under the same rules as every end-entity certificate: AIA, OCSP and CDP of the
// issuing CA, linted before signing, recorded in the store with an audit event, revocable.
#pragma once

#include <string>
#include <vector>

#include "ca/publication_urls.h"
#include "core/result.h"
#include "core/time.h"
#include "crypto/key.h"
#include "crypto/key_store.h"
#include "store/store.h"
#include "x509/certificate.h"
#include "x509/name.h"

namespace nimbus::ca {

enum class ServiceRole {
  kTlsServer,  // serverAuth; digitalSignature, and keyEncipherment for an RSA key
  // A SCEP RA (RFC 8894 §2.1): an RSA key for digitalSignature and keyEncipherment. Its purposes
  // are emailProtection, because clients built on OpenSSL (certmonger) check the CertRep's signer
  // as a CMS (S/MIME) signer and refuse any certificate whose EKU lacks it, and the Certificate
  // Request Agent purpose (1.3.6.1.4.1.311.20.2.1) that Microsoft's NDES gives its RA.
  kScepRegistrationAuthority,
};

struct ServiceCertificateRequest {
  std::string authority_id;           // an active authority of the deployment
  x509::DistinguishedName subject;
  // subjectAltName entries: dNSName, or iPAddress for an IPv4 or IPv6 literal ("127.0.0.1")
  std::vector<std::string> dns_names;
  crypto::PublicKey key;
  Duration validity = std::chrono::hours(24 * 365);  // cut to the authority's own end
  std::string actor;                  // for the audit trail
  ServiceRole role = ServiceRole::kTlsServer;
};

// The certificate `request.role` needs (kInvalidArgument for an RA key that is not RSA).
Result<x509::Certificate> issue_service_certificate(store::Store& store, crypto::KeyStore& keys,
                                                    const PublicationUrls& urls,
                                                    const ServiceCertificateRequest& request);

// The authority that should sign a service's certificate: the first active issuing CA, else the
// first active root. kNotFound when the deployment has neither.
Result<store::AuthorityRecord> service_signing_authority(store::Store& store);

}  // namespace nimbus::ca
