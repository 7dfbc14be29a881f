// Reading the certificates out of a PKCS#7 "certs-only" bundle (RFC 2315 SignedData with no
// signers), the form CA certificates are often published in at AIA caIssuers URLs (.p7c) and the
// form SCEP's GetCACert answers with.
#pragma once

#include <vector>

#include "core/bytes.h"
#include "core/result.h"
#include "x509/certificate.h"

namespace nimbus::x509 {

// The certificates of a DER or PEM ("PKCS7") SignedData, in the order they are encoded. A bundle
// holding no certificates, another content type, or trailing bytes is kMalformed.
Result<std::vector<Certificate>> certificates_from_pkcs7(ByteView data);

}  // namespace nimbus::x509
