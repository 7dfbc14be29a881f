// Reading what AIA and CDP URLs return. Everything here parses untrusted input from the network:
// each function is bounded, total, and fuzzed (fuzz/fuzz_fetched_objects.cpp).
#pragma once

#include <vector>

#include "core/bytes.h"
#include "core/result.h"
#include "x509/certificate.h"
#include "x509/crl.h"

namespace nimbus::verify {

// The most certificates Nimbus takes from one caIssuers answer: a bundle is a CA's certificate
// and perhaps a few cross-certificates, never a trust store.
inline constexpr std::size_t kMaxIssuerBundleCertificates = 16;

// The certificates at a caIssuers URL: one DER certificate (RFC 5280 4.2.2.1), a PKCS#7
// certs-only bundle (DER or PEM), or a PEM bundle. kMalformed for anything else, and for more
// than kMaxIssuerBundleCertificates certificates.
Result<std::vector<x509::Certificate>> parse_issuer_certificates(ByteView body);

// The CRL at a CDP URL: DER (RFC 5280 4.2.1.13) or, leniently, PEM.
Result<x509::CertificateRevocationList> parse_fetched_crl(ByteView body);

// The value of the first attribute in libcurl's text rendering of an LDAP search result, which
// follows LDIF ("::" before a base64 value, ":" before a printable one):
//   DN: cn=Contoso Issuing CA,cn=CDP,...
//   \tcertificateRevocationList;binary:: <base64>
// which is how an ldap:// CDP or caIssuers URL answers. libcurl's lib/ldap.c backend writes a
// ";binary" attribute's base64 after a single colon instead; that is decoded too. kMalformed when
// no value is present or a base64 value does not decode.
Result<Bytes> decode_ldap_answer(ByteView body);

}  // namespace nimbus::verify
