// The key purposes (extended key usages, RFC 5280 4.2.1.12) that Nimbus checks by value, as
// dotted OIDs: the text form x509::extended_key_usages() returns and profiles store. Every
// comparison with one of these purposes uses the constant here.
#pragma once

#include <string_view>

namespace nimbus::x509 {

// id-kp-clientAuth: TLS client authentication, what EAP-TLS (RADIUS, 802.1X, VPN) checks.
inline constexpr std::string_view kClientAuthOid = "1.3.6.1.5.5.7.3.2";

// id-kp-serverAuth: TLS server authentication.
inline constexpr std::string_view kServerAuthOid = "1.3.6.1.5.5.7.3.1";

// anyExtendedKeyUsage (RFC 5280 4.2.1.12): any purpose at all.
inline constexpr std::string_view kAnyExtendedKeyUsageOid = "2.5.29.37.0";

}  // namespace nimbus::x509
