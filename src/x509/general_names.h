// Reading OpenSSL's GeneralNames and distribution point structures; for x509's own accessors
// (certificates' and requests' subject alternative names, CRL distribution points, CRLs' issuing
// distribution point and Freshest CRL).
#pragma once

#include <string>
#include <vector>

#include "crypto/handles.h"

namespace nimbus::x509 {

// The uniformResourceIdentifier entries of `names`, in order; other kinds of name are skipped.
std::vector<std::string> uri_names(const GENERAL_NAMES* names);

// Each name as "DNS:host", "email:a@b", "URI:scheme:...", "UPN:user@domain" (the Microsoft
// otherName 1.3.6.1.4.1.311.20.2.3), "othername:<OID>" for another otherName, or "other".
std::vector<std::string> alt_name_strings(const GENERAL_NAMES* names);

// The URIs of the fullName of each distribution point in `points` (RFC 5280 4.2.1.13); a point
// without a name or named relative to the CRL issuer contributes none. Null gives none.
std::vector<std::string> full_name_urls(const CRL_DIST_POINTS* points);

}  // namespace nimbus::x509
