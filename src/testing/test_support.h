// Shared helpers for the unit tests: assertions on Result/Status, a temporary directory, a fixed
// clock and a small builder for test PKIs. Header-only: the library globs src/**/*.cpp into the
// product, so nothing here may live in a .cpp file.
#pragma once

#include <cstdio>

#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <gtest/gtest.h>

#include "core/bytes.h"
#include "core/file.h"
#include "core/result.h"
#include "core/time.h"
#include "crypto/key.h"
#include "crypto/random.h"
#include "x509/certificate.h"
#include "x509/certificate_builder.h"
#include "x509/csr.h"
#include "x509/extensions.h"
#include "x509/name.h"
#include "store/store.h"

namespace nimbus::testing {

// ---- Result assertions -----------------------------------------------------------------------

inline std::string describe_status(const Status& status) {
  return status.ok() ? std::string("ok") : status.error().to_string();
}

template <typename T>
std::string describe_status(const Result<T>& result) {
  return result.ok() ? std::string("ok") : result.error().to_string();
}

}  // namespace nimbus::testing

// Fails the test (fatally / not) unless `expr` (a Result or Status) is ok, showing its error.
#define NIMBUS_ASSERT_OK(expr)                                                  \
  do {                                                                          \
    const auto& nimbus_assert_result = (expr);                                  \
    ASSERT_TRUE(nimbus_assert_result.ok())                                      \
        << #expr << " -> " << ::nimbus::testing::describe_status(nimbus_assert_result); \
  } while (false)

#define NIMBUS_EXPECT_OK(expr)                                                  \
  do {                                                                          \
    const auto& nimbus_expect_result = (expr);                                  \
    EXPECT_TRUE(nimbus_expect_result.ok())                                      \
        << #expr << " -> " << ::nimbus::testing::describe_status(nimbus_expect_result); \
  } while (false)

// Asserts that `expr` fails with `code`.
#define NIMBUS_ASSERT_ERROR(expr, expected_code)                                            \
  do {                                                                                      \
    const auto& nimbus_error_result = (expr);                                               \
    ASSERT_FALSE(nimbus_error_result.ok()) << #expr << " unexpectedly succeeded";           \
    ASSERT_EQ(nimbus_error_result.error().code(), (expected_code))                          \
        << #expr << " -> " << nimbus_error_result.error().to_string();                     \
  } while (false)

#define NIMBUS_EXPECT_ERROR(expr, expected_code)                                            \
  do {                                                                                      \
    const auto& nimbus_error_result = (expr);                                               \
    EXPECT_FALSE(nimbus_error_result.ok()) << #expr << " unexpectedly succeeded";           \
    if (!nimbus_error_result.ok()) {                                                        \
      EXPECT_EQ(nimbus_error_result.error().code(), (expected_code))                        \
          << #expr << " -> " << nimbus_error_result.error().to_string();                   \
    }                                                                                       \
  } while (false)

// Declares `lhs` from a Result expression, failing the test fatally if it holds an error.
#define NIMBUS_ASSERT_OK_AND_ASSIGN(lhs, expr) \
  NIMBUS_ASSERT_OK_AND_ASSIGN_IMPL(NIMBUS_CONCAT(nimbus_test_result_, __LINE__), lhs, expr)
#define NIMBUS_ASSERT_OK_AND_ASSIGN_IMPL(tmp, lhs, expr)                              \
  auto tmp = (expr);                                                                  \
  ASSERT_TRUE(tmp.ok()) << #expr << " -> " << ::nimbus::testing::describe_status(tmp); \
  lhs = std::move(tmp).value()

namespace nimbus::testing {

// Unwraps a Result in helper code that cannot use ASSERT_*: an error becomes an exception, which
// GoogleTest reports as a failure of the running test.
template <typename T>
T must(Result<T> result, std::string_view what = "test setup") {
  if (!result.ok()) {
    throw std::runtime_error(std::string(what) + ": " + result.error().to_string());
  }
  return std::move(result).value();
}

inline void must(const Status& status, std::string_view what = "test setup") {
  if (!status.ok()) throw std::runtime_error(std::string(what) + ": " + status.error().to_string());
}

// ---- Files ----------------------------------------------------------------------------------

// A fresh directory under $TMPDIR (or /tmp), or under `base`, removed with everything in it on
// destruction.
class TempDir {
 public:
  TempDir() : TempDir(std::filesystem::temp_directory_path()) {}
  explicit TempDir(const std::filesystem::path& base) {
    std::string pattern = (base / "nimbus-test-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// Writes `text` to `path` with `mode` (replacing any file there).
inline void write_text(const std::filesystem::path& path, std::string_view text, unsigned mode = 0600) {
  must(write_file_atomic(path, as_bytes(text), mode, /*overwrite=*/true), "writing " + path.string());
}

inline std::string read_text(const std::filesystem::path& path) {
  Bytes content = must(read_file(path), "reading " + path.string());
  return std::string(content.begin(), content.end());
}

// Names of the regular files in `dir` (empty if it does not exist).
inline std::vector<std::string> file_names(const std::filesystem::path& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) return names;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

// ---- Time -------------------------------------------------------------------------------------

inline Timestamp at(std::string_view text) { return must(parse_timestamp(text), "parsing a time"); }

inline constexpr Duration kDay = std::chrono::hours(24);
inline constexpr Duration kYear = std::chrono::hours(24 * 365);

// ---- Test PKI ---------------------------------------------------------------------------------

inline crypto::PrivateKey make_key(std::string_view spec = "ec:p256") {
  return must(crypto::PrivateKey::generate(must(crypto::KeySpec::parse(spec))), "generating a key");
}

inline x509::DistinguishedName dn(std::string_view text) {
  return must(x509::DistinguishedName::parse(text), "parsing a name");
}

// A certificate and its private key.
struct TestCa {
  crypto::PrivateKey key;
  x509::Certificate certificate;
};

// What to put in a certificate made by make_certificate.
struct CertificateOptions {
  std::string subject = "CN=Test CA";
  Timestamp not_before = Timestamp(std::chrono::seconds(1'767'225'600));  // 2026-01-01T00:00:00Z
  Timestamp not_after = Timestamp(std::chrono::seconds(1'767'225'600)) + 10 * kYear;
  bool ca = true;
  std::optional<long> path_length;
  bool key_usage = true;  // keyCertSign+cRLSign for CAs, digitalSignature otherwise
  bool key_ids = true;    // SKI, and AKI when issued by a parent
  std::vector<std::string> cdp;
  std::vector<std::string> ca_issuers;
  std::vector<std::string> ocsp;
  std::vector<std::string> eku;  // dotted OIDs; no extension when empty
  Bytes serial;  // random when empty
};

// Signs a certificate for `subject_key` with `options`: self-signed when `issuer` is null.
inline x509::Certificate make_certificate(const CertificateOptions& options,
                                          const crypto::PrivateKey& subject_key,
                                          const TestCa* issuer = nullptr) {
  crypto::PublicKey public_key = subject_key.public_key();
  x509::DistinguishedName subject = dn(options.subject);
  x509::CertificateBuilder builder;
  builder.set_subject(subject)
      .set_issuer(issuer ? issuer->certificate.subject() : subject)
      .set_serial(options.serial.empty() ? must(crypto::random_serial()) : options.serial)
      .set_validity(options.not_before, options.not_after)
      .set_public_key(public_key)
      .add_extension(x509::basic_constraints_extension(options.ca, options.path_length));
  if (options.key_usage) {
    if (options.ca) {
      builder.add_extension(
          x509::key_usage_extension({x509::KeyUsage::kKeyCertSign, x509::KeyUsage::kCrlSign}));
    } else {
      builder.add_extension(x509::key_usage_extension({x509::KeyUsage::kDigitalSignature}));
    }
  }
  if (options.key_ids) {
    builder.add_extension(x509::subject_key_id_extension(x509::key_identifier(public_key)));
    if (issuer) {
      builder.add_extension(
          x509::authority_key_id_extension(x509::key_identifier(issuer->certificate.public_key())));
    }
  }
  if (!options.cdp.empty()) builder.add_extension(x509::crl_distribution_points_extension(options.cdp));
  if (!options.eku.empty()) builder.add_extension(x509::extended_key_usage_extension(options.eku));
  if (!options.ca_issuers.empty() || !options.ocsp.empty()) {
    builder.add_extension(x509::authority_info_access_extension(options.ca_issuers, options.ocsp));
  }
  const crypto::PrivateKey& signer = issuer ? issuer->key : subject_key;
  return must(builder.sign(signer, signer.preferred_digest()), "signing a test certificate");
}

// A CA with a fresh key.
inline TestCa make_ca(const CertificateOptions& options, const TestCa* issuer = nullptr,
                      std::string_view key_spec = "ec:p256") {
  crypto::PrivateKey key = make_key(key_spec);
  x509::Certificate certificate = make_certificate(options, key, issuer);
  return TestCa{key, certificate};
}

// root -> intermediate (pathlen 0) -> leaf, all valid for 2026..2036 unless changed afterwards.
struct TestChain {
  TestCa root;
  TestCa intermediate;
  TestCa leaf;
};

inline TestChain make_chain() {
  CertificateOptions root_options;
  root_options.subject = "CN=Test Root, O=Nimbus Tests";
  TestCa root = make_ca(root_options);

  CertificateOptions intermediate_options;
  intermediate_options.subject = "CN=Test Intermediate, O=Nimbus Tests";
  intermediate_options.path_length = 0;
  intermediate_options.cdp = {"http://pki.test/cdp/root.crl"};
  TestCa intermediate = make_ca(intermediate_options, &root);

  CertificateOptions leaf_options;
  leaf_options.subject = "CN=leaf.test";
  leaf_options.ca = false;
  leaf_options.cdp = {"http://pki.test/cdp/intermediate.crl"};
  TestCa leaf = make_ca(leaf_options, &intermediate);
  return TestChain{root, intermediate, leaf};
}

inline ByteView bytes_of(const std::string& text) { return as_bytes(text); }

// What a shell command printed, stdout and stderr together, and how it exited (for checking
// results with real clients: openssl, curl).
struct CommandResult {
  int exit_code = -1;
  std::string output;
};

inline CommandResult run_command(const std::string& command) {
  CommandResult result;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) result.output.append(buffer, n);
  int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

inline std::string command_output(const std::string& command) { return run_command(command).output; }

// ---- Requests ---------------------------------------------------------------------------------

// A PKCS#10 request for `key` (any EVP_PKEY, including kinds Nimbus will not make) asking for
// `subject`, self-signed with `digest` (SHA-1 too, to test refusals).
inline x509::CertificateRequest make_request(EVP_PKEY* key, std::string_view subject = "CN=requested",
                                             const EVP_MD* digest = EVP_sha256()) {
  crypto::X509ReqPtr request(X509_REQ_new());
  if (!request || X509_REQ_set_version(request.get(), X509_REQ_VERSION_1) != 1 ||
      X509_REQ_set_subject_name(request.get(), dn(subject).get()) != 1 ||
      X509_REQ_set_pubkey(request.get(), key) != 1 || X509_REQ_sign(request.get(), key, digest) <= 0) {
    throw std::runtime_error("building a test request failed");
  }
  unsigned char* der = nullptr;
  int size = i2d_X509_REQ(request.get(), &der);
  if (size <= 0) throw std::runtime_error("encoding a test request failed");
  Bytes bytes(der, der + size);
  OPENSSL_free(der);
  return must(x509::CertificateRequest::parse(bytes), "parsing a test request");
}

inline x509::CertificateRequest make_request(const crypto::PrivateKey& key, std::string_view subject = "CN=requested",
                                             const EVP_MD* digest = EVP_sha256()) {
  return make_request(key.get(), subject, digest);
}

// A key OpenSSL makes but Nimbus would refuse to generate: "RSA" or "RSA-PSS" with `rsa_bits`, or "EC" on
// `curve` ("P-521").
inline crypto::PrivateKey make_raw_key(const char* type, const char* curve = nullptr, std::size_t rsa_bits = 0) {
  EVP_PKEY* key = rsa_bits != 0 ? EVP_PKEY_Q_keygen(nullptr, nullptr, type, rsa_bits)
                                : EVP_PKEY_Q_keygen(nullptr, nullptr, type, curve);
  if (key == nullptr) throw std::runtime_error(std::string("generating a ") + type + " key failed");
  return crypto::PrivateKey(crypto::EvpPkeyPtr(key));
}

// A Store that forwards everything to another. Tests derive from it and override write() to watch
// or fail commits, without restating every read.
class ForwardingStore : public store::Store {
 public:
  explicit ForwardingStore(store::Store& inner) : inner_(inner) {}

  Status write(const std::function<Status(store::StoreWriter&)>& work) override { return inner_.write(work); }
  Result<int> schema_version() override { return inner_.schema_version(); }
  void maintain() override { inner_.maintain(); }
  Result<std::optional<store::AuthorityRecord>> find_authority(const std::string& id) override {
    return inner_.find_authority(id);
  }
  Result<std::vector<store::AuthorityRecord>> list_authorities() override { return inner_.list_authorities(); }
  Result<std::optional<store::CertificateRecord>> find_certificate(const std::string& serial) override {
    return inner_.find_certificate(serial);
  }
  Result<bool> serial_exists(const std::string& serial) override { return inner_.serial_exists(serial); }
  Result<std::vector<store::RevocationEntry>> revocations(const std::string& issuer_id) override {
    return inner_.revocations(issuer_id);
  }
  Result<std::optional<store::CertificateStatusRecord>> certificate_status(const std::string& issuer_id,
                                                                           const std::string& serial) override {
    return inner_.certificate_status(issuer_id, serial);
  }
  Result<std::optional<store::OcspSignerRecord>> current_ocsp_signer(const std::string& authority_id) override {
    return inner_.current_ocsp_signer(authority_id);
  }
  Result<std::optional<store::CrlRecord>> latest_crl(const std::string& authority_id) override {
    return inner_.latest_crl(authority_id);
  }
  Result<std::vector<store::AuditEntry>> audit_trail(const store::AuditQuery& query) override {
    return inner_.audit_trail(query);
  }
  Result<std::optional<store::CertificateRecord>> find_certificate_by_thumbprint(const std::string& hex) override {
    return inner_.find_certificate_by_thumbprint(hex);
  }
  Result<std::vector<store::CertificateRecord>> list_certificates(const store::CertificateFilter& filter) override {
    return inner_.list_certificates(filter);
  }
  Result<std::optional<store::ProfileRecord>> find_profile(const std::string& id) override {
    return inner_.find_profile(id);
  }
  Result<std::vector<store::ProfileRecord>> list_profiles() override { return inner_.list_profiles(); }
  Result<std::optional<store::EnrollmentRecord>> find_enrollment(const std::string& id) override {
    return inner_.find_enrollment(id);
  }
  Result<std::vector<store::EnrollmentRecord>> list_enrollments(const std::string& profile_id) override {
    return inner_.list_enrollments(profile_id);
  }
  Result<std::vector<store::CertificateTally>> certificate_tallies() override { return inner_.certificate_tallies(); }
  Result<std::optional<store::ChallengeRecord>> find_challenge(const std::string& digest) override {
    return inner_.find_challenge(digest);
  }
  Result<std::vector<store::ChallengeRecord>> enrollment_challenges(const std::string& enrollment_id) override {
    return inner_.enrollment_challenges(enrollment_id);
  }
  Result<std::optional<store::ScepTransactionRecord>> find_scep_transaction(
      const std::string& authority_id, const std::string& transaction_id) override {
    return inner_.find_scep_transaction(authority_id, transaction_id);
  }
  Result<std::optional<store::ApiTokenRecord>> find_api_token(const std::string& id) override {
    return inner_.find_api_token(id);
  }
  Result<std::vector<store::ApiTokenRecord>> list_api_tokens() override { return inner_.list_api_tokens(); }
  Result<std::size_t> count_pending_enrollments(const std::string& profile_id) override {
    return inner_.count_pending_enrollments(profile_id);
  }

 protected:
  store::Store& inner_;
};

}  // namespace nimbus::testing
