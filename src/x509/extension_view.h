// ExtensionView: one extension of a certificate, a CRL or a CRL entry, read in place.
#pragma once

#include <string>
#include <string_view>

#include "crypto/handles.h"

namespace nimbus::x509 {

// The extension types Nimbus tells apart when it reads certificates and CRLs (RFC 5280 4.2, 5.2,
// 5.3); every other type is kOther. An enum rather than text so that a loop over a million CRL
// entries compares without formatting an OID.
enum class ExtensionType {
  kOther,
  kAuthorityKeyIdentifier,
  kSubjectAltName,
  kCrlNumber,
  kDeltaCrlIndicator,
  kIssuingDistributionPoint,
  kFreshestCrl,
  kReasonCode,
  kInvalidityDate,
  kHoldInstructionCode,
  kCertificateIssuer,
};

// Borrows the extension from the certificate or CRL it came from, which must outlive the view.
// Cheap to copy; reading it from several threads is safe.
class ExtensionView {
 public:
  explicit ExtensionView(X509_EXTENSION* extension) : extension_(extension) {}

  ExtensionType type() const;
  bool critical() const;
  std::string oid() const;  // dotted, "1.2.3.4"
  // OpenSSL's short name for the type ("basicConstraints"); "" for a type OpenSSL does not know.
  std::string_view short_name() const;

 private:
  X509_EXTENSION* extension_;  // not const only because OpenSSL 3.0's getters take it so
};

}  // namespace nimbus::x509
