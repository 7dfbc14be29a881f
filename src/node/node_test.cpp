#include "node/node.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "config/config.h"
#include "store/sqlite/sqlite_store.h"
#include "testing/test_support.h"

namespace nimbus::node {
namespace {

using nimbus::testing::command_output;
using nimbus::testing::dn;
using nimbus::testing::must;
using nimbus::testing::TempDir;
using nimbus::testing::write_text;

// A service with one route, recording what the node asked of it.
class FakeService final : public Service {
 public:
  FakeService(std::string name, std::string pattern, std::vector<std::string>* calls, bool fails_to_start = false)
      : name_(std::move(name)), pattern_(std::move(pattern)), calls_(calls), fails_to_start_(fails_to_start) {}

  std::string_view name() const override { return name_; }
  Status add_routes(http::Router& router) override {
    calls_->push_back(name_ + ".add_routes");
    return router.add_route({"GET"}, pattern_, [this](const http::Request&) -> Result<http::Response> {
      return http::Response::text(200, "from " + name_);
    });
  }
  Status start() override {
    calls_->push_back(name_ + ".start");
    if (fails_to_start_) return Error(ErrorCode::kIoError, "port taken");
    return ok_status();
  }
  void stop() override { calls_->push_back(name_ + ".stop"); }
  std::vector<std::string> describe(std::string_view base) const override {
    return {fmt::format("{} at {}{}", name_, base, pattern_)};
  }

 private:
  std::string name_;
  std::string pattern_;
  std::vector<std::string>* calls_;
  bool fails_to_start_;
};

// A deployment with one root CA, its configuration and encrypted key on disk.
class NodeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    write_text(dir_ / "passphrase", "a passphrase long enough for the node test\n", 0600);
    config::Config config;
    config.organization = "Node Test";
    config.base_url = "http://pki.node.test";
    config.key_passphrase_file = (dir_ / "passphrase").string();
    write_text(dir_.path() / config::kConfigFileName, config::render_config(config), 0600);
    auto deployment = must(Deployment::create(dir_.path(), config));
    must(deployment->authorities("test").create_root(
        {"node-root", dn("CN=Node Test Root"), must(crypto::KeySpec::parse("ec:p384")), std::chrono::hours(24 * 365)}));
  }

  std::unique_ptr<Node> open_node() { return must(Node::open({dir_.path(), {}, 0, 0})); }

  // "<status> <body>" of GET `path`.
  static std::string get(const Node& node, std::string_view path) {
    return command_output(fmt::format("curl -s -w ' %{{http_code}}' '{}{}'", node.base_url(), path));
  }

  TempDir dir_;
  std::vector<std::string> calls_;
};

TEST_F(NodeTest, ServesItsOwnRoutesBesideEachServicesRoutes) {
  auto node = open_node();
  node->attach(std::make_unique<FakeService>("first", "/first", &calls_));
  node->attach(std::make_unique<FakeService>("second", "/second", &calls_));
  ASSERT_TRUE(node->start().ok());

  EXPECT_EQ(get(*node, "/first"), "from first\n 200");
  EXPECT_EQ(get(*node, "/second"), "from second\n 200");
  EXPECT_EQ(get(*node, "/healthz"), "ok\n 200");
  std::string metrics = get(*node, "/metrics");
  EXPECT_NE(metrics.find("nimbus_certificates_issued{ca=\"node-root\"}"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("nimbus_http_requests_total"), std::string::npos) << metrics;

  node->stop();
  EXPECT_EQ(calls_, (std::vector<std::string>{"first.add_routes", "second.add_routes", "first.start", "second.start",
                                              "second.stop", "first.stop"}));
}

TEST_F(NodeTest, DescribesEachServiceThenHealthAndMetrics) {
  auto node = open_node();
  node->attach(std::make_unique<FakeService>("first", "/first", &calls_));
  ASSERT_TRUE(node->start().ok());
  std::string base = node->base_url();
  EXPECT_EQ(node->describe(), (std::vector<std::string>{"first at " + base + "/first",
                                                        fmt::format("health and metrics: {}/healthz  {}/metrics",
                                                                    base, base)}));
}

TEST_F(NodeTest, TwoServicesClaimingOneRouteDoNotStart) {
  auto node = open_node();
  node->attach(std::make_unique<FakeService>("first", "/same", &calls_));
  node->attach(std::make_unique<FakeService>("second", "/same", &calls_));
  Status started = node->start();
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.error().message(), "the second service's routes: route GET /same is already taken");
  EXPECT_EQ(calls_, (std::vector<std::string>{"first.add_routes", "second.add_routes"}));
}

TEST_F(NodeTest, AServiceThatCannotStartStopsThoseStartedBeforeIt) {
  auto node = open_node();
  node->attach(std::make_unique<FakeService>("first", "/first", &calls_));
  node->attach(std::make_unique<FakeService>("second", "/second", &calls_, true));
  Status started = node->start();
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.error().message(), "starting the second service: port taken");
  EXPECT_EQ(calls_, (std::vector<std::string>{"first.add_routes", "second.add_routes", "first.start", "second.start",
                                              "first.stop"}));
}

TEST_F(NodeTest, ANodeStartsOnce) {
  auto node = open_node();
  ASSERT_TRUE(node->start().ok());
  EXPECT_EQ(node->start().error().code(), ErrorCode::kFailedPrecondition);
}

TEST_F(NodeTest, LiveAndReadyAreOkWhileEveryKeyOpens) {
  auto node = open_node();
  ASSERT_TRUE(node->start().ok());
  EXPECT_EQ(get(*node, "/healthz/live"), "ok\n 200");
  EXPECT_EQ(get(*node, "/healthz/ready"), "ok\n 200");
}

TEST_F(NodeTest, AProblemMakesReadiness503WithJsonNamingItWhileLivenessStaysOk) {
  auto node = open_node();
  ASSERT_TRUE(node->start().ok());
  node->health().report("crl-publication", "node-root", "the key does not open");
  std::string ready = get(*node, "/healthz");
  EXPECT_EQ(ready.substr(ready.size() - 4), " 503");
  auto body = nlohmann::json::parse(ready.substr(0, ready.size() - 4));
  EXPECT_EQ(body["status"], "unavailable");
  ASSERT_EQ(body["problems"].size(), 1u);
  EXPECT_EQ(body["problems"][0]["component"], "crl-publication");
  EXPECT_EQ(body["problems"][0]["authority"], "node-root");
  EXPECT_EQ(body["problems"][0]["error"], "the key does not open");
  EXPECT_EQ(get(*node, "/healthz/ready"), ready);
  EXPECT_EQ(get(*node, "/healthz/live"), "ok\n 200");

  node->health().clear("crl-publication", "node-root");
  EXPECT_EQ(get(*node, "/healthz"), "ok\n 200");
}

TEST_F(NodeTest, AKeyThatDoesNotOpenStopsTheStartNamingTheAuthority) {
  write_text(dir_ / "passphrase", "another passphrase, not the one the keys use\n", 0600);
  auto node = open_node();
  node->attach(std::make_unique<FakeService>("first", "/first", &calls_));
  Status started = node->start();
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.error().code(), ErrorCode::kCryptoError);
  EXPECT_NE(started.error().message().find("cannot serve: the key of authority 'node-root' does not open"),
            std::string::npos)
      << started.error().message();
  // Nothing was started.
  EXPECT_TRUE(calls_.empty());
}

TEST_F(NodeTest, StartingMakesEachAuthoritysOcspSigner) {
  auto node = open_node();
  ASSERT_TRUE(node->start().ok());
  auto store = must(store::sqlite::SqliteStore::open(dir_.path() / "nimbus.db"));
  auto signer = must(store->current_ocsp_signer("node-root"));
  EXPECT_TRUE(signer.has_value());
}

}  // namespace
}  // namespace nimbus::node
