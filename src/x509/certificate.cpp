#include "x509/certificate.h"

#include <openssl/pem.h>

#include <fmt/format.h>

#include "crypto/bio.h"
#include "crypto/digest.h"
#include "crypto/object_identifier.h"
#include "crypto/openssl_error.h"
#include "x509/general_names.h"
#include "x509/single_object.h"

namespace nimbus::x509 {

namespace {

// The URIs of the full names in a CRLDistributionPoints-shaped extension (CDP or Freshest CRL).
std::vector<std::string> distribution_point_urls(X509* cert, int extension_nid) {
  crypto::CrlDistPointsPtr points(static_cast<CRL_DIST_POINTS*>(X509_get_ext_d2i(cert, extension_nid, nullptr, nullptr)));
  return full_name_urls(points.get());
}

std::vector<std::string> access_urls(X509* cert, int method_nid) {
  std::vector<std::string> urls;
  crypto::AuthorityInfoAccessPtr info(static_cast<AUTHORITY_INFO_ACCESS*>(
      X509_get_ext_d2i(cert, NID_info_access, nullptr, nullptr)));
  if (!info) return urls;
  for (int i = 0; i < sk_ACCESS_DESCRIPTION_num(info.get()); ++i) {
    ACCESS_DESCRIPTION* description = sk_ACCESS_DESCRIPTION_value(info.get(), i);
    if (OBJ_obj2nid(description->method) != method_nid) continue;
    if (description->location->type != GEN_URI) continue;
    const ASN1_IA5STRING* uri = description->location->d.uniformResourceIdentifier;
    urls.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(uri)),
                      static_cast<std::size_t>(ASN1_STRING_length(uri)));
  }
  return urls;
}

Bytes octets(const ASN1_OCTET_STRING* value) {
  if (value == nullptr) return {};
  const unsigned char* data = ASN1_STRING_get0_data(value);
  return Bytes(data, data + ASN1_STRING_length(value));
}

}  // namespace

Timestamp to_timestamp(const ASN1_TIME* time) {
  std::tm parts{};
  ASN1_TIME_to_tm(time, &parts);
  return Timestamp(std::chrono::seconds(timegm(&parts)));
}

Certificate Certificate::adopt(crypto::X509Ptr cert, std::optional<crypto::PublicKey> subject_key) {
  auto shared = std::make_shared<Shared>();
  shared->subject_key = std::move(subject_key);
  unsigned char* der = nullptr;
  int size = i2d_X509(cert.get(), &der);
  if (size > 0) {
    shared->der.assign(der, der + size);
    OPENSSL_free(der);
  }
  shared->cert = std::move(cert);
  return Certificate(std::move(shared));
}

Certificate Certificate::unsigned_certificate(crypto::X509Ptr cert, crypto::PublicKey subject_key) {
  auto shared = std::make_shared<Shared>();
  shared->subject_key = std::move(subject_key);
  shared->cert = std::move(cert);
  return Certificate(std::move(shared));
}

Result<Certificate> Certificate::from_der(ByteView der) {
  const unsigned char* cursor = der.data();
  crypto::X509Ptr cert(d2i_X509(nullptr, &cursor, static_cast<long>(der.size())));
  if (!cert) {
    return crypto::openssl_error(ErrorCode::kMalformed, "not a DER-encoded X.509 certificate");
  }
  if (cursor != der.data() + der.size()) {
    return Error(ErrorCode::kMalformed,
                 fmt::format("{} unexpected bytes follow the certificate",
                             der.data() + der.size() - cursor));
  }
  // Every check Nimbus makes looks at the key; a certificate whose key cannot be decoded is refused
  // here rather than met later as a null key.
  if (X509_get0_pubkey(cert.get()) == nullptr) {
    return crypto::openssl_error(ErrorCode::kMalformed, "the certificate's public key cannot be decoded");
  }
  // Likewise an extension that does not decode would otherwise read as absent, and a check would
  // report the wrong fault ("not a CA") for a damaged certificate.
  if (X509_get_extension_flags(cert.get()) & EXFLAG_INVALID) {
    crypto::clear_openssl_errors();
    return Error(ErrorCode::kMalformed, "the certificate has an extension that cannot be decoded");
  }
  return adopt(std::move(cert));
}

Result<Certificate> Certificate::parse(ByteView data) {
  if (!crypto::looks_like_pem(data)) {
    auto cert = from_der(data);
    if (!cert.ok()) {
      if (std::size_t count = count_der_objects<crypto::X509Ptr>(data, d2i_X509); count > 1) {
        return several_objects(count, "certificates");
      }
    }
    return cert;
  }
  NIMBUS_ASSIGN_OR_RETURN(std::vector<Certificate> all, parse_all(data));
  if (all.size() > 1) return several_objects(all.size(), "certificates");
  return std::move(all.front());
}

Result<std::vector<Certificate>> Certificate::parse_all(ByteView data) {
  std::vector<Certificate> certs;
  if (!crypto::looks_like_pem(data)) {
    NIMBUS_ASSIGN_OR_RETURN(Certificate cert, from_der(data));
    certs.push_back(std::move(cert));
    return certs;
  }
  NIMBUS_ASSIGN_OR_RETURN(std::vector<crypto::PemBlock> blocks, crypto::read_pem_blocks(data));
  for (const crypto::PemBlock& block : blocks) {
    if (block.name != "CERTIFICATE") continue;  // keys, CRLs etc. in a bundle are not ours to read
    auto cert = from_der(block.der);
    if (!cert.ok()) {
      return std::move(cert).error().with_context(fmt::format("PEM certificate {}", certs.size() + 1));
    }
    certs.push_back(std::move(cert).value());
  }
  if (certs.empty()) return Error(ErrorCode::kMalformed, "no PEM CERTIFICATE block found");
  return certs;
}

std::string Certificate::pem() const {
  crypto::BioPtr out = crypto::memory_writer();
  PEM_write_bio_X509(out.get(), get());
  return crypto::bio_text(out.get());
}

DistinguishedName Certificate::subject() const {
  return DistinguishedName::from_openssl(X509_get_subject_name(get()));
}

DistinguishedName Certificate::issuer() const {
  return DistinguishedName::from_openssl(X509_get_issuer_name(get()));
}

Bytes Certificate::serial() const {
  const ASN1_INTEGER* serial = X509_get0_serialNumber(get());
  const unsigned char* data = ASN1_STRING_get0_data(serial);
  return Bytes(data, data + ASN1_STRING_length(serial));
}

std::string Certificate::serial_hex() const { return to_hex(serial()); }

Timestamp Certificate::not_before() const { return to_timestamp(X509_get0_notBefore(get())); }
Timestamp Certificate::not_after() const { return to_timestamp(X509_get0_notAfter(get())); }

Bytes Certificate::sha1_thumbprint() const { return crypto::sha1(der()); }
Bytes Certificate::sha256_thumbprint() const { return crypto::sha256(der()); }

crypto::PublicKey Certificate::public_key() const {
  if (shared_->subject_key) return *shared_->subject_key;
  return crypto::PublicKey::from_received(X509_get_X509_PUBKEY(get()));
}

Result<Certificate> Certificate::with_decoded_key() const {
  if (X509_get0_pubkey(get()) != nullptr) return *this;
  crypto::clear_openssl_errors();
  if (der().empty()) return Error(ErrorCode::kInternal, "an unsigned certificate cannot be decoded");
  return from_der(der());
}

std::string Certificate::signature_algorithm() const {
  int nid = X509_get_signature_nid(get());
  const char* name = OBJ_nid2ln(nid);
  return name != nullptr ? name : "unknown";
}

bool Certificate::is_self_issued() const {
  return X509_NAME_cmp(X509_get_subject_name(get()), X509_get_issuer_name(get())) == 0;
}

std::optional<BasicConstraints> Certificate::basic_constraints() const {
  int critical = 0;
  crypto::BasicConstraintsPtr value(static_cast<BASIC_CONSTRAINTS*>(
      X509_get_ext_d2i(get(), NID_basic_constraints, &critical, nullptr)));
  if (!value) return std::nullopt;
  BasicConstraints out;
  out.ca = value->ca != 0;
  out.critical = critical == 1;
  if (value->pathlen != nullptr) out.path_length = ASN1_INTEGER_get(value->pathlen);
  return out;
}

// Extension accessors decode the extension itself rather than read OpenSSL's per-certificate cache:
// the cache is unreliable on a certificate that is assembled but not yet signed, which is exactly
// when the pre-issuance lint reads it.

bool Certificate::has_key_usage_extension() const {
  return X509_get_ext_by_NID(get(), NID_key_usage, -1) >= 0;
}

bool Certificate::has_key_usage(KeyUsage usage) const {
  crypto::Asn1BitStringPtr bits(
      static_cast<ASN1_BIT_STRING*>(X509_get_ext_d2i(get(), NID_key_usage, nullptr, nullptr)));
  return bits && ASN1_BIT_STRING_get_bit(bits.get(), static_cast<int>(usage)) == 1;
}

bool Certificate::key_usage_critical() const {
  int index = X509_get_ext_by_NID(get(), NID_key_usage, -1);
  return index >= 0 && X509_EXTENSION_get_critical(X509_get_ext(get(), index)) == 1;
}

Bytes Certificate::subject_key_id() const {
  crypto::Asn1OctetStringPtr key_id(
      static_cast<ASN1_OCTET_STRING*>(X509_get_ext_d2i(get(), NID_subject_key_identifier, nullptr, nullptr)));
  return octets(key_id.get());
}

Bytes Certificate::authority_key_id() const {
  crypto::AuthorityKeyIdPtr key_id(
      static_cast<AUTHORITY_KEYID*>(X509_get_ext_d2i(get(), NID_authority_key_identifier, nullptr, nullptr)));
  return key_id ? octets(key_id->keyid) : Bytes();
}

const Certificate::Locations& Certificate::locations() const {
  std::call_once(shared_->locations_decoded, [this] {
    Locations& found = shared_->locations;
    found.crl = distribution_point_urls(get(), NID_crl_distribution_points);
    found.freshest_crl = distribution_point_urls(get(), NID_freshest_crl);
    found.ca_issuers = access_urls(get(), NID_ad_ca_issuers);
    found.ocsp = access_urls(get(), NID_ad_OCSP);
    crypto::clear_openssl_errors();
  });
  return shared_->locations;
}

bool Certificate::is_signed_by(const crypto::PublicKey& issuer_key) const {
  int verified = X509_verify(get(), issuer_key.get());
  if (verified != 1) crypto::clear_openssl_errors();
  return verified == 1;
}

bool Certificate::operator==(const Certificate& other) const { return X509_cmp(get(), other.get()) == 0; }

long Certificate::version() const { return X509_get_version(get()) + 1; }

bool Certificate::serial_is_negative() const {
  return ASN1_STRING_type(X509_get0_serialNumber(get())) == V_ASN1_NEG_INTEGER;
}

bool Certificate::has_subject_alt_name_extension() const {
  return X509_get_ext_by_NID(get(), NID_subject_alt_name, -1) >= 0;
}

bool Certificate::subject_alt_name_critical() const {
  int index = X509_get_ext_by_NID(get(), NID_subject_alt_name, -1);
  return index >= 0 && X509_EXTENSION_get_critical(X509_get_ext(get(), index)) == 1;
}

std::size_t Certificate::extension_count() const {
  int count = X509_get_ext_count(get());
  return count > 0 ? static_cast<std::size_t>(count) : 0;
}

ExtensionView Certificate::extension(std::size_t index) const {
  return ExtensionView(X509_get_ext(get(), static_cast<int>(index)));
}

bool Certificate::is_ca() const { return (X509_get_extension_flags(get()) & EXFLAG_CA) != 0; }

bool Certificate::looks_self_signed() const { return (X509_get_extension_flags(get()) & EXFLAG_SS) != 0; }

ExtendedKeyUsageFlags Certificate::extended_key_usage_flags() const {
  if ((X509_get_extension_flags(get()) & EXFLAG_XKUSAGE) == 0) return {};
  std::uint32_t usages = X509_get_extended_key_usage(get());
  return {true, (usages & XKU_SSL_CLIENT) != 0, (usages & XKU_ANYEKU) != 0};
}

std::optional<Bytes> Certificate::cached_sha1_thumbprint() const {
  Bytes digest(EVP_MAX_MD_SIZE);
  unsigned int length = 0;
  if (X509_digest(get(), EVP_sha1(), digest.data(), &length) != 1) {
    crypto::clear_openssl_errors();
    return std::nullopt;
  }
  digest.resize(length);
  return digest;
}

std::vector<std::string> extended_key_usages(const Certificate& certificate) {
  std::vector<std::string> oids;
  crypto::ExtendedKeyUsagePtr usages(static_cast<EXTENDED_KEY_USAGE*>(
      X509_get_ext_d2i(certificate.get(), NID_ext_key_usage, nullptr, nullptr)));
  if (!usages) return oids;
  for (int i = 0; i < sk_ASN1_OBJECT_num(usages.get()); ++i) {
    oids.push_back(crypto::dotted_oid(sk_ASN1_OBJECT_value(usages.get(), i)));
  }
  return oids;
}

std::vector<std::string> subject_alt_names(const Certificate& certificate) {
  crypto::GeneralNamesPtr names(static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(certificate.get(), NID_subject_alt_name, nullptr, nullptr)));
  if (!names) return {};
  return alt_name_strings(names.get());
}

}  // namespace nimbus::x509
