// How `nimbus verify` shows a verification report: a block per chain element and the verdict for
// people, or the stable JSON document of docs/verify.md for scripts.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "verify/verifier.h"

namespace nimbus::cli {

// Schema version of the JSON document; raised only for changes that break readers.
inline constexpr int kVerifyReportSchemaVersion = 1;

nlohmann::json verify_report_json(const verify::Report& report);

// `colour` adds ANSI colours (a terminal that asked for them).
std::string verify_report_text(const verify::Report& report, bool colour);

}  // namespace nimbus::cli
