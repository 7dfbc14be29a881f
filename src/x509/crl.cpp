#include "x509/crl.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/pem.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>

#include <fmt/format.h>

#include "crypto/bio.h"
#include "crypto/openssl_error.h"
#include "x509/certificate_builder.h"
#include "x509/extensions.h"

namespace nimbus::x509 {

CertificateRevocationList CertificateRevocationList::adopt(crypto::X509CrlPtr crl) {
  auto shared = std::make_shared<Shared>();
  unsigned char* der = nullptr;
  int size = i2d_X509_CRL(crl.get(), &der);
  if (size > 0) {
    shared->der.assign(der, der + size);
    OPENSSL_free(der);
  }
  shared->crl = std::move(crl);
  return CertificateRevocationList(std::move(shared));
}

Result<CertificateRevocationList> CertificateRevocationList::parse(ByteView data) {
  if (crypto::looks_like_pem(data)) {
    crypto::BioPtr in = crypto::memory_reader(data);
    crypto::X509CrlPtr crl(PEM_read_bio_X509_CRL(in.get(), nullptr, nullptr, nullptr));
    if (!crl) return crypto::openssl_error(ErrorCode::kMalformed, "not a PEM X509 CRL");
    return adopt(std::move(crl));
  }
  const unsigned char* cursor = data.data();
  crypto::X509CrlPtr crl(d2i_X509_CRL(nullptr, &cursor, static_cast<long>(data.size())));
  if (!crl) return crypto::openssl_error(ErrorCode::kMalformed, "not a DER-encoded X.509 CRL");
  if (cursor != data.data() + data.size()) {
    return Error(ErrorCode::kMalformed, "unexpected bytes follow the CRL");
  }
  return adopt(std::move(crl));
}

std::string CertificateRevocationList::pem() const {
  crypto::BioPtr out = crypto::memory_writer();
  PEM_write_bio_X509_CRL(out.get(), get());
  return crypto::bio_text(out.get());
}

DistinguishedName CertificateRevocationList::issuer() const {
  return DistinguishedName::from_openssl(X509_CRL_get_issuer(get()));
}

Timestamp CertificateRevocationList::this_update() const {
  return to_timestamp(X509_CRL_get0_lastUpdate(get()));
}

std::optional<Timestamp> CertificateRevocationList::next_update() const {
  const ASN1_TIME* next = X509_CRL_get0_nextUpdate(get());
  if (next == nullptr) return std::nullopt;
  return to_timestamp(next);
}

std::optional<std::uint64_t> CertificateRevocationList::number() const {
  crypto::Asn1IntegerPtr number(static_cast<ASN1_INTEGER*>(
      X509_CRL_get_ext_d2i(get(), NID_crl_number, nullptr, nullptr)));
  if (!number) return std::nullopt;
  std::uint64_t value = 0;
  if (ASN1_INTEGER_get_uint64(&value, number.get()) != 1) {
    crypto::clear_openssl_errors();
    return std::nullopt;
  }
  return value;
}

Bytes CertificateRevocationList::authority_key_id() const {
  crypto::AuthorityKeyIdPtr aki(static_cast<AUTHORITY_KEYID*>(
      X509_CRL_get_ext_d2i(get(), NID_authority_key_identifier, nullptr, nullptr)));
  if (!aki || aki->keyid == nullptr) return {};
  const unsigned char* data = ASN1_STRING_get0_data(aki->keyid);
  return Bytes(data, data + ASN1_STRING_length(aki->keyid));
}

std::size_t CertificateRevocationList::revoked_count() const {
  STACK_OF(X509_REVOKED)* revoked = X509_CRL_get_REVOKED(get());
  return revoked == nullptr ? 0 : static_cast<std::size_t>(sk_X509_REVOKED_num(revoked));
}

bool CertificateRevocationList::is_signed_by(const crypto::PublicKey& issuer_key) const {
  int verified = X509_CRL_verify(get(), issuer_key.get());
  if (verified != 1) crypto::clear_openssl_errors();
  return verified == 1;
}

namespace {

// A CRL is built as DER directly rather than as an X509_CRL: OpenSSL's object model costs a dozen
// allocations per entry and encodes nested templates repeatedly, which at a million entries is
// seconds and hundreds of megabytes (docs/performance.md, "CRL publication"). The fixed parts
// (issuer name, extensions, algorithm identifier) still come from OpenSSL; only the entries, the
// times and the envelopes are written here, and crl_test checks the result against OpenSSL's own
// re-encoding.

constexpr std::uint8_t kSequence = 0x30;
constexpr std::uint8_t kInteger = 0x02;
constexpr std::uint8_t kBitString = 0x03;
constexpr std::uint8_t kUtcTime = 0x17;
constexpr std::uint8_t kGeneralizedTime = 0x18;
constexpr std::uint8_t kContext0 = 0xa0;  // [0] EXPLICIT, constructed

// Short form below 0x80; otherwise one octet for the count, then the length big-endian.
std::size_t length_octets(std::size_t length) {
  if (length < 0x80) return 1;
  std::size_t count = 1;
  for (std::size_t rest = length; rest != 0; rest >>= 8) ++count;
  return count;
}

std::size_t tlv_size(std::size_t content) { return 1 + length_octets(content) + content; }

std::uint8_t* put_header(std::uint8_t* out, std::uint8_t tag, std::size_t length) {
  *out++ = tag;
  if (length < 0x80) {
    *out++ = static_cast<std::uint8_t>(length);
    return out;
  }
  std::size_t count = length_octets(length) - 1;
  *out++ = static_cast<std::uint8_t>(0x80 | count);
  for (std::size_t i = count; i-- > 0;) *out++ = static_cast<std::uint8_t>(length >> (8 * i));
  return out;
}

std::uint8_t* put_bytes(std::uint8_t* out, ByteView bytes) {
  if (!bytes.empty()) std::memcpy(out, bytes.data(), bytes.size());
  return out + bytes.size();
}

// ASN1_TIME_set's rule (RFC 5280 4.1.2.5): UTCTime for 1950 through 2049, GeneralizedTime otherwise.
constexpr std::size_t kUtcTimeSize = 2 + 13;
constexpr std::size_t kGeneralizedTimeSize = 2 + 15;

struct CivilTime {
  int year;
  unsigned month, day, hours, minutes, seconds;
};

Result<CivilTime> civil_time(Timestamp t) {
  auto day = std::chrono::floor<std::chrono::days>(t);
  std::chrono::year_month_day date(day);
  std::chrono::hh_mm_ss<std::chrono::seconds> time(t - day);
  int year = static_cast<int>(date.year());
  if (year < 0 || year > 9999) return Error(ErrorCode::kInvalidArgument, "time out of range for a CRL");
  return CivilTime{year,
                   static_cast<unsigned>(date.month()),
                   static_cast<unsigned>(date.day()),
                   static_cast<unsigned>(time.hours().count()),
                   static_cast<unsigned>(time.minutes().count()),
                   static_cast<unsigned>(time.seconds().count())};
}

bool is_utc_time(const CivilTime& t) { return t.year >= 1950 && t.year < 2050; }

std::size_t time_size(const CivilTime& t) { return is_utc_time(t) ? kUtcTimeSize : kGeneralizedTimeSize; }

std::uint8_t* put_two_digits(std::uint8_t* out, unsigned value) {
  *out++ = static_cast<std::uint8_t>('0' + value / 10);
  *out++ = static_cast<std::uint8_t>('0' + value % 10);
  return out;
}

std::uint8_t* put_time(std::uint8_t* out, const CivilTime& t) {
  unsigned year = static_cast<unsigned>(t.year);
  if (is_utc_time(t)) {
    *out++ = kUtcTime;
    *out++ = 13;
  } else {
    *out++ = kGeneralizedTime;
    *out++ = 15;
    out = put_two_digits(out, year / 100);
  }
  out = put_two_digits(out, year % 100);
  out = put_two_digits(out, t.month);
  out = put_two_digits(out, t.day);
  out = put_two_digits(out, t.hours);
  out = put_two_digits(out, t.minutes);
  out = put_two_digits(out, t.seconds);
  *out++ = 'Z';
  return out;
}

// crlEntryExtensions holding only a non-critical reasonCode (RFC 5280 5.3.1):
// SEQUENCE { SEQUENCE { OID 2.5.29.21, OCTET STRING { ENUMERATED reason } } }.
constexpr std::array<std::uint8_t, 13> kReasonCodePrefix = {0x30, 0x0c, 0x30, 0x0a, 0x06, 0x03, 0x55,
                                                            0x1d, 0x15, 0x04, 0x03, 0x0a, 0x01};
constexpr std::size_t kReasonCodeSize = kReasonCodePrefix.size() + 1;

// One entry, prepared for encoding. The serial is the magnitude of the stored unsigned value,
// without leading zero octets, as BN_to_ASN1_INTEGER would hold it: OpenSSL (X509_CRL_sort) and
// relying parties (binary search) expect entries in the order of that value.
struct PreparedEntry {
  const std::uint8_t* magnitude;
  std::uint32_t magnitude_size;
  std::uint32_t content_size;  // of the entry's SEQUENCE
  CivilTime revoked_at;
  std::uint8_t reason;  // 0: no reasonCode
};

// ASN1_STRING_cmp on the INTEGERs X509_CRL_sort compares: shorter magnitude first, then bytewise.
bool serial_less(const PreparedEntry& a, const PreparedEntry& b) {
  if (a.magnitude_size != b.magnitude_size) return a.magnitude_size < b.magnitude_size;
  return std::memcmp(a.magnitude, b.magnitude, a.magnitude_size) < 0;
}

std::size_t serial_content_size(const PreparedEntry& entry) {
  if (entry.magnitude_size == 0) return 1;  // zero is one 00 octet
  return entry.magnitude_size + ((entry.magnitude[0] & 0x80) != 0 ? 1 : 0);
}

std::uint8_t* put_serial(std::uint8_t* out, const PreparedEntry& entry) {
  out = put_header(out, kInteger, serial_content_size(entry));
  // A high first bit would make the INTEGER negative; DER then needs a leading zero octet.
  if (entry.magnitude_size == 0 || (entry.magnitude[0] & 0x80) != 0) *out++ = 0x00;
  return put_bytes(out, ByteView(entry.magnitude, entry.magnitude_size));
}

Result<PreparedEntry> prepare(const RevokedCertificate& entry) {
  const std::uint8_t* magnitude = entry.serial.data();
  std::size_t size = entry.serial.size();
  while (size > 0 && *magnitude == 0) {
    ++magnitude;
    --size;
  }
  auto reason = static_cast<unsigned>(entry.reason);
  if (size > 0xffff || reason > 0x7f) return Error(ErrorCode::kInvalidArgument, "CRL entry out of range");
  NIMBUS_ASSIGN_OR_RETURN(CivilTime revoked_at, civil_time(entry.revoked_at));
  PreparedEntry prepared{magnitude, static_cast<std::uint32_t>(size), 0, revoked_at, static_cast<std::uint8_t>(reason)};
  // RFC 5280 5.3.1: the reason code SHOULD be absent rather than "unspecified".
  std::size_t content = tlv_size(serial_content_size(prepared)) + time_size(revoked_at) +
                        (entry.reason != RevocationReason::kUnspecified ? kReasonCodeSize : 0);
  prepared.content_size = static_cast<std::uint32_t>(content);
  return prepared;
}

std::uint8_t* put_entry(std::uint8_t* out, const PreparedEntry& entry) {
  out = put_header(out, kSequence, entry.content_size);
  out = put_serial(out, entry);
  out = put_time(out, entry.revoked_at);
  if (entry.reason != 0) {
    out = put_bytes(out, ByteView(kReasonCodePrefix.data(), kReasonCodePrefix.size()));
    *out++ = entry.reason;
  }
  return out;
}

template <typename T>
Result<Bytes> der_of(const T* object, int (*encode)(const T*, unsigned char**), std::string_view what) {
  unsigned char* der = nullptr;
  int size = encode(object, &der);
  if (size <= 0) return crypto::openssl_error(ErrorCode::kCryptoError, fmt::format("encoding {} failed", what));
  crypto::OpenSslBufferPtr owned(der);
  return Bytes(der, der + size);
}

}  // namespace

Result<Bytes> sign_crl_der(const Certificate& issuer, const crypto::PrivateKey& key, const CrlContents& contents) {
  // The signature's AlgorithmIdentifier as the provider states it, exactly what X509_CRL_sign
  // would put in both the TBSCertList and the outer CertificateList.
  crypto::EvpMdCtxPtr signer(EVP_MD_CTX_new());
  EVP_PKEY_CTX* signer_key = nullptr;  // owned by `signer`
  if (!signer || EVP_DigestSignInit(signer.get(), &signer_key, crypto::evp_digest(key.preferred_digest()), nullptr,
                                    key.get()) != 1) {
    return crypto::openssl_error(ErrorCode::kCryptoError, "preparing to sign the CRL failed");
  }
  std::array<unsigned char, 128> algorithm_buffer{};
  OSSL_PARAM algorithm_param[] = {
      OSSL_PARAM_construct_octet_string(OSSL_SIGNATURE_PARAM_ALGORITHM_ID, algorithm_buffer.data(),
                                        algorithm_buffer.size()),
      OSSL_PARAM_construct_end()};
  if (EVP_PKEY_CTX_get_params(signer_key, algorithm_param) != 1 || !OSSL_PARAM_modified(&algorithm_param[0]) ||
      algorithm_param[0].return_size > algorithm_buffer.size()) {
    return crypto::openssl_error(ErrorCode::kCryptoError, "the key has no signature algorithm identifier");
  }
  ByteView algorithm(algorithm_buffer.data(), algorithm_param[0].return_size);

  NIMBUS_ASSIGN_OR_RETURN(Bytes issuer_name, der_of<X509_NAME>(X509_get_subject_name(issuer.get()), i2d_X509_NAME,
                                                               "the issuer name"));
  NIMBUS_ASSIGN_OR_RETURN(CivilTime this_update, civil_time(contents.this_update));
  NIMBUS_ASSIGN_OR_RETURN(CivilTime next_update, civil_time(contents.next_update));

  Bytes key_id = issuer.subject_key_id();
  if (key_id.empty()) key_id = key_identifier(issuer.public_key());
  NIMBUS_ASSIGN_OR_RETURN(crypto::X509ExtensionPtr aki, authority_key_id_extension(key_id));
  NIMBUS_ASSIGN_OR_RETURN(crypto::X509ExtensionPtr number, crl_number_extension(contents.number));
  NIMBUS_ASSIGN_OR_RETURN(Bytes aki_der, der_of<X509_EXTENSION>(aki.get(), i2d_X509_EXTENSION, "the AKI"));
  NIMBUS_ASSIGN_OR_RETURN(Bytes number_der, der_of<X509_EXTENSION>(number.get(), i2d_X509_EXTENSION, "the CRL number"));

  std::vector<PreparedEntry> entries;
  entries.reserve(contents.revoked.size());
  std::size_t revoked_content = 0;
  bool sorted = true;
  for (const RevokedCertificate& entry : contents.revoked) {
    NIMBUS_ASSIGN_OR_RETURN(PreparedEntry prepared, prepare(entry));
    if (!entries.empty() && serial_less(prepared, entries.back())) sorted = false;
    revoked_content += tlv_size(prepared.content_size);
    entries.push_back(prepared);
  }
  // Callers usually pass entries in order already (the store reads them by serial), so the check
  // above usually saves the sort; stable, so that equal serials keep the caller's order.
  if (!sorted) std::stable_sort(entries.begin(), entries.end(), serial_less);

  std::size_t extensions_content = tlv_size(aki_der.size() + number_der.size());
  std::size_t tbs_content = 3 + algorithm.size() + issuer_name.size() + time_size(this_update) +
                            time_size(next_update) + (entries.empty() ? 0 : tlv_size(revoked_content)) +
                            tlv_size(extensions_content);
  std::size_t tbs_size = tlv_size(tbs_content);

  // The TBSCertList is written after room for the outer SEQUENCE header, whose length is known only
  // once signed (ECDSA signatures vary in size); the unused part of that room is dropped at the end.
  constexpr std::size_t kOuterHeaderRoom = 1 + 1 + sizeof(std::size_t);
  Bytes der(kOuterHeaderRoom + tbs_size);
  std::uint8_t* out = der.data() + kOuterHeaderRoom;
  out = put_header(out, kSequence, tbs_content);
  const std::array<std::uint8_t, 3> version_2 = {kInteger, 0x01, 0x01};
  out = put_bytes(out, ByteView(version_2.data(), version_2.size()));
  out = put_bytes(out, algorithm);
  out = put_bytes(out, issuer_name);
  out = put_time(out, this_update);
  out = put_time(out, next_update);
  // An empty list is left out, as OpenSSL does: revokedCertificates is OPTIONAL.
  if (!entries.empty()) {
    out = put_header(out, kSequence, revoked_content);
    for (const PreparedEntry& entry : entries) out = put_entry(out, entry);
  }
  out = put_header(out, kContext0, extensions_content);
  out = put_header(out, kSequence, aki_der.size() + number_der.size());
  out = put_bytes(out, aki_der);
  out = put_bytes(out, number_der);
  if (out != der.data() + der.size()) return Error(ErrorCode::kInternal, "CRL size miscalculated");

  std::size_t signature_size = 0;
  const std::uint8_t* tbs = der.data() + kOuterHeaderRoom;
  if (EVP_DigestSign(signer.get(), nullptr, &signature_size, tbs, tbs_size) != 1) {
    return crypto::openssl_error(ErrorCode::kCryptoError, "signing the CRL failed");
  }
  Bytes signature(signature_size);
  if (EVP_DigestSign(signer.get(), signature.data(), &signature_size, tbs, tbs_size) != 1) {
    return crypto::openssl_error(ErrorCode::kCryptoError, "signing the CRL failed");
  }
  signature.resize(signature_size);

  std::size_t signature_value = tlv_size(1 + signature.size());
  std::size_t outer_content = tbs_size + algorithm.size() + signature_value;
  der.resize(der.size() + algorithm.size() + signature_value);
  out = der.data() + kOuterHeaderRoom + tbs_size;
  out = put_bytes(out, algorithm);
  out = put_header(out, kBitString, 1 + signature.size());
  *out++ = 0x00;  // no unused bits
  put_bytes(out, signature);

  std::size_t outer_header = tlv_size(outer_content) - outer_content;
  put_header(der.data() + kOuterHeaderRoom - outer_header, kSequence, outer_content);
  der.erase(der.begin(), der.begin() + static_cast<std::ptrdiff_t>(kOuterHeaderRoom - outer_header));
  return der;
}

Result<CertificateRevocationList> sign_crl(const Certificate& issuer, const crypto::PrivateKey& key,
                                           const CrlContents& contents) {
  NIMBUS_ASSIGN_OR_RETURN(Bytes der, sign_crl_der(issuer, key, contents));
  return CertificateRevocationList::parse(der);
}

}  // namespace nimbus::x509

