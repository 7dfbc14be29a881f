#include "cli/verify_view.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "verify/explanation.h"

namespace nimbus::cli {

namespace {

using json = nlohmann::json;
using namespace nimbus::verify;

json nullable(std::string_view text) { return text.empty() ? json(nullptr) : json(std::string(text)); }

std::string_view role_of(const Report& report, std::size_t index) {
  if (index == 0) return "end_entity";
  if (report.elements[index].is_anchor) return "anchor";
  return "intermediate";
}

json fetch_json(const FetchRecord& fetch) {
  return {{"url", fetch.url},
          {"purpose", fetch_purpose_name(fetch.purpose)},
          {"outcome", fetch_outcome_name(fetch.outcome)},
          {"http_status", fetch.http_status ? json(*fetch.http_status) : json(nullptr)},
          {"milliseconds", fetch.elapsed.count()},
          {"detail", fetch.detail}};
}

json revocation_json(const RevocationResult& revocation) {
  return {{"status", revocation_status_name(revocation.status)},
          {"method", nullable(revocation_method_name(revocation.method))},
          {"url", nullable(revocation.url)},
          {"reason", revocation.reason ? json(x509::revocation_reason_name(*revocation.reason)) : json(nullptr)},
          {"revoked_at", revocation.revoked_at ? json(format_timestamp(*revocation.revoked_at)) : json(nullptr)},
          {"counts", revocation.counts},
          {"detail", revocation.detail}};
}

json element_json(const Report& report, std::size_t index) {
  const ChainElement& element = report.elements[index];
  const x509::Certificate& certificate = element.certificate;
  json problems = json::array();
  for (const Problem& problem : element.problems) {
    problems.push_back({{"code", problem_code_name(problem.code)}, {"text", problem.text}});
  }
  json fetches = json::array();
  for (const FetchRecord& fetch : element.fetches) fetches.push_back(fetch_json(fetch));
  return {{"index", index},
          {"role", role_of(report, index)},
          {"source", element_source_name(element.source)},
          {"subject", certificate.subject().to_string()},
          {"issuer", certificate.issuer().to_string()},
          {"serial", certificate.serial_hex()},
          {"not_before", format_timestamp(certificate.not_before())},
          {"not_after", format_timestamp(certificate.not_after())},
          {"sha256", to_hex(certificate.sha256_thumbprint())},
          {"ca_issuers_urls", certificate.ca_issuers_urls()},
          {"crl_urls", certificate.crl_distribution_urls()},
          {"ocsp_urls", certificate.ocsp_urls()},
          {"delta_crl_urls", certificate.freshest_crl_urls()},
          {"problems", std::move(problems)},
          {"revocation", revocation_json(element.revocation)},
          {"fetches", std::move(fetches)}};
}

struct Palette {
  bool on;
  std::string paint(std::string_view text, std::string_view code) const {
    return on ? fmt::format("\x1b[{}m{}\x1b[0m", code, text) : std::string(text);
  }
  std::string good(std::string_view text) const { return paint(text, "32"); }
  std::string bad(std::string_view text) const { return paint(text, "31;1"); }
  std::string weak(std::string_view text) const { return paint(text, "33"); }
};

std::string status_text(const RevocationResult& revocation, const Palette& palette) {
  std::string_view name = revocation_status_name(revocation.status);
  switch (revocation.status) {
    case RevocationStatus::kGood: return palette.good(name);
    case RevocationStatus::kRevoked: return palette.bad(name);
    case RevocationStatus::kNotChecked: return std::string(name);
    default: return revocation.counts ? palette.bad(name) : palette.weak(name);
  }
}

void append_list(std::string& out, std::string_view label, const std::vector<std::string>& values) {
  for (const std::string& value : values) out += fmt::format("    {:<11} {}\n", label, value);
}

}  // namespace

json verify_report_json(const Report& report) {
  const Verdict& verdict = report.verdict;
  const ReasonCodeInfo& info = reason_code_info(verdict.reason);
  const RevocationPolicy& policy = report.options.policy;
  json elements = json::array();
  for (std::size_t i = 0; i < report.elements.size(); ++i) elements.push_back(element_json(report, i));
  return {{"schema_version", kVerifyReportSchemaVersion},
          {"decision", verdict.accepted ? "accept" : "deny"},
          {"reason_code", info.nps_code},
          {"reason", nullable(info.windows_error)},
          {"reason_text", verdict.accepted ? json(nullptr) : json(std::string(info.text))},
          {"client_error", info.client_error == 0 ? json(nullptr) : json(info.client_error)},
          {"summary", verdict_sentence(report)},
          {"fix", nullable(suggested_fix(report))},
          {"faulty_element", verdict.faulty_element ? json(*verdict.faulty_element) : json(nullptr)},
          {"validation_time", format_timestamp(report.validation_time)},
          {"policy",
           {{"urlfetch", report.urlfetch},
            {"no_revocation_check", policy.no_revocation_check},
            {"ignore_no_revocation_check", policy.ignore_no_revocation_check},
            {"ignore_revocation_offline", policy.ignore_revocation_offline},
            {"no_root_revocation_check", policy.no_root_revocation_check},
            {"required_eku", report.options.required_eku},
            {"timeout_seconds", std::chrono::duration_cast<std::chrono::seconds>(report.limits.timeout).count()}}},
          {"chain", {{"complete", report.complete}, {"trusted", report.trusted}}},
          {"elements", std::move(elements)}};
}

std::string verify_report_text(const Report& report, bool colour) {
  Palette palette{colour};
  std::string out = fmt::format("Chain of {} certificate{}, validated at {}; URL retrieval {}.\n",
                                report.elements.size(), report.elements.size() == 1 ? "" : "s",
                                format_timestamp(report.validation_time), report.urlfetch ? "on" : "off");
  for (std::size_t i = 0; i < report.elements.size(); ++i) {
    const ChainElement& element = report.elements[i];
    const x509::Certificate& certificate = element.certificate;
    out += fmt::format("\n[{}] {}: {}\n", i, role_of(report, i), certificate.subject().to_string());
    out += fmt::format("    {:<11} {}\n", "issuer", certificate.issuer().to_string());
    out += fmt::format("    {:<11} {}\n", "serial", certificate.serial_hex());
    out += fmt::format("    {:<11} {} .. {}\n", "validity", format_timestamp(certificate.not_before()),
                       format_timestamp(certificate.not_after()));
    out += fmt::format("    {:<11} {}\n", "source", element_source_name(element.source));
    append_list(out, "aia", certificate.ca_issuers_urls());
    append_list(out, "ocsp", certificate.ocsp_urls());
    append_list(out, "cdp", certificate.crl_distribution_urls());
    append_list(out, "delta cdp", certificate.freshest_crl_urls());
    for (const FetchRecord& fetch : element.fetches) {
      out += fmt::format("    {:<11} {} {} -> {}{} ({} ms) {}\n", "fetched", fetch_purpose_name(fetch.purpose), fetch.url,
                         fetch_outcome_name(fetch.outcome),
                         fetch.http_status ? fmt::format(" {}", *fetch.http_status) : "", fetch.elapsed.count(),
                         fetch.detail);
    }
    for (const Problem& problem : element.problems) {
      out += fmt::format("    {:<11} {}: {}\n", "problem", palette.bad(problem_code_name(problem.code)), problem.text);
    }
    const RevocationResult& revocation = element.revocation;
    std::string via = revocation.url.empty() ? "" : fmt::format(" via {} {}", revocation_method_name(revocation.method), revocation.url);
    out += fmt::format("    {:<11} {}{}: {}\n", "revocation", status_text(revocation, palette), via, revocation.detail);
  }
  const Verdict& verdict = report.verdict;
  out += fmt::format("\nVerdict: {}\n", verdict.accepted ? palette.good(verdict_sentence(report))
                                                        : palette.bad(verdict_sentence(report)));
  if (std::string fix = suggested_fix(report); !fix.empty()) out += fmt::format("Fix: {}\n", fix);
  return out;
}

}  // namespace nimbus::cli
