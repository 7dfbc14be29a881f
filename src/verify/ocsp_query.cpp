#include "verify/ocsp_query.h"

#include <fmt/format.h>

#include "x509/ocsp_request.h"
#include "x509/ocsp_response.h"

namespace nimbus::verify {

namespace {

Error rejected(std::string message) { return Error(ErrorCode::kPolicyViolation, std::move(message)); }

std::string_view response_status_name(x509::OcspResponseStatus status) {
  std::string_view name = x509::ocsp_status_name(status);
  return name.empty() ? "an unknown status" : name;
}

}  // namespace

std::optional<std::string> OcspAnswer::stale_at(Timestamp at) const {
  constexpr Duration kSkew = std::chrono::minutes(5);
  if (at + kSkew < this_update) return fmt::format("the answer is not valid yet (thisUpdate {})", format_timestamp(this_update));
  if (next_update && at > *next_update) {
    return fmt::format("the answer expired at {} (nextUpdate)", format_timestamp(*next_update));
  }
  return std::nullopt;
}

Result<OcspQuery> OcspQuery::make(const x509::Certificate& subject, const x509::Certificate& issuer) {
  NIMBUS_ASSIGN_OR_RETURN(x509::OcspCertId id, x509::OcspCertId::for_certificate(subject, issuer));
  NIMBUS_ASSIGN_OR_RETURN(x509::OcspRequest request, x509::OcspRequest::build({id}));
  return OcspQuery(std::move(id), request.der());
}

Result<OcspAnswer> OcspQuery::judge(ByteView response_der, const x509::Certificate& issuer, Timestamp at) const {
  auto response = x509::OcspResponse::parse(response_der);
  if (!response.ok()) {
    return Error(ErrorCode::kMalformed, "the answer is not a DER OCSPResponse: " + response.error().message());
  }
  if (response->status() != x509::OcspResponseStatus::kSuccessful) {
    return rejected(fmt::format("the responder answered {} ({})", response_status_name(response->status()),
                                static_cast<int>(response->status())));
  }
  if (!response->basic()) return Error(ErrorCode::kMalformed, "the OCSP response is not a basic response");
  const x509::OcspBasicResponse& basic = *response->basic();
  std::optional<x509::Certificate> signer = basic.find_signer({issuer});
  if (!signer) return rejected("the response's signer is neither the CA nor a certificate included in the response");
  // The chain of a delegated signer is checked by check_ocsp_responder_authority, not by a store.
  if (!basic.is_signed_by(*signer)) return rejected("the response's signature does not verify");
  NIMBUS_TRY(x509::check_ocsp_responder_authority(*signer, issuer, at));

  const x509::OcspSingleResponse* single = basic.find(id_);
  if (single == nullptr) return rejected("the response does not answer for this certificate");
  OcspAnswer answer;
  answer.this_update = single->this_update;
  answer.next_update = single->next_update;
  answer.responder = signer->subject().to_string();
  switch (single->status) {
    case x509::OcspCertStatus::kGood: answer.status = OcspAnswer::Status::kGood; break;
    case x509::OcspCertStatus::kRevoked: {
      answer.status = OcspAnswer::Status::kRevoked;
      answer.revoked_at = single->revoked_at;
      if (single->reason) {
        auto known = x509::revocation_reason_from_code(static_cast<int>(*single->reason));
        if (known.ok()) answer.reason = known.value();
      }
      break;
    }
    case x509::OcspCertStatus::kUnknown: answer.status = OcspAnswer::Status::kUnknown; break;
  }
  return answer;
}

}  // namespace nimbus::verify
