#include "revocation/ocsp_responder.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "ca/authority_id.h"
#include "core/log_text.h"
#include "crypto/openssl_error.h"
#include "x509/certificate_builder.h"
#include "x509/revocation_reason.h"

namespace nimbus::revocation {

namespace {

// The digests a CertID may be hashed with that the responder matches.
constexpr int kCertIdDigests[] = {NID_sha1, NID_sha256, NID_sha384, NID_sha512};

// OCSPResponse ::= SEQUENCE { responseStatus ENUMERATED } with no responseBytes, which is all an
// error response may carry (RFC 6960 4.2.1). Constant, so refusing never depends on OpenSSL.
Bytes error_response(OcspResponseStatus status) {
  return Bytes{0x30, 0x03, 0x0a, 0x01, static_cast<std::uint8_t>(status)};
}

Result<Bytes> digest(int nid, ByteView data) {
  const EVP_MD* md = EVP_get_digestbynid(nid);
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (md == nullptr || EVP_Digest(data.data(), data.size(), out, &size, md, nullptr) != 1) {
    return crypto::openssl_error(ErrorCode::kCryptoError, fmt::format("hashing with {} failed", OBJ_nid2sn(nid)));
  }
  return Bytes(out, out + size);
}

Error unauthorized(std::string message) { return Error(ErrorCode::kPermissionDenied, std::move(message)); }

}  // namespace

std::string_view ocsp_response_status_name(OcspResponseStatus status) {
  switch (status) {
    case OcspResponseStatus::kSuccessful: return "successful";
    case OcspResponseStatus::kMalformedRequest: return "malformedRequest";
    case OcspResponseStatus::kInternalError: return "internalError";
    case OcspResponseStatus::kTryLater: return "tryLater";
    case OcspResponseStatus::kSigRequired: return "sigRequired";
    case OcspResponseStatus::kUnauthorized: return "unauthorized";
  }
  return "unknown";
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
    refused.der = error_response(status);
    refused.refusal = std::move(reason);
    return refused;
  };

  auto request = OcspRequest::parse(request_der, options_.max_nonce_length);
  if (!request.ok()) return refuse(OcspResponseStatus::kMalformedRequest, request.error().message());
  if (!ca::check_authority_id(authority_id).ok()) return refuse(OcspResponseStatus::kUnauthorized, "no such authority");

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
  std::vector<bool> ours(ids.size(), false);
  std::size_t matching = 0;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    auto hashes = issuer->by_digest.find(ids[i].hash_nid);
    ours[i] = hashes != issuer->by_digest.end() && hashes->second.first == ids[i].issuer_name_hash &&
              hashes->second.second == ids[i].issuer_key_hash;
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
  crypto::Asn1TimePtr this_update(ASN1_TIME_new());
  crypto::Asn1TimePtr next_update(ASN1_TIME_new());
  crypto::OcspBasicResponsePtr basic(OCSP_BASICRESP_new());
  if (!this_update || !next_update || !basic) return crypto::openssl_error(ErrorCode::kCryptoError, "out of memory");
  NIMBUS_TRY(x509::set_asn1_time(this_update.get(), *result.this_update));
  NIMBUS_TRY(x509::set_asn1_time(next_update.get(), *result.next_update));

  for (std::size_t i = 0; i < ids.size(); ++i) {
    int status = V_OCSP_CERTSTATUS_UNKNOWN;
    int reason = OCSP_REVOKED_STATUS_NOSTATUS;
    crypto::Asn1TimePtr revoked_at;
    if (ours[i] && !ids[i].negative_serial && !ids[i].serial.empty()) {
      NIMBUS_ASSIGN_OR_RETURN(auto record, store_.certificate_status(authority_id, to_hex(ids[i].serial)));
      if (record && record->status == store::CertificateStatus::kValid) {
        status = V_OCSP_CERTSTATUS_GOOD;
      } else if (record) {
        if (!record->revoked_at) {
          return Error(ErrorCode::kStoreError,
                       fmt::format("certificate {} is revoked without a revocation time", to_hex(ids[i].serial)));
        }
        status = V_OCSP_CERTSTATUS_REVOKED;
        revoked_at.reset(ASN1_TIME_new());
        if (!revoked_at) return crypto::openssl_error(ErrorCode::kCryptoError, "out of memory");
        NIMBUS_TRY(x509::set_asn1_time(revoked_at.get(), *record->revoked_at));
        if (record->revocation_reason) {
          NIMBUS_ASSIGN_OR_RETURN(x509::RevocationReason stored,
                                  x509::revocation_reason_from_code(*record->revocation_reason));
          if (stored != x509::RevocationReason::kUnspecified) reason = static_cast<int>(stored);
        }
      }
    }
    if (OCSP_basic_add1_status(basic.get(), request.openssl_cert_id(i), status, reason, revoked_at.get(),
                               this_update.get(), next_update.get()) == nullptr) {
      return crypto::openssl_error(ErrorCode::kCryptoError, "adding a SingleResponse failed");
    }
    if (status == V_OCSP_CERTSTATUS_GOOD) ++result.good;
    if (status == V_OCSP_CERTSTATUS_REVOKED) ++result.revoked;
    if (status == V_OCSP_CERTSTATUS_UNKNOWN) ++result.unknown;
  }
  if (request.nonce() && OCSP_copy_nonce(basic.get(), request.get()) != 1) {
    return crypto::openssl_error(ErrorCode::kCryptoError, "echoing the nonce failed");
  }
  const EVP_MD* md = crypto::evp_digest(signer->key.preferred_digest());
  if (OCSP_basic_sign(basic.get(), signer->certificate.get(), signer->key.get(), md, nullptr, OCSP_RESPID_KEY) != 1) {
    return crypto::openssl_error(ErrorCode::kCryptoError, "signing the OCSP response failed");
  }
  crypto::OcspResponsePtr response(OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, basic.get()));
  unsigned char* encoded = nullptr;
  int size = response ? i2d_OCSP_RESPONSE(response.get(), &encoded) : 0;
  crypto::OpenSslBufferPtr owned(encoded);
  if (size <= 0) return crypto::openssl_error(ErrorCode::kCryptoError, "encoding the OCSP response failed");
  result.der.assign(encoded, encoded + size);

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
  unsigned char* name = nullptr;
  int name_size = i2d_X509_NAME(X509_get_subject_name(certificate->get()), &name);
  crypto::OpenSslBufferPtr owned_name(name);
  const ASN1_BIT_STRING* key = X509_get0_pubkey_bitstr(certificate->get());
  if (name_size <= 0 || key == nullptr) {
    return crypto::openssl_error(ErrorCode::kCryptoError, "reading the CA's name and key failed");
  }
  // RFC 6960 4.1.1: the hash of the DER of the issuer's name, and of the value of its
  // subjectPublicKey BIT STRING (without tag, length and unused-bits count).
  auto hashes = std::make_shared<IssuerHashes>();
  hashes->certificate_der = certificate_der;
  for (int nid : kCertIdDigests) {
    NIMBUS_ASSIGN_OR_RETURN(Bytes name_hash, digest(nid, ByteView(name, static_cast<std::size_t>(name_size))));
    NIMBUS_ASSIGN_OR_RETURN(Bytes key_hash, digest(nid, ByteView(ASN1_STRING_get0_data(key),
                                                                  static_cast<std::size_t>(ASN1_STRING_length(key)))));
    hashes->by_digest[nid] = {std::move(name_hash), std::move(key_hash)};
  }
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
