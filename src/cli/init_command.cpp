// nimbus init: a new deployment — configuration, store, and a root CA with one issuing CA.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <iostream>
#include <memory>
#include <vector>

#include "ca/authorities.h"
#include "cli/command.h"
#include "config/passphrase.h"
#include "core/file.h"
#include "node/deployment.h"
#include "views/authority_view.h"
#include "x509/name.h"

namespace nimbus::cli {

using node::Deployment;

namespace {

namespace fs = std::filesystem;

struct InitOptions {
  std::string organization;
  std::string base_url;
  std::string root_key = "rsa:4096";
  std::string issuing_key = "rsa:3072";
  std::string root_name;     // default "{organization} Root CA"
  std::string issuing_name;  // default "{organization} Issuing CA"
  std::string root_validity = "15y";
  std::string issuing_validity = "5y";
  std::string passphrase_file;
};

Result<x509::DistinguishedName> ca_subject(const std::string& common_name, const std::string& organization) {
  return x509::DistinguishedName::parse(fmt::format("CN={}, O={}", x509::escape_attribute_value(common_name),
                                                    x509::escape_attribute_value(organization)));
}

// Removes what a failed init created, newest first, so that a retry starts from where the user was.
class Rollback {
 public:
  void created(fs::path path) { paths_.push_back(std::move(path)); }
  void commit() { paths_.clear(); }
  ~Rollback() {
    for (auto it = paths_.rbegin(); it != paths_.rend(); ++it) {
      std::error_code ec;
      fs::remove_all(*it, ec);
    }
  }

 private:
  std::vector<fs::path> paths_;
};

// How the passphrase file is recorded: relative when it lives in the data directory.
std::string passphrase_setting(const fs::path& data_dir, const std::string& file) {
  std::error_code ec;
  fs::path absolute_file = fs::weakly_canonical(file, ec);
  fs::path absolute_data = fs::weakly_canonical(data_dir, ec);
  fs::path relative = absolute_file.lexically_relative(absolute_data);
  if (!relative.empty() && *relative.begin() != "..") return relative.string();
  return absolute_file.string();
}

Status run_init(const InitOptions& options, const std::string& data_option) {
  fs::path data_dir(data_option);
  if (options.organization.empty()) return Error(ErrorCode::kInvalidArgument, "--org must not be empty");
  NIMBUS_ASSIGN_OR_RETURN(ca::PublicationUrls urls, ca::PublicationUrls::from_base(options.base_url));
  NIMBUS_ASSIGN_OR_RETURN(crypto::KeySpec root_key, crypto::KeySpec::parse(options.root_key));
  NIMBUS_ASSIGN_OR_RETURN(crypto::KeySpec issuing_key, crypto::KeySpec::parse(options.issuing_key));
  NIMBUS_ASSIGN_OR_RETURN(Duration root_validity, parse_validity(options.root_validity));
  NIMBUS_ASSIGN_OR_RETURN(Duration issuing_validity, parse_validity(options.issuing_validity));
  NIMBUS_ASSIGN_OR_RETURN(
      x509::DistinguishedName root_subject,
      ca_subject(options.root_name.empty() ? options.organization + " Root CA" : options.root_name, options.organization));
  NIMBUS_ASSIGN_OR_RETURN(x509::DistinguishedName issuing_subject,
                          ca_subject(options.issuing_name.empty() ? options.organization + " Issuing CA"
                                                                  : options.issuing_name,
                                     options.organization));

  // The passphrase must be known and good before anything is written.
  std::optional<Secret> passphrase = config::passphrase_from_environment();
  if (!passphrase && options.passphrase_file.empty()) {
    return Error(ErrorCode::kFailedPrecondition,
                 fmt::format("init needs a passphrase to encrypt the CA keys: set {} or pass --passphrase-file FILE "
                             "(mode 0600)",
                             config::kPassphraseEnvironmentVariable));
  }
  if (!options.passphrase_file.empty()) {
    NIMBUS_ASSIGN_OR_RETURN(Secret from_file, config::read_passphrase_file(options.passphrase_file));
    // Later commands take the environment's passphrase first; if the two differ, keys made now
    // could not be opened with the file this deployment records.
    if (passphrase && !constant_time_equal(as_bytes(passphrase->reveal()), as_bytes(from_file.reveal()))) {
      return Error(ErrorCode::kInvalidArgument,
                   fmt::format("{} and --passphrase-file hold different passphrases; unset one of them",
                               config::kPassphraseEnvironmentVariable));
    }
    passphrase = std::move(from_file);
  }
  NIMBUS_TRY(config::check_new_passphrase(*passphrase));

  config::Config config;
  config.organization = options.organization;
  config.base_url = urls.base();
  if (!options.passphrase_file.empty()) {
    config.key_passphrase_file = passphrase_setting(data_dir, options.passphrase_file);
  }
  std::error_code ec;
  for (const fs::path& existing : {data_dir / config::kConfigFileName, config.store_path(data_dir)}) {
    if (fs::exists(existing, ec)) {
      return Error(ErrorCode::kAlreadyExists,
                   fmt::format("'{}' already exists: {} already holds a deployment; refusing to overwrite it",
                               existing.string(), data_dir.string()));
    }
  }

  Rollback rollback;
  if (!fs::exists(data_dir, ec)) {
    NIMBUS_TRY(create_private_directory(data_dir));
    rollback.created(data_dir);
  }
  std::string config_text = config::render_config(config);
  NIMBUS_TRY(write_file_atomic(data_dir / config::kConfigFileName, as_bytes(config_text), 0600));
  rollback.created(data_dir / config::kConfigFileName);
  fs::path database = config.store_path(data_dir);
  for (const char* suffix : {"", "-wal", "-shm"}) rollback.created(database.string() + suffix);
  fs::path keys_dir = config::resolve_path(data_dir, config.keys_directory);
  if (!fs::exists(keys_dir, ec)) rollback.created(keys_dir);

  NIMBUS_ASSIGN_OR_RETURN(std::unique_ptr<Deployment> deployment, Deployment::create(data_dir, config));
  ca::Authorities authorities = deployment->authorities(current_actor());
  NIMBUS_ASSIGN_OR_RETURN(store::AuthorityRecord root,
                          authorities.create_root({"", root_subject, root_key, root_validity}));
  NIMBUS_ASSIGN_OR_RETURN(store::AuthorityRecord issuing,
                          authorities.create_issuing({"", root.id, issuing_subject, issuing_key, issuing_validity}));
  rollback.commit();

  std::cout << fmt::format("Created a Nimbus deployment in {}\n", data_dir.string());
  std::cout << fmt::format("  configuration  {}\n", (data_dir / config::kConfigFileName).string());
  std::cout << fmt::format("  store          {}\n", database.string());
  std::cout << fmt::format("  CA keys        {} (encrypted; mode 0600)\n\n", keys_dir.string());
  std::vector<views::AuthorityView> shown;
  for (const store::AuthorityRecord& record : {root, issuing}) {
    NIMBUS_ASSIGN_OR_RETURN(views::AuthorityView view, views::make_authority_view(deployment->store(), record));
    shown.push_back(std::move(view));
  }
  std::cout << views::authority_table(shown) << "\n";
  std::cout << fmt::format("Devices trust the root:   nimbus ca export {} --data {} > root.pem\n", root.id,
                           data_dir.string());
  std::cout << fmt::format("Details of the issuing CA: nimbus ca show {} --data {}\n", issuing.id, data_dir.string());
  if (options.passphrase_file.empty()) {
    std::cout << fmt::format("Keys are encrypted under {}; set it for every command that signs, or name a file "
                             "in key_passphrase_file.\n",
                             config::kPassphraseEnvironmentVariable);
  }
  return ok_status();
}

}  // namespace

void add_init_command(CLI::App& app, CommandRunner& runner) {
  auto options = std::make_shared<InitOptions>();
  CLI::App* command = app.add_subcommand(
      "init", "Create a deployment: configuration, store, and a root CA with one issuing CA under it");
  command->add_option("--org", options->organization, "Organisation name, used in CA subjects (O=)")->required();
  command->add_option("--base-url", options->base_url,
                      "http URL where AIA, CDP, OCSP and SCEP are published, e.g. http://pki.example.net")
      ->required();
  command->add_option("--root-key", options->root_key, "Root CA key: rsa:4096, rsa:3072 or ec:p384")
      ->capture_default_str();
  command->add_option("--issuing-key", options->issuing_key, "Issuing CA key: rsa:2048, rsa:3072 or ec:p256")
      ->capture_default_str();
  command->add_option("--root-name", options->root_name, "Root CA common name [default: \"ORG Root CA\"]");
  command->add_option("--issuing-name", options->issuing_name,
                      "Issuing CA common name [default: \"ORG Issuing CA\"]");
  command->add_option("--root-validity", options->root_validity, "Root CA validity (y, d or h)")
      ->capture_default_str();
  command->add_option("--issuing-validity", options->issuing_validity,
                      "Issuing CA validity (y, d or h); must end before the root's")
      ->capture_default_str();
  command->add_option("--passphrase-file", options->passphrase_file,
                      "File (mode 0600) holding the CA key passphrase; recorded as key_passphrase_file. "
                      "NIMBUS_KEY_PASSPHRASE takes precedence");
  runner.add_common_options(*command);
  command->callback([options, &runner] {
    runner.run([&] { return run_init(*options, runner.options().data_dir); });
  });
}

}  // namespace nimbus::cli
