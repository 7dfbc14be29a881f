// What every `nimbus` subcommand shares: common options, running a command, and its outcome.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <CLI/CLI.hpp>

#include "core/bytes.h"
#include "core/result.h"

namespace nimbus::cli {

// Options every command accepts (added to each with add_common_options).
struct CommonOptions {
  std::string data_dir = "var";  // --data, else NIMBUS_DATA, else ./var
  std::string log_level = "warn";
  std::string log_format = "text";  // --log-format text|json
};

// Exit statuses, documented in README.md.
inline constexpr int kExitOk = 0;
inline constexpr int kExitRefused = 1;  // bad input or a rule said no; nothing changed
inline constexpr int kExitUsage = 2;    // the command line itself is wrong
inline constexpr int kExitFailure = 3;  // the system failed (I/O, store, crypto); nothing changed

// Collects the outcome of the one command a command line runs.
class CommandRunner {
 public:
  CommonOptions& options() { return options_; }

  // Adds --data and --log-level to `command`.
  void add_common_options(CLI::App& command);

  // Sets up logging, runs `body`, and keeps its status (exceptions become internal errors).
  void run(const std::function<Status()>& body);

  // The same for commands whose exit status is an answer (nimbus verify: 0 accept, 1 deny):
  // `body` returns the status to exit with; an error it returns exits with `error_status`.
  void run_answering(const std::function<Result<int>()>& body, int error_status);

  // Whether a command's body ran (false when only a command group was named).
  bool ran() const { return outcome_.has_value(); }

  // The exit status for what ran, after printing its error (if any) to stderr.
  int finish() const;

 private:
  CommonOptions options_;
  std::optional<Status> outcome_;
  int answer_ = kExitOk;
  std::optional<int> error_status_;
};

// Adds the subcommand `name` to `parent`, with the common options and an Options of its own that
// its callback passes to `body(runner, options)`. Returns both, for the command's own flags.
template <typename Options, typename Body>
std::pair<CLI::App*, std::shared_ptr<Options>> add_command(CLI::App& parent, CommandRunner& runner, const char* name,
                                                           const char* description, Body body) {
  auto options = std::make_shared<Options>();
  CLI::App* command = parent.add_subcommand(name, description);
  runner.add_common_options(*command);
  command->callback([options, &runner, body] { runner.run([&] { return body(runner, *options); }); });
  return {command, options};
}

// Who is running this command, for the audit trail: "cli:<user>".
std::string current_actor();

// Writes `content` to `path` (mode `mode`, replacing it) or, when `path` is empty, to stdout.
Status write_output(const std::string& path, ByteView content, unsigned mode = 0644);

// Registration of each command family.
void add_init_command(CLI::App& app, CommandRunner& runner);
void add_ca_commands(CLI::App& app, CommandRunner& runner);
void add_profile_commands(CLI::App& app, CommandRunner& runner);
void add_issue_commands(CLI::App& app, CommandRunner& runner);
// Adds `cert revoke` and `cert unrevoke` to the `cert` group add_issue_commands made, and `crl`.
void add_revocation_commands(CLI::App& app, CommandRunner& runner);
void add_serve_command(CLI::App& app, CommandRunner& runner);
void add_verify_command(CLI::App& app, CommandRunner& runner);
void add_radius_commands(CLI::App& app, CommandRunner& runner);
void add_scep_commands(CLI::App& app, CommandRunner& runner);
void add_token_commands(CLI::App& app, CommandRunner& runner);
void add_doctor_command(CLI::App& app, CommandRunner& runner);

}  // namespace nimbus::cli
