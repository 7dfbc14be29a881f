#include "verify/path_builder.h"

#include <algorithm>
#include <cstdint>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "crypto/openssl_error.h"
#include "verify/fetched_objects.h"
#include "x509/key_purposes.h"

namespace nimbus::verify {

namespace {

constexpr std::string_view kAnyExtendedKeyUsage = "2.5.29.37.0";
using x509::kClientAuthOid;

// What OpenSSL reported, with the verify callback told to go on after each problem.
struct Finding {
  int depth;
  int error;
  bool operator<(const Finding& other) const { return std::tie(depth, error) < std::tie(other.depth, other.error); }
};

int keep_going(int ok, X509_STORE_CTX* context) {
  if (ok == 0) {
    auto* findings = static_cast<std::set<Finding>*>(X509_STORE_CTX_get_app_data(context));
    findings->insert({X509_STORE_CTX_get_error_depth(context), X509_STORE_CTX_get_error(context)});
  }
  return 1;
}

struct Pass {
  crypto::X509StackPtr chain;
  int from_untrusted = 0;  // the chain's first elements that came from the candidates, not the store
  std::set<Finding> findings;
};

Pass run_openssl(X509_STORE* anchors, const x509::Certificate& end_entity, const std::vector<Candidate>& pool,
                 Timestamp at) {
  Pass pass;
  crypto::X509StackPtr untrusted(sk_X509_new_null());
  for (const Candidate& candidate : pool) {
    if (sk_X509_push(untrusted.get(), candidate.certificate.get()) > 0) X509_up_ref(candidate.certificate.get());
  }
  crypto::X509StoreCtxPtr context(X509_STORE_CTX_new());
  if (!context || X509_STORE_CTX_init(context.get(), anchors, end_entity.get(), untrusted.get()) != 1) {
    crypto::clear_openssl_errors();
    pass.findings.insert({0, X509_V_ERR_OUT_OF_MEM});
    return pass;
  }
  X509_STORE_CTX_set_app_data(context.get(), &pass.findings);
  X509_STORE_CTX_set_verify_cb(context.get(), keep_going);
  X509_STORE_CTX_set_time(context.get(), 0, std::chrono::system_clock::to_time_t(at));
  X509_VERIFY_PARAM_set_depth(X509_STORE_CTX_get0_param(context.get()), PathBuilder::kMaxDepth);
  if (X509_verify_cert(context.get()) != 1 && pass.findings.empty()) {
    pass.findings.insert({0, X509_STORE_CTX_get_error(context.get())});
  }
  crypto::clear_openssl_errors();
  pass.chain.reset(X509_STORE_CTX_get1_chain(context.get()));
  pass.from_untrusted = X509_STORE_CTX_get_num_untrusted(context.get());
  return pass;
}

ProblemCode problem_of(int error) {
  switch (error) {
    case X509_V_ERR_CERT_HAS_EXPIRED: return ProblemCode::kExpired;
    case X509_V_ERR_CERT_NOT_YET_VALID: return ProblemCode::kNotYetValid;
    case X509_V_ERR_CERT_SIGNATURE_FAILURE:
    case X509_V_ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE:
    case X509_V_ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY: return ProblemCode::kBadSignature;
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_CERT_UNTRUSTED:
    case X509_V_ERR_CERT_REJECTED: return ProblemCode::kUntrustedRoot;
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE: return ProblemCode::kIssuerNotFound;
    case X509_V_ERR_INVALID_CA: return ProblemCode::kNotACa;
    case X509_V_ERR_PATH_LENGTH_EXCEEDED:
    case X509_V_ERR_CERT_CHAIN_TOO_LONG: return ProblemCode::kPathLength;
    case X509_V_ERR_KEYUSAGE_NO_CERTSIGN: return ProblemCode::kKeyUsage;
    case X509_V_ERR_INVALID_PURPOSE: return ProblemCode::kWrongEku;
    case X509_V_ERR_PERMITTED_VIOLATION:
    case X509_V_ERR_EXCLUDED_VIOLATION:
    case X509_V_ERR_SUBTREE_MINMAX:
    case X509_V_ERR_UNSUPPORTED_CONSTRAINT_TYPE:
    case X509_V_ERR_UNSUPPORTED_CONSTRAINT_SYNTAX:
    case X509_V_ERR_UNSUPPORTED_NAME_SYNTAX: return ProblemCode::kNameConstraints;
    default: return ProblemCode::kOther;
  }
}

std::string problem_text(int error, const x509::Certificate& certificate) {
  switch (error) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
      return fmt::format("the certificate expired at {}", format_timestamp(certificate.not_after()));
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return fmt::format("the certificate is not valid before {}", format_timestamp(certificate.not_before()));
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
      return fmt::format("its issuer \"{}\" was not found among the given certificates, the trust anchors or "
                         "through AIA",
                         certificate.issuer().to_string());
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
      return "a self-signed certificate that is not a trust anchor";
    default: return X509_verify_cert_error_string(error);
  }
}

// Whether `certificate`'s EKU lists `required` (or, when `any_allowed`, anyExtendedKeyUsage).
// Client authentication, asked on every RADIUS authentication, is answered from the flags OpenSSL
// computed when it parsed the certificate; other purposes decode the extension.
bool lists_purpose(const x509::Certificate& certificate, const std::string& required, bool any_allowed) {
  X509* cert = certificate.get();
  if (required == kClientAuthOid && (X509_get_extension_flags(cert) & EXFLAG_XKUSAGE) != 0) {
    std::uint32_t usages = X509_get_extended_key_usage(cert);
    return (usages & XKU_SSL_CLIENT) != 0 || (any_allowed && (usages & XKU_ANYEKU) != 0);
  }
  std::vector<std::string> usages = x509::extended_key_usages(certificate);
  return std::find(usages.begin(), usages.end(), required) != usages.end() ||
         (any_allowed && std::find(usages.begin(), usages.end(), kAnyExtendedKeyUsage) != usages.end());
}

// Windows checks the required purpose on every certificate of the chain: a CA certificate that
// lists purposes must list it (or anyExtendedKeyUsage).
void check_extended_key_usage(std::vector<ChainElement>& elements, const std::string& required) {
  for (std::size_t i = 0; i < elements.size(); ++i) {
    ChainElement& element = elements[i];
    if (element.is_anchor) continue;
    bool listed = (X509_get_extension_flags(element.certificate.get()) & EXFLAG_XKUSAGE) != 0;
    if (i == 0 ? lists_purpose(element.certificate, required, false)
               : (!listed || lists_purpose(element.certificate, required, true))) {
      continue;
    }
    std::vector<std::string> usages = x509::extended_key_usages(element.certificate);
    std::string text;
    if (i > 0) {
      text = fmt::format("this CA certificate limits its purposes to {}, which excludes {}", fmt::join(usages, ", "),
                         required);
    } else if (usages.empty()) {
      text = fmt::format("the certificate has no extended key usage; {} is required", required);
    } else {
      text = fmt::format("its extended key usage ({}) does not include {}", fmt::join(usages, ", "), required);
    }
    element.problems.push_back({ProblemCode::kWrongEku, std::move(text)});
  }
}

}  // namespace

ChainElement PathBuilder::identify(X509* link, bool from_store, const std::vector<Candidate>& pool) const {
  if (from_store) {
    for (const auto& anchor : anchors_.certificates()) {
      if (X509_cmp(anchor.get(), link) == 0) return {anchor, ElementSource::kTrust, true, {}, {}, {}};
    }
  } else {
    for (const Candidate& candidate : pool) {
      if (X509_cmp(candidate.certificate.get(), link) == 0) return {candidate.certificate, candidate.source, false, {}, {}, {}};
    }
  }
  // Not expected: OpenSSL only builds from what it was given. Report the certificate as it is.
  X509_up_ref(link);
  return {x509::Certificate::adopt(crypto::X509Ptr(link)), from_store ? ElementSource::kTrust : ElementSource::kUntrusted,
          from_store, {}, {}, {}};
}

BuiltPath PathBuilder::build(const x509::Certificate& end_entity, const std::vector<x509::Certificate>& untrusted,
                             Timestamp at, const std::string& required_eku, FetchSession& session) const {
  std::vector<Candidate> pool;
  for (const auto& certificate : untrusted) pool.push_back({certificate, ElementSource::kUntrusted});
  // caIssuers fetches, with the certificate whose URL was fetched.
  std::vector<std::pair<x509::Certificate, FetchRecord>> issuer_fetches;
  std::set<std::string, std::less<>> fetched_urls;

  Pass pass = run_openssl(anchors_.store(), end_entity, pool, at);
  for (int round = 0; round < kMaxDepth; ++round) {
    int top = sk_X509_num(pass.chain.get()) - 1;
    bool issuer_missing = std::any_of(pass.findings.begin(), pass.findings.end(), [&](const Finding& finding) {
      return finding.depth == top && problem_of(finding.error) == ProblemCode::kIssuerNotFound;
    });
    if (!issuer_missing || top < 0) break;
    X509* top_cert = sk_X509_value(pass.chain.get(), top);
    // A copy (certificates share their data): the pool grows below, and may move its elements.
    x509::Certificate owner = end_entity;
    for (const Candidate& candidate : pool) {
      if (X509_cmp(candidate.certificate.get(), top_cert) == 0) owner = candidate.certificate;
    }
    std::size_t before = pool.size();
    for (const std::string& url : owner.ca_issuers_urls()) {
      if (fetched_urls.size() >= static_cast<std::size_t>(kMaxIssuerFetches)) break;
      if (!fetched_urls.insert(url).second) continue;
      FetchRecord record;
      FetchRequest request;
      request.url = url;
      FetchResponse response = session.fetch(std::move(request), FetchPurpose::kCaIssuers, record);
      if (response.outcome == FetchOutcome::kOk) {
        auto certificates = parse_issuer_certificates(response.body);
        if (!certificates.ok()) {
          record.outcome = FetchOutcome::kBadData;
          record.detail = certificates.error().message();
        } else {
          std::size_t added = 0;
          for (auto& certificate : certificates.value()) {
            bool known = std::any_of(pool.begin(), pool.end(), [&](const Candidate& c) {
              return X509_cmp(c.certificate.get(), certificate.get()) == 0;
            });
            if (!known && X509_cmp(certificate.get(), end_entity.get()) != 0) {
              pool.push_back({std::move(certificate), ElementSource::kAia});
              ++added;
            }
          }
          record.detail = fmt::format("{} certificate(s), {} new", certificates->size(), added);
        }
      }
      issuer_fetches.emplace_back(owner, std::move(record));
    }
    if (pool.size() == before) break;
    pass = run_openssl(anchors_.store(), end_entity, pool, at);
  }

  BuiltPath path;
  int length = sk_X509_num(pass.chain.get());
  for (int depth = 0; depth < length; ++depth) {
    X509* link = sk_X509_value(pass.chain.get(), depth);
    ChainElement element{end_entity, ElementSource::kInput, false, {}, {}, {}};
    if (depth > 0) element = identify(link, depth >= pass.from_untrusted, pool);
    for (const Finding& finding : pass.findings) {
      if (finding.depth == depth) element.problems.push_back({problem_of(finding.error), problem_text(finding.error, element.certificate)});
    }
    for (auto& [owner, record] : issuer_fetches) {
      if (X509_cmp(owner.get(), element.certificate.get()) == 0) element.fetches.push_back(record);
    }
    path.elements.push_back(std::move(element));
  }
  if (path.elements.empty()) path.elements.push_back({end_entity, ElementSource::kInput, false, {}, {}, {}});
  const ChainElement& top = path.elements.back();
  path.complete = (X509_get_extension_flags(top.certificate.get()) & EXFLAG_SS) != 0;
  bool untrusted_root = std::any_of(path.elements.begin(), path.elements.end(), [](const ChainElement& element) {
    return std::any_of(element.problems.begin(), element.problems.end(), [](const Problem& problem) {
      return problem.code == ProblemCode::kUntrustedRoot || problem.code == ProblemCode::kIssuerNotFound;
    });
  });
  path.trusted = top.is_anchor && !untrusted_root;
  check_extended_key_usage(path.elements, required_eku);
  return path;
}

}  // namespace nimbus::verify
