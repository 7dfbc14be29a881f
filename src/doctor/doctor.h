// The doctor: a deployment examined as relying parties see it. It fetches every URL Nimbus
// publishes through the base URL (AIA, CDP, OCSP, SCEP GetCACaps and GetCACert) and checks each
// answer — the right certificate, a CRL signed by the right key that is neither behind the store nor
// near its nextUpdate, a good OCSP answer for a certificate the store knows, the RA certificate —
// then that no CA, OCSP signer or RA certificate is near expiry, that every CA certificate below a
// root (an enterprise chain's included) carries a CDP and AIA, and that the store's records hold
// together. Shared by `nimbus doctor`, the console's health page and /metrics.
//
// Every check that fails is a Finding with what was seen and the Fix; a healthy deployment has
// none. The doctor changes nothing.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ca/publication_urls.h"
#include "core/time.h"
#include "revocation/crl_publisher.h"
#include "store/store.h"
#include "verify/fetcher.h"

namespace nimbus::doctor {

// Certificates that renew themselves (OCSP signers, RA certificates) are a problem this close to
// their end; CA certificates, renewed by people, much earlier.
inline constexpr Duration kSelfRenewingExpiryMargin = std::chrono::hours(24 * 7);
inline constexpr Duration kCaExpiryMargin = std::chrono::hours(24 * 30);

struct Finding {
  std::string check;      // "cdp", "aia", "ocsp", "scep", "crl-freshness", "chain-cdp", "expiry", "store"
  std::string authority;  // the authority concerned; empty for the deployment as a whole
  std::string url;        // what was fetched, when a fetch is concerned
  std::string problem;    // what is wrong, in a sentence
  std::string fix;        // what to do about it
};

struct Examination {
  std::vector<std::string> passed;  // one line per check that held: "cdp acme-issuing: CRL 7, 3 entries"
  std::vector<Finding> findings;
  bool healthy() const { return findings.empty(); }
};

struct DoctorInput {
  store::StoreReader& store;
  ca::PublicationUrls urls;
  revocation::CrlPolicy crl_policy;
  verify::UrlFetcher& fetcher;
  Timestamp now = now_utc();
};

Examination examine(const DoctorInput& input);

// `nimbus doctor`'s text: a line per check, then each finding with its Fix line.
std::string examination_text(const Examination& examination);
// {"healthy": bool, "passed": [...], "findings": [{check, authority, url, problem, fix}]}
nlohmann::json examination_json(const Examination& examination);

}  // namespace nimbus::doctor
