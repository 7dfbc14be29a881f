#include "radius/service/decision_log.h"

#include <cerrno>
#include <cstring>

#include <fcntl.h>
#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "core/log_text.h"

namespace nimbus::radius {

std::string decision_json(const DecisionEvent& event) {
  const verify::ReasonCodeInfo& info = verify::reason_code_info(event.reason);
  nlohmann::ordered_json json = {
      {"time", format_timestamp(event.at)},
      {"event", event.granted ? kEventGranted : kEventDenied},
      {"decision", event.granted ? "granted" : "denied"},
      {"reason_code", info.nps_code},
      {"reason", info.text},
      {"user", event.user},
      {"user_name", event.user_name},
      {"certificate",
       {{"subject", event.subject}, {"issuer", event.issuer}, {"serial", event.serial}, {"thumbprint", event.thumbprint}}},
      {"nas",
       {{"name", event.nas}, {"address", event.nas_address}, {"identifier", event.nas_identifier}}},
      {"calling_station_id", event.calling_station},
      {"called_station_id", event.called_station},
      {"policy", event.policy},
      {"eap_type", event.eap_type},
      {"tls_version", event.tls_version},
      {"resumed", event.resumed},
      {"explanation", event.explanation},
      {"fix", event.fix},
      {"duration_ms", event.duration_ms},
  };
  if (info.client_error != 0) json["client_error"] = info.client_error;
  // Replacement characters rather than an exception for bytes a client sent that are not UTF-8.
  return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<std::unique_ptr<DecisionLog>> DecisionLog::open(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) {
    return Error(ErrorCode::kIoError, fmt::format("cannot open the decision log {}: {}", path.string(), std::strerror(errno)));
  }
  return std::unique_ptr<DecisionLog>(new DecisionLog(fd));
}

DecisionLog::~DecisionLog() { ::close(fd_); }

void DecisionLog::write(const DecisionEvent& event) {
  std::string line = decision_json(event) + "\n";
  {
    std::lock_guard lock(mutex_);
    // One write per line with O_APPEND: a reader never sees half a line from two writers.
    if (::write(fd_, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
      spdlog::warn("radius: could not write to the decision log: {}", std::strerror(errno));
    }
  }
  const verify::ReasonCodeInfo& info = verify::reason_code_info(event.reason);
  if (event.granted) {
    spdlog::info("radius: event {} access granted to {} ({}) from NAS {} by policy {}", kEventGranted,
                 loggable(event.user_name), loggable(event.subject), loggable(event.nas), loggable(event.policy));
  } else {
    spdlog::info("radius: event {} access denied to {} ({}) from NAS {}: reason code {}: {}", kEventDenied,
                 loggable(event.user.empty() ? event.user_name : event.user), loggable(event.subject),
                 loggable(event.nas), info.nps_code, loggable(event.explanation));
  }
}

}  // namespace nimbus::radius
