#include "x509/ocsp_cert_id.h"

#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include <algorithm>

#include "crypto/handles.h"
#include "crypto/openssl_error.h"
#include "x509/der_writer.h"

namespace nimbus::x509 {

namespace {

// The contents of each algorithm's OBJECT IDENTIFIER (id-sha1 1.3.14.3.2.26, id-sha256
// 2.16.840.1.101.3.4.2.1 and its siblings).
constexpr std::uint8_t kSha1Oid[] = {0x2b, 0x0e, 0x03, 0x02, 0x1a};
constexpr std::uint8_t kSha256Oid[] = {0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01};
constexpr std::uint8_t kSha384Oid[] = {0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02};
constexpr std::uint8_t kSha512Oid[] = {0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03};

struct KnownAlgorithm {
  OcspHashAlgorithm algorithm;
  ByteView oid;
  int nid;
  const EVP_MD* (*md)();
};

const KnownAlgorithm kAlgorithms[] = {
    {OcspHashAlgorithm::kSha1, ByteView(kSha1Oid), NID_sha1, EVP_sha1},
    {OcspHashAlgorithm::kSha256, ByteView(kSha256Oid), NID_sha256, EVP_sha256},
    {OcspHashAlgorithm::kSha384, ByteView(kSha384Oid), NID_sha384, EVP_sha384},
    {OcspHashAlgorithm::kSha512, ByteView(kSha512Oid), NID_sha512, EVP_sha512},
};

const KnownAlgorithm& known(OcspHashAlgorithm algorithm) { return kAlgorithms[static_cast<std::size_t>(algorithm)]; }

bool equal(ByteView a, ByteView b) { return std::ranges::equal(a, b); }

Result<Bytes> digest(OcspHashAlgorithm algorithm, ByteView data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(data.data(), data.size(), out, &size, known(algorithm).md(), nullptr) != 1) {
    return crypto::openssl_error(ErrorCode::kCryptoError, "hashing for an OCSP CertID failed");
  }
  return Bytes(out, out + size);
}

template <typename T>
Result<Bytes> encoded(const T* object, int (*encode)(const T*, unsigned char**), std::string_view what) {
  unsigned char* der = nullptr;
  int size = encode(object, &der);
  crypto::OpenSslBufferPtr owned(der);
  if (size <= 0) return crypto::openssl_error(ErrorCode::kCryptoError, std::string("encoding ") + std::string(what));
  return Bytes(der, der + size);
}

// RFC 6960 4.1.1: the hash is of the value of the BIT STRING subjectPublicKey, without its tag,
// length and unused-bits count.
ByteView public_key_bits(const Certificate& issuer) {
  const ASN1_BIT_STRING* key = X509_get0_pubkey_bitstr(issuer.get());
  if (key == nullptr) return {};
  return ByteView(ASN1_STRING_get0_data(key), static_cast<std::size_t>(ASN1_STRING_length(key)));
}

// A CertID from its parts; `serial` is the contents of the serialNumber INTEGER.
Result<OcspCertId> encode_cert_id(OcspHashAlgorithm algorithm, ByteView issuer_name_der, const Certificate& issuer,
                                  ByteView serial) {
  ByteView key = public_key_bits(issuer);
  if (issuer_name_der.empty() || key.empty()) {
    return crypto::openssl_error(ErrorCode::kCryptoError, "reading the issuer's name and key for a CertID failed");
  }
  NIMBUS_ASSIGN_OR_RETURN(Bytes name_hash, digest(algorithm, issuer_name_der));
  NIMBUS_ASSIGN_OR_RETURN(Bytes key_hash, digest(algorithm, key));
  // AlgorithmIdentifier with NULL parameters, as OpenSSL writes it.
  Bytes algorithm_id;
  der::append_element(algorithm_id, der::kObjectIdentifier, known(algorithm).oid);
  der::append_element(algorithm_id, der::kNull, {});
  Bytes contents;
  der::append_element(contents, der::kSequence, algorithm_id);
  der::append_element(contents, der::kOctetString, name_hash);
  der::append_element(contents, der::kOctetString, key_hash);
  der::append_element(contents, der::kInteger, serial);
  return OcspCertId::parse(der::element(der::kSequence, contents));
}

}  // namespace

Result<OcspCertId> OcspCertId::for_certificate(const Certificate& certificate, const Certificate& issuer,
                                               OcspHashAlgorithm algorithm) {
  NIMBUS_ASSIGN_OR_RETURN(Bytes issuer_name,
                          encoded<X509_NAME>(X509_get_issuer_name(certificate.get()), i2d_X509_NAME, "the issuer name"));
  NIMBUS_ASSIGN_OR_RETURN(Bytes serial, encoded<ASN1_INTEGER>(X509_get0_serialNumber(certificate.get()),
                                                              i2d_ASN1_INTEGER, "the serial number"));
  NIMBUS_ASSIGN_OR_RETURN(der::Reader serial_contents, der::Reader::message(serial, der::kInteger, "serialNumber"));
  return encode_cert_id(algorithm, issuer_name, issuer, serial_contents.remaining());
}

Result<OcspCertId> OcspCertId::for_serial(const Certificate& issuer, ByteView serial, OcspHashAlgorithm algorithm) {
  NIMBUS_ASSIGN_OR_RETURN(Bytes issuer_name,
                          encoded<X509_NAME>(X509_get_subject_name(issuer.get()), i2d_X509_NAME, "the issuer name"));
  return encode_cert_id(algorithm, issuer_name, issuer, der::unsigned_integer_contents(serial));
}

Result<OcspCertId> OcspCertId::parse(ByteView der) {
  NIMBUS_ASSIGN_OR_RETURN(der::Reader reader, der::Reader::message(der, der::kSequence, "CertID"));
  return from_contents(reader, der);
}

Result<OcspCertId> OcspCertId::read(der::Reader& reader, std::string_view field) {
  NIMBUS_ASSIGN_OR_RETURN(der::Element element, reader.read(der::kSequence, field));
  der::Reader contents = reader.open(element, field);
  return from_contents(contents, element.encoding);
}

Result<OcspCertId> OcspCertId::from_contents(der::Reader& reader, ByteView encoding) {
  NIMBUS_ASSIGN_OR_RETURN(der::AlgorithmIdentifier algorithm, reader.read_algorithm_identifier("hashAlgorithm"));
  NIMBUS_ASSIGN_OR_RETURN(ByteView name_hash, reader.read_octet_string("issuerNameHash"));
  NIMBUS_ASSIGN_OR_RETURN(ByteView key_hash, reader.read_octet_string("issuerKeyHash"));
  NIMBUS_ASSIGN_OR_RETURN(ByteView serial, reader.read_integer("serialNumber"));
  NIMBUS_TRY(reader.expect_end());

  OcspCertId id;
  id.der_.assign(encoding.begin(), encoding.end());
  auto span = [&](ByteView part) {
    return Span{static_cast<std::uint32_t>(part.data() - encoding.data()), static_cast<std::uint32_t>(part.size())};
  };
  id.algorithm_ = span(algorithm.oid);
  id.name_hash_ = span(name_hash);
  id.key_hash_ = span(key_hash);
  id.serial_ = span(serial);
  return id;
}

std::optional<OcspHashAlgorithm> OcspCertId::hash_algorithm() const {
  ByteView oid = field(algorithm_);
  for (const KnownAlgorithm& entry : kAlgorithms) {
    if (equal(entry.oid, oid)) return entry.algorithm;
  }
  return std::nullopt;
}

std::string OcspCertId::hash_algorithm_oid() const { return der::dotted_object_identifier(field(algorithm_)); }

int OcspCertId::hash_nid() const {
  if (std::optional<OcspHashAlgorithm> algorithm = hash_algorithm()) return known(*algorithm).nid;
  ByteView oid = field(algorithm_);
  crypto::Asn1ObjectPtr object(ASN1_OBJECT_create(NID_undef, const_cast<unsigned char*>(oid.data()),
                                                  static_cast<int>(oid.size()), nullptr, nullptr));
  return object ? OBJ_obj2nid(object.get()) : NID_undef;
}

Bytes OcspCertId::serial() const {
  ByteView value = serial_number();
  Bytes magnitude(value.begin(), value.end());
  if (negative_serial()) {
    // Two's complement negation: invert, add one.
    bool carry = true;
    for (std::size_t i = magnitude.size(); i-- > 0;) {
      magnitude[i] = static_cast<std::uint8_t>(~magnitude[i] + (carry ? 1 : 0));
      carry = carry && magnitude[i] == 0;
    }
  }
  std::size_t leading_zeros = 0;
  while (leading_zeros + 1 < magnitude.size() && magnitude[leading_zeros] == 0) ++leading_zeros;
  magnitude.erase(magnitude.begin(), magnitude.begin() + static_cast<std::ptrdiff_t>(leading_zeros));
  return magnitude;
}

bool OcspCertId::matches(const Certificate& certificate, const Certificate& issuer) const {
  std::optional<OcspHashAlgorithm> algorithm = hash_algorithm();
  if (!algorithm) return false;
  auto expected = for_certificate(certificate, issuer, *algorithm);
  if (!expected.ok()) {
    crypto::clear_openssl_errors();
    return false;
  }
  return *this == *expected;
}

bool OcspCertId::operator==(const OcspCertId& other) const {
  return equal(field(algorithm_), other.field(other.algorithm_)) && equal(issuer_name_hash(), other.issuer_name_hash()) &&
         equal(issuer_key_hash(), other.issuer_key_hash()) && equal(serial_number(), other.serial_number());
}

Result<OcspIssuer> OcspIssuer::from_certificate(const Certificate& issuer) {
  NIMBUS_ASSIGN_OR_RETURN(Bytes name,
                          encoded<X509_NAME>(X509_get_subject_name(issuer.get()), i2d_X509_NAME, "the issuer name"));
  ByteView key = public_key_bits(issuer);
  if (key.empty()) return Error(ErrorCode::kCryptoError, "the issuer certificate has no public key bits");
  OcspIssuer result;
  for (const KnownAlgorithm& entry : kAlgorithms) {
    Hashes& hashes = result.hashes_[static_cast<std::size_t>(entry.algorithm)];
    NIMBUS_ASSIGN_OR_RETURN(hashes.name, digest(entry.algorithm, name));
    NIMBUS_ASSIGN_OR_RETURN(hashes.key, digest(entry.algorithm, key));
  }
  return result;
}

bool OcspIssuer::issued(const OcspCertId& id) const {
  std::optional<OcspHashAlgorithm> algorithm = id.hash_algorithm();
  if (!algorithm) return false;
  const Hashes& hashes = hashes_[static_cast<std::size_t>(*algorithm)];
  return equal(hashes.name, id.issuer_name_hash()) && equal(hashes.key, id.issuer_key_hash());
}

}  // namespace nimbus::x509
