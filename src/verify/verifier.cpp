#include "verify/verifier.h"

#include <spdlog/spdlog.h>

namespace nimbus::verify {

namespace {

bool has_revocation_urls(const x509::Certificate& certificate) {
  return !certificate.ocsp_urls().empty() || !certificate.crl_distribution_urls().empty();
}

}  // namespace

Verifier::Verifier(TrustAnchors anchors, UrlFetcher* fetcher, RevocationCache* cache,
                   std::vector<x509::CertificateRevocationList> local_crls, FetchLimits limits)
    : paths_(std::move(anchors)), revocation_(cache, std::move(local_crls)), fetcher_(fetcher), limits_(limits) {}

std::size_t Verifier::refresh_revocation_data(Timestamp now) const {
  FetchSession session(fetcher_, limits_);
  return revocation_.refresh_cached(now, session);
}

Report Verifier::verify(const x509::Certificate& end_entity, const std::vector<x509::Certificate>& untrusted,
                        const VerifyOptions& options) const {
  Report report;
  report.validation_time = options.at;
  report.options = options;
  report.urlfetch = fetcher_ != nullptr;
  report.limits = limits_;
  FetchSession session(fetcher_, limits_);

  BuiltPath path = paths_.build(end_entity, untrusted, options.at, options.required_eku, session);
  report.complete = path.complete;
  report.trusted = path.trusted;
  report.elements = std::move(path.elements);

  const RevocationPolicy& policy = options.policy;
  for (std::size_t i = 0; i < report.elements.size(); ++i) {
    ChainElement& element = report.elements[i];
    RevocationResult& result = element.revocation;
    bool self_issued = element.certificate.is_self_issued();
    if (policy.no_revocation_check) {
      result.detail = "not checked (no_revocation_check)";
      continue;
    }
    if (element.is_anchor && policy.no_root_revocation_check) {
      result.detail = "not checked (no_root_revocation_check)";
      continue;
    }
    if (self_issued && !has_revocation_urls(element.certificate)) {
      // A root that names no revocation source can only be distrusted, never revoked.
      result.status = RevocationStatus::kNoInformation;
      result.counts = false;
      result.detail = "a self-signed certificate without a CRL distribution point or OCSP URL; it does not count";
      continue;
    }
    const x509::Certificate* issuer = nullptr;
    if (i + 1 < report.elements.size()) {
      issuer = &report.elements[i + 1].certificate;
    } else if (self_issued) {
      issuer = &element.certificate;
    }
    if (issuer == nullptr) {
      result.detail = "not checked: the issuer is unknown, so no CRL or OCSP answer could be trusted";
      continue;
    }
    result = revocation_.check(element.certificate, *issuer, options.at, session, element.fetches);
  }
  report.verdict = decide(report.elements, policy);
  return report;
}

}  // namespace nimbus::verify
