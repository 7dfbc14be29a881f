#include <set>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "api/service/api_service.h"
#include "api/service/openapi_document.h"
#include "config/config.h"
#include "node/deployment.h"
#include "node/node.h"
#include "testing/test_support.h"

namespace nimbus::api {
namespace {

using nimbus::testing::must;
using nimbus::testing::TempDir;
using nimbus::testing::write_text;

class OpenApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    write_text(dir_ / "passphrase", "a passphrase long enough for the api test\n", 0600);
    config::Config config;
    config.organization = "API Test";
    config.base_url = "http://pki.api.test";
    config.key_passphrase_file = (dir_ / "passphrase").string();
    write_text(dir_.path() / config::kConfigFileName, config::render_config(config), 0600);
    must(node::Deployment::create(dir_.path(), config));
    node_ = must(node::Node::open({dir_.path(), {}, 0}));
    service_ = must(ApiService::create(*node_, {}));
  }

  static nlohmann::json document() { return nlohmann::json::parse(openapi_document()); }

  TempDir dir_;
  std::unique_ptr<node::Node> node_;
  std::unique_ptr<ApiService> service_;
};

TEST_F(OpenApiTest, IsAnOpenApi31Document) {
  nlohmann::json openapi = document();
  EXPECT_EQ(openapi["openapi"], "3.1.0");
  EXPECT_TRUE(openapi["info"]["title"].is_string());
  EXPECT_TRUE(openapi["components"]["securitySchemes"].contains("bearerAuth"));
}

TEST_F(OpenApiTest, DescribesEveryRouteAndNoOther) {
  nlohmann::json paths = document()["paths"];
  std::set<std::string> served;
  for (const auto& [method, pattern] : service_->routes()) {
    std::string operation = method;
    for (char& c : operation) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    served.insert(fmt::format("{} {}", method, pattern));
    ASSERT_TRUE(paths.contains(pattern)) << pattern << " is served but docs/openapi.json has no such path";
    EXPECT_TRUE(paths[pattern].contains(operation))
        << method << " " << pattern << " is served but docs/openapi.json does not describe it";
  }
  for (const auto& [path, operations] : paths.items()) {
    for (const auto& [operation, description] : operations.items()) {
      if (operation == "parameters" || operation == "summary" || operation == "description") continue;
      std::string method = operation;
      for (char& c : method) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      EXPECT_TRUE(served.contains(fmt::format("{} {}", method, path)))
          << "docs/openapi.json describes " << method << " " << path << ", which is not served";
    }
  }
}

TEST_F(OpenApiTest, EveryOperationSaysHowItFails) {
  for (const auto& [path, operations] : document()["paths"].items()) {
    for (const auto& [operation, description] : operations.items()) {
      if (!description.is_object() || !description.contains("responses")) continue;
      EXPECT_TRUE(description.contains("operationId")) << operation << " " << path;
      if (path == "/api/v1/openapi.json") continue;
      EXPECT_TRUE(description["responses"].contains("401")) << operation << " " << path << " documents no 401";
    }
  }
}

}  // namespace
}  // namespace nimbus::api
