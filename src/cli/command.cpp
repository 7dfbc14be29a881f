#include "cli/command.h"

#include <pwd.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include <fmt/format.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "core/file.h"
#include "core/log_format.h"
#include "core/log_text.h"

namespace nimbus::cli {

namespace {

void setup_logging(const std::string& level, const std::string& format) {
  auto logger = spdlog::stderr_color_mt("nimbus");
  logger->set_formatter(make_log_formatter(format == "json" ? LogFormat::kJson : LogFormat::kText));
  logger->set_level(spdlog::level::from_str(level));
  spdlog::set_default_logger(logger);
}

}  // namespace

void CommandRunner::add_common_options(CLI::App& command) {
  command.add_option("--data", options_.data_dir, "Data directory of the deployment")
      ->envname("NIMBUS_DATA")
      ->capture_default_str();
  command.add_option("--log-level", options_.log_level, "Log detail on stderr")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}))
      ->capture_default_str();
  command.add_option("--log-format", options_.log_format, "text, or json for one JSON object per line")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
}

void CommandRunner::run(const std::function<Status()>& body) {
  setup_logging(options_.log_level, options_.log_format);
  try {
    outcome_ = body();
  } catch (const std::exception& e) {
    outcome_ = Error(ErrorCode::kInternal, fmt::format("unexpected exception: {}", e.what()));
  }
  if (outcome_ && !outcome_->ok()) {
    // finish() prints the message itself; the log only adds the code, for those who asked.
    spdlog::debug("command {}: {}", outcome_->error().is_failure() ? "failed" : "refused",
                  loggable(outcome_->error().to_string()));
  }
}

void CommandRunner::run_answering(const std::function<Result<int>()>& body, int error_status) {
  error_status_ = error_status;
  run([&]() -> Status {
    NIMBUS_ASSIGN_OR_RETURN(answer_, body());
    return ok_status();
  });
}

int CommandRunner::finish() const {
  if (!outcome_ || outcome_->ok()) return answer_;
  const Error& error = outcome_->error();
  std::cerr << "nimbus: " << error.message() << std::endl;
  if (error_status_) return *error_status_;
  return error.is_failure() ? kExitFailure : kExitRefused;
}

std::string current_actor() {
  if (const passwd* user = getpwuid(geteuid())) return fmt::format("cli:{}", user->pw_name);
  return fmt::format("cli:uid-{}", geteuid());
}

Status write_output(const std::string& path, ByteView content, unsigned mode) {
  if (path.empty() || path == "-") {
    std::fwrite(content.data(), 1, content.size(), stdout);
    std::fflush(stdout);
    return ok_status();
  }
  return write_file_atomic(path, content, mode, /*overwrite=*/true);
}

}  // namespace nimbus::cli
