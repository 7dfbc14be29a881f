#include "verify/checked_crl.h"

#include <algorithm>
#include <bit>
#include <cstring>

#include <fmt/format.h>

#include "crypto/digest.h"
#include "crypto/handles.h"
#include "crypto/object_identifier.h"
#include "crypto/openssl_error.h"

namespace nimbus::verify {

namespace {

Error rejected(std::string message) { return Error(ErrorCode::kPolicyViolation, std::move(message)); }

std::optional<std::uint64_t> integer_extension(X509_CRL* crl, int nid) {
  crypto::Asn1IntegerPtr value(static_cast<ASN1_INTEGER*>(X509_CRL_get_ext_d2i(crl, nid, nullptr, nullptr)));
  std::uint64_t number = 0;
  if (!value || ASN1_INTEGER_get_uint64(&number, value.get()) != 1) {
    crypto::clear_openssl_errors();
    return std::nullopt;
  }
  return number;
}

std::vector<std::string> uri_names(const GENERAL_NAMES* names) {
  std::vector<std::string> urls;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
    if (name->type != GEN_URI) continue;
    const ASN1_IA5STRING* uri = name->d.uniformResourceIdentifier;
    urls.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(uri)),
                      static_cast<std::size_t>(ASN1_STRING_length(uri)));
  }
  return urls;
}

bool is_understood_crl_extension(int nid) {
  return nid == NID_issuing_distribution_point || nid == NID_delta_crl || nid == NID_crl_number ||
         nid == NID_authority_key_identifier || nid == NID_freshest_crl;
}

bool is_understood_entry_extension(int nid) {
  return nid == NID_crl_reason || nid == NID_invalidity_date || nid == NID_hold_instruction_code;
}

}  // namespace

CheckedCrl::Entry CheckedCrl::key_of(ByteView serial) {
  Entry entry{};
  // Leading zero octets do not change the number (an encoder adds one to keep it positive).
  while (serial.size() > 1 && serial.front() == 0) serial = serial.subspan(1);
  if (serial.size() <= entry.serial.size()) {
    std::memcpy(entry.serial.data(), serial.data(), serial.size());
    entry.length = static_cast<std::uint8_t>(serial.size());
  } else {
    Bytes digest = crypto::sha256(serial);
    std::memcpy(entry.serial.data(), digest.data(), entry.serial.size());
    entry.length = kHashedSerial;
  }
  return entry;
}

std::uint64_t CheckedCrl::hash_of(const Entry& entry) {
  // FNV-1a over the serial, then a final mix. Only CRLs whose signature verified under a chain's
  // own CA are indexed, so the keys are not chosen by an attacker who could aim for collisions.
  std::uint64_t hash = 0xcbf29ce484222325ull ^ entry.length;
  std::size_t length = entry.length == kHashedSerial ? entry.serial.size() : entry.length;
  for (std::size_t i = 0; i < length; ++i) {
    hash ^= entry.serial[i];
    hash *= 0x100000001b3ull;
  }
  hash ^= hash >> 33;
  hash *= 0xff51afd7ed558ccdull;
  hash ^= hash >> 33;
  return hash;
}

bool CheckedCrl::same_serial(const Entry& a, const Entry& b) {
  if (a.length != b.length) return false;
  std::size_t length = a.length == kHashedSerial ? a.serial.size() : a.length;
  return std::memcmp(a.serial.data(), b.serial.data(), length) == 0;
}

void CheckedCrl::build_index() {
  std::size_t capacity = std::bit_ceil(std::max<std::size_t>(8, entries_.size() * 2));
  slots_.assign(capacity, 0);
  std::size_t mask = capacity - 1;
  for (std::uint32_t i = 0; i < entries_.size(); ++i) {
    std::size_t slot = hash_of(entries_[i]) & mask;
    while (slots_[slot] != 0) slot = (slot + 1) & mask;
    slots_[slot] = i + 1;
  }
}

Result<std::shared_ptr<const CheckedCrl>> CheckedCrl::check(const x509::CertificateRevocationList& parsed,
                                                            const x509::Certificate& issuer, bool expect_delta) {
  X509_CRL* crl = parsed.get();
  if (X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_subject_name(issuer.get())) != 0) {
    return rejected(fmt::format("the CRL was issued by \"{}\", not by \"{}\"", parsed.issuer().to_string(),
                                issuer.subject().to_string()));
  }
  Bytes crl_key_id = parsed.authority_key_id();
  Bytes issuer_key_id = issuer.subject_key_id();
  if (!crl_key_id.empty() && !issuer_key_id.empty() && crl_key_id != issuer_key_id) {
    return rejected("the CRL's authority key identifier is not the issuer's key identifier: another key signed it");
  }
  if (!parsed.is_signed_by(issuer.public_key())) {
    return rejected(fmt::format("the CRL's signature does not verify under the key of \"{}\"",
                                issuer.subject().to_string()));
  }
  for (int i = 0; i < X509_CRL_get_ext_count(crl); ++i) {
    X509_EXTENSION* extension = X509_CRL_get_ext(crl, i);
    int nid = OBJ_obj2nid(X509_EXTENSION_get_object(extension));
    if (X509_EXTENSION_get_critical(extension) && !is_understood_crl_extension(nid)) {
      return rejected(fmt::format("the CRL has a critical extension Nimbus does not understand ({})",
                                  crypto::dotted_oid(X509_EXTENSION_get_object(extension))));
    }
  }

  auto checked = std::make_shared<CheckedCrl>();
  checked->issuer_ = issuer.subject().to_string();
  checked->this_update_ = parsed.this_update();
  checked->next_update_ = parsed.next_update();
  checked->number_ = parsed.number();
  checked->base_number_ = integer_extension(crl, NID_delta_crl);
  // The indicator, not whether its value fits in 64 bits, makes a delta CRL (RFC 5280 allows 20
  // octets); an unreadable base number must not pass the CRL off as a complete one.
  if (!checked->base_number_ && X509_CRL_get_ext_by_NID(crl, NID_delta_crl, -1) >= 0) {
    return rejected("the delta CRL's base CRL number is not a number Nimbus can compare (at most 64 bits)");
  }
  if (expect_delta && !checked->base_number_) return rejected("a Freshest CRL URL returned a complete CRL, not a delta CRL");
  if (!expect_delta && checked->base_number_) return rejected("a CRL distribution point returned a delta CRL");

  int critical = -1;
  crypto::IssuingDistPointPtr point(static_cast<ISSUING_DIST_POINT*>(
      X509_CRL_get_ext_d2i(crl, NID_issuing_distribution_point, &critical, nullptr)));
  if (!point && critical != -1) return rejected("the CRL's issuing distribution point does not parse");
  if (point) {
    if (point->indirectCRL) return rejected("the CRL is an indirect CRL; Nimbus reads only CRLs signed by the certificate's issuer");
    if (point->onlysomereasons) return rejected("the CRL covers only some revocation reasons");
    if (point->onlyattr) return rejected("the CRL is an attribute certificate CRL");
    checked->only_user_certificates_ = point->onlyuser != 0;
    checked->only_ca_certificates_ = point->onlyCA != 0;
    if (point->distpoint != nullptr && point->distpoint->type == 0) {
      checked->distribution_point_urls_ = uri_names(point->distpoint->name.fullname);
    }
  }
  crypto::CrlDistPointsPtr freshest(
      static_cast<CRL_DIST_POINTS*>(X509_CRL_get_ext_d2i(crl, NID_freshest_crl, nullptr, nullptr)));
  for (int i = 0; freshest && i < sk_DIST_POINT_num(freshest.get()); ++i) {
    const DIST_POINT* dp = sk_DIST_POINT_value(freshest.get(), i);
    if (dp->distpoint == nullptr || dp->distpoint->type != 0) continue;
    for (std::string& url : uri_names(dp->distpoint->name.fullname)) checked->freshest_urls_.push_back(std::move(url));
  }
  crypto::clear_openssl_errors();

  STACK_OF(X509_REVOKED)* revoked = X509_CRL_get_REVOKED(crl);
  int count = sk_X509_REVOKED_num(revoked);
  if (count > 0) checked->entries_.reserve(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) {
    const X509_REVOKED* item = sk_X509_REVOKED_value(revoked, i);
    const STACK_OF(X509_EXTENSION)* extensions = X509_REVOKED_get0_extensions(item);
    for (int j = 0; j < sk_X509_EXTENSION_num(extensions); ++j) {
      X509_EXTENSION* extension = sk_X509_EXTENSION_value(extensions, j);
      int nid = OBJ_obj2nid(X509_EXTENSION_get_object(extension));
      if (nid == NID_certificate_issuer) return rejected("the CRL has entries for another issuer (an indirect CRL)");
      if (X509_EXTENSION_get_critical(extension) && !is_understood_entry_extension(nid)) {
        return rejected(fmt::format("CRL entry {} has a critical extension Nimbus does not understand", i + 1));
      }
    }
    const ASN1_INTEGER* serial = X509_REVOKED_get0_serialNumber(item);
    Entry entry = key_of(ByteView(ASN1_STRING_get0_data(serial), static_cast<std::size_t>(ASN1_STRING_length(serial))));
    entry.revoked_at = x509::to_timestamp(X509_REVOKED_get0_revocationDate(item)).time_since_epoch().count();
    crypto::Asn1EnumeratedPtr reason(
        static_cast<ASN1_ENUMERATED*>(X509_REVOKED_get_ext_d2i(item, NID_crl_reason, nullptr, nullptr)));
    long code = reason ? ASN1_ENUMERATED_get(reason.get()) : 0;
    entry.reason = (code >= 0 && code <= 10) ? static_cast<std::uint8_t>(code) : 0;
    checked->entries_.push_back(entry);
  }
  crypto::clear_openssl_errors();
  checked->build_index();
  checked->description_ = fmt::format(
      "{} {} of \"{}\", {} entries, thisUpdate {}, nextUpdate {}", checked->is_delta() ? "delta CRL" : "CRL",
      checked->number_ ? fmt::format("#{}", *checked->number_) : std::string("without a number"), checked->issuer_,
      checked->entries_.size(), format_timestamp(checked->this_update_),
      checked->next_update_ ? format_timestamp(*checked->next_update_) : std::string("none"));
  return std::shared_ptr<const CheckedCrl>(std::move(checked));
}

std::optional<std::string> CheckedCrl::scope_mismatch(const x509::Certificate& subject,
                                                      const std::vector<std::string>& subject_cdp_urls) const {
  // OpenSSL decoded basicConstraints when it parsed the certificate; asked on every verification.
  bool is_ca = (X509_get_extension_flags(subject.get()) & EXFLAG_CA) != 0;
  if (only_user_certificates_ && is_ca) return "the CRL covers only end-entity certificates and this is a CA certificate";
  if (only_ca_certificates_ && !is_ca) return "the CRL covers only CA certificates and this is an end-entity certificate";
  if (!distribution_point_urls_.empty() && !subject_cdp_urls.empty()) {
    bool named = std::any_of(subject_cdp_urls.begin(), subject_cdp_urls.end(), [&](const std::string& url) {
      return std::find(distribution_point_urls_.begin(), distribution_point_urls_.end(), url) !=
             distribution_point_urls_.end();
    });
    if (!named) return "the CRL's issuing distribution point is not one the certificate names";
  }
  return std::nullopt;
}

std::optional<std::string> CheckedCrl::stale_at(Timestamp at) const {
  // Clocks of CAs and relying parties differ by minutes; a CRL a few minutes early is usable.
  constexpr Duration kSkew = std::chrono::minutes(5);
  if (at + kSkew < this_update_) {
    return fmt::format("the CRL is not valid yet (thisUpdate {})", format_timestamp(this_update_));
  }
  if (next_update_ && at > *next_update_) {
    return fmt::format("the CRL expired at {} (nextUpdate)", format_timestamp(*next_update_));
  }
  return std::nullopt;
}

std::optional<CrlRevocation> CheckedCrl::find(ByteView serial) const {
  if (entries_.empty()) return std::nullopt;
  Entry wanted = key_of(serial);
  std::size_t mask = slots_.size() - 1;
  for (std::size_t slot = hash_of(wanted) & mask; slots_[slot] != 0; slot = (slot + 1) & mask) {
    const Entry& entry = entries_[slots_[slot] - 1];
    if (!same_serial(entry, wanted)) continue;
    CrlRevocation revocation;
    revocation.revoked_at = Timestamp(Duration(entry.revoked_at));
    revocation.removed_from_crl = entry.reason == 8;
    if (!revocation.removed_from_crl && entry.reason != 7) {
      revocation.reason = static_cast<x509::RevocationReason>(entry.reason);
    }
    return revocation;
  }
  return std::nullopt;
}

std::size_t CheckedCrl::memory_bytes() const {
  std::size_t strings = issuer_.size() + description_.size();
  for (const auto& url : freshest_urls_) strings += url.size();
  for (const auto& url : distribution_point_urls_) strings += url.size();
  return sizeof(*this) + strings + entries_.capacity() * sizeof(Entry) + slots_.capacity() * sizeof(std::uint32_t);
}

}  // namespace nimbus::verify
