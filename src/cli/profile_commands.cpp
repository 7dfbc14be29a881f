// nimbus profile ... and nimbus enrollment ...: certificate templates and the records of who
// gets a certificate under them.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <iostream>
#include <memory>
#include <optional>

#include "cli/command.h"
#include "core/file.h"
#include "node/deployment.h"
#include "profile/profile_catalog.h"
#include "views/profile_view.h"

namespace nimbus::cli {

using node::Deployment;

namespace {

using nlohmann::json;
using views::challenge_json;
using views::enrollment_json;
using views::profile_record_json;

struct ProfileOptions {
  std::string id;
  std::string file;
  std::string issuing_ca;
  std::string profile;
  std::vector<std::string> variables;
  bool json = false;
};

std::string enrollment_text(const store::EnrollmentRecord& record) {
  std::string out = fmt::format("Enrollment   {}\nProfile      {} (version {})\nStatus       {}\nSubject      {}\n",
                                record.id, record.profile_id, record.profile_version,
                                store::enrollment_status_name(record.status), record.subject);
  const json alt_names = json::parse(record.subject_alt_names, nullptr, false);
  if (alt_names.is_array()) {
    for (const json& name : alt_names) {
      out += fmt::format("SAN          {}: {}\n", name.value("type", ""), name.value("value", ""));
    }
  }
  const json variables = json::parse(record.variables, nullptr, false);
  if (variables.is_object()) {
    for (const auto& [name, value] : variables.items()) {
      out += fmt::format("Variable     {} = {}\n", name, value.is_string() ? value.get<std::string>() : value.dump());
    }
  }
  out += fmt::format("Created      {}\n", format_timestamp(record.created_at));
  if (record.certificate_serial) out += fmt::format("Certificate  {}\n", *record.certificate_serial);
  return out;
}

Result<profile::Variables> parse_variables(const std::vector<std::string>& assignments) {
  profile::Variables variables;
  for (const std::string& assignment : assignments) {
    auto equals = assignment.find('=');
    if (equals == std::string::npos || equals == 0) {
      return Error(ErrorCode::kInvalidArgument,
                   fmt::format("--var '{}' is not NAME=VALUE (e.g. --var UserName=alice)", assignment));
    }
    std::string name = assignment.substr(0, equals);
    if (variables.contains(name)) {
      return Error(ErrorCode::kInvalidArgument, fmt::format("--var {} is given twice", name));
    }
    variables[name] = assignment.substr(equals + 1);
  }
  return variables;
}

Status apply(CommandRunner& runner, const ProfileOptions& options) {
  NIMBUS_ASSIGN_OR_RETURN(Bytes document, read_file(options.file, 1u << 20));
  NIMBUS_ASSIGN_OR_RETURN(auto deployment, Deployment::open(runner.options().data_dir));
  profile::ProfileCatalog catalog(deployment->store(), current_actor());
  std::optional<profile::IssuingCaChoice> issuing_ca;
  if (!options.issuing_ca.empty()) issuing_ca = profile::IssuingCaChoice{options.issuing_ca, "--issuing-ca"};
  auto applied =
      catalog.apply(std::string_view(reinterpret_cast<const char*>(document.data()), document.size()), issuing_ca);
  if (!applied.ok()) return std::move(applied).error().with_context(fmt::format("'{}'", options.file));
  if (options.json) {
    std::cout << profile_record_json({applied->record, applied->profile}).dump(2) << "\n";
  } else if (!applied->changed) {
    std::cout << fmt::format("Profile '{}' is unchanged (version {}).\n", applied->record.id, applied->record.version);
  } else {
    std::cout << fmt::format("Profile '{}' {} (version {}), issuing from '{}'.\n", applied->record.id,
                             applied->created ? "created" : "updated", applied->record.version,
                             applied->record.issuing_ca);
  }
  return ok_status();
}

Status list_profiles(CommandRunner& runner, const ProfileOptions& options) {
  NIMBUS_ASSIGN_OR_RETURN(auto deployment, Deployment::open(runner.options().data_dir));
  profile::ProfileCatalog catalog(deployment->store(), current_actor());
  NIMBUS_ASSIGN_OR_RETURN(auto profiles, catalog.list());
  if (options.json) {
    json array = json::array();
    for (const auto& stored : profiles) array.push_back(profile_record_json(stored));
    std::cout << array.dump(2) << "\n";
    return ok_status();
  }
  std::cout << fmt::format("{:<24} {:<8} {:<7} {:<26} {:<8} {}\n", "ID", "VERSION", "TYPE", "ISSUING CA", "VALIDITY",
                           "SUBJECT");
  for (const auto& stored : profiles) {
    std::cout << fmt::format("{:<24} {:<8} {:<7} {:<26} {:<8} {}\n", stored.record.id, stored.record.version,
                             profile::certificate_type_name(stored.profile.type), stored.profile.issuing_ca,
                             describe_duration(stored.profile.validity), stored.profile.subject);
  }
  return ok_status();
}

Status show_profile(CommandRunner& runner, const ProfileOptions& options) {
  NIMBUS_ASSIGN_OR_RETURN(auto deployment, Deployment::open(runner.options().data_dir));
  profile::ProfileCatalog catalog(deployment->store(), current_actor());
  NIMBUS_ASSIGN_OR_RETURN(profile::StoredProfile stored, catalog.get(options.id));
  if (options.json) {
    std::cout << profile_record_json(stored).dump(2) << "\n";
  } else {
    std::cout << fmt::format("# profile '{}', version {}, updated {}\n", stored.record.id, stored.record.version,
                             format_timestamp(stored.record.updated_at))
              << stored.record.document;
  }
  return ok_status();
}

Status delete_profile(CommandRunner& runner, const ProfileOptions& options) {
  NIMBUS_ASSIGN_OR_RETURN(auto deployment, Deployment::open(runner.options().data_dir));
  profile::ProfileCatalog catalog(deployment->store(), current_actor());
  NIMBUS_TRY(catalog.remove(options.id));
  std::cout << fmt::format("Profile '{}' deleted; certificates issued under it keep their reference.\n", options.id);
  return ok_status();
}

std::string challenge_text(const profile::NewChallenge& challenge, const std::string& scep_url) {
  return fmt::format("Challenge    {}\nExpires      {}\nSCEP URL     {}\n", challenge.text.reveal(),
                     format_timestamp(challenge.record.expires_at), scep_url);
}

Status new_enrollment(CommandRunner& runner, const ProfileOptions& options) {
  NIMBUS_ASSIGN_OR_RETURN(profile::Variables variables, parse_variables(options.variables));
  NIMBUS_ASSIGN_OR_RETURN(auto deployment, Deployment::open(runner.options().data_dir));
  profile::ProfileCatalog catalog(deployment->store(), current_actor());
  NIMBUS_ASSIGN_OR_RETURN(profile::NewEnrollment created, catalog.create_enrollment(options.profile, variables));
  const store::EnrollmentRecord& record = created.record;
  std::string scep_url;
  if (created.challenge) scep_url = deployment->urls().scep(created.challenge->record.authority_id);
  if (options.json) {
    json out = enrollment_json(record);
    if (created.challenge) out.update(challenge_json(*created.challenge, scep_url));
    std::cout << out.dump(2) << "\n";
    return ok_status();
  }
  std::cout << enrollment_text(record);
  if (created.challenge) {
    std::cout << challenge_text(*created.challenge, scep_url)
              << "\nThe challenge is shown only now and is good for one enrollment. A new one: nimbus enrollment "
                 "challenge "
              << record.id << "\n";
  }
  std::cout << fmt::format("\nIssue with:  nimbus issue --enrollment {} --csr REQUEST.pem\n", record.id);
  if (created.challenge) {
    std::cout << fmt::format("         or:  nimbus scep enroll --url {} --challenge CHALLENGE --new-key rsa:2048\n",
                             scep_url);
  }
  return ok_status();
}

Status new_challenge(CommandRunner& runner, const ProfileOptions& options) {
  NIMBUS_ASSIGN_OR_RETURN(auto deployment, Deployment::open(runner.options().data_dir));
  profile::ProfileCatalog catalog(deployment->store(), current_actor());
  NIMBUS_ASSIGN_OR_RETURN(profile::NewChallenge challenge, catalog.new_challenge(options.id));
  std::string scep_url = deployment->urls().scep(challenge.record.authority_id);
  if (options.json) {
    json out = challenge_json(challenge, scep_url);
    out["enrollment"] = options.id;
    std::cout << out.dump(2) << "\n";
  } else {
    std::cout << fmt::format("Enrollment   {}\n", options.id) << challenge_text(challenge, scep_url)
              << "Earlier challenges of this enrollment no longer work.\n";
  }
  return ok_status();
}

Status list_enrollments(CommandRunner& runner, const ProfileOptions& options) {
  NIMBUS_ASSIGN_OR_RETURN(auto deployment, Deployment::open(runner.options().data_dir));
  NIMBUS_ASSIGN_OR_RETURN(auto records, deployment->store().list_enrollments(options.profile));
  if (options.json) {
    json array = json::array();
    for (const auto& record : records) array.push_back(enrollment_json(record));
    std::cout << array.dump(2) << "\n";
    return ok_status();
  }
  std::cout << fmt::format("{:<17} {:<20} {:<8} {:<21} {}\n", "ID", "PROFILE", "STATUS", "CREATED", "SUBJECT");
  for (const auto& record : records) {
    std::cout << fmt::format("{:<17} {:<20} {:<8} {:<21} {}\n", record.id, record.profile_id,
                             store::enrollment_status_name(record.status), format_timestamp(record.created_at),
                             record.subject);
  }
  return ok_status();
}

Status show_enrollment(CommandRunner& runner, const ProfileOptions& options) {
  NIMBUS_ASSIGN_OR_RETURN(auto deployment, Deployment::open(runner.options().data_dir));
  profile::ProfileCatalog catalog(deployment->store(), current_actor());
  NIMBUS_ASSIGN_OR_RETURN(store::EnrollmentRecord record, catalog.enrollment(options.id));
  std::cout << (options.json ? enrollment_json(record).dump(2) + "\n" : enrollment_text(record));
  return ok_status();
}

}  // namespace

void add_profile_commands(CLI::App& app, CommandRunner& runner) {
  CLI::App* group = app.add_subcommand("profile", "Certificate profiles: the templates certificates are built from");
  group->require_subcommand(0, 1);
  auto add = [&](CLI::App* parent, const char* name, const char* description, auto body) {
    return add_command<ProfileOptions>(*parent, runner, name, description, body);
  };
  {
    auto [command, options] = add(group, "apply", "Create or update a profile from a YAML file (see README, Profiles)", apply);
    command->add_option("-f,--file", options->file, "The profile document")->required();
    command->add_option("--issuing-ca", options->issuing_ca,
                        "Bind the profile to this issuing CA of the deployment (see 'nimbus ca list') instead of the "
                        "file's issuing_ca, which may then be left out");
    command->add_flag("--json", options->json, "Print the applied profile as JSON");
  }
  {
    auto [command, options] = add(group, "list", "List the profiles", list_profiles);
    command->add_flag("--json", options->json, "Print a JSON array (schema: docs/json.md)");
  }
  {
    auto [command, options] = add(group, "show", "Show a profile (its canonical YAML)", show_profile);
    command->add_option("ID", options->id, "Profile id")->required();
    command->add_flag("--json", options->json, "Print JSON (schema: docs/json.md)");
  }
  {
    auto [command, options] = add(group, "delete", "Delete a profile (refused while enrollments are pending)",
                                  delete_profile);
    command->add_option("ID", options->id, "Profile id")->required();
  }

  CLI::App* enrollments = app.add_subcommand("enrollment", "Enrollment records: one user or device under a profile");
  enrollments->require_subcommand(0, 1);
  {
    auto [command, options] = add(enrollments, "new", "Create an enrollment record and its one-time SCEP challenge; its names are rendered now",
                                  new_enrollment);
    command->add_option("--profile", options->profile, "Profile id")->required();
    command->add_option("--var", options->variables,
                        "A variable, NAME=VALUE (repeat): UserName, UserPrincipalName, EmailAddress, DeviceName, "
                        "FullyQualifiedDomainName, AAD_Device_ID, OnPremisesSecurityIdentifier, SerialNumber, or "
                        "the profile's custom_variables");
    command->add_flag("--json", options->json,
                      "Print the record as JSON, with challenge, challenge_expires_at and scep_url");
  }
  {
    auto [command, options] = add(enrollments, "challenge",
                                  "Make a fresh one-time SCEP challenge for a pending enrollment; earlier ones stop "
                                  "working",
                                  new_challenge);
    command->add_option("ID", options->id, "Enrollment id")->required();
    command->add_flag("--json", options->json, "Print JSON: challenge, challenge_expires_at, scep_url, enrollment");
  }
  {
    auto [command, options] = add(enrollments, "list", "List enrollment records, newest first", list_enrollments);
    command->add_option("--profile", options->profile, "Only this profile's");
    command->add_flag("--json", options->json, "Print a JSON array (schema: docs/json.md)");
  }
  {
    auto [command, options] = add(enrollments, "show", "Show an enrollment record", show_enrollment);
    command->add_option("ID", options->id, "Enrollment id")->required();
    command->add_flag("--json", options->json, "Print JSON (schema: docs/json.md)");
  }
}

}  // namespace nimbus::cli
