// nimbus token ...: the API tokens MDM connectors, scripts and the console sign in with.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <iostream>
#include <memory>

#include "access/api_tokens.h"
#include "cli/command.h"
#include "node/deployment.h"

namespace nimbus::cli {

namespace {

using nlohmann::json;

struct TokenOptions {
  std::string name;
  std::string role;
  std::string ttl = "90d";
  std::string token;  // id or name
  bool json = false;
};

// "active", "expired" or "revoked" at `now`.
std::string_view token_status(const store::ApiTokenRecord& token, Timestamp now) {
  if (token.revoked_at) return "revoked";
  return now >= token.expires_at ? "expired" : "active";
}

json token_json(const store::ApiTokenRecord& token, Timestamp now) {
  return {{"id", token.id},
          {"name", token.name},
          {"role", store::api_role_name(token.role)},
          {"status", token_status(token, now)},
          {"created_at", format_timestamp(token.created_at)},
          {"expires_at", format_timestamp(token.expires_at)},
          {"revoked_at", token.revoked_at ? json(format_timestamp(*token.revoked_at)) : json(nullptr)}};
}

Status create(CommandRunner& runner, const TokenOptions& options) {
  std::optional<store::ApiRole> role = store::parse_api_role(options.role);
  if (!role) {
    return Error(ErrorCode::kInvalidArgument,
                 fmt::format("--role '{}': one of admin, enroller, auditor, viewer", options.role));
  }
  auto lifetime = parse_validity(options.ttl);
  if (!lifetime.ok()) return std::move(lifetime).error().with_context("--ttl");
  NIMBUS_ASSIGN_OR_RETURN(auto deployment, node::Deployment::open(runner.options().data_dir));
  Timestamp now = now_utc();
  NIMBUS_ASSIGN_OR_RETURN(access::NewApiToken token, access::create_api_token(deployment->store(), options.name, *role,
                                                                              *lifetime, current_actor(), now));
  if (options.json) {
    json out = token_json(token.record, now);
    out["token"] = std::string(token.text.reveal());
    std::cout << out.dump(2) << '\n';
    return ok_status();
  }
  std::cout << fmt::format("Token        {}\nName         {}\nRole         {}\nExpires      {}\n\n", token.text.reveal(),
                           token.record.name, store::api_role_name(token.record.role),
                           format_timestamp(token.record.expires_at))
            << "The token is shown only now; Nimbus keeps its SHA-256. Send it as 'Authorization: Bearer TOKEN'.\n";
  return ok_status();
}

Status list(CommandRunner& runner, const TokenOptions& options) {
  NIMBUS_ASSIGN_OR_RETURN(auto deployment, node::Deployment::open(runner.options().data_dir));
  NIMBUS_ASSIGN_OR_RETURN(auto tokens, deployment->store().list_api_tokens());
  Timestamp now = now_utc();
  if (options.json) {
    json out = json::array();
    for (const store::ApiTokenRecord& token : tokens) out.push_back(token_json(token, now));
    std::cout << out.dump(2) << '\n';
    return ok_status();
  }
  std::cout << fmt::format("{:<16}  {:<24}  {:<8}  {:<7}  {}\n", "ID", "NAME", "ROLE", "STATUS", "EXPIRES");
  for (const store::ApiTokenRecord& token : tokens) {
    std::cout << fmt::format("{:<16}  {:<24}  {:<8}  {:<7}  {}\n", token.id, token.name,
                             store::api_role_name(token.role), token_status(token, now),
                             format_timestamp(token.expires_at));
  }
  return ok_status();
}

Status revoke(CommandRunner& runner, const TokenOptions& options) {
  NIMBUS_ASSIGN_OR_RETURN(auto deployment, node::Deployment::open(runner.options().data_dir));
  Timestamp now = now_utc();
  NIMBUS_ASSIGN_OR_RETURN(store::ApiTokenRecord token,
                          access::revoke_api_token(deployment->store(), options.token, current_actor(), now));
  if (options.json) {
    std::cout << token_json(token, now).dump(2) << '\n';
  } else {
    std::cout << fmt::format("API token {} '{}' is revoked; requests with it are refused from now on.\n", token.id,
                             token.name);
  }
  return ok_status();
}

}  // namespace

void add_token_commands(CLI::App& app, CommandRunner& runner) {
  CLI::App* group = app.add_subcommand("token", "API tokens for the REST API: made, listed, revoked");
  group->require_subcommand(0, 1);
  auto add = [&](const char* name, const char* description, auto body) {
    return add_command<TokenOptions>(*group, runner, name, description, body);
  };
  {
    auto [command, options] = add("create", "Make a token; its text is shown once", create);
    command->add_option("--name", options->name, "A name for who uses it (unique among live tokens)")->required();
    command->add_option("--role", options->role, "admin, enroller, auditor or viewer")->required();
    command->add_option("--ttl", options->ttl, "How long it is good: 90d, 12h, 1y (at most 3650d)")
        ->capture_default_str();
    command->add_flag("--json", options->json, "Print JSON: token, id, name, role, status, created_at, expires_at");
  }
  {
    auto [command, options] = add("list", "The tokens, newest first, with their status (never their text)", list);
    command->add_flag("--json", options->json, "Print a JSON array (schema: docs/json.md)");
  }
  {
    auto [command, options] = add("revoke", "Revoke a token by its id or name", revoke);
    command->add_option("TOKEN", options->token, "The token's id or name")->required();
    command->add_flag("--json", options->json, "Print the revoked token as JSON");
  }
}

}  // namespace nimbus::cli
