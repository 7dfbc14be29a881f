// Building the X.509 v3 extensions Nimbus puts in certificates, requests and CRLs.
//
// Each function encodes one extension exactly as RFC 5280 defines it, from typed values rather than
// OpenSSL's configuration strings, so that what is signed is what the code says.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
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

}  // namespace nimbus::x509
