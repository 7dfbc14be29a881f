// nimbus doctor: the deployment as relying parties see it (doctor/doctor.h); exit 0 healthy,
// 1 problems found.
#include <iostream>

#include "cli/command.h"
#include "doctor/doctor.h"
#include "node/deployment.h"
#include "verify/curl_fetcher.h"

namespace nimbus::cli {

namespace {

struct DoctorOptions {
  std::string config_file;
  std::string base_url;
  bool json = false;
};

Result<int> run_doctor(CommandRunner& runner, const DoctorOptions& options) {
  NIMBUS_ASSIGN_OR_RETURN(auto deployment, node::Deployment::open(runner.options().data_dir, options.config_file));
  ca::PublicationUrls urls = deployment->urls();
  if (!options.base_url.empty()) {
    NIMBUS_ASSIGN_OR_RETURN(urls, ca::PublicationUrls::from_base(options.base_url));
  }
  verify::CurlFetcher fetcher("nimbus-doctor/" NIMBUS_VERSION);
  doctor::Examination examination =
      doctor::examine({deployment->store(), urls, deployment->crl_policy(), fetcher, now_utc()});
  if (options.json) {
    std::cout << doctor::examination_json(examination).dump(2) << "\n";
  } else {
    std::cout << doctor::examination_text(examination);
  }
  return examination.healthy() ? kExitOk : kExitRefused;
}

}  // namespace

void add_doctor_command(CLI::App& app, CommandRunner& runner) {
  auto options = std::make_shared<DoctorOptions>();
  CLI::App* command = app.add_subcommand(
      "doctor",
      "Check the deployment as relying parties see it: fetch every AIA, CDP, OCSP and SCEP URL through the base URL "
      "and check each answer, the CDP and AIA of every CA certificate below a root, and what nears expiry "
      "(exit 0 healthy, 1 problems found, 3 the check itself failed)");
  runner.add_common_options(*command);
  command->add_option("--config", options->config_file,
                      "Configuration file [default: nimbus.yaml in the data directory]");
  command->add_option("--base-url", options->base_url,
                      "Fetch through this base URL instead of the configured one (a load balancer or CDN in front)");
  command->add_flag("--json", options->json, "Print JSON: healthy, passed, findings (schema: docs/doctor.md)");
  command->callback([options, &runner] {
    runner.run_answering([&] { return run_doctor(runner, *options); }, kExitFailure);
  });
}

}  // namespace nimbus::cli
