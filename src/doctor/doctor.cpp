#include "doctor/doctor.h"

#include <fmt/format.h>

#include "doctor/checks.h"

namespace nimbus::doctor {

namespace {

// The store's records hold together: every authority with a certificate has one that parses and
// whose enterprise chain parses. A finding otherwise, and nothing to check further for it.
std::optional<CheckedAuthority> checked_authority(const store::AuthorityRecord& record, Checks& checks) {
  auto certificate = x509::Certificate::from_der(*record.certificate_der);
  if (!certificate.ok()) {
    checks.find({"store", record.id, {},
                 fmt::format("the stored certificate of '{}' does not parse: {}", record.id,
                             certificate.error().message()),
                 "restore the store from a backup"});
    return std::nullopt;
  }
  CheckedAuthority checked{record, *certificate, {}};
  if (record.external_chain_pem && !record.external_chain_pem->empty()) {
    auto chain = x509::Certificate::parse_all(as_bytes(*record.external_chain_pem));
    if (!chain.ok()) {
      checks.find({"store", record.id, {},
                   fmt::format("the stored enterprise chain of '{}' does not parse: {}", record.id,
                               chain.error().message()),
                   "restore the store from a backup"});
      return std::nullopt;
    }
    checked.external_chain = std::move(*chain);
  }
  return checked;
}

}  // namespace

Examination examine(const DoctorInput& input) {
  Examination examination;
  Checks checks(input, examination);
  auto authorities = input.store.list_authorities();
  if (!authorities.ok()) {
    checks.find({"store", {}, {}, fmt::format("the store cannot be read: {}", authorities.error().message()),
                 "check the store's file (or database) and the permissions of the data directory"});
    return examination;
  }
  if (authorities->empty()) {
    checks.find({"store", {}, {}, "the deployment has no authority", "create one: 'nimbus ca create-root'"});
  }
  for (const store::AuthorityRecord& record : *authorities) {
    if (!record.certificate_der) {
      checks.pass(fmt::format("{}: pending, waiting for its certificate; nothing is published for it yet", record.id));
      continue;
    }
    std::optional<CheckedAuthority> authority = checked_authority(record, checks);
    if (!authority) continue;
    checks.chain_locations(*authority);
    if (record.status == store::AuthorityStatus::kRevoked) {
      checks.pass(fmt::format("{}: revoked; its own publication is not checked", record.id));
      continue;
    }
    checks.expiry(*authority);
    checks.aia(*authority);
    checks.cdp(*authority);
    checks.ocsp(*authority);
    checks.ocsp_signer(*authority);
    if (record.kind == store::AuthorityKind::kIssuing && record.status == store::AuthorityStatus::kActive) {
      checks.scep(*authority);
    }
  }
  return examination;
}

std::string examination_text(const Examination& examination) {
  std::string text;
  for (const std::string& line : examination.passed) text += fmt::format("ok       {}\n", line);
  for (const Finding& finding : examination.findings) {
    text += fmt::format("PROBLEM  {}{}{}: {}\n", finding.check, finding.authority.empty() ? "" : " ",
                        finding.authority, finding.problem);
    if (!finding.url.empty()) text += fmt::format("         URL: {}\n", finding.url);
    text += fmt::format("         Fix: {}\n", finding.fix);
  }
  text += examination.healthy()
              ? fmt::format("\nHealthy: {} checks passed.\n", examination.passed.size())
              : fmt::format("\n{} problem{} found ({} checks passed).\n", examination.findings.size(),
                            examination.findings.size() == 1 ? "" : "s", examination.passed.size());
  return text;
}

nlohmann::json examination_json(const Examination& examination) {
  auto text_or_null = [](const std::string& text) {
    return text.empty() ? nlohmann::json(nullptr) : nlohmann::json(text);
  };
  nlohmann::json findings = nlohmann::json::array();
  for (const Finding& finding : examination.findings) {
    findings.push_back({{"check", finding.check},
                        {"authority", text_or_null(finding.authority)},
                        {"url", text_or_null(finding.url)},
                        {"problem", finding.problem},
                        {"fix", finding.fix}});
  }
  return {{"healthy", examination.healthy()}, {"passed", examination.passed}, {"findings", std::move(findings)}};
}

}  // namespace nimbus::doctor
