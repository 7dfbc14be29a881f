// A test PKI for the verifier: root -> issuing CA -> client certificate, CRLs for each CA, and a
// UrlFetcher that serves whatever a test puts at a URL. Header-only, like testing/test_support.h:
// every .cpp under src/ goes into the product.
#pragma once

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "testing/test_support.h"
#include "verify/fetcher.h"
#include "x509/crl.h"

namespace nimbus::verify::testing {

using nimbus::testing::at;
using nimbus::testing::CertificateOptions;
using nimbus::testing::kDay;
using nimbus::testing::kYear;
using nimbus::testing::make_ca;
using nimbus::testing::must;
using nimbus::testing::TestCa;

inline constexpr const char* kRootCrl = "http://pki.test/cdp/root.crl";
inline constexpr const char* kIssuingCrl = "http://pki.test/cdp/issuing.crl";
inline constexpr const char* kRootCert = "http://pki.test/aia/root.crt";
inline constexpr const char* kIssuingCert = "http://pki.test/aia/issuing.crt";
inline constexpr const char* kClientAuth = "1.3.6.1.5.5.7.3.2";

// Serves the bodies tests put at URLs; any other URL answers 404. Counts the requests per URL.
class MapFetcher final : public UrlFetcher {
 public:
  void put(const std::string& url, Bytes body) {
    std::lock_guard lock(mutex_);
    FetchResponse response;
    response.outcome = FetchOutcome::kOk;
    response.http_status = 200;
    response.body = std::move(body);
    responses_[url] = std::move(response);
  }
  void fail(const std::string& url, FetchOutcome outcome, std::optional<int> status = std::nullopt) {
    std::lock_guard lock(mutex_);
    FetchResponse response;
    response.outcome = outcome;
    response.http_status = status;
    response.detail = status ? "HTTP status " + std::to_string(*status) : "injected failure";
    responses_[url] = std::move(response);
  }
  FetchResponse fetch(const FetchRequest& request) override {
    std::lock_guard lock(mutex_);
    ++requests_[request.url];
    last_post_ = request.post_body;
    auto found = responses_.find(request.url);
    if (found != responses_.end()) return found->second;
    FetchResponse missing;
    missing.outcome = FetchOutcome::kHttpError;
    missing.http_status = 404;
    missing.detail = "HTTP status 404";
    return missing;
  }
  int requests(const std::string& url) {
    std::lock_guard lock(mutex_);
    return requests_[url];
  }
  int total_requests() {
    std::lock_guard lock(mutex_);
    int total = 0;
    for (const auto& [url, count] : requests_) total += count;
    return total;
  }

 private:
  std::mutex mutex_;
  std::map<std::string, FetchResponse> responses_;
  std::map<std::string, int> requests_;
  std::optional<Bytes> last_post_;
};

// Everything is valid from 2026-01-01 for years; tests validate at kNow.
inline const Timestamp kNow = at("2026-06-01T12:00:00Z");

inline Bytes crl_for(const TestCa& issuer, const std::vector<x509::RevokedCertificate>& revoked,
                     Timestamp this_update = kNow - kDay, Timestamp next_update = kNow + 6 * kDay,
                     std::uint64_t number = 1) {
  x509::CrlContents contents;
  contents.number = number;
  contents.this_update = this_update;
  contents.next_update = next_update;
  contents.revoked = revoked;
  return must(x509::sign_crl(issuer.certificate, issuer.key, contents), "signing a test CRL").der();
}

inline x509::RevokedCertificate revoked(const x509::Certificate& certificate,
                                        x509::RevocationReason reason = x509::RevocationReason::kKeyCompromise) {
  return {certificate.serial(), kNow - 2 * kDay, reason};
}

struct TestPki {
  TestCa root;
  TestCa issuing;
  TestCa leaf;
};

// Options a test may change before the PKI is made.
struct PkiOptions {
  CertificateOptions root;
  CertificateOptions issuing;
  CertificateOptions leaf;
};

inline PkiOptions default_pki_options() {
  PkiOptions options;
  options.root.subject = "CN=Verify Test Root, O=Nimbus Tests";
  options.root.cdp = {kRootCrl};
  options.issuing.subject = "CN=Verify Test Issuing CA, O=Nimbus Tests";
  options.issuing.path_length = 0;
  options.issuing.cdp = {kRootCrl};
  options.issuing.ca_issuers = {kRootCert};
  options.leaf.subject = "CN=alice, O=Nimbus Tests";
  options.leaf.ca = false;
  options.leaf.cdp = {kIssuingCrl};
  options.leaf.ca_issuers = {kIssuingCert};
  options.leaf.eku = {kClientAuth};
  return options;
}

inline TestPki make_pki(const PkiOptions& options = default_pki_options()) {
  TestCa root = make_ca(options.root);
  TestCa issuing = make_ca(options.issuing, &root);
  TestCa leaf = make_ca(options.leaf, &issuing);
  return {root, issuing, leaf};
}

// Puts both CAs' certificates and empty, current CRLs at their URLs.
inline void publish(MapFetcher& fetcher, const TestPki& pki) {
  fetcher.put(kRootCrl, crl_for(pki.root, {}));
  fetcher.put(kIssuingCrl, crl_for(pki.issuing, {}));
  fetcher.put(kRootCert, pki.root.certificate.der());
  fetcher.put(kIssuingCert, pki.issuing.certificate.der());
}

}  // namespace nimbus::verify::testing
