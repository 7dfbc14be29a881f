#include "revocation/ocsp_responder.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/log_text.h"
#include "pki/authority_id.h"
#include "x509/ocsp_response_builder.h"
#include "x509/revocation_reason.h"

namespace nimbus::revocation {

namespace {

Error unauthorized(std::string message) { return Error(ErrorCode::kPermissionDenied, std::move(message)); }

}  // namespace

std::string_view ocsp_response_status_name(OcspResponseStatus status) {
  std::string_view name = x509::ocsp_status_name(status);
  return name.empty() ? "unknown" : name;
}

OcspResponder::OcspResponder(store::Store& store, OcspSigners& signers, Clock clock, OcspResponderOptions options)
    : store_(store), signers_(signers), clock_(std::move(clock)), options_(options) {}

Result<std::optional<OcspAuthority>> OcspResponder::lookup_authority(const std::string& authority_id) {
  if (options_.authorities) return options_.authorities(authority_id);
  NIMBUS_ASSIGN_OR_RETURN(auto record, store_.find_authority(authority_id));
  if (!record || !record->certificate_der) return std::optional<OcspAuthority>();
  return std::optional<OcspAuthority>(
      OcspAuthority{std::make_shared<const Bytes>(std::move(*record->certificate_der)), record->last_crl_number});
}

OcspAnswer OcspResponder::respond(const std::string& authority_id, ByteView request_der) {
  // Refusals are not logged here: the caller knows who asked and logs each request once.
  auto refuse = [](OcspResponseStatus status, std::string reason) {
    OcspAnswer refused;
    refused.status = status;
    refused.der = x509::ocsp_error_response(status);
    refused.refusal = std::move(reason);
    return refused;
  };

  auto request = OcspRequest::parse(request_der, options_.max_nonce_length);
  if (!request.ok()) return refuse(OcspResponseStatus::kMalformedRequest, request.error().message());
  if (!pki::check_authority_id(authority_id).ok()) return refuse(OcspResponseStatus::kUnauthorized, "no such authority");

  auto answered = answer(authority_id, *request);
  if (!answered.ok()) {
    const Error& error = answered.error();
    return refuse(error.code() == ErrorCode::kPermissionDenied ? OcspResponseStatus::kUnauthorized
                                                               : OcspResponseStatus::kInternalError,
                  error.message());
  }
  spdlog::debug("OCSP answer from '{}': {} good, {} revoked, {} unknown{}", loggable(authority_id), answered->good,
                answered->revoked, answered->unknown, answered->from_cache ? " (cached)" : "");
  return std::move(answered).value();
}

Result<OcspAnswer> OcspResponder::answer(const std::string& authority_id, const OcspRequest& request) {
  Timestamp now = clock_();
  // Read before the store, so that an invalidate() racing with this answer keeps it out of the cache.
  std::uint64_t invalidated = invalidations(authority_id);
  NIMBUS_ASSIGN_OR_RETURN(std::optional<OcspAuthority> authority, lookup_authority(authority_id));
  if (!authority) return unauthorized("no such authority, or it has no certificate yet");
  NIMBUS_ASSIGN_OR_RETURN(std::shared_ptr<const IssuerHashes> issuer,
                          issuer_hashes(authority_id, *authority->certificate_der));

  const std::vector<OcspCertId>& ids = request.cert_ids();
  const std::vector<x509::OcspSingleRequest>& singles = request.parsed().requests();
  std::vector<bool> ours(ids.size(), false);
  std::size_t matching = 0;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    ours[i] = issuer->issuer.issued(singles[i].cert_id);
    if (ours[i]) ++matching;
  }
  if (matching == 0) return unauthorized("the request names no certificate issued by this authority");

  Generation generation{invalidated, authority->crl_number};
  bool cacheable = !request.nonce() && ids.size() == 1;
  std::string cache_key;
  if (cacheable) {
    cache_key = authority_id;
    cache_key.push_back('\0');
    cache_key.append(ids[0].der.begin(), ids[0].der.end());
    if (std::optional<OcspAnswer> hit = cached(cache_key, generation, now)) return std::move(*hit);
  }

  auto signer = signers_.signer_for(authority_id);
  if (!signer.ok()) {
    ErrorCode code = signer.error().code();
    if (code == ErrorCode::kNotFound || code == ErrorCode::kFailedPrecondition) {
      return unauthorized(signer.error().message());
    }
    return std::move(signer).error();
  }

  OcspAnswer result;
  result.status = OcspResponseStatus::kSuccessful;
  result.this_update = now;
  result.next_update = now + options_.response_validity;
  x509::OcspResponseBuilder builder;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    x509::OcspSingleResponse single{singles[i].cert_id};
    single.status = x509::OcspCertStatus::kUnknown;
    single.this_update = *result.this_update;
    single.next_update = result.next_update;
    if (ours[i] && !ids[i].negative_serial && !ids[i].serial.empty()) {
      NIMBUS_ASSIGN_OR_RETURN(auto record, store_.certificate_status(authority_id, to_hex(ids[i].serial)));
      if (record && record->status == store::CertificateStatus::kValid) {
        single.status = x509::OcspCertStatus::kGood;
      } else if (record) {
        if (!record->revoked_at) {
          return Error(ErrorCode::kStoreError,
                       fmt::format("certificate {} is revoked without a revocation time", to_hex(ids[i].serial)));
        }
        single.status = x509::OcspCertStatus::kRevoked;
        single.revoked_at = *record->revoked_at;
        if (record->revocation_reason) {
          NIMBUS_ASSIGN_OR_RETURN(x509::RevocationReason stored,
                                  x509::revocation_reason_from_code(*record->revocation_reason));
          if (stored != x509::RevocationReason::kUnspecified) single.reason = stored;
        }
      }
    }
    NIMBUS_TRY(builder.add(single));
    if (single.status == x509::OcspCertStatus::kGood) ++result.good;
    if (single.status == x509::OcspCertStatus::kRevoked) ++result.revoked;
    if (single.status == x509::OcspCertStatus::kUnknown) ++result.unknown;
  }
  if (request.nonce()) NIMBUS_TRY(builder.echo_nonce(request.parsed()));
  NIMBUS_ASSIGN_OR_RETURN(result.der, builder.sign(signer->certificate, signer->key, signer->key.preferred_digest()));

  if (cacheable) remember(authority_id, std::move(cache_key), result, generation);
  return result;
}

Result<std::shared_ptr<const OcspResponder::IssuerHashes>> OcspResponder::issuer_hashes(const std::string& authority_id,
                                                                                        const Bytes& certificate_der) {
  {
    std::lock_guard lock(mutex_);
    auto found = issuers_.find(authority_id);
    if (found != issuers_.end() && found->second->certificate_der == certificate_der) return found->second;
  }
  auto certificate = x509::Certificate::from_der(certificate_der);
  if (!certificate.ok()) {
    return Error(ErrorCode::kStoreError,
                 fmt::format("the stored certificate of '{}' does not parse: {}", authority_id,
                             certificate.error().message()));
  }
  NIMBUS_ASSIGN_OR_RETURN(x509::OcspIssuer issuer, x509::OcspIssuer::from_certificate(*certificate));
  auto hashes = std::make_shared<IssuerHashes>(IssuerHashes{certificate_der, std::move(issuer)});
  std::lock_guard lock(mutex_);
  issuers_[authority_id] = hashes;
  return std::shared_ptr<const IssuerHashes>(hashes);
}

std::uint64_t OcspResponder::invalidations(const std::string& authority_id) {
  std::lock_guard lock(mutex_);
  auto found = invalidations_.find(authority_id);
  return found == invalidations_.end() ? 0 : found->second;
}

std::optional<OcspAnswer> OcspResponder::cached(const std::string& key, const Generation& generation, Timestamp now) {
  std::lock_guard lock(mutex_);
  auto found = cache_.find(key);
  if (found == cache_.end()) return std::nullopt;
  const CachedAnswer& entry = found->second;
  bool fresh = entry.generation == generation && now >= entry.this_update &&
               now < entry.this_update + options_.cache_refresh_after;
  if (!fresh) {
    cache_.erase(found);
    return std::nullopt;
  }
  OcspAnswer hit;
  hit.status = OcspResponseStatus::kSuccessful;
  hit.der = entry.der;
  hit.good = entry.good;
  hit.revoked = entry.revoked;
  hit.unknown = entry.unknown;
  hit.this_update = entry.this_update;
  hit.next_update = entry.next_update;
  hit.from_cache = true;
  return hit;
}

void OcspResponder::remember(const std::string& authority_id, std::string key, const OcspAnswer& answer,
                             const Generation& generation) {
  std::lock_guard lock(mutex_);
  auto invalidated = invalidations_.find(authority_id);
  std::uint64_t current = invalidated == invalidations_.end() ? 0 : invalidated->second;
  // Invalidated while this answer was being made: it may describe the state before the change.
  if (current != generation.invalidations) return;
  if (options_.max_cached_responses == 0) return;
  if (cache_.size() >= options_.max_cached_responses && cache_.find(key) == cache_.end()) {
    cache_.erase(cache_.begin());
  }
  cache_[std::move(key)] = CachedAnswer{answer.der,  *answer.this_update, *answer.next_update, generation,
                                        answer.good, answer.revoked,      answer.unknown};
}

void OcspResponder::invalidate(const std::string& authority_id) {
  std::lock_guard lock(mutex_);
  ++invalidations_[authority_id];
  std::string prefix = authority_id;
  prefix.push_back('\0');
  std::erase_if(cache_, [&](const auto& entry) { return entry.first.starts_with(prefix); });
}

std::size_t OcspResponder::cached_responses() const {
  std::lock_guard lock(mutex_);
  return cache_.size();
}

}  // namespace nimbus::revocation
