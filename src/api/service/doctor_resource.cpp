// GET /doctor: the node's last examination of what it publishes, as relying parties meet it
// (doctor/doctor.h). POST /doctor asks for a new one (202): the node examines itself on a thread of
// its own, and GET shows the result once examined_at moves.
#include <nlohmann/json.hpp>

#include "api/json_body.h"
#include "api/service/api_context.h"

namespace nimbus::api {

namespace {

Result<http::Response> show_doctor(ApiContext& context, const http::Request&, const Caller&) {
  std::optional<DoctorReport> report = context.doctor.last();
  if (!report) {
    return Error(ErrorCode::kNotFound, "the node has not examined itself yet; it does within seconds of starting");
  }
  nlohmann::json body = doctor::examination_json(report->examination);
  body["examined_at"] = format_timestamp(report->examined_at);
  return json_response(200, body);
}

Result<http::Response> request_examination(ApiContext& context, const http::Request& request, const Caller&) {
  NIMBUS_ASSIGN_OR_RETURN(nlohmann::json body, parse_json_object(request.body));
  NIMBUS_TRY(refuse_unknown_members(body, {}));
  context.doctor.request();
  std::optional<DoctorReport> last = context.doctor.last();
  return json_response(202, {{"requested", true},
                             {"last_examined_at", last ? nlohmann::json(format_timestamp(last->examined_at))
                                                       : nlohmann::json(nullptr)}});
}

}  // namespace

void add_doctor_routes(std::vector<ApiRoute>& routes) {
  routes.push_back({"GET", "/doctor", Permission::kRead, Idempotency::kNone, show_doctor});
  routes.push_back({"POST", "/doctor", Permission::kRead, Idempotency::kNone, request_examination});
}

}  // namespace nimbus::api
