// The rules for CA certificates Nimbus signs, in one place.
//
// Root: self-signed; basicConstraints CA:TRUE (critical); keyUsage keyCertSign+cRLSign (critical);
// SKI; no AIA, no CDP (a root is trusted by being in the trust store, not by a parent).
// Issuing CA: basicConstraints CA:TRUE pathlen:0 (critical); keyUsage keyCertSign+cRLSign
// (critical); SKI; AKI; AIA caIssuers {base}/aia/{parent}.crt; CDP {base}/cdp/{parent}.crl — so
// that a relying party (an NPS server above all) can always check the issuing CA's revocation.
#pragma once

#include <string>
#include <vector>

#include "ca/publication_urls.h"
#include "core/bytes.h"
#include "core/result.h"
#include "core/time.h"
#include "crypto/key.h"
#include "x509/certificate.h"
#include "x509/name.h"

namespace nimbus::ca {

struct CaCertificateFields {
  x509::DistinguishedName subject;
  Bytes serial;
  Timestamp not_before;
  Timestamp not_after;
};

// A self-signed root. It carries a CDP to its own CRL: relying parties that check revocation of
// the whole chain, anchor included (NPS unless NoRootRevocationCheck is set, OpenSSL with
// -crl_check_all), then find an answer instead of failing.
Result<x509::Certificate> sign_root_certificate(const CaCertificateFields& fields, const std::string& root_id,
                                                const crypto::PrivateKey& key, const PublicationUrls& urls);

struct IssuingParent {
  std::string id;
  x509::Certificate certificate;
  crypto::PrivateKey key;
};

Result<x509::Certificate> sign_issuing_certificate(const CaCertificateFields& fields,
                                                   const crypto::PublicKey& subject_key,
                                                   const IssuingParent& parent,
                                                   const PublicationUrls& urls);

// What a CA certificate from elsewhere must have before Nimbus will issue under it: CA:TRUE,
// keyCertSign when keyUsage is present, and at least one CRL distribution point URL. Each failed
// rule is one line of the returned error, with the reason it matters.
Status check_imported_ca_certificate(const x509::Certificate& certificate);

}  // namespace nimbus::ca
