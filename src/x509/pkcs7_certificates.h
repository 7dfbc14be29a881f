// PKCS#7 "certs-only" bundles (RFC 2315 SignedData with no signers): the form CA certificates are
// often published in at AIA caIssuers URLs (.p7c), the form SCEP's GetCACert answers with, and the
// degenerate SignedData a SCEP CertRep carries the issued certificate (or a CRL) in.
#pragma once

#include <vector>

#include "core/bytes.h"
#include "core/result.h"
#include "x509/certificate.h"

namespace nimbus::x509 {

// The certificates of a DER or PEM ("PKCS7") SignedData, in the order they are encoded. A bundle
// holding no certificates, another content type, or trailing bytes is kMalformed.
Result<std::vector<Certificate>> certificates_from_pkcs7(ByteView data);

// Every certificate and CRL (DER) of a DER or PEM SignedData, either possibly none: a CertRep's
// degenerate SignedData holds a certificate or a CRL.
struct Pkcs7Contents {
  std::vector<Certificate> certificates;
  std::vector<Bytes> crls;
};
Result<Pkcs7Contents> pkcs7_contents(ByteView data);

// The DER certs-only SignedData holding `certificates` in this order, and `crls` (DER), each
// possibly none.
Result<Bytes> certs_only_pkcs7(const std::vector<Certificate>& certificates, const std::vector<Bytes>& crls = {});

}  // namespace nimbus::x509
