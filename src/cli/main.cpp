// nimbus: the command line of Nimbus PKI.
#include <sys/stat.h>

#include <iostream>

#include <CLI/CLI.hpp>

#include "cli/command.h"

int main(int argc, char** argv) {
  // Everything Nimbus creates (store, keys, configuration) is private unless it says otherwise.
  ::umask(077);

  CLI::App app("Nimbus PKI: certificate authorities, enrollment, revocation and RADIUS for managed devices.",
               "nimbus");
  app.set_version_flag("--version", std::string("nimbus ") + NIMBUS_VERSION);
  // Commands are optional to the parser so that an unknown one is reported by name; running
  // nothing is still a usage error, answered with the help.
  app.require_subcommand(0, 1);
  app.footer(
      "Exit status: 0 success; 1 refused (bad input or a rule; nothing changed); 2 usage error;\n"
      "3 system failure (I/O, store, crypto; nothing changed). nimbus verify: 0 accept, 1 deny, 2 error.\n"
      "Run 'nimbus COMMAND --help' for the options of each command.");

  nimbus::cli::CommandRunner runner;
  nimbus::cli::add_init_command(app, runner);
  nimbus::cli::add_ca_commands(app, runner);
  nimbus::cli::add_profile_commands(app, runner);
  nimbus::cli::add_issue_commands(app, runner);
  nimbus::cli::add_revocation_commands(app, runner);
  nimbus::cli::add_serve_command(app, runner);
  nimbus::cli::add_verify_command(app, runner);
  nimbus::cli::add_radius_commands(app, runner);
  nimbus::cli::add_scep_commands(app, runner);
  nimbus::cli::add_token_commands(app, runner);
  nimbus::cli::add_doctor_command(app, runner);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? nimbus::cli::kExitOk : nimbus::cli::kExitUsage;
  }
  if (!runner.ran()) {
    const CLI::App* chosen = &app;
    while (!chosen->get_subcommands().empty()) chosen = chosen->get_subcommands().front();
    std::cerr << chosen->help() << "nimbus: a command is required\n";
    return nimbus::cli::kExitUsage;
  }
  return runner.finish();
}
