#include "http/routes/revocation_routes.h"

#include <memory>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/log_text.h"
#include "core/log_throttle.h"
#include "crypto/base64.h"

namespace nimbus::http {

namespace {

constexpr std::string_view kCertificateType = "application/pkix-cert";
constexpr std::string_view kCrlType = "application/pkix-crl";
constexpr std::string_view kOcspRequestType = "application/ocsp-request";
constexpr std::string_view kOcspResponseType = "application/ocsp-response";

Response published(const Request& request, Result<revocation::PublishedObject> object, std::string_view type,
                   const RevocationRoutes& routes) {
  if (!object.ok()) return error_response(object.error());
  // The fingerprint is strong_etag's value, computed once when the object was published.
  return conditional_response(request,
                              {std::string(type), *object->der, object->last_modified, object->expires,
                               "\"" + object->fingerprint + "\""},
                              routes.clock(), routes.cache_policy);
}

// nimbus_ocsp_responses_total{response_status,certificate_status}, each series found once: counting
// is on the path of every OCSP answer.
class OcspAnswerCounters {
 public:
  enum CertificateStatus { kGood, kRevoked, kUnknown, kNone, kCertificateStatuses };

  explicit OcspAnswerCounters(CounterFamily& family)
      : family_(family), slots_(kResponseStatuses * kCertificateStatuses) {}

  void count(revocation::OcspResponseStatus status, CertificateStatus certificate_status, int amount) {
    static constexpr std::string_view kNames[] = {"good", "revoked", "unknown", "none"};
    auto code = static_cast<std::size_t>(status);
    if (amount <= 0 || code >= kResponseStatuses) return;
    slots_
        .get(code * kCertificateStatuses + certificate_status,
             [&]() -> Counter& {
               return family_.with({revocation::ocsp_response_status_name(status), kNames[certificate_status]});
             })
        .Increment(amount);
  }

 private:
  // OCSPResponseStatus codes run from 0 to 6 (RFC 6960 4.2.1).
  static constexpr std::size_t kResponseStatuses = 7;
  CounterFamily& family_;
  SeriesSlots<Counter> slots_;
};

// The log of OCSP requests answered with an error: a client can send malformed requests or ask
// for unknown CAs in bulk, and a failing signer fails every request, so each kind has a line per
// request for the first few of an interval, then one line with the number held back.
struct OcspRefusalLog {
  static constexpr auto kInterval = std::chrono::seconds(10);
  static constexpr std::uint64_t kBurst = 20;
  LogThrottle refused{kInterval, kBurst};
  LogThrottle failed{kInterval, kBurst};
};

// Answers an OCSP request and counts it. GET answers that succeeded are cacheable (RFC 5019 6.2);
// POST answers are not, and neither are errors.
Response ocsp(const Request& request, ByteView der, const RevocationRoutes& routes, OcspAnswerCounters& answers,
              OcspRefusalLog& refusals, bool cacheable) {
  revocation::OcspAnswer answer = routes.responder.respond(std::string(request.param("ca")), der);
  answers.count(answer.status, OcspAnswerCounters::kGood, answer.good);
  answers.count(answer.status, OcspAnswerCounters::kRevoked, answer.revoked);
  answers.count(answer.status, OcspAnswerCounters::kUnknown, answer.unknown);
  if (answer.status != revocation::OcspResponseStatus::kSuccessful) {
    std::string_view status = revocation::ocsp_response_status_name(answer.status);
    // The one log line of a refused request: the id comes from the URL, the reason may quote it.
    bool failed = answer.status == revocation::OcspResponseStatus::kInternalError;
    if (std::uint64_t requests = (failed ? refusals.failed : refusals.refused).admit()) {
      spdlog::log(failed ? spdlog::level::err : spdlog::level::info, "OCSP request for '{}' from {} {} ({}): {}{}",
                  loggable(request.param("ca")), request.remote_address, failed ? "failed" : "refused", status,
                  loggable(answer.refusal),
                  requests > 1 ? fmt::format(" ({} such requests since the last report)", requests) : "");
    }
    answers.count(answer.status, OcspAnswerCounters::kNone, 1);
  }
  if (cacheable && answer.status == revocation::OcspResponseStatus::kSuccessful && answer.this_update) {
    return conditional_response(request,
                                {std::string(kOcspResponseType), std::move(answer.der), *answer.this_update,
                                 answer.next_update, {}},
                                routes.clock(), routes.cache_policy);
  }
  Response response = Response::bytes(200, std::string(kOcspResponseType), std::move(answer.der));
  response.set_header("Cache-Control", "no-store");
  return response;
}

}  // namespace

Status add_revocation_routes(Router& router, const RevocationRoutes& routes) {
  NIMBUS_ASSIGN_OR_RETURN(CounterFamily * answer_family,
                          routes.metrics.counter("nimbus_ocsp_responses_total",
                                                 "OCSP responses by response status, and CertIDs answered by "
                                                 "certificate status (none for error responses)",
                                                 {"response_status", "certificate_status"}));
  auto answers = std::make_shared<OcspAnswerCounters>(*answer_family);
  auto refusals = std::make_shared<OcspRefusalLog>();
  NIMBUS_TRY(routes.metrics.gauge(
      "nimbus_crl_next_update_timestamp_seconds", "nextUpdate of the CRL each authority serves, as a Unix time",
      [&publication = routes.publication] {
        std::vector<GaugeSample> samples;
        for (const std::string& id : publication.authority_ids()) {
          auto crl = publication.crl(id);
          if (!crl.ok() || !crl->expires) continue;
          samples.push_back({{{"ca", id}}, static_cast<double>(crl->expires->time_since_epoch().count())});
        }
        return samples;
      }));
  NIMBUS_TRY(routes.metrics.gauge(
      "nimbus_crl_age_seconds", "Seconds since thisUpdate of the CRL each authority serves",
      [&publication = routes.publication, clock = routes.clock] {
        std::vector<GaugeSample> samples;
        Timestamp now = clock();
        for (const std::string& id : publication.authority_ids()) {
          auto crl = publication.crl(id);
          if (!crl.ok()) continue;
          samples.push_back({{{"ca", id}}, static_cast<double>((now - crl->last_modified).count())});
        }
        return samples;
      }));

  NIMBUS_TRY(router.add_route({"GET", "HEAD"}, "/aia/{ca}.crt", [routes](const Request& request) -> Result<Response> {
    return published(request, routes.publication.ca_certificate(std::string(request.param("ca"))), kCertificateType,
                     routes);
  }));
  NIMBUS_TRY(router.add_route({"GET", "HEAD"}, "/cdp/{ca}.crl", [routes](const Request& request) -> Result<Response> {
    return published(request, routes.publication.crl(std::string(request.param("ca"))), kCrlType, routes);
  }));
  NIMBUS_TRY(router.add_route({"POST"}, "/ocsp/{ca}", [routes, answers, refusals](const Request& request) -> Result<Response> {
    auto type = request.header("Content-Type");
    if (!type || !type->starts_with(kOcspRequestType)) {
      return Response::text(415, fmt::format("an OCSP request is POSTed as {}", kOcspRequestType));
    }
    return ocsp(request, request.body, routes, *answers, *refusals, false);
  }));
  NIMBUS_TRY(router.add_route({"GET", "HEAD"}, "/ocsp/{ca}/{request...}",
                              [routes, answers, refusals](const Request& request) -> Result<Response> {
                                std::optional<Bytes> der = crypto::base64_decode(request.param("request"));
                                // Not base64: still an OCSP answer (malformedRequest), as clients expect.
                                return ocsp(request, der ? ByteView(*der) : ByteView(), routes, *answers,
                                            *refusals, der.has_value());
                              }));
  return ok_status();
}

Status RevocationService::add_routes(Router& router) {
  return add_revocation_routes(router, {node_.publication(), node_.responder(), node_.metrics()});
}

std::vector<std::string> RevocationService::describe(std::string_view base) const {
  std::vector<std::string> lines;
  for (const std::string& id : node_.publication().authority_ids()) {
    lines.push_back(fmt::format("{:<28} {}/aia/{}.crt  {}/cdp/{}.crl  {}/ocsp/{}", id, base, id, base, id, base, id));
  }
  return lines;
}

}  // namespace nimbus::http
