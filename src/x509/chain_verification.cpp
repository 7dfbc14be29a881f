#include "x509/chain_verification.h"

#include <algorithm>
#include <chrono>

#include <openssl/x509_vfy.h>

#include "crypto/openssl_error.h"

namespace nimbus::x509 {

namespace {

// The untrusted certificates as OpenSSL takes them, borrowed: the caller's Certificates outlive
// the verification, and OpenSSL takes its own reference to whatever it keeps in the chain.
void free_borrowing_stack(STACK_OF(X509) * certs) { sk_X509_free(certs); }
using BorrowingX509StackPtr = crypto::OpenSslPtr<STACK_OF(X509), free_borrowing_stack>;

// Told to go on after each problem, the verifier reports every one here.
int keep_going(int ok, X509_STORE_CTX* context) {
  if (ok == 0) {
    auto* faults = static_cast<std::vector<ChainFault>*>(X509_STORE_CTX_get_app_data(context));
    faults->push_back({X509_STORE_CTX_get_error_depth(context), ChainError(X509_STORE_CTX_get_error(context))});
  }
  return 1;
}

// Which of `candidates` `link` is (the first equal one), or ChainLink::kNotGiven.
std::size_t position_of(X509* link, std::span<const Certificate> candidates) {
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    if (X509_cmp(candidates[i].get(), link) == 0) return i;
  }
  return ChainLink::kNotGiven;
}

ChainLink link_of(X509* link, LinkSource source, std::span<const Certificate> candidates) {
  std::size_t index = position_of(link, candidates);
  if (index != ChainLink::kNotGiven) return {candidates[index], source, index};
  X509_up_ref(link);
  return {Certificate::adopt(crypto::X509Ptr(link)), source, ChainLink::kNotGiven};
}

}  // namespace

ChainError::Kind ChainError::kind() const {
  switch (code_) {
    case X509_V_ERR_CERT_HAS_EXPIRED: return Kind::kExpired;
    case X509_V_ERR_CERT_NOT_YET_VALID: return Kind::kNotYetValid;
    case X509_V_ERR_CERT_SIGNATURE_FAILURE:
    case X509_V_ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE:
    case X509_V_ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY: return Kind::kBadSignature;
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN: return Kind::kSelfSigned;
    case X509_V_ERR_CERT_UNTRUSTED:
    case X509_V_ERR_CERT_REJECTED: return Kind::kUntrusted;
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE: return Kind::kIssuerNotFound;
    case X509_V_ERR_INVALID_CA: return Kind::kNotACa;
    case X509_V_ERR_PATH_LENGTH_EXCEEDED:
    case X509_V_ERR_CERT_CHAIN_TOO_LONG: return Kind::kPathLength;
    case X509_V_ERR_KEYUSAGE_NO_CERTSIGN: return Kind::kKeyUsage;
    case X509_V_ERR_INVALID_PURPOSE: return Kind::kPurpose;
    case X509_V_ERR_PERMITTED_VIOLATION:
    case X509_V_ERR_EXCLUDED_VIOLATION:
    case X509_V_ERR_SUBTREE_MINMAX:
    case X509_V_ERR_UNSUPPORTED_CONSTRAINT_TYPE:
    case X509_V_ERR_UNSUPPORTED_CONSTRAINT_SYNTAX:
    case X509_V_ERR_UNSUPPORTED_NAME_SYNTAX: return Kind::kNameConstraints;
    case X509_V_ERR_OUT_OF_MEM: return Kind::kOutOfMemory;
    default: return Kind::kOther;
  }
}

std::string_view ChainError::message() const { return X509_verify_cert_error_string(code_); }

ChainVerification verify_chain(const TrustStore& trusted, const Certificate& subject,
                               std::span<const Certificate> untrusted, Timestamp at, int max_depth) {
  ChainVerification result;
  BorrowingX509StackPtr pool(sk_X509_new_reserve(nullptr, static_cast<int>(untrusted.size())));
  for (const Certificate& certificate : untrusted) sk_X509_push(pool.get(), certificate.get());
  crypto::X509StoreCtxPtr context(X509_STORE_CTX_new());
  if (!context || X509_STORE_CTX_init(context.get(), trusted.get(), subject.get(), pool.get()) != 1) {
    crypto::clear_openssl_errors();
    result.faults.push_back({0, ChainError(X509_V_ERR_OUT_OF_MEM)});
    return result;
  }
  X509_STORE_CTX_set_app_data(context.get(), &result.faults);
  X509_STORE_CTX_set_verify_cb(context.get(), keep_going);
  X509_STORE_CTX_set_time(context.get(), 0, std::chrono::system_clock::to_time_t(at));
  X509_VERIFY_PARAM_set_depth(X509_STORE_CTX_get0_param(context.get()), max_depth);
  if (X509_verify_cert(context.get()) != 1 && result.faults.empty()) {
    result.faults.push_back({0, ChainError(X509_STORE_CTX_get_error(context.get()))});
  }
  crypto::clear_openssl_errors();
  std::sort(result.faults.begin(), result.faults.end());
  result.faults.erase(std::unique(result.faults.begin(), result.faults.end()), result.faults.end());

  // The chain OpenSSL holds shares the certificates given; each is reported as the Certificate it
  // was given as, so that nothing is copied.
  STACK_OF(X509)* chain = X509_STORE_CTX_get0_chain(context.get());
  int length = chain != nullptr ? sk_X509_num(chain) : 0;
  int from_untrusted = X509_STORE_CTX_get_num_untrusted(context.get());
  result.chain.reserve(static_cast<std::size_t>(length));
  for (int depth = 0; depth < length; ++depth) {
    X509* link = sk_X509_value(chain, depth);
    if (depth == 0) {
      result.chain.push_back({subject, LinkSource::kSubject, 0});
    } else if (depth >= from_untrusted) {
      result.chain.push_back(link_of(link, LinkSource::kTrusted, trusted.certificates()));
    } else {
      result.chain.push_back(link_of(link, LinkSource::kUntrusted, untrusted));
    }
  }
  return result;
}

}  // namespace nimbus::x509
