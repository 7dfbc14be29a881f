#include "views/authority_view.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace nimbus::views {

using nlohmann::json;

namespace {

json optional_string(const std::optional<std::string>& value) {
  return value ? json(*value) : json(nullptr);
}

json string_list(const std::vector<std::string>& values) {
  json list = json::array();
  for (const std::string& value : values) list.push_back(value);
  return list;
}

std::string kind_label(const store::AuthorityRecord& record) {
  if (record.kind == store::AuthorityKind::kRoot) return "root CA";
  return record.parent_id ? "issuing CA" : "issuing CA (external parent)";
}

}  // namespace

Result<AuthorityView> make_authority_view(store::StoreReader& store, store::AuthorityRecord record) {
  AuthorityView view{std::move(record), std::nullopt, std::nullopt};
  if (view.record.certificate_der) {
    auto cert = x509::Certificate::from_der(*view.record.certificate_der);
    if (!cert.ok()) {
      return std::move(cert).error().with_context(fmt::format("stored certificate of '{}'", view.record.id));
    }
    view.certificate = std::move(cert).value();
  }
  NIMBUS_ASSIGN_OR_RETURN(view.latest_crl, store.latest_crl(view.record.id));
  return view;
}

json authority_json(const AuthorityView& view, const ca::PublicationUrls& urls) {
  const store::AuthorityRecord& r = view.record;
  json out;
  out["id"] = r.id;
  out["kind"] = std::string(store::authority_kind_name(r.kind));
  out["parent"] = optional_string(r.parent_id);
  out["subject"] = r.subject;
  out["status"] = std::string(store::authority_status_name(r.status));
  out["key"] = r.key_spec;
  out["created_at"] = format_timestamp(r.created_at);
  out["urls"] = {{"aia", urls.aia(r.id)}, {"cdp", urls.cdp(r.id)}, {"ocsp", urls.ocsp(r.id)}, {"scep", urls.scep(r.id)}};
  if (const auto& cert = view.certificate) {
    out["subject"] = cert->subject().to_string();
    out["issuer"] = cert->issuer().to_string();
    out["external_issuer"] = r.parent_id || r.kind == store::AuthorityKind::kRoot ? json(nullptr)
                                                                                  : json(cert->issuer().to_string());
    out["serial"] = cert->serial_hex();
    out["not_before"] = format_timestamp(cert->not_before());
    out["not_after"] = format_timestamp(cert->not_after());
    out["key"] = cert->public_key().spec_string();
    out["signature_algorithm"] = cert->signature_algorithm();
    out["sha1"] = to_hex(cert->sha1_thumbprint());
    out["sha256"] = to_hex(cert->sha256_thumbprint());
    out["certificate_urls"] = {{"ca_issuers", string_list(cert->ca_issuers_urls())},
                               {"crl_distribution_points", string_list(cert->crl_distribution_urls())},
                               {"ocsp", string_list(cert->ocsp_urls())}};
  } else {
    for (const char* field : {"issuer", "external_issuer", "serial", "not_before", "not_after", "signature_algorithm",
                              "sha1", "sha256", "certificate_urls"}) {
      out[field] = nullptr;
    }
  }
  if (const auto& crl = view.latest_crl) {
    out["crl"] = {{"number", crl->number},
                  {"this_update", format_timestamp(crl->this_update)},
                  {"next_update", format_timestamp(crl->next_update)}};
  } else {
    out["crl"] = nullptr;
  }
  return out;
}

std::string authority_text(const AuthorityView& view, const ca::PublicationUrls& urls) {
  const store::AuthorityRecord& r = view.record;
  std::string out;
  auto line = [&](std::string_view label, std::string_view value) {
    out += fmt::format("{:<13}{}\n", label, value);
  };
  line("Authority", fmt::format("{} ({})", r.id, kind_label(r)));
  line("Status", store::authority_status_name(r.status));
  if (!view.certificate) {
    line("Subject", r.subject);
    line("Key", r.key_spec);
    out += fmt::format("\nWaiting for its certificate from the external parent CA: submit the request written by\n"
                       "'nimbus ca create-issuing --external-parent', then run\n"
                       "  nimbus ca import-cert {} --cert ISSUED.pem --chain ENTERPRISE-CHAIN.pem\n",
                       r.id);
    return out;
  }
  const x509::Certificate& cert = *view.certificate;
  line("Subject", cert.subject().to_string());
  line("Issuer", r.parent_id ? fmt::format("{}  (parent: {})", cert.issuer().to_string(), *r.parent_id)
                             : cert.issuer().to_string());
  line("Serial", cert.serial_hex());
  line("SHA-1", to_colon_hex(cert.sha1_thumbprint()));
  line("SHA-256", to_colon_hex(cert.sha256_thumbprint()));
  line("Valid from", format_timestamp(cert.not_before()));
  line("Valid to", format_timestamp(cert.not_after()));
  line("Key", fmt::format("{} ({})", cert.public_key().description(), cert.public_key().spec_string()));
  line("Signature", cert.signature_algorithm());
  if (view.latest_crl) {
    line("CRL", fmt::format("number {}, next update {}", view.latest_crl->number,
                            format_timestamp(view.latest_crl->next_update)));
  }
  out += "\nPublished for clients:\n";
  line("  AIA", urls.aia(r.id));
  line("  CDP", urls.cdp(r.id));
  line("  OCSP", urls.ocsp(r.id));
  line("  SCEP", urls.scep(r.id));
  if (r.kind != store::AuthorityKind::kRoot) {
    out += "\nIts own certificate, as relying parties check it:\n";
    auto list = [](const std::vector<std::string>& urls) {
      return urls.empty() ? std::string("(none)") : fmt::format("{}", fmt::join(urls, " "));
    };
    line("  AIA", list(cert.ca_issuers_urls()));
    line("  CDP", list(cert.crl_distribution_urls()));
    if (!cert.ocsp_urls().empty()) line("  OCSP", list(cert.ocsp_urls()));
  }
  return out;
}

std::string authority_table(const std::vector<AuthorityView>& views) {
  std::string out = fmt::format("{:<24} {:<8} {:<24} {:<8} {:<21} {:<9} {}\n", "ID", "KIND", "PARENT", "STATUS",
                                "NOT AFTER", "KEY", "SUBJECT");
  for (const AuthorityView& view : views) {
    const store::AuthorityRecord& r = view.record;
    std::string parent = r.parent_id ? *r.parent_id : (r.kind == store::AuthorityKind::kRoot ? "-" : "(external)");
    std::string not_after = view.certificate ? format_timestamp(view.certificate->not_after()) : "-";
    std::string subject = view.certificate ? view.certificate->subject().to_string() : r.subject;
    out += fmt::format("{:<24} {:<8} {:<24} {:<8} {:<21} {:<9} {}\n", r.id, store::authority_kind_name(r.kind),
                       parent, store::authority_status_name(r.status), not_after, r.key_spec, subject);
  }
  return out;
}

}  // namespace nimbus::views
