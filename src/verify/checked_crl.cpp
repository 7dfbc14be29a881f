#include "verify/checked_crl.h"

#include <algorithm>
#include <bit>
#include <cstring>

#include <fmt/format.h>

#include "crypto/digest.h"

namespace nimbus::verify {

namespace {

Error rejected(std::string message) { return Error(ErrorCode::kPolicyViolation, std::move(message)); }

bool is_understood_crl_extension(x509::ExtensionType type) {
  using Type = x509::ExtensionType;
  return type == Type::kIssuingDistributionPoint || type == Type::kDeltaCrlIndicator || type == Type::kCrlNumber ||
         type == Type::kAuthorityKeyIdentifier || type == Type::kFreshestCrl;
}

bool is_understood_entry_extension(x509::ExtensionType type) {
  using Type = x509::ExtensionType;
  return type == Type::kReasonCode || type == Type::kInvalidityDate || type == Type::kHoldInstructionCode;
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
  if (!parsed.issuer_matches(issuer)) {
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
  for (std::size_t i = 0; i < parsed.extension_count(); ++i) {
    x509::ExtensionView extension = parsed.extension(i);
    if (extension.critical() && !is_understood_crl_extension(extension.type())) {
      return rejected(fmt::format("the CRL has a critical extension Nimbus does not understand ({})", extension.oid()));
    }
  }

  auto checked = std::make_shared<CheckedCrl>();
  checked->issuer_ = issuer.subject().to_string();
  checked->this_update_ = parsed.this_update();
  checked->next_update_ = parsed.next_update();
  checked->number_ = parsed.number();
  checked->base_number_ = parsed.delta_base_number();
  // The indicator, not whether its value fits in 64 bits, makes a delta CRL (RFC 5280 allows 20
  // octets); an unreadable base number must not pass the CRL off as a complete one.
  if (!checked->base_number_ && parsed.has_delta_crl_indicator()) {
    return rejected("the delta CRL's base CRL number is not a number Nimbus can compare (at most 64 bits)");
  }
  if (expect_delta && !checked->base_number_) return rejected("a Freshest CRL URL returned a complete CRL, not a delta CRL");
  if (!expect_delta && checked->base_number_) return rejected("a CRL distribution point returned a delta CRL");

  auto point = parsed.issuing_distribution_point();
  if (!point.ok()) return rejected("the CRL's issuing distribution point does not parse");
  if (point->has_value()) {
    x509::IssuingDistributionPoint& scope = **point;
    if (scope.indirect_crl) return rejected("the CRL is an indirect CRL; Nimbus reads only CRLs signed by the certificate's issuer");
    if (scope.only_some_reasons) return rejected("the CRL covers only some revocation reasons");
    if (scope.only_attribute_certificates) return rejected("the CRL is an attribute certificate CRL");
    checked->only_user_certificates_ = scope.only_user_certificates;
    checked->only_ca_certificates_ = scope.only_ca_certificates;
    checked->distribution_point_urls_ = std::move(scope.urls);
  }
  checked->freshest_urls_ = parsed.freshest_crl_urls();

  std::size_t count = parsed.revoked_count();
  checked->entries_.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    x509::CrlEntryView item = parsed.entry(i);
    std::size_t extensions = item.extension_count();
    for (std::size_t j = 0; j < extensions; ++j) {
      x509::ExtensionView extension = item.extension(j);
      x509::ExtensionType type = extension.type();
      if (type == x509::ExtensionType::kCertificateIssuer) {
        return rejected("the CRL has entries for another issuer (an indirect CRL)");
      }
      if (extension.critical() && !is_understood_entry_extension(type)) {
        return rejected(fmt::format("CRL entry {} has a critical extension Nimbus does not understand", i + 1));
      }
    }
    Entry entry = key_of(item.serial());
    entry.revoked_at = item.revoked_at().time_since_epoch().count();
    std::int64_t code = item.reason_code().value_or(0);
    entry.reason = (code >= 0 && code <= 10) ? static_cast<std::uint8_t>(code) : 0;
    checked->entries_.push_back(entry);
  }
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
  bool is_ca = subject.is_ca();
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
