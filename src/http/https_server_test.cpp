// The HTTP server as an HTTPS listener, checked with curl and openssl as clients: the handshake,
// requests marked secure, client certificates asked for, verified and handed to handlers.
#include <memory>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "http/server.h"
#include "testing/test_support.h"
#include "x509/certificate_builder.h"
#include "x509/extensions.h"
#include "x509/https_context.h"

namespace nimbus::http {
namespace {

constexpr const char* kClientAuth = "1.3.6.1.5.5.7.3.2";
constexpr const char* kServerAuth = "1.3.6.1.5.5.7.3.1";

using testing::CommandResult;

CommandResult run(const std::string& command) { return testing::run_command(command); }

testing::TestCa ca_named(std::string_view subject) {
  testing::CertificateOptions options;
  options.subject = std::string(subject);
  return testing::make_ca(options);
}

x509::Certificate end_entity(const testing::TestCa& issuer, const crypto::PrivateKey& key, std::string_view subject,
                             const char* eku) {
  x509::CertificateBuilder builder;
  builder.set_subject(testing::dn(subject))
      .set_issuer(issuer.certificate.subject())
      .set_serial(testing::must(crypto::random_serial()))
      .set_validity(now_utc() - std::chrono::hours(1), now_utc() + testing::kDay)
      .set_public_key(key.public_key())
      .add_extension(x509::basic_constraints_extension(false, std::nullopt))
      .add_extension(x509::key_usage_extension({x509::KeyUsage::kDigitalSignature}))
      .add_extension(x509::extended_key_usage_extension({eku}))
      .add_extension(x509::subject_key_id_extension(x509::key_identifier(key.public_key())))
      .add_extension(x509::authority_key_id_extension(x509::key_identifier(issuer.certificate.public_key())))
      .add_extension(x509::subject_alt_name_extension({{x509::AltNameType::kIp, "127.0.0.1"}}, false));
  return testing::must(builder.sign(issuer.key, issuer.key.preferred_digest()));
}

class HttpsServerTest : public ::testing::Test {
 protected:
  HttpsServerTest()
      : root_(ca_named("CN=Listener Root")),
        clients_ca_(ca_named("CN=Client CA")),
        server_key_(testing::make_key()),
        server_certificate_(end_entity(root_, server_key_, "CN=127.0.0.1", kServerAuth)) {
    testing::write_text(dir_ / "root.pem", root_.certificate.pem(), 0644);
  }

  void start(x509::ClientCertificates clients) {
    std::vector<x509::Certificate> authorities = {clients_ca_.certificate};
    auto context = x509::HttpsContext::make(server_certificate_, {}, server_key_, clients, authorities);
    NIMBUS_ASSERT_OK(context);
    ServerOptions options;
    options.port = 0;
    options.worker_threads = 1;
    options.name = "api";
    options.tls = std::make_shared<const x509::HttpsContext>(std::move(*context));
    Router router;
    testing::must(router.add_route({"GET"}, "/who", [](const Request& request) -> Result<Response> {
      std::string client = request.client_certificate ? request.client_certificate->subject().to_string() : "-";
      return Response::text(200, fmt::format("secure={} client={}", request.secure, client));
    }));
    server_ = std::make_unique<HttpServer>(options, std::move(router));
    NIMBUS_ASSERT_OK(server_->start());
  }

  // A client certificate and key from `issuer`, written for curl; returns curl's options for it.
  std::string client_files(const testing::TestCa& issuer, std::string_view name) {
    crypto::PrivateKey key = testing::make_key();
    x509::Certificate certificate = end_entity(issuer, key, fmt::format("CN={}", name), kClientAuth);
    std::filesystem::path cert_file = dir_ / fmt::format("{}.pem", name);
    std::filesystem::path key_file = dir_ / fmt::format("{}.key", name);
    testing::write_text(cert_file, certificate.pem(), 0644);
    testing::write_text(key_file, testing::must(key.to_pem()), 0600);
    return fmt::format("--cert {} --key {}", cert_file.string(), key_file.string());
  }

  CommandResult curl(std::string_view extra = "") {
    return run(fmt::format("curl -sS --max-time 10 --cacert {} {} https://127.0.0.1:{}/who",
                           (dir_ / "root.pem").string(), extra, server_->port()));
  }

  testing::TempDir dir_;
  testing::TestCa root_;
  testing::TestCa clients_ca_;
  crypto::PrivateKey server_key_;
  x509::Certificate server_certificate_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(HttpsServerTest, ServesOverTlsAndMarksRequestsSecure) {
  start(x509::ClientCertificates::kOff);
  CommandResult answered = curl();
  EXPECT_EQ(answered.exit_code, 0) << answered.output;
  EXPECT_EQ(answered.output, "secure=true client=-\n");
  // openssl agrees on the chain and the address, and no TLS below 1.2 is spoken.
  CommandResult checked = run(fmt::format("openssl s_client -connect 127.0.0.1:{} -CAfile {} -verify_return_error "
                                    "-verify_ip 127.0.0.1 </dev/null",
                                    server_->port(), (dir_ / "root.pem").string()));
  EXPECT_EQ(checked.exit_code, 0) << checked.output;
  EXPECT_NE(checked.output.find("Verify return code: 0 (ok)"), std::string::npos) << checked.output;
  CommandResult old = run(fmt::format("openssl s_client -connect 127.0.0.1:{} -tls1_1 </dev/null", server_->port()));
  EXPECT_NE(old.exit_code, 0) << old.output;
}

TEST_F(HttpsServerTest, PlainHttpToTheTlsPortGetsNothingAndTheServerGoesOn) {
  start(x509::ClientCertificates::kOff);
  CommandResult plain = run(fmt::format("curl -sS --max-time 10 http://127.0.0.1:{}/who", server_->port()));
  EXPECT_NE(plain.exit_code, 0) << plain.output;
  EXPECT_EQ(plain.output.find("secure="), std::string::npos) << plain.output;
  EXPECT_EQ(curl().output, "secure=true client=-\n");
}

TEST_F(HttpsServerTest, RequiredClientCertificatesAreVerifiedInTheHandshake) {
  start(x509::ClientCertificates::kRequired);
  CommandResult without = curl();
  EXPECT_NE(without.exit_code, 0) << without.output;
  CommandResult stranger = curl(client_files(root_, "stranger"));  // a CA the listener does not trust for clients
  EXPECT_NE(stranger.exit_code, 0) << stranger.output;
  CommandResult trusted = curl(client_files(clients_ca_, "alice"));
  EXPECT_EQ(trusted.exit_code, 0) << trusted.output;
  EXPECT_EQ(trusted.output, "secure=true client=CN=alice\n");
}

TEST_F(HttpsServerTest, OptionalClientCertificatesLetClientsWithoutOneIn) {
  start(x509::ClientCertificates::kOptional);
  EXPECT_EQ(curl().output, "secure=true client=-\n");
  EXPECT_EQ(curl(client_files(clients_ca_, "bob")).output, "secure=true client=CN=bob\n");
  CommandResult stranger = curl(client_files(root_, "mallory"));
  EXPECT_NE(stranger.exit_code, 0) << stranger.output;
}

TEST(HttpsContext, RefusesAKeyOfAnotherCertificateAndClientCertificatesWithoutAuthorities) {
  testing::TestCa ca = ca_named("CN=CA");
  crypto::PrivateKey other = testing::make_key();
  auto mismatched = x509::HttpsContext::make(ca.certificate, {}, other, x509::ClientCertificates::kOff, {});
  ASSERT_FALSE(mismatched.ok());
  EXPECT_EQ(mismatched.error().code(), ErrorCode::kInvalidArgument);
  auto nobody = x509::HttpsContext::make(ca.certificate, {}, ca.key, x509::ClientCertificates::kRequired, {});
  ASSERT_FALSE(nobody.ok());
  EXPECT_EQ(nobody.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(x509::parse_client_certificates("required"), x509::ClientCertificates::kRequired);
  EXPECT_EQ(x509::parse_client_certificates("yes"), std::nullopt);
}

}  // namespace
}  // namespace nimbus::http
