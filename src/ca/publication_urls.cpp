#include "ca/publication_urls.h"

#include <curl/curl.h>

#include <memory>

#include <fmt/format.h>

namespace nimbus::ca {

namespace {

struct CurlUrlDeleter {
  void operator()(CURLU* url) const { curl_url_cleanup(url); }
};

// Reads one part of a parsed URL; empty if absent.
std::string url_part(CURLU* url, CURLUPart part) {
  char* value = nullptr;
  if (curl_url_get(url, part, &value, 0) != CURLUE_OK || value == nullptr) return "";
  std::string out(value);
  curl_free(value);
  return out;
}

}  // namespace

Result<PublicationUrls> PublicationUrls::from_base(std::string_view base_url) {
  auto refuse = [&](std::string_view why) {
    return Error(ErrorCode::kInvalidArgument, fmt::format("base URL '{}' {}", base_url, why));
  };
  std::string text(base_url);
  std::unique_ptr<CURLU, CurlUrlDeleter> url(curl_url());
  if (!url || curl_url_set(url.get(), CURLUPART_URL, text.c_str(), 0) != CURLUE_OK) {
    return refuse("is not a valid URL (expected e.g. http://pki.example.net)");
  }
  std::string scheme = url_part(url.get(), CURLUPART_SCHEME);
  if (scheme == "https") {
    return refuse("uses https: AIA and CDP URLs must be plain http, because clients fetch them "
                  "before they can validate any TLS server (RFC 5280 4.2.2.1, 4.2.1.13)");
  }
  if (scheme != "http") return refuse("must start with http://");
  if (url_part(url.get(), CURLUPART_HOST).empty()) return refuse("has no host");
  if (!url_part(url.get(), CURLUPART_QUERY).empty() || !url_part(url.get(), CURLUPART_FRAGMENT).empty()) {
    return refuse("must not have a query or fragment");
  }
  if (!url_part(url.get(), CURLUPART_USER).empty()) return refuse("must not carry credentials");
  if (text.find_first_of("?#") != std::string::npos) return refuse("must not have a query or fragment");
  // Rebuilt from its parsed parts, so that what goes into certificates is the canonical form.
  std::string port = url_part(url.get(), CURLUPART_PORT);
  std::string path = url_part(url.get(), CURLUPART_PATH);
  while (!path.empty() && path.back() == '/') path.pop_back();
  std::string base = "http://" + url_part(url.get(), CURLUPART_HOST) + (port.empty() ? "" : ":" + port) + path;
  return PublicationUrls(std::move(base));
}

std::string PublicationUrls::aia(std::string_view id) const { return fmt::format("{}/aia/{}.crt", base_, id); }
std::string PublicationUrls::cdp(std::string_view id) const { return fmt::format("{}/cdp/{}.crl", base_, id); }
std::string PublicationUrls::ocsp(std::string_view id) const { return fmt::format("{}/ocsp/{}", base_, id); }
std::string PublicationUrls::scep(std::string_view id) const { return fmt::format("{}/scep/{}", base_, id); }

}  // namespace nimbus::ca
