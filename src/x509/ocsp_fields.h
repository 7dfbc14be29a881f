// What OCSP requests and responses share: extensions (RFC 6960 4.4), the nonce (RFC 9654), and
// the version field.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.h"
#include "core/result.h"
#include "x509/der_reader.h"

namespace nimbus::x509 {

// id-pkix-ocsp-nonce.
inline constexpr std::string_view kOcspNonceOid = "1.3.6.1.5.5.7.48.1.2";
// RFC 9654 (which obsoletes RFC 8954 and its 32-octet limit): a nonce is 1 to 128 octets.
inline constexpr std::size_t kMaxOcspNonceLength = 128;

// One Extension, as received or to be sent.
struct OcspExtension {
  std::string oid;  // dotted
  bool critical = false;
  Bytes value;  // the contents of extnValue

  bool is_nonce() const { return oid == kOcspNonceOid; }
  bool operator==(const OcspExtension&) const = default;
};

// The nonce a nonce extension carries. RFC 9654 2.1: extnValue holds the DER of an OCTET STRING
// holding the nonce. Clients written to RFC 2560 sometimes put the bare nonce there instead; such
// a value is taken as the nonce itself.
Bytes ocsp_nonce_value(const OcspExtension& nonce);

// The nonce extension for `nonce`, as RFC 9654 writes it (not critical).
OcspExtension ocsp_nonce_extension(ByteView nonce);

// Reads `[tag] EXPLICIT Extensions OPTIONAL` (SEQUENCE OF Extension) as `field`: none when the
// next element is not tagged `tag`. DER: a critical FALSE is not written out, but such an
// extension is accepted, as OpenSSL accepts it; an empty SEQUENCE (which OpenSSL writes for an
// emptied list) is accepted too.
Result<std::vector<OcspExtension>> read_optional_ocsp_extensions(der::Reader& reader, std::uint8_t tag,
                                                                 std::string_view field);

// Reads `version [0] EXPLICIT Version DEFAULT v1` when present: only v1 (0) is defined, and
// accepted even though DER leaves a DEFAULT value out.
Status read_ocsp_version(der::Reader& reader);

// Appends the DER of `extensions` as an Extensions SEQUENCE; kInvalidArgument for an OID that is
// not dotted decimal.
Status append_ocsp_extensions(Bytes& out, const std::vector<OcspExtension>& extensions);

}  // namespace nimbus::x509
