#include "verify/revocation_checker.h"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include "core/log_text.h"
#include "verify/fetched_objects.h"
#include "verify/ocsp_query.h"

namespace nimbus::verify {

// What one check has tried so far: the fetch log it appends to and why each source failed.
struct RevocationChecker::Attempt {
  std::vector<FetchRecord>& fetches;
  std::vector<std::string> failures;

  FetchRecord& record(std::string url, FetchPurpose purpose, FetchOutcome outcome, std::string detail) {
    FetchRecord entry;
    entry.url = std::move(url);
    entry.purpose = purpose;
    entry.outcome = outcome;
    entry.detail = std::move(detail);
    fetches.push_back(std::move(entry));
    return fetches.back();
  }
  void failed(const FetchRecord& record) {
    failures.push_back(fmt::format("{}: {}", record.url, record.detail));
  }
};

namespace {

RevocationResult from_crl_entry(const std::string& source, const std::optional<CrlRevocation>& entry,
                                const CheckedCrl& crl) {
  RevocationResult result;
  result.method = RevocationMethod::kCrl;
  result.url = source;
  if (!entry || entry->removed_from_crl) {
    result.status = RevocationStatus::kGood;
    result.detail = fmt::format("not listed on {}", crl.describe());
    return result;
  }
  result.status = RevocationStatus::kRevoked;
  result.reason = entry->reason;
  result.revoked_at = entry->revoked_at;
  result.detail = fmt::format("listed on {}", crl.describe());
  return result;
}

}  // namespace

RevocationChecker::RevocationChecker(RevocationCache* cache, std::vector<x509::CertificateRevocationList> local_crls)
    : cache_(cache), local_crls_(std::move(local_crls)) {}

RevocationResult RevocationChecker::check(const x509::Certificate& subject, const x509::Certificate& issuer,
                                          Timestamp at, FetchSession& session,
                                          std::vector<FetchRecord>& fetches) const {
  Attempt attempt{fetches, {}};
  if (auto local = consult_local_crls(subject, issuer, at, attempt)) return *local;

  std::vector<std::string> responders = subject.ocsp_urls();
  std::vector<std::string> distribution_points = subject.crl_distribution_urls();
  if (responders.empty() && distribution_points.empty()) {
    RevocationResult result;
    result.status = RevocationStatus::kNoInformation;
    result.detail = "the certificate has no CRL distribution point and no OCSP URL";
    return result;
  }
  for (const std::string& url : responders) {
    if (auto answer = ask_responder(url, subject, issuer, at, session, attempt)) return *answer;
  }
  for (const std::string& url : distribution_points) {
    if (auto answer = consult_crl(url, subject, issuer, at, session, attempt)) return *answer;
  }
  RevocationResult result;
  result.status = RevocationStatus::kOffline;
  result.detail = attempt.failures.empty() ? "no revocation source answered"
                                           : fmt::format("no usable answer: {}", fmt::join(attempt.failures, "; "));
  return result;
}

RevocationChecker::LocalCheck RevocationChecker::check_local(std::size_t index, const x509::Certificate& issuer) const {
  std::pair<std::size_t, Bytes> key{index, issuer_identity(issuer)};
  std::lock_guard lock(local_mutex_);
  auto found = local_checks_.find(key);
  if (found != local_checks_.end()) return found->second;
  LocalCheck outcome;
  auto checked = CheckedCrl::check(local_crls_[index], issuer, false);
  if (checked.ok()) {
    outcome.crl = std::move(checked).value();
  } else {
    outcome.problem = checked.error().message();
  }
  local_checks_.emplace(std::move(key), outcome);
  return outcome;
}

std::optional<RevocationResult> RevocationChecker::consult_local_crls(const x509::Certificate& subject,
                                                                      const x509::Certificate& issuer, Timestamp at,
                                                                      Attempt& attempt) const {
  for (std::size_t i = 0; i < local_crls_.size(); ++i) {
    const auto& local = local_crls_[i];
    if (!local.issuer_matches(issuer)) continue;
    std::string source = fmt::format("local CRL #{} of \"{}\"", local.number().value_or(0), local.issuer().to_string());
    LocalCheck checked = check_local(i, issuer);
    std::optional<std::string> problem;
    if (!checked.crl) {
      problem = checked.problem;
    } else if (auto stale = checked.crl->stale_at(at)) {
      problem = *stale;
    } else if (auto scope = checked.crl->scope_mismatch(subject, subject.crl_distribution_urls())) {
      problem = *scope;
    }
    if (problem) {
      attempt.failed(attempt.record(source, FetchPurpose::kCrl, FetchOutcome::kRejected, *problem));
      continue;
    }
    attempt.record(source, FetchPurpose::kCrl, FetchOutcome::kOk, checked.crl->describe());
    return from_crl_entry(source, checked.crl->find(subject.serial()), *checked.crl);
  }
  return std::nullopt;
}

std::optional<RevocationResult> RevocationChecker::ask_responder(const std::string& url,
                                                                 const x509::Certificate& subject,
                                                                 const x509::Certificate& issuer, Timestamp at,
                                                                 FetchSession& session, Attempt& attempt) const {
  auto query = OcspQuery::make(subject, issuer);
  if (!query.ok()) {
    attempt.failed(attempt.record(url, FetchPurpose::kOcsp, FetchOutcome::kNotFetched, query.error().message()));
    return std::nullopt;
  }
  std::optional<OcspAnswer> answer = cache_ ? cache_->find_ocsp(url, query->cert_id_der(), at) : std::nullopt;
  if (answer) {
    attempt.record(url, FetchPurpose::kOcsp, FetchOutcome::kCached, fmt::format("signed by \"{}\"", answer->responder));
  } else {
    FetchRecord record;
    answer = fetch_ocsp(url, *query, subject, issuer, at, session, record);
    attempt.fetches.push_back(record);
    if (!answer) {
      attempt.failed(record);
      return std::nullopt;
    }
  }
  RevocationResult result;
  result.method = RevocationMethod::kOcsp;
  result.url = url;
  switch (answer->status) {
    case OcspAnswer::Status::kGood:
      result.status = RevocationStatus::kGood;
      result.detail = fmt::format("the responder says good (thisUpdate {})", format_timestamp(answer->this_update));
      return result;
    case OcspAnswer::Status::kRevoked:
      result.status = RevocationStatus::kRevoked;
      result.reason = answer->reason;
      result.revoked_at = answer->revoked_at;
      result.detail = "the responder says revoked";
      return result;
    case OcspAnswer::Status::kUnknown:
      attempt.fetches.back().detail = "the responder does not know this certificate (unknown)";
      attempt.failed(attempt.fetches.back());
      return std::nullopt;
  }
  return std::nullopt;
}

std::optional<OcspAnswer> RevocationChecker::fetch_ocsp(const std::string& url, const OcspQuery& query,
                                                        const x509::Certificate& subject,
                                                        const x509::Certificate& issuer, Timestamp at,
                                                        FetchSession& session, FetchRecord& record) const {
  FetchRequest request;
  request.url = url;
  request.post_body = query.request_der();
  request.content_type = "application/ocsp-request";
  FetchResponse response = session.fetch(std::move(request), FetchPurpose::kOcsp, record);
  if (response.outcome != FetchOutcome::kOk) return std::nullopt;
  auto judged = query.judge(response.body, issuer, at);
  if (!judged.ok()) {
    record.outcome = judged.error().code() == ErrorCode::kMalformed ? FetchOutcome::kBadData : FetchOutcome::kRejected;
    record.detail = judged.error().message();
    return std::nullopt;
  }
  if (auto stale = judged->stale_at(at)) {
    record.outcome = FetchOutcome::kRejected;
    record.detail = *stale;
    return std::nullopt;
  }
  record.detail = fmt::format("signed by \"{}\"", judged->responder);
  if (cache_) cache_->store_ocsp(url, query.cert_id_der(), *judged, at, &subject, &issuer);
  return std::move(judged).value();
}

std::shared_ptr<const CheckedCrl> RevocationChecker::obtain_crl(const std::string& url,
                                                                const x509::Certificate& issuer, bool delta,
                                                                Timestamp at, FetchSession& session,
                                                                Attempt& attempt) const {
  FetchPurpose purpose = delta ? FetchPurpose::kDeltaCrl : FetchPurpose::kCrl;
  Bytes issuer_id = issuer_identity(issuer);
  if (cache_) {
    // The cache key does not say whether the CRL was checked as a delta: one URL can be named
    // both ways, and a delta CRL taken for a complete one would hide every earlier revocation.
    if (auto cached = cache_->find_crl(url, issuer_id, at); cached && cached->is_delta() == delta) {
      attempt.record(url, purpose, FetchOutcome::kCached, cached->describe());
      return cached;
    }
  }
  FetchRecord record;
  std::shared_ptr<const CheckedCrl> crl;
  if (!cache_) {
    crl = fetch_crl(url, issuer, delta, at, session, record);
  } else {
    std::string key = url + '\0' + std::string(issuer_id.begin(), issuer_id.end()) + (delta ? 'd' : 'c');
    std::unique_lock lock(flights_mutex_);
    auto [it, first] = flights_.try_emplace(key, nullptr);
    if (first) {
      auto flight = std::make_shared<Flight>();
      it->second = flight;
      lock.unlock();
      crl = fetch_crl(url, issuer, delta, at, session, record);
      lock.lock();
      flight->crl = crl;
      flight->record = record;
      flight->done = true;
      flights_.erase(key);
      flight_landed_.notify_all();
    } else {
      std::shared_ptr<Flight> flight = it->second;
      flight_landed_.wait(lock, [&] { return flight->done; });
      crl = flight->crl;
      record = flight->record;
      record.outcome = crl ? FetchOutcome::kCached : record.outcome;
      record.elapsed = std::chrono::milliseconds(0);
      record.detail += " (fetched once for the verifications that needed it at the same time)";
    }
  }
  attempt.fetches.push_back(record);
  if (!crl) attempt.failed(record);
  return crl;
}

std::shared_ptr<const CheckedCrl> RevocationChecker::fetch_crl(const std::string& url, const x509::Certificate& issuer,
                                                               bool delta, Timestamp at, FetchSession& session,
                                                               FetchRecord& record) const {
  FetchPurpose purpose = delta ? FetchPurpose::kDeltaCrl : FetchPurpose::kCrl;
  FetchRequest request;
  request.url = url;
  FetchResponse response = session.fetch(std::move(request), purpose, record);
  std::shared_ptr<const CheckedCrl> crl;
  if (response.outcome == FetchOutcome::kOk) {
    auto parsed = parse_fetched_crl(response.body);
    if (!parsed.ok()) {
      record.outcome = FetchOutcome::kBadData;
      record.detail = fmt::format("not a CRL: {}", parsed.error().message());
    } else if (auto checked = CheckedCrl::check(*parsed, issuer, delta); !checked.ok()) {
      record.outcome = FetchOutcome::kRejected;
      record.detail = checked.error().message();
    } else if (auto stale = (*checked)->stale_at(at)) {
      record.outcome = FetchOutcome::kRejected;
      record.detail = *stale;
    } else {
      crl = std::move(checked).value();
      record.detail = crl->describe();
      if (cache_) cache_->store_crl(url, issuer_identity(issuer), crl, at, &issuer);
    }
  }
  return crl;
}

std::size_t RevocationChecker::refresh_cached(Timestamp now, FetchSession& session) const {
  if (!cache_) return 0;
  std::size_t refreshed = 0;
  for (const RevocationCache::RefreshCandidate& due : cache_->to_refresh(now)) {
    FetchRecord record;
    bool fresh = false;
    if (due.subject) {
      if (auto query = OcspQuery::make(*due.subject, due.issuer); query.ok()) {
        fresh = fetch_ocsp(due.url, *query, *due.subject, due.issuer, now, session, record).has_value();
      }
    } else {
      fresh = fetch_crl(due.url, due.issuer, false, now, session, record) != nullptr;
    }
    if (fresh) {
      ++refreshed;
    } else {
      spdlog::warn("revocation: {} {} could not be refreshed ahead of its nextUpdate: {}",
                   due.subject ? "the OCSP answer of" : "the CRL at", due.url, loggable(record.detail));
    }
  }
  return refreshed;
}

std::optional<RevocationResult> RevocationChecker::consult_crl(const std::string& url,
                                                               const x509::Certificate& subject,
                                                               const x509::Certificate& issuer, Timestamp at,
                                                               FetchSession& session, Attempt& attempt) const {
  std::shared_ptr<const CheckedCrl> crl = obtain_crl(url, issuer, false, at, session, attempt);
  if (!crl) return std::nullopt;
  if (auto scope = crl->scope_mismatch(subject, subject.crl_distribution_urls())) {
    FetchRecord& record = attempt.fetches.back();
    record.outcome = FetchOutcome::kRejected;
    record.detail = *scope;
    attempt.failed(record);
    return std::nullopt;
  }
  Bytes serial = subject.serial();
  RevocationResult result = from_crl_entry(url, crl->find(serial), *crl);

  // Delta CRLs: a revocation may be published only there, so when the certificate or its CRL
  // names one, the answer waits for it (strict, as a RADIUS server that honours Freshest CRL is).
  std::vector<std::string> delta_urls = subject.freshest_crl_urls();
  for (const std::string& named : crl->freshest_crl_urls()) {
    if (std::find(delta_urls.begin(), delta_urls.end(), named) == delta_urls.end()) delta_urls.push_back(named);
  }
  if (delta_urls.empty()) return result;
  for (const std::string& delta_url : delta_urls) {
    std::shared_ptr<const CheckedCrl> delta = obtain_crl(delta_url, issuer, true, at, session, attempt);
    if (!delta) continue;
    // RFC 5280 5.2.4: a delta applies to complete CRLs numbered at least its BaseCRLNumber. A
    // complete CRL without a number that can be compared cannot be shown to be one of them.
    if (!crl->number() || *delta->base_number() > *crl->number()) {
      FetchRecord& record = attempt.fetches.back();
      record.outcome = FetchOutcome::kRejected;
      record.detail = crl->number() ? fmt::format("the delta CRL needs base CRL #{} or later; the CRL is #{}",
                                                  *delta->base_number(), *crl->number())
                                    : "the CRL has no CRL number a delta CRL can be matched against";
      attempt.failed(record);
      continue;
    }
    if (auto entry = delta->find(serial)) {
      RevocationResult updated = from_crl_entry(delta_url, entry, *delta);
      return updated;
    }
    return result;
  }
  return std::nullopt;
}

}  // namespace nimbus::verify
