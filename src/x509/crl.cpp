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
#include "x509/general_names.h"
#include "x509/single_object.h"

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
  Bytes der_storage;
  ByteView der = data;
  if (crypto::looks_like_pem(data)) {
    NIMBUS_ASSIGN_OR_RETURN(std::vector<crypto::PemBlock> blocks, crypto::read_pem_blocks(data));
    std::size_t crls = 0;
    for (crypto::PemBlock& block : blocks) {
      if (block.name != "X509 CRL") continue;  // certificates beside a CRL are not ours to read
      if (crls++ == 0) der_storage = std::move(block.der);
    }
    if (crls == 0) return Error(ErrorCode::kMalformed, "no PEM X509 CRL block found");
    if (crls > 1) return several_objects(crls, "CRLs");
    der = der_storage;
  }
  const unsigned char* cursor = der.data();
  crypto::X509CrlPtr crl(d2i_X509_CRL(nullptr, &cursor, static_cast<long>(der.size())));
  if (!crl) return crypto::openssl_error(ErrorCode::kMalformed, "not a DER-encoded X.509 CRL");
  if (cursor != der.data() + der.size()) {
    ByteView rest = der.subspan(static_cast<std::size_t>(cursor - der.data()));
    if (std::size_t more = count_der_objects<crypto::X509CrlPtr>(rest, d2i_X509_CRL); more > 0) {
      return several_objects(1 + more, "CRLs");
    }
    return Error(ErrorCode::kMalformed, fmt::format("{} unexpected bytes follow the CRL", rest.size()));
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

namespace {

// An INTEGER extension of `crl` (CRL Number, Delta CRL Indicator) that fits 64 bits.
std::optional<std::uint64_t> integer_extension(X509_CRL* crl, int nid) {
  crypto::Asn1IntegerPtr number(static_cast<ASN1_INTEGER*>(X509_CRL_get_ext_d2i(crl, nid, nullptr, nullptr)));
  std::uint64_t value = 0;
  if (!number || ASN1_INTEGER_get_uint64(&value, number.get()) != 1) {
    crypto::clear_openssl_errors();
    return std::nullopt;
  }
  return value;
}

}  // namespace

std::optional<std::uint64_t> CertificateRevocationList::number() const { return integer_extension(get(), NID_crl_number); }

std::optional<std::uint64_t> CertificateRevocationList::delta_base_number() const {
  return integer_extension(get(), NID_delta_crl);
}

bool CertificateRevocationList::has_delta_crl_indicator() const {
  return X509_CRL_get_ext_by_NID(get(), NID_delta_crl, -1) >= 0;
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

bool CertificateRevocationList::issuer_matches(const Certificate& ca) const {
  return X509_NAME_cmp(X509_CRL_get_issuer(get()), X509_get_subject_name(ca.get())) == 0;
}

Result<std::optional<IssuingDistributionPoint>> CertificateRevocationList::issuing_distribution_point() const {
  int critical = -1;  // stays -1 only when the extension is absent
  crypto::IssuingDistPointPtr point(static_cast<ISSUING_DIST_POINT*>(
      X509_CRL_get_ext_d2i(get(), NID_issuing_distribution_point, &critical, nullptr)));
  if (!point) {
    if (critical == -1) return std::optional<IssuingDistributionPoint>();
    crypto::clear_openssl_errors();
    return Error(ErrorCode::kMalformed, "the CRL's issuing distribution point extension does not decode, or is repeated");
  }
  IssuingDistributionPoint out;
  if (point->distpoint != nullptr && point->distpoint->type == 0) out.urls = uri_names(point->distpoint->name.fullname);
  out.only_user_certificates = point->onlyuser != 0;
  out.only_ca_certificates = point->onlyCA != 0;
  out.only_some_reasons = point->onlysomereasons != nullptr;
  out.indirect_crl = point->indirectCRL != 0;
  out.only_attribute_certificates = point->onlyattr != 0;
  return std::optional<IssuingDistributionPoint>(std::move(out));
}

std::vector<std::string> CertificateRevocationList::freshest_crl_urls() const {
  crypto::CrlDistPointsPtr points(
      static_cast<CRL_DIST_POINTS*>(X509_CRL_get_ext_d2i(get(), NID_freshest_crl, nullptr, nullptr)));
  crypto::clear_openssl_errors();
  return full_name_urls(points.get());
}

std::size_t CertificateRevocationList::extension_count() const {
  int count = X509_CRL_get_ext_count(get());
  return count > 0 ? static_cast<std::size_t>(count) : 0;
}

ExtensionView CertificateRevocationList::extension(std::size_t index) const {
  return ExtensionView(X509_CRL_get_ext(get(), static_cast<int>(index)));
}

CrlEntryView CertificateRevocationList::entry(std::size_t index) const {
  return CrlEntryView(sk_X509_REVOKED_value(X509_CRL_get_REVOKED(get()), static_cast<int>(index)));
}

ByteView CrlEntryView::serial() const {
  const ASN1_INTEGER* serial = X509_REVOKED_get0_serialNumber(entry_);
  return ByteView(ASN1_STRING_get0_data(serial), static_cast<std::size_t>(ASN1_STRING_length(serial)));
}

Timestamp CrlEntryView::revoked_at() const { return to_timestamp(X509_REVOKED_get0_revocationDate(entry_)); }

std::optional<std::int64_t> CrlEntryView::reason_code() const {
  int critical = -1;  // stays -1 only when the extension is absent
  crypto::Asn1EnumeratedPtr reason(
      static_cast<ASN1_ENUMERATED*>(X509_REVOKED_get_ext_d2i(entry_, NID_crl_reason, &critical, nullptr)));
  std::int64_t value = 0;
  if (!reason || ASN1_ENUMERATED_get_int64(&value, reason.get()) != 1) {
    // Most entries have no reason (or a good one): the error queue is touched only when one is bad.
    if (critical != -1) crypto::clear_openssl_errors();
    return std::nullopt;
  }
  return value;
}

std::size_t CrlEntryView::extension_count() const {
  int count = sk_X509_EXTENSION_num(X509_REVOKED_get0_extensions(entry_));
  return count > 0 ? static_cast<std::size_t>(count) : 0;
}

ExtensionView CrlEntryView::extension(std::size_t index) const {
  return ExtensionView(sk_X509_EXTENSION_value(X509_REVOKED_get0_extensions(entry_), static_cast<int>(index)));
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

// Entries hold the magnitude of the stored unsigned value, without leading zero octets, as
// BN_to_ASN1_INTEGER would: OpenSSL (X509_CRL_sort) and relying parties (binary search) expect
// entries in the order of that value.
using Entry = CrlEntries::Entry;

// ASN1_STRING_cmp on the INTEGERs X509_CRL_sort compares: shorter magnitude first, then bytewise.
bool serial_less(const Entry& a, const Entry& b) {
  if (a.magnitude_size != b.magnitude_size) return a.magnitude_size < b.magnitude_size;
  return std::memcmp(a.magnitude.data(), b.magnitude.data(), a.magnitude_size) < 0;
}

std::size_t serial_content_size(const Entry& entry) {
  if (entry.magnitude_size == 0) return 1;  // zero is one 00 octet
  return entry.magnitude_size + ((entry.magnitude[0] & 0x80) != 0 ? 1 : 0);
}

std::uint8_t* put_serial(std::uint8_t* out, const Entry& entry) {
  out = put_header(out, kInteger, serial_content_size(entry));
  // A high first bit would make the INTEGER negative; DER then needs a leading zero octet.
  if (entry.magnitude_size == 0 || (entry.magnitude[0] & 0x80) != 0) *out++ = 0x00;
  return put_bytes(out, ByteView(entry.magnitude.data(), entry.magnitude_size));
}

CivilTime revocation_time(const Entry& entry) {
  return {entry.year, entry.month, entry.day, entry.hours, entry.minutes, entry.seconds};
}

// The content of the entry's SEQUENCE. RFC 5280 5.3.1: the reason code SHOULD be absent rather
// than "unspecified", which add() records as reason 0.
std::size_t entry_content_size(const Entry& entry) {
  return tlv_size(serial_content_size(entry)) + time_size(revocation_time(entry)) +
         (entry.reason != 0 ? kReasonCodeSize : 0);
}

std::uint8_t* put_entry(std::uint8_t* out, const Entry& entry) {
  out = put_header(out, kSequence, entry_content_size(entry));
  out = put_serial(out, entry);
  out = put_time(out, revocation_time(entry));
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

Status CrlEntries::add(ByteView serial, Timestamp revoked_at, RevocationReason reason) {
  std::size_t leading_zeros = 0;
  while (leading_zeros < serial.size() && serial[leading_zeros] == 0) ++leading_zeros;
  ByteView magnitude = serial.subspan(leading_zeros);
  if (magnitude.size() > kMaxSerialOctets) {
    return Error(ErrorCode::kInvalidArgument,
                 fmt::format("a CRL entry's serial number has {} octets; RFC 5280 allows at most {}", magnitude.size(),
                             kMaxSerialOctets));
  }
  auto code = static_cast<unsigned>(reason);
  // 7 is unassigned and 8 (removeFromCRL) belongs to delta CRLs only (RFC 5280 5.3.1).
  if (code == 7 || code == 8 || code > static_cast<unsigned>(RevocationReason::kAaCompromise)) {
    return Error(ErrorCode::kInvalidArgument, fmt::format("CRL reason code {} is not allowed in a CRL entry", code));
  }
  NIMBUS_ASSIGN_OR_RETURN(CivilTime when, civil_time(revoked_at));
  Entry entry{};
  std::copy(magnitude.begin(), magnitude.end(), entry.magnitude.begin());
  entry.magnitude_size = static_cast<std::uint8_t>(magnitude.size());
  entry.reason = reason == RevocationReason::kUnspecified ? 0 : static_cast<std::uint8_t>(code);
  entry.year = static_cast<std::uint16_t>(when.year);
  entry.month = static_cast<std::uint8_t>(when.month);
  entry.day = static_cast<std::uint8_t>(when.day);
  entry.hours = static_cast<std::uint8_t>(when.hours);
  entry.minutes = static_cast<std::uint8_t>(when.minutes);
  entry.seconds = static_cast<std::uint8_t>(when.seconds);
  if (!entries_.empty() && serial_less(entry, entries_.back())) sorted_ = false;
  encoded_size_ += tlv_size(entry_content_size(entry));
  entries_.push_back(entry);
  return ok_status();
}

Result<Bytes> sign_crl_der(const Certificate& issuer, const crypto::PrivateKey& key, const CrlContents& contents) {
  CrlEntries entries;
  entries.reserve(contents.revoked.size());
  for (const RevokedCertificate& revoked : contents.revoked) {
    NIMBUS_TRY(entries.add(revoked.serial, revoked.revoked_at, revoked.reason));
  }
  return sign_crl_der(issuer, key, contents, std::move(entries));
}

Result<Bytes> sign_crl_der(const Certificate& issuer, const crypto::PrivateKey& key, const CrlHeader& header,
                           CrlEntries entries) {
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
  int max_signature = EVP_PKEY_get_size(key.get());
  if (max_signature <= 0) return crypto::openssl_error(ErrorCode::kCryptoError, "the key has no signature size");

  NIMBUS_ASSIGN_OR_RETURN(Bytes issuer_name, der_of<X509_NAME>(X509_get_subject_name(issuer.get()), i2d_X509_NAME,
                                                               "the issuer name"));
  NIMBUS_ASSIGN_OR_RETURN(CivilTime this_update, civil_time(header.this_update));
  NIMBUS_ASSIGN_OR_RETURN(CivilTime next_update, civil_time(header.next_update));

  Bytes key_id = issuer.subject_key_id();
  if (key_id.empty()) key_id = key_identifier(issuer.public_key());
  NIMBUS_ASSIGN_OR_RETURN(crypto::X509ExtensionPtr aki, authority_key_id_extension(key_id));
  NIMBUS_ASSIGN_OR_RETURN(crypto::X509ExtensionPtr number, crl_number_extension(header.number));
  NIMBUS_ASSIGN_OR_RETURN(Bytes aki_der, der_of<X509_EXTENSION>(aki.get(), i2d_X509_EXTENSION, "the AKI"));
  NIMBUS_ASSIGN_OR_RETURN(Bytes number_der, der_of<X509_EXTENSION>(number.get(), i2d_X509_EXTENSION, "the CRL number"));

  std::vector<Entry>& list = entries.entries_;
  // Publishers usually add entries in order already (the store reads them by serial), which saves
  // the sort; stable, so that equal serials keep the caller's order.
  if (!entries.sorted_) std::stable_sort(list.begin(), list.end(), serial_less);
  std::size_t revoked_content = entries.encoded_size_;

  std::size_t extensions_content = tlv_size(aki_der.size() + number_der.size());
  std::size_t tbs_content = 3 + algorithm.size() + issuer_name.size() + time_size(this_update) +
                            time_size(next_update) + (list.empty() ? 0 : tlv_size(revoked_content)) +
                            tlv_size(extensions_content);
  std::size_t tbs_size = tlv_size(tbs_content);

  // The whole CRL is written in one buffer, allocated once: a million entries make ~50 MB, and
  // every extra copy or reallocation of that shows in the publication time. The outer SEQUENCE's
  // header is sized for the longest signature the key can make; an ECDSA signature a few octets
  // shorter changes the length of that header only at a length boundary, when the buffer's front
  // is trimmed.
  auto signature_value_size = [](std::size_t signature) { return tlv_size(1 + signature); };
  std::size_t max_outer_content = tbs_size + algorithm.size() + signature_value_size(static_cast<std::size_t>(max_signature));
  std::size_t header_room = tlv_size(max_outer_content) - max_outer_content;
  Bytes der;
  der.reserve(header_room + max_outer_content);
  der.resize(header_room + tbs_size);
  std::uint8_t* tbs = der.data() + header_room;
  std::uint8_t* out = put_header(tbs, kSequence, tbs_content);
  const std::array<std::uint8_t, 3> version_2 = {kInteger, 0x01, 0x01};
  out = put_bytes(out, ByteView(version_2.data(), version_2.size()));
  out = put_bytes(out, algorithm);
  out = put_bytes(out, issuer_name);
  out = put_time(out, this_update);
  out = put_time(out, next_update);
  // An empty list is left out, as OpenSSL does: revokedCertificates is OPTIONAL.
  if (!list.empty()) {
    out = put_header(out, kSequence, revoked_content);
    for (const Entry& entry : list) out = put_entry(out, entry);
  }
  out = put_header(out, kContext0, extensions_content);
  out = put_header(out, kSequence, aki_der.size() + number_der.size());
  out = put_bytes(out, aki_der);
  out = put_bytes(out, number_der);
  if (out != der.data() + der.size()) return Error(ErrorCode::kInternal, "CRL size miscalculated");

  std::size_t signature_size = static_cast<std::size_t>(max_signature);
  Bytes signature(signature_size);
  if (EVP_DigestSign(signer.get(), signature.data(), &signature_size, tbs, tbs_size) != 1) {
    return crypto::openssl_error(ErrorCode::kCryptoError, "signing the CRL failed");
  }
  signature.resize(signature_size);

  std::size_t outer_content = tbs_size + algorithm.size() + signature_value_size(signature.size());
  der.resize(header_room + outer_content);  // within the reserved capacity: no reallocation
  out = der.data() + header_room + tbs_size;
  out = put_bytes(out, algorithm);
  out = put_header(out, kBitString, 1 + signature.size());
  *out++ = 0x00;  // no unused bits
  put_bytes(out, signature);

  std::size_t outer_header = tlv_size(outer_content) - outer_content;
  put_header(der.data() + header_room - outer_header, kSequence, outer_content);
  if (outer_header < header_room) {
    der.erase(der.begin(), der.begin() + static_cast<std::ptrdiff_t>(header_room - outer_header));
  }
  return der;
}

Result<CertificateRevocationList> sign_crl(const Certificate& issuer, const crypto::PrivateKey& key,
                                           const CrlContents& contents) {
  NIMBUS_ASSIGN_OR_RETURN(Bytes der, sign_crl_der(issuer, key, contents));
  return CertificateRevocationList::parse(der);
}

}  // namespace nimbus::x509

