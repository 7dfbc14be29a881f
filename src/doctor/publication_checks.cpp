// What a relying party fetches: AIA, CDP, OCSP and SCEP, through the deployment's base URL.
#include <fmt/format.h>

#include "doctor/checks.h"
#include "verify/ocsp_query.h"
#include "x509/crl.h"
#include "x509/pkcs7_certificates.h"

namespace nimbus::doctor {

namespace {

constexpr std::size_t kMaxAnswerBytes = 16u << 20;
// How long a node may take to serve a CRL another process published: it reads the store every second.
constexpr Duration kPublicationGrace = std::chrono::seconds(5);

std::string serve_fix(const DoctorInput& input) {
  return fmt::format("check that 'nimbus serve' runs and that {} reaches it (a proxy or CDN in front must pass "
                     "/aia, /cdp, /ocsp and /scep through)",
                     input.urls.base());
}

}  // namespace

std::optional<Bytes> Checks::fetch(const std::string& check, const std::string& authority, const std::string& url,
                                   std::optional<Bytes> post_body, std::string content_type) {
  verify::FetchRequest request;
  request.url = url;
  request.post_body = std::move(post_body);
  request.content_type = std::move(content_type);
  request.max_bytes = kMaxAnswerBytes;
  verify::FetchResponse response = input_.fetcher.fetch(request);
  if (response.outcome == verify::FetchOutcome::kOk) return std::move(response.body);
  std::string seen = response.http_status ? fmt::format("HTTP {}", *response.http_status)
                                          : std::string(verify::fetch_outcome_name(response.outcome));
  if (!response.detail.empty()) seen += ": " + response.detail;
  find({check, authority, url, fmt::format("fetching it failed ({})", seen), serve_fix(input_)});
  return std::nullopt;
}

void Checks::aia(const CheckedAuthority& authority) {
  const std::string url = input_.urls.aia(authority.record.id);
  std::optional<Bytes> body = fetch("aia", authority.record.id, url);
  if (!body) return;
  auto served = x509::Certificate::parse(*body);
  if (!served.ok()) {
    find({"aia", authority.record.id, url, fmt::format("the answer is not a certificate: {}", served.error().message()),
          serve_fix(input_)});
  } else if (!(*served == authority.certificate)) {
    find({"aia", authority.record.id, url,
          fmt::format("it serves \"{}\", not this authority's certificate", served->subject().to_string()),
          "a cache or another server answers at this URL: purge it, or point the base URL at this deployment"});
  } else {
    pass(fmt::format("aia {}: its certificate", authority.record.id));
  }
}

void Checks::cdp(const CheckedAuthority& authority) {
  const std::string& id = authority.record.id;
  const std::string url = input_.urls.cdp(id);
  std::optional<Bytes> body = fetch("cdp", id, url);
  if (!body) return;
  auto crl = x509::CertificateRevocationList::parse(*body);
  if (!crl.ok()) {
    find({"cdp", id, url, fmt::format("the answer is not a CRL: {}", crl.error().message()), serve_fix(input_)});
    return;
  }
  if (!crl->issuer_matches(authority.certificate) || !crl->is_signed_by(authority.certificate.public_key())) {
    find({"cdp", id, url, "the CRL served is not signed by this authority's key",
          "a cache or another server answers at this URL: purge it, or point the base URL at this deployment"});
    return;
  }
  const std::uint64_t number = crl->number().value_or(0);
  auto stored = input_.store.latest_crl(id);
  const bool behind = stored.ok() && *stored && (*stored)->number > number;
  if (behind && input_.now - (*stored)->this_update <= kPublicationGrace) {
    pass(fmt::format("cdp {}: CRL {}; CRL {}, published {} s ago, is on its way", id, number, (*stored)->number,
                     std::chrono::duration_cast<std::chrono::seconds>(input_.now - (*stored)->this_update).count()));
    return;
  }
  if (behind) {
    find({"crl-freshness", id, url,
          fmt::format("it serves CRL {} while CRL {} was published: relying parties see old revocations", number,
                      (*stored)->number),
          "a cache in front of the CDP keeps an old copy: purge it, and let it keep a CRL no longer than the "
          "Cache-Control max-age Nimbus sends"});
    return;
  }
  std::optional<Timestamp> next_update = crl->next_update();
  if (!next_update || *next_update <= input_.now) {
    find({"crl-freshness", id, url,
          next_update ? fmt::format("the CRL expired at {}: clients fail revocation checks (NPS reason code 258)",
                                    format_timestamp(*next_update))
                      : "the CRL has no nextUpdate",
          fmt::format("run 'nimbus crl publish --ca {}' and keep 'nimbus serve' running: it republishes on time", id)});
    return;
  }
  if (*next_update - input_.now < input_.crl_policy.republish_before_expiry / 2) {
    find({"crl-freshness", id, url,
          fmt::format("the CRL expires at {} and should have been replaced by now", format_timestamp(*next_update)),
          fmt::format("'nimbus serve' republishes CRLs once {} of their validity is left: check that it runs and its "
                      "log; 'nimbus crl publish --ca {}' republishes now",
                      describe_duration(input_.crl_policy.republish_before_expiry), id)});
    return;
  }
  pass(fmt::format("cdp {}: CRL {}, {} entries, valid until {}", id, number, crl->revoked_count(),
                   format_timestamp(*next_update)));
}

void Checks::ocsp(const CheckedAuthority& authority) {
  const std::string& id = authority.record.id;
  store::CertificateFilter filter;
  filter.issuer_id = id;
  filter.limit = 1;
  filter.now = input_.now;
  auto issued = input_.store.list_certificates(filter);
  if (!issued.ok() || issued->empty()) {
    pass(fmt::format("ocsp {}: nothing issued yet to ask about", id));
    return;
  }
  const store::CertificateRecord& known = issued->front();
  auto subject = x509::Certificate::from_der(known.der);
  if (!subject.ok()) return;
  auto query = verify::OcspQuery::make(*subject, authority.certificate);
  if (!query.ok()) return;
  const std::string url = input_.urls.ocsp(id);
  std::optional<Bytes> body = fetch("ocsp", id, url, query->request_der(), "application/ocsp-request");
  if (!body) return;
  auto answer = query->judge(*body, authority.certificate, input_.now);
  if (!answer.ok()) {
    find({"ocsp", id, url, fmt::format("the answer about {} does not hold: {}", known.serial, answer.error().message()),
          fmt::format("check the node's log for the OCSP signer of '{}'; restarting 'nimbus serve' issues a new one",
                      id)});
    return;
  }
  if (std::optional<std::string> stale = answer->stale_at(input_.now)) {
    find({"ocsp", id, url, fmt::format("the answer about {} is {}", known.serial, *stale),
          "a cache in front of the responder keeps old answers: purge it"});
    return;
  }
  const bool revoked = known.revoked_at.has_value();
  const bool says_revoked = answer->status == verify::OcspAnswer::Status::kRevoked;
  if (answer->status == verify::OcspAnswer::Status::kUnknown || revoked != says_revoked) {
    find({"ocsp", id, url,
          fmt::format("it says {} is {}, but the store has it {}", known.serial,
                      answer->status == verify::OcspAnswer::Status::kUnknown ? "unknown"
                                                                           : (says_revoked ? "revoked" : "good"),
                      revoked ? "revoked" : "valid"),
          "another deployment answers at this URL, or the node does not read this store: check the base URL"});
    return;
  }
  pass(fmt::format("ocsp {}: {} is {}, signed by \"{}\"", id, known.serial, revoked ? "revoked" : "good",
                   answer->responder));
}

void Checks::scep(const CheckedAuthority& authority) {
  const std::string& id = authority.record.id;
  const std::string base = input_.urls.scep(id);
  std::optional<Bytes> caps = fetch("scep", id, base + "?operation=GetCACaps");
  if (!caps) return;
  const std::string capabilities(caps->begin(), caps->end());
  if (capabilities.find("SHA-256") == std::string::npos || capabilities.find("POSTPKIOperation") == std::string::npos) {
    find({"scep", id, base + "?operation=GetCACaps", "the capabilities lack SHA-256 or POSTPKIOperation",
          "another server answers at this URL: point the base URL at this deployment"});
    return;
  }
  const std::string cert_url = base + "?operation=GetCACert";
  std::optional<Bytes> body = fetch("scep", id, cert_url);
  if (!body) return;
  auto certificates = x509::certificates_from_pkcs7(*body);
  if (!certificates.ok()) {
    find({"scep", id, cert_url, fmt::format("GetCACert is not a PKCS#7 of certificates: {}",
                                            certificates.error().message()),
          "another server answers at this URL: point the base URL at this deployment"});
    return;
  }
  const x509::Certificate* ra = nullptr;
  for (const x509::Certificate& certificate : *certificates) {
    if (!certificate.is_ca()) ra = &certificate;
  }
  if (ra == nullptr) {
    find({"scep", id, cert_url, "GetCACert holds no RA certificate",
          "restart 'nimbus serve': it issues the RA certificate of every active issuing CA"});
    return;
  }
  if (ra->not_after() - input_.now < kSelfRenewingExpiryMargin) {
    find({"expiry", id, cert_url,
          fmt::format("the SCEP RA certificate expires at {}", format_timestamp(ra->not_after())),
          "'nimbus serve' renews it ahead of time: check that it runs and its log for the RA of this CA"});
    return;
  }
  pass(fmt::format("scep {}: GetCACaps and GetCACert, RA certificate valid until {}", id,
                   format_timestamp(ra->not_after())));
}

}  // namespace nimbus::doctor
