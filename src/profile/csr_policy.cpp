#include "profile/csr_policy.h"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace nimbus::profile {

namespace {

Error refused(std::string_view why) { return Error(ErrorCode::kPolicyViolation, std::string(why)); }

// What the profile accepts, for the end of a refusal: "rsa 2048 to 4096 bits, ec p256, p384".
std::string allowed_keys(const KeyPolicy& key) {
  std::vector<std::string> allowed;
  if (key.allow_rsa) allowed.push_back(fmt::format("RSA {} to {} bits", key.rsa_min_bits, key.rsa_max_bits));
  if (key.allow_ec) allowed.push_back(fmt::format("EC {}", fmt::join(key.ec_curves, ", ")));
  return fmt::format("{}", fmt::join(allowed, "; "));
}

// "p521" -> "P-521", as curves are usually written for people; other names are left alone.
std::string curve_display_name(std::string_view curve) {
  bool nist = curve.size() > 1 && curve.front() == 'p' &&
              std::all_of(curve.begin() + 1, curve.end(), [](char c) { return c >= '0' && c <= '9'; });
  return nist ? fmt::format("P-{}", curve.substr(1)) : std::string(curve);
}

Status check_rsa_key(const KeyPolicy& policy, int bits) {
  if (!policy.allow_rsa) {
    return refused(fmt::format("key: RSA keys are not allowed (the profile allows {})", allowed_keys(policy)));
  }
  if (bits < policy.rsa_min_bits) {
    return refused(fmt::format("key: RSA {} bits is below the profile's minimum of {}", bits, policy.rsa_min_bits));
  }
  if (bits > policy.rsa_max_bits) {
    return refused(fmt::format("key: RSA {} bits is above the profile's maximum of {}", bits, policy.rsa_max_bits));
  }
  return ok_status();
}

Status check_ec_key(const KeyPolicy& policy, const crypto::PublicKey& key) {
  if (!policy.allow_ec) {
    return refused(fmt::format("key: EC keys are not allowed (the profile allows {})", allowed_keys(policy)));
  }
  // spec_string is "ec:<curve>" with Nimbus's curve names, which are the profile's.
  std::string curve = key.spec_string().substr(3);
  if (std::find(policy.ec_curves.begin(), policy.ec_curves.end(), curve) == policy.ec_curves.end()) {
    return refused(fmt::format("key: curve {} is not allowed ({})", curve_display_name(curve),
                               fmt::join(policy.ec_curves, ", ")));
  }
  return ok_status();
}

Status check_key(const KeyPolicy& policy, const crypto::PublicKey& key) {
  if (key.is_rsa()) return check_rsa_key(policy, key.bits());
  if (key.is_ec()) return check_ec_key(policy, key);
  return refused(fmt::format("key: {} keys are not allowed (the profile allows {})", key.spec_string(),
                             allowed_keys(policy)));
}

// For a digest Nimbus does not know: the algorithm's name, with the digest said plainly when it is
// one of the broken ones people should recognise.
std::string broken_digest_name(const x509::CertificateRequest& request) {
  std::string algorithm = request.signature_algorithm();
  std::string lower = algorithm;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c); });
  if (lower.find("sha1") != std::string::npos) return fmt::format("SHA-1 ({})", algorithm);
  if (lower.find("md5") != std::string::npos) return fmt::format("MD5 ({})", algorithm);
  return algorithm;
}

Status check_hash(const Profile& profile, const x509::CertificateRequest& request) {
  std::vector<std::string_view> allowed;
  for (crypto::SignatureDigest digest : profile.hashes) allowed.push_back(crypto::digest_name(digest));
  std::optional<crypto::SignatureDigest> digest = request.signature_digest();
  if (digest && std::find(profile.hashes.begin(), profile.hashes.end(), *digest) != profile.hashes.end()) {
    return ok_status();
  }
  std::string used = digest ? std::string(crypto::digest_name(*digest)) : broken_digest_name(request);
  return refused(fmt::format("hash: the request is signed with {}, which the profile does not allow ({})",
                             used, fmt::join(allowed, ", ")));
}

}  // namespace

Status check_request(const Profile& profile, const x509::CertificateRequest& request) {
  // Proof of possession first: nothing else a request says means anything until its signature holds.
  NIMBUS_TRY(request.verify_signature());
  NIMBUS_TRY(check_key(profile.key, request.public_key()));
  return check_hash(profile, request);
}

Status check_key(const Profile& profile, const crypto::PublicKey& key) { return check_key(profile.key, key); }

}  // namespace nimbus::profile
