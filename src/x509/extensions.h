// Building the X.509 v3 extensions Nimbus puts in certificates, requests and CRLs.
//
// Each function encodes one extension exactly as RFC 5280 defines it, from typed values rather than
// OpenSSL's configuration strings, so that what is signed is what the code says.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.h"
#include "core/result.h"
#include "crypto/handles.h"
#include "crypto/key.h"
#include "x509/certificate.h"

namespace nimbus::x509 {

Result<crypto::X509ExtensionPtr> basic_constraints_extension(bool ca, std::optional<long> path_length);

Result<crypto::X509ExtensionPtr> key_usage_extension(std::initializer_list<KeyUsage> usages);

// The RFC 5280 4.2.1.2 method (1) key identifier: SHA-1 of the subjectPublicKey BIT STRING.
Bytes key_identifier(const crypto::PublicKey& key);

Result<crypto::X509ExtensionPtr> subject_key_id_extension(ByteView key_id);

// keyIdentifier form only, as RFC 5280 4.2.1.1 recommends.
Result<crypto::X509ExtensionPtr> authority_key_id_extension(ByteView key_id);

// id-ad-caIssuers and id-ad-ocsp access descriptions with URI locations.
Result<crypto::X509ExtensionPtr> authority_info_access_extension(
    const std::vector<std::string>& ca_issuers, const std::vector<std::string>& ocsp);

// One DistributionPoint per URL, each a fullName URI, no reasons, no cRLIssuer.
Result<crypto::X509ExtensionPtr> crl_distribution_points_extension(const std::vector<std::string>& urls);

Result<crypto::X509ExtensionPtr> crl_number_extension(std::uint64_t number);

// The kinds of subject alternative name Nimbus writes.
enum class AltNameType { kDns, kEmail, kUri, kUpn, kIp };  // kIp: an IPv4 or IPv6 literal

struct AltName {
  AltNameType type = AltNameType::kDns;
  std::string value;
};

// subjectAltName. A UPN is an otherName of type 1.3.6.1.4.1.311.20.2.3 holding a UTF8String, as
// Windows expects; the others are dNSName, rfc822Name and uniformResourceIdentifier. Critical only
// when `critical` (RFC 5280 4.2.1.6: when the subject is empty).
Result<crypto::X509ExtensionPtr> subject_alt_name_extension(const std::vector<AltName>& names, bool critical);

// extendedKeyUsage from dotted OIDs; not critical.
Result<crypto::X509ExtensionPtr> extended_key_usage_extension(const std::vector<std::string>& oids);

// Microsoft's certificate security extension (szOID_NTDS_CA_SECURITY_EXT, 1.3.6.1.4.1.311.25.2),
// which strong certificate mapping on domain controllers and NPS reads: a GeneralNames with one
// otherName of type 1.3.6.1.4.1.311.25.2.1 whose value is the account SID as an OCTET STRING of
// its text ("S-1-5-21-...").
Result<crypto::X509ExtensionPtr> sid_security_extension(std::string_view sid);

// id-pkix-ocsp-nocheck (RFC 6960 4.2.2.2.1, OID 1.3.6.1.5.5.7.48.1.5): tells relying parties not to
// check the revocation of a delegated OCSP signing certificate. Its value is NULL; not critical.
Result<crypto::X509ExtensionPtr> ocsp_no_check_extension();

// Builds keyUsage from any list (the CA variant above takes a fixed set).
Result<crypto::X509ExtensionPtr> key_usage_extension(const std::vector<KeyUsage>& usages);

}  // namespace nimbus::x509
