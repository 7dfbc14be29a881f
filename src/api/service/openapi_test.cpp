#include <set>

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "api/service/api_test_fixture.h"
#include "api/service/openapi_document.h"

namespace nimbus::api {
namespace {


class OpenApiTest : public ApiTest {
 protected:
  static nlohmann::json document() { return nlohmann::json::parse(openapi_document()); }
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
  for (const auto& [method, pattern, permission] : service_->routes()) {
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
  const nlohmann::json openapi = document();  // alive for the loop: items() of a temporary would dangle
  for (const auto& [path, operations] : openapi["paths"].items()) {
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
