// PKCS#12: a private key with its certificate and chain, for devices that import rather than
// generate their keys (the "PKCS" path of an MDM).
#pragma once

#include <string_view>
#include <vector>

#include "core/bytes.h"
#include "core/result.h"
#include "crypto/key.h"
#include "x509/certificate.h"

namespace nimbus::x509 {

// DER PKCS#12 with the key and certificates encrypted by PBES2 (PBKDF2-HMAC-SHA256, AES-256-CBC),
// never RC2 or 3DES, and an HMAC-SHA256 integrity MAC. Windows 10 1709+ and macOS import it.
// `password` must not be empty.
Result<Bytes> make_pkcs12(const crypto::PrivateKey& key, const Certificate& certificate,
                          const std::vector<Certificate>& chain, std::string_view password,
                          std::string_view friendly_name);

}  // namespace nimbus::x509
