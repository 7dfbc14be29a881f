// A node over a fresh deployment (no authority yet) with the API attached but not started: for
// tests that look at the API's routes or call them in-process.
#pragma once

#include <memory>

#include <gtest/gtest.h>

#include "api/service/api_service.h"
#include "config/config.h"
#include "node/deployment.h"
#include "node/node.h"
#include "testing/test_support.h"

namespace nimbus::api {

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::write_text(dir_ / "passphrase", "a passphrase long enough for the api test\n", 0600);
    config::Config config;
    config.organization = "API Test";
    config.base_url = "http://pki.api.test";
    config.key_passphrase_file = (dir_ / "passphrase").string();
    testing::write_text(dir_.path() / config::kConfigFileName, config::render_config(config), 0600);
    testing::must(node::Deployment::create(dir_.path(), config));
    node_ = testing::must(node::Node::open({dir_.path(), {}, 0, 0}));
    service_ = testing::must(ApiService::create(*node_, {{}, RateLimit{1000, 100000}}));
  }

  testing::TempDir dir_;
  std::unique_ptr<node::Node> node_;
  std::unique_ptr<ApiService> service_;
};

}  // namespace nimbus::api
