#include "x509/extensions.h"

#include <fmt/format.h>

#include "crypto/digest.h"
#include "crypto/openssl_error.h"

namespace nimbus::x509 {

namespace {

Result<crypto::X509ExtensionPtr> encode(int nid, bool critical, void* value, std::string_view what) {
  crypto::X509ExtensionPtr extension(X509V3_EXT_i2d(nid, critical ? 1 : 0, value));
  if (!extension) {
    return crypto::openssl_error(ErrorCode::kCryptoError, fmt::format("encoding {} failed", what));
  }
  return extension;
}

Result<crypto::GeneralNamePtr> uri_name(const std::string& url) {
  crypto::Asn1Ia5StringPtr uri(ASN1_IA5STRING_new());
  crypto::GeneralNamePtr name(GENERAL_NAME_new());
  if (!uri || !name || ASN1_STRING_set(uri.get(), url.data(), static_cast<int>(url.size())) != 1) {
    return crypto::openssl_error(ErrorCode::kCryptoError, "encoding a URI failed");
  }
  GENERAL_NAME_set0_value(name.get(), GEN_URI, uri.release());
  return name;
}

Result<crypto::AccessDescriptionPtr> access_description(int method_nid, const std::string& url) {
  crypto::AccessDescriptionPtr description(ACCESS_DESCRIPTION_new());
  if (!description) return crypto::openssl_error(ErrorCode::kCryptoError, "out of memory");
  NIMBUS_ASSIGN_OR_RETURN(crypto::GeneralNamePtr location, uri_name(url));
  ASN1_OBJECT_free(description->method);
  description->method = OBJ_nid2obj(method_nid);
  GENERAL_NAME_free(description->location);
  description->location = location.release();
  return description;
}

}  // namespace

Result<crypto::X509ExtensionPtr> basic_constraints_extension(bool ca, std::optional<long> path_length) {
  crypto::BasicConstraintsPtr value(BASIC_CONSTRAINTS_new());
  value->ca = ca ? 0xff : 0;
  if (path_length) {
    value->pathlen = ASN1_INTEGER_new();
    ASN1_INTEGER_set(value->pathlen, *path_length);
  }
  // RFC 5280 4.2.1.9: MUST be critical in CA certificates.
  return encode(NID_basic_constraints, ca, value.get(), "basicConstraints");
}

Result<crypto::X509ExtensionPtr> key_usage_extension(const std::vector<KeyUsage>& usages) {
  crypto::Asn1BitStringPtr bits(ASN1_BIT_STRING_new());
  for (KeyUsage usage : usages) {
    ASN1_BIT_STRING_set_bit(bits.get(), static_cast<int>(usage), 1);
  }
  // RFC 5280 4.2.1.3: conforming CAs SHOULD mark it critical.
  return encode(NID_key_usage, true, bits.get(), "keyUsage");
}

Result<crypto::X509ExtensionPtr> key_usage_extension(std::initializer_list<KeyUsage> usages) {
  return key_usage_extension(std::vector<KeyUsage>(usages));
}

Bytes key_identifier(const crypto::PublicKey& key) {
  const unsigned char* bits = nullptr;
  int size = 0;
  const X509_PUBKEY* spki = key.spki();
  if (spki == nullptr || X509_PUBKEY_get0_param(nullptr, &bits, &size, nullptr, spki) != 1) return {};
  return crypto::sha1(ByteView(bits, static_cast<std::size_t>(size)));
}

Result<crypto::X509ExtensionPtr> subject_key_id_extension(ByteView key_id) {
  crypto::Asn1OctetStringPtr value(ASN1_OCTET_STRING_new());
  ASN1_OCTET_STRING_set(value.get(), key_id.data(), static_cast<int>(key_id.size()));
  return encode(NID_subject_key_identifier, false, value.get(), "subjectKeyIdentifier");
}

Result<crypto::X509ExtensionPtr> authority_key_id_extension(ByteView key_id) {
  crypto::AuthorityKeyIdPtr value(AUTHORITY_KEYID_new());
  value->keyid = ASN1_OCTET_STRING_new();
  ASN1_OCTET_STRING_set(value->keyid, key_id.data(), static_cast<int>(key_id.size()));
  return encode(NID_authority_key_identifier, false, value.get(), "authorityKeyIdentifier");
}

Result<crypto::X509ExtensionPtr> authority_info_access_extension(
    const std::vector<std::string>& ca_issuers, const std::vector<std::string>& ocsp) {
  crypto::AuthorityInfoAccessPtr info(sk_ACCESS_DESCRIPTION_new_null());
  auto add = [&](int method, const std::string& url) -> Status {
    NIMBUS_ASSIGN_OR_RETURN(crypto::AccessDescriptionPtr description, access_description(method, url));
    if (sk_ACCESS_DESCRIPTION_push(info.get(), description.get()) <= 0) {
      return crypto::openssl_error(ErrorCode::kCryptoError, "out of memory");
    }
    description.release();
    return ok_status();
  };
  for (const std::string& url : ocsp) NIMBUS_TRY(add(NID_ad_OCSP, url));
  for (const std::string& url : ca_issuers) NIMBUS_TRY(add(NID_ad_ca_issuers, url));
  return encode(NID_info_access, false, info.get(), "authorityInfoAccess");
}

Result<crypto::X509ExtensionPtr> crl_distribution_points_extension(const std::vector<std::string>& urls) {
  crypto::CrlDistPointsPtr points(sk_DIST_POINT_new_null());
  for (const std::string& url : urls) {
    crypto::DistPointPtr point(DIST_POINT_new());
    point->distpoint = DIST_POINT_NAME_new();
    point->distpoint->type = 0;  // fullName
    point->distpoint->name.fullname = GENERAL_NAMES_new();
    NIMBUS_ASSIGN_OR_RETURN(crypto::GeneralNamePtr name, uri_name(url));
    sk_GENERAL_NAME_push(point->distpoint->name.fullname, name.release());
    if (sk_DIST_POINT_push(points.get(), point.get()) <= 0) {
      return crypto::openssl_error(ErrorCode::kCryptoError, "out of memory");
    }
    point.release();
  }
  return encode(NID_crl_distribution_points, false, points.get(), "cRLDistributionPoints");
}

namespace {

constexpr const char* kUpnOid = "1.3.6.1.4.1.311.20.2.3";
constexpr const char* kSidExtensionOid = "1.3.6.1.4.1.311.25.2";
constexpr const char* kSidOtherNameOid = "1.3.6.1.4.1.311.25.2.1";

Result<crypto::Asn1ObjectPtr> oid(const char* dotted) {
  crypto::Asn1ObjectPtr object(OBJ_txt2obj(dotted, 1));
  if (!object) {
    return crypto::openssl_error(ErrorCode::kInvalidArgument, fmt::format("'{}' is not a dotted OID", dotted));
  }
  return object;
}

// An otherName general name: type-id `type`, value [0] EXPLICIT `value`.
Result<crypto::GeneralNamePtr> other_name(const char* type, int value_type, std::string_view value) {
  NIMBUS_ASSIGN_OR_RETURN(crypto::Asn1ObjectPtr type_id, oid(type));
  crypto::OpenSslPtr<ASN1_STRING, ASN1_STRING_free> string(ASN1_STRING_type_new(value_type));
  crypto::OpenSslPtr<ASN1_TYPE, ASN1_TYPE_free> any(ASN1_TYPE_new());
  crypto::GeneralNamePtr name(GENERAL_NAME_new());
  if (!string || !any || !name || ASN1_STRING_set(string.get(), value.data(), static_cast<int>(value.size())) != 1) {
    return crypto::openssl_error(ErrorCode::kCryptoError, "encoding an otherName failed");
  }
  ASN1_TYPE_set(any.get(), value_type, string.release());
  if (GENERAL_NAME_set0_othername(name.get(), type_id.get(), any.get()) != 1) {
    return crypto::openssl_error(ErrorCode::kCryptoError, "encoding an otherName failed");
  }
  type_id.release();
  any.release();
  return name;
}

Result<crypto::GeneralNamePtr> ia5_name(int type, const std::string& value) {
  crypto::Asn1Ia5StringPtr text(ASN1_IA5STRING_new());
  crypto::GeneralNamePtr name(GENERAL_NAME_new());
  if (!text || !name || ASN1_STRING_set(text.get(), value.data(), static_cast<int>(value.size())) != 1) {
    return crypto::openssl_error(ErrorCode::kCryptoError, "encoding a name failed");
  }
  GENERAL_NAME_set0_value(name.get(), type, text.release());
  return name;
}

// iPAddress (RFC 5280 4.2.1.6): the address's four or sixteen octets.
Result<crypto::GeneralNamePtr> ip_name(const std::string& literal) {
  crypto::Asn1OctetStringPtr octets(a2i_IPADDRESS(literal.c_str()));
  if (!octets) {
    return Error(ErrorCode::kInvalidArgument, fmt::format("'{}' is not an IPv4 or IPv6 address", literal));
  }
  crypto::GeneralNamePtr name(GENERAL_NAME_new());
  if (!name) return crypto::openssl_error(ErrorCode::kCryptoError, "encoding a name failed");
  GENERAL_NAME_set0_value(name.get(), GEN_IPADD, octets.release());
  return name;
}

Result<crypto::GeneralNamePtr> general_name(const AltName& alt) {
  switch (alt.type) {
    case AltNameType::kDns: return ia5_name(GEN_DNS, alt.value);
    case AltNameType::kEmail: return ia5_name(GEN_EMAIL, alt.value);
    case AltNameType::kUri: return ia5_name(GEN_URI, alt.value);
    case AltNameType::kUpn: return other_name(kUpnOid, V_ASN1_UTF8STRING, alt.value);
    case AltNameType::kIp: return ip_name(alt.value);
  }
  return Error(ErrorCode::kInternal, "unknown subject alternative name type");
}

}  // namespace

Result<crypto::X509ExtensionPtr> subject_alt_name_extension(const std::vector<AltName>& names, bool critical) {
  crypto::GeneralNamesPtr general_names(GENERAL_NAMES_new());
  for (const AltName& alt : names) {
    NIMBUS_ASSIGN_OR_RETURN(crypto::GeneralNamePtr name, general_name(alt));
    if (sk_GENERAL_NAME_push(general_names.get(), name.get()) <= 0) {
      return crypto::openssl_error(ErrorCode::kCryptoError, "out of memory");
    }
    name.release();
  }
  return encode(NID_subject_alt_name, critical, general_names.get(), "subjectAltName");
}

Result<crypto::X509ExtensionPtr> extended_key_usage_extension(const std::vector<std::string>& oids) {
  crypto::OpenSslPtr<EXTENDED_KEY_USAGE, EXTENDED_KEY_USAGE_free> usages(EXTENDED_KEY_USAGE_new());
  for (const std::string& dotted : oids) {
    NIMBUS_ASSIGN_OR_RETURN(crypto::Asn1ObjectPtr usage, oid(dotted.c_str()));
    if (sk_ASN1_OBJECT_push(usages.get(), usage.get()) <= 0) {
      return crypto::openssl_error(ErrorCode::kCryptoError, "out of memory");
    }
    usage.release();
  }
  return encode(NID_ext_key_usage, false, usages.get(), "extendedKeyUsage");
}

Result<crypto::X509ExtensionPtr> sid_security_extension(std::string_view sid) {
  crypto::GeneralNamesPtr names(GENERAL_NAMES_new());
  NIMBUS_ASSIGN_OR_RETURN(crypto::GeneralNamePtr name, other_name(kSidOtherNameOid, V_ASN1_OCTET_STRING, sid));
  sk_GENERAL_NAME_push(names.get(), name.release());
  unsigned char* der = nullptr;
  int size = i2d_GENERAL_NAMES(names.get(), &der);
  if (size <= 0) return crypto::openssl_error(ErrorCode::kCryptoError, "encoding the SID extension failed");
  crypto::Asn1OctetStringPtr value(ASN1_OCTET_STRING_new());
  ASN1_OCTET_STRING_set(value.get(), der, size);
  OPENSSL_free(der);
  NIMBUS_ASSIGN_OR_RETURN(crypto::Asn1ObjectPtr type, oid(kSidExtensionOid));
  crypto::X509ExtensionPtr extension(X509_EXTENSION_create_by_OBJ(nullptr, type.get(), 0, value.get()));
  if (!extension) return crypto::openssl_error(ErrorCode::kCryptoError, "encoding the SID extension failed");
  return extension;
}

Result<crypto::X509ExtensionPtr> ocsp_no_check_extension() {
  // Written by hand rather than through X509V3_EXT_i2d: OpenSSL's method for this extension has
  // encoded an empty extnValue in some versions, and RFC 6960 asks for the NULL.
  static constexpr unsigned char kNull[] = {0x05, 0x00};
  crypto::Asn1OctetStringPtr value(ASN1_OCTET_STRING_new());
  if (!value || ASN1_OCTET_STRING_set(value.get(), kNull, sizeof kNull) != 1) {
    return crypto::openssl_error(ErrorCode::kCryptoError, "encoding id-pkix-ocsp-nocheck failed");
  }
  crypto::X509ExtensionPtr extension(
      X509_EXTENSION_create_by_NID(nullptr, NID_id_pkix_OCSP_noCheck, 0, value.get()));
  if (!extension) return crypto::openssl_error(ErrorCode::kCryptoError, "encoding id-pkix-ocsp-nocheck failed");
  return extension;
}

Result<crypto::X509ExtensionPtr> crl_number_extension(std::uint64_t number) {
  crypto::Asn1IntegerPtr value(ASN1_INTEGER_new());
  ASN1_INTEGER_set_uint64(value.get(), number);
  return encode(NID_crl_number, false, value.get(), "cRLNumber");
}

}  // namespace nimbus::x509
