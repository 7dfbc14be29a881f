#include "verify/path_builder.h"

#include <algorithm>
#include <set>
#include <span>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "verify/fetched_objects.h"
#include "x509/chain_verification.h"
#include "x509/key_purposes.h"

namespace nimbus::verify {

namespace {

constexpr std::string_view kAnyExtendedKeyUsage = "2.5.29.37.0";
using x509::kClientAuthOid;

// The certificates that may join a path besides the end entity: the untrusted ones given, then
// those fetched through AIA. The given ones are copied only when a fetch adds to them, which most
// verifications never need.
class Candidates {
 public:
  explicit Candidates(const std::vector<x509::Certificate>& given) : given_(given) {}

  std::span<const x509::Certificate> all() const {
    return grown_.empty() ? std::span<const x509::Certificate>(given_) : std::span<const x509::Certificate>(grown_);
  }
  std::size_t size() const { return all().size(); }
  ElementSource source_of(std::size_t index) const {
    return index < given_.size() ? ElementSource::kUntrusted : ElementSource::kAia;
  }
  bool holds(const x509::Certificate& certificate) const {
    std::span<const x509::Certificate> candidates = all();
    return std::find(candidates.begin(), candidates.end(), certificate) != candidates.end();
  }
  void add_fetched(x509::Certificate certificate) {
    if (grown_.empty()) grown_ = given_;
    grown_.push_back(std::move(certificate));
  }

 private:
  const std::vector<x509::Certificate>& given_;
  std::vector<x509::Certificate> grown_;
};

x509::ChainVerification run_openssl(const TrustAnchors& anchors, const x509::Certificate& end_entity,
                                    const Candidates& candidates, Timestamp at) {
  return x509::verify_chain(anchors.store(), end_entity, candidates.all(), at, PathBuilder::kMaxDepth);
}

ProblemCode problem_of(x509::ChainError error) {
  using Kind = x509::ChainError::Kind;
  switch (error.kind()) {
    case Kind::kExpired: return ProblemCode::kExpired;
    case Kind::kNotYetValid: return ProblemCode::kNotYetValid;
    case Kind::kBadSignature: return ProblemCode::kBadSignature;
    case Kind::kSelfSigned:
    case Kind::kUntrusted: return ProblemCode::kUntrustedRoot;
    case Kind::kIssuerNotFound: return ProblemCode::kIssuerNotFound;
    case Kind::kNotACa: return ProblemCode::kNotACa;
    case Kind::kPathLength: return ProblemCode::kPathLength;
    case Kind::kKeyUsage: return ProblemCode::kKeyUsage;
    case Kind::kPurpose: return ProblemCode::kWrongEku;
    case Kind::kNameConstraints: return ProblemCode::kNameConstraints;
    case Kind::kOutOfMemory:
    case Kind::kOther: return ProblemCode::kOther;
  }
  return ProblemCode::kOther;
}

std::string problem_text(x509::ChainError error, const x509::Certificate& certificate) {
  using Kind = x509::ChainError::Kind;
  switch (error.kind()) {
    case Kind::kExpired:
      return fmt::format("the certificate expired at {}", format_timestamp(certificate.not_after()));
    case Kind::kNotYetValid:
      return fmt::format("the certificate is not valid before {}", format_timestamp(certificate.not_before()));
    case Kind::kIssuerNotFound:
      return fmt::format("its issuer \"{}\" was not found among the given certificates, the trust anchors or "
                         "through AIA",
                         certificate.issuer().to_string());
    case Kind::kSelfSigned: return "a self-signed certificate that is not a trust anchor";
    default: return std::string(error.message());
  }
}

// Whether `certificate`'s EKU lists `required` (or, when `any_allowed`, anyExtendedKeyUsage).
// Client authentication, asked on every RADIUS authentication, is answered from the flags OpenSSL
// computed when it parsed the certificate (`flags`); other purposes decode the extension.
bool lists_purpose(const x509::Certificate& certificate, const x509::ExtendedKeyUsageFlags& flags,
                   const std::string& required, bool any_allowed) {
  if (required == kClientAuthOid && flags.present) return flags.client_auth || (any_allowed && flags.any_purpose);
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
    x509::ExtendedKeyUsageFlags flags = element.certificate.extended_key_usage_flags();
    if (i == 0 ? lists_purpose(element.certificate, flags, required, false)
               : (!flags.present || lists_purpose(element.certificate, flags, required, true))) {
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

// The chain element for a certificate above the end entity in the chain OpenSSL built.
ChainElement element_of(x509::ChainLink link, const Candidates& candidates) {
  bool from_store = link.source == x509::LinkSource::kTrusted;
  ElementSource source = ElementSource::kTrust;
  if (!from_store) {
    source = link.index != x509::ChainLink::kNotGiven ? candidates.source_of(link.index) : ElementSource::kUntrusted;
  }
  return {std::move(link.certificate), source, from_store, {}, {}, {}};
}

}  // namespace

BuiltPath PathBuilder::build(const x509::Certificate& end_entity, const std::vector<x509::Certificate>& untrusted,
                             Timestamp at, const std::string& required_eku, FetchSession& session) const {
  Candidates pool(untrusted);
  // caIssuers fetches, with the certificate whose URL was fetched.
  std::vector<std::pair<x509::Certificate, FetchRecord>> issuer_fetches;
  std::set<std::string, std::less<>> fetched_urls;

  x509::ChainVerification pass = run_openssl(anchors_, end_entity, pool, at);
  for (int round = 0; round < kMaxDepth; ++round) {
    if (pass.chain.empty()) break;
    int top = static_cast<int>(pass.chain.size()) - 1;
    bool issuer_missing = std::any_of(pass.faults.begin(), pass.faults.end(), [&](const x509::ChainFault& fault) {
      return fault.depth == top && problem_of(fault.error) == ProblemCode::kIssuerNotFound;
    });
    if (!issuer_missing) break;
    const x509::Certificate& top_cert = pass.chain.back().certificate;
    // A copy (certificates share their data): the pool grows below, and may move its elements.
    x509::Certificate owner = end_entity;
    for (const x509::Certificate& candidate : pool.all()) {
      if (candidate == top_cert) owner = candidate;
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
            if (!pool.holds(certificate) && certificate != end_entity) {
              pool.add_fetched(std::move(certificate));
              ++added;
            }
          }
          record.detail = fmt::format("{} certificate(s), {} new", certificates->size(), added);
        }
      }
      issuer_fetches.emplace_back(owner, std::move(record));
    }
    if (pool.size() == before) break;
    pass = run_openssl(anchors_, end_entity, pool, at);
  }

  BuiltPath path;
  for (std::size_t depth = 0; depth < pass.chain.size(); ++depth) {
    ChainElement element{end_entity, ElementSource::kInput, false, {}, {}, {}};
    if (depth > 0) element = element_of(std::move(pass.chain[depth]), pool);
    for (const x509::ChainFault& fault : pass.faults) {
      if (fault.depth == static_cast<int>(depth)) {
        element.problems.push_back({problem_of(fault.error), problem_text(fault.error, element.certificate)});
      }
    }
    for (auto& [owner, record] : issuer_fetches) {
      if (owner == element.certificate) element.fetches.push_back(record);
    }
    path.elements.push_back(std::move(element));
  }
  if (path.elements.empty()) path.elements.push_back({end_entity, ElementSource::kInput, false, {}, {}, {}});
  const ChainElement& top = path.elements.back();
  path.complete = top.certificate.looks_self_signed();
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
