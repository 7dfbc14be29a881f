#include "x509/extension_view.h"

#include <openssl/objects.h>

#include "crypto/object_identifier.h"

namespace nimbus::x509 {

namespace {

int nid_of(X509_EXTENSION* extension) { return OBJ_obj2nid(X509_EXTENSION_get_object(extension)); }

}  // namespace

ExtensionType ExtensionView::type() const {
  switch (nid_of(extension_)) {
    case NID_authority_key_identifier: return ExtensionType::kAuthorityKeyIdentifier;
    case NID_subject_alt_name: return ExtensionType::kSubjectAltName;
    case NID_crl_number: return ExtensionType::kCrlNumber;
    case NID_delta_crl: return ExtensionType::kDeltaCrlIndicator;
    case NID_issuing_distribution_point: return ExtensionType::kIssuingDistributionPoint;
    case NID_freshest_crl: return ExtensionType::kFreshestCrl;
    case NID_crl_reason: return ExtensionType::kReasonCode;
    case NID_invalidity_date: return ExtensionType::kInvalidityDate;
    case NID_hold_instruction_code: return ExtensionType::kHoldInstructionCode;
    case NID_certificate_issuer: return ExtensionType::kCertificateIssuer;
    default: return ExtensionType::kOther;
  }
}

bool ExtensionView::critical() const { return X509_EXTENSION_get_critical(extension_) == 1; }

std::string ExtensionView::oid() const { return crypto::dotted_oid(X509_EXTENSION_get_object(extension_)); }

std::string_view ExtensionView::short_name() const {
  int nid = nid_of(extension_);
  if (nid == NID_undef) return {};
  const char* name = OBJ_nid2sn(nid);
  return name != nullptr ? std::string_view(name) : std::string_view();
}

}  // namespace nimbus::x509
