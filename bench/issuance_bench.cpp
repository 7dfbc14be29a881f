// The issuance benchmark: certificates per second through the whole issuance path, against the
// bare signing rate of the same CA key. See docs/performance.md for what it measures and why, and
// `make bench` (bench/run) for the comparison with `openssl speed`.
//
// Families, each once for an RSA-2048 issuing CA with an RSA-2048 request and once for a P-256 CA
// with a P-256 request:
//
//   Issue/<key>      Issuer::issue for a pending enrollment: the request's signature verified,
//                    profile checks, the certificate built, linted and signed, and the certificate,
//                    the used enrollment and the audit event committed to SQLite (WAL,
//                    synchronous=FULL) before issue() returns. The request was parsed once, before
//                    timing; the enrollments were created before timing.
//   Sign/<key>       CertificateBuilder::sign of a prebuilt certificate (the to-be-signed content of
//                    one Nimbus issued) with the same CA key: the ceiling for Issue, through our code.
//                    sign() is assemble() (which includes X509_set_pubkey) + sign_assembled().
//   SignAssembled/<key>  sign_assembled() alone (X509_sign: hash + signature), assemble() untimed.
//   VerifyCsr/<key>  CertificateRequest::verify_signature of the same request: the part of Issue
//                    that is the client's key, not the CA's.
//   IssueTmpfs/<key> Issue with the database on tmpfs (/dev/shm), where fsync returns at once: NOT
//                    durable, only a diagnostic that separates the CPU cost from the fsync wait.
//
// Threads share one Issuer and one store and take enrollments from one atomic index, as request
// handlers of a server would. Times are wall-clock (UseRealTime); items_per_second is the figure.
//
// The store lives in a fresh directory under $NIMBUS_BENCH_DIR (default: $TMPDIR or /tmp), which
// must be on the disk under test, and is removed at exit.

#include <stdlib.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "ca/authorities.h"
#include "ca/issuance.h"
#include "ca/publication_urls.h"
#include "core/bytes.h"
#include "core/secret.h"
#include "crypto/key.h"
#include "crypto/key_store.h"
#include "crypto/random.h"
#include "profile/names.h"
#include "profile/profile.h"
#include "profile/profile_catalog.h"
#include "store/sqlite/sqlite_store.h"
#include "x509/certificate_builder.h"
#include "x509/csr.h"
#include "x509/name.h"

#ifndef NIMBUS_BENCH_PROFILE
#define NIMBUS_BENCH_PROFILE "examples/profiles/user-vpn.yaml"
#endif

namespace nimbus::bench {
namespace {

template <typename T>
T must(Result<T> result, std::string_view what) {
  if (!result.ok()) throw std::runtime_error(fmt::format("{}: {}", what, result.error().to_string()));
  return std::move(result).value();
}

void must(const Status& status, std::string_view what) {
  if (!status.ok()) throw std::runtime_error(fmt::format("{}: {}", what, status.error().to_string()));
}

// A fresh directory, removed with its contents on destruction.
class ScratchDir {
 public:
  explicit ScratchDir(const std::filesystem::path& base) {
    std::filesystem::create_directories(base);
    std::string pattern = (base / "nimbus-bench-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp in " + base.string() + " failed");
    path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

std::filesystem::path default_base_dir() {
  if (const char* dir = std::getenv("NIMBUS_BENCH_DIR"); dir != nullptr && *dir != '\0') return dir;
  return std::filesystem::temp_directory_path();
}

std::string read_profile_template() {
  const char* override_path = std::getenv("NIMBUS_BENCH_PROFILE");
  std::filesystem::path path = override_path != nullptr && *override_path != '\0' ? override_path : NIMBUS_BENCH_PROFILE;
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read the profile " + path.string() + " (set NIMBUS_BENCH_PROFILE)");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A PKCS#10 request for a user key, as a device would send it: subject, public key, SHA-256
// signature. The issuer takes only the key from it.
x509::CertificateRequest make_request(const crypto::PrivateKey& key) {
  crypto::X509ReqPtr request(X509_REQ_new());
  x509::DistinguishedName subject = must(x509::DistinguishedName::parse("CN=bench user"), "request subject");
  if (!request || X509_REQ_set_version(request.get(), 0) != 1 ||
      X509_REQ_set_subject_name(request.get(), subject.get()) != 1 ||
      X509_REQ_set_pubkey(request.get(), key.get()) != 1 ||
      X509_REQ_sign(request.get(), key.get(), EVP_sha256()) <= 0) {
    throw std::runtime_error("building the certificate request failed");
  }
  unsigned char* der = nullptr;
  int size = i2d_X509_REQ(request.get(), &der);
  if (size <= 0) throw std::runtime_error("encoding the certificate request failed");
  Bytes bytes(der, der + size);
  OPENSSL_free(der);
  return must(x509::CertificateRequest::parse(bytes), "parsing the certificate request");
}

// What ProfileCatalog::create_enrollment stores for the rendered SANs.
std::string names_json(const std::vector<profile::SubjectAltName>& names) {
  nlohmann::json list = nlohmann::json::array();
  for (const profile::SubjectAltName& name : names) {
    list.push_back({{"type", std::string(profile::san_type_name(name.type))}, {"value", name.value}});
  }
  return list.dump();
}

// One deployment: a store with a P-384 root, an issuing CA with `issuing_key`, the user-vpn
// profile pointed at it, a request with `request_key`, and a pool of pending enrollments.
// The profile is used as shipped (for a P-256 key the Issuer leaves out key_encipherment).
class Deployment {
 public:
  Deployment(std::string label, const std::filesystem::path& base, std::string_view issuing_key,
             std::string_view request_key)
      : label_(std::move(label)), dir_(base) {
    store_ = must(store::sqlite::SqliteStore::create(dir_.path() / "nimbus.db"), "creating the store");
    keys_ = std::make_unique<crypto::FileKeyStore>(
        dir_.path() / "keys", [] { return Result<Secret>(Secret("nimbus benchmark passphrase")); });
    ca::PublicationUrls urls = must(ca::PublicationUrls::from_base("http://pki.bench.example"), "base URL");

    ca::Authorities authorities(*store_, *keys_, urls, "bench");
    must(authorities.create_root({"bench-root", must(x509::DistinguishedName::parse("CN=Bench Root, O=Nimbus Bench"), "dn"),
                                  must(crypto::KeySpec::parse("ec:p384"), "key spec")}),
         "creating the root");
    std::string issuing_id = "bench-issuing-" + label_;
    auto issuing = must(
        authorities.create_issuing({issuing_id, "bench-root",
                                    must(x509::DistinguishedName::parse(fmt::format("CN=Bench Issuing CA {}, O=Nimbus Bench", label_)), "dn"),
                                    must(crypto::KeySpec::parse(issuing_key), "key spec")}),
        "creating the issuing CA");

    // user-vpn.yaml as shipped, with issuing_ca pointed at this deployment's issuing CA.
    std::string yaml = std::regex_replace(read_profile_template(), std::regex("(^|\n)issuing_ca:[^\n]*"),
                                          "$1issuing_ca: " + issuing_id);
    profile::ProfileCatalog catalog(*store_, "bench");
    applied_ = must(catalog.apply(yaml), "applying the profile");

    request_ = make_request(must(crypto::PrivateKey::generate(must(crypto::KeySpec::parse(request_key), "key spec")),
                                 "generating the request key"));
    issuer_ = std::make_unique<ca::Issuer>(*store_, *keys_, urls, "bench");

    // The to-be-signed content of a real issuance, for the bare signing benchmark.
    add_enrollments(1);
    x509::Certificate sample = must(issuer_->issue(pool_[0], *request_), "a first issuance");
    ca_key_ = must(keys_->load(issuing.key_reference), "loading the CA key");
    prebuilt_.set_subject(sample.subject())
        .set_issuer(sample.issuer())
        .set_serial(sample.serial())
        .set_validity(sample.not_before(), sample.not_after())
        .set_public_key(sample.public_key());
    for (int i = 0; i < X509_get_ext_count(sample.get()); ++i) {
      prebuilt_.add_extension(crypto::X509ExtensionPtr(X509_EXTENSION_dup(X509_get_ext(sample.get(), i))));
    }
    digest_ = ca_key_->preferred_digest();
    must(prebuilt_.sign(*ca_key_, digest_), "a first bare signature");
    pool_.clear();
  }

  const std::string& label() const { return label_; }
  ca::Issuer& issuer() { return *issuer_; }
  const x509::CertificateRequest& request() const { return *request_; }
  const x509::CertificateBuilder& prebuilt() const { return prebuilt_; }
  const crypto::PrivateKey& ca_key() const { return *ca_key_; }
  crypto::SignatureDigest digest() const { return digest_; }

  // A fresh pool of `count` pending enrollments; the index starts again at 0. Not thread-safe:
  // called by thread 0 before the timed loop, while the other threads wait at its start.
  void refill(std::size_t count) {
    pool_.clear();
    add_enrollments(count);
    next_.store(0);
  }

  // The next unused enrollment id, or nullptr when the pool is exhausted.
  const std::string* take() {
    std::size_t index = next_.fetch_add(1, std::memory_order_relaxed);
    return index < pool_.size() ? &pool_[index] : nullptr;
  }

 private:
  // Creates `count` enrollments in one transaction, each what ProfileCatalog::create_enrollment
  // would store (rendered subject and SANs, audit event), for distinct users.
  void add_enrollments(std::size_t count) {
    const profile::Profile& profile = applied_->profile;
    std::vector<store::EnrollmentRecord> records;
    Timestamp now = now_utc();
    for (std::size_t i = 0; i < count; ++i) {
      std::size_t user = ++users_;
      profile::Variables variables = {
          {"UserName", fmt::format("Bench User {:06}", user)},
          {"UserPrincipalName", fmt::format("bench.user{:06}@corp.example.com", user)},
          {"OnPremisesSecurityIdentifier", fmt::format("S-1-5-21-1004336348-1177238915-682003330-{}", 1000 + user)},
      };
      profile::RenderedNames names = must(profile::render_names(profile, variables), "rendering names");
      store::EnrollmentRecord record;
      record.id = to_hex(must(crypto::random_bytes(8), "random id"));
      record.profile_id = profile.id;
      record.profile_version = applied_->record.version;
      record.variables = nlohmann::json(variables).dump();
      record.subject = names.subject.to_string();
      record.subject_alt_names = names_json(names.subject_alt_names);
      record.status = store::EnrollmentStatus::kPending;
      record.created_at = now;
      records.push_back(std::move(record));
    }
    must(store_->write([&](store::StoreWriter& tx) -> Status {
      for (const store::EnrollmentRecord& record : records) {
        NIMBUS_TRY(tx.insert_enrollment(record));
        NIMBUS_TRY(tx.append_audit({now, "bench", "enrollment.create", record.id,
                                    fmt::format("profile={} subject=\"{}\"", record.profile_id, record.subject)}));
      }
      return ok_status();
    }),
         "creating enrollments");
    for (store::EnrollmentRecord& record : records) pool_.push_back(std::move(record.id));
  }

  std::string label_;
  ScratchDir dir_;
  std::unique_ptr<store::sqlite::SqliteStore> store_;
  std::unique_ptr<crypto::FileKeyStore> keys_;
  std::optional<profile::AppliedProfile> applied_;
  std::optional<x509::CertificateRequest> request_;
  std::unique_ptr<ca::Issuer> issuer_;
  std::optional<crypto::PrivateKey> ca_key_;
  x509::CertificateBuilder prebuilt_;
  crypto::SignatureDigest digest_ = crypto::SignatureDigest::kSha256;

  std::vector<std::string> pool_;
  std::atomic<std::size_t> next_{0};
  std::size_t users_ = 0;
};

void BM_Issue(benchmark::State& state, Deployment* deployment) {
  if (state.thread_index() == 0) {
    deployment->refill(static_cast<std::size_t>(state.max_iterations) * static_cast<std::size_t>(state.threads()));
  }
  for (auto _ : state) {
    const std::string* enrollment = deployment->take();
    if (enrollment == nullptr) {
      state.SkipWithError("the enrollment pool is exhausted");
      break;
    }
    Result<x509::Certificate> issued = deployment->issuer().issue(*enrollment, deployment->request());
    if (!issued.ok()) {
      state.SkipWithError(issued.error().to_string().c_str());
      break;
    }
    benchmark::DoNotOptimize(issued);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_Sign(benchmark::State& state, Deployment* deployment) {
  for (auto _ : state) {
    Result<x509::Certificate> signed_certificate = deployment->prebuilt().sign(deployment->ca_key(), deployment->digest());
    if (!signed_certificate.ok()) {
      state.SkipWithError(signed_certificate.error().to_string().c_str());
      break;
    }
    benchmark::DoNotOptimize(signed_certificate);
  }
  state.SetItemsProcessed(state.iterations());
}

// Only the signature: the certificate is assembled (X509_set_pubkey and all) with the timer paused.
void BM_SignAssembled(benchmark::State& state, Deployment* deployment) {
  for (auto _ : state) {
    state.PauseTiming();
    Result<x509::Certificate> to_be_signed = deployment->prebuilt().assemble();
    state.ResumeTiming();
    if (!to_be_signed.ok()) {
      state.SkipWithError(to_be_signed.error().to_string().c_str());
      break;
    }
    Result<x509::Certificate> signed_certificate =
        x509::CertificateBuilder::sign_assembled(*to_be_signed, deployment->ca_key(), deployment->digest());
    if (!signed_certificate.ok()) {
      state.SkipWithError(signed_certificate.error().to_string().c_str());
      break;
    }
    benchmark::DoNotOptimize(signed_certificate);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_VerifyCsr(benchmark::State& state, Deployment* deployment) {
  for (auto _ : state) {
    Status verified = deployment->request().verify_signature();
    if (!verified.ok()) {
      state.SkipWithError(verified.error().to_string().c_str());
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}

// Iterations are fixed, per thread, so that every run issues a known number of certificates
// (~3,000 for the multi-threaded runs) and the enrollment pool can be sized for it.
struct IssueRun {
  int threads;
  benchmark::IterationCount iterations_per_thread;
};

void register_issue(const std::string& name, Deployment* deployment, const std::vector<IssueRun>& runs) {
  for (const IssueRun& run : runs) {
    benchmark::RegisterBenchmark(name.c_str(), BM_Issue, deployment)
        ->Iterations(run.iterations_per_thread)
        ->Threads(run.threads)
        ->UseRealTime()
        ->Unit(benchmark::kMicrosecond);
  }
}

void register_crypto(const std::string& name, void (*function)(benchmark::State&, Deployment*), Deployment* deployment,
                     benchmark::IterationCount iterations_per_thread) {
  benchmark::RegisterBenchmark(name.c_str(), function, deployment)
      ->Iterations(iterations_per_thread)
      ->Threads(1)
      ->Threads(2)
      ->UseRealTime()
      ->Unit(benchmark::kMicrosecond);
}

int run(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  // Issuer logs every issuance at info; at this rate that is console output, not issuance.
  // Warnings go to stderr: stdout carries the JSON results.
  spdlog::set_default_logger(spdlog::stderr_color_mt("bench"));
  spdlog::set_level(spdlog::level::warn);

  std::filesystem::path base = default_base_dir();
  Deployment rsa("rsa2048", base, "rsa:2048", "rsa:2048");
  Deployment ec("p256", base, "ec:p256", "ec:p256");

  // Durable: 1 thread is bounded by one fsync per certificate; group commit needs many writers.
  const std::vector<IssueRun> durable_runs = {{1, 1000}, {2, 1000}, {8, 400}, {32, 100}};
  register_issue("Issue/rsa2048", &rsa, durable_runs);
  register_issue("Issue/p256", &ec, durable_runs);
  register_crypto("Sign/rsa2048", BM_Sign, &rsa, 4000);
  register_crypto("Sign/p256", BM_Sign, &ec, 10000);
  // One thread only: with the timer paused around assemble(), a second thread's untimed work would
  // take CPU from the first one's timed work on a machine with few cores.
  benchmark::RegisterBenchmark("SignAssembled/rsa2048", BM_SignAssembled, &rsa)
      ->Iterations(4000)->Threads(1)->UseRealTime()->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("SignAssembled/p256", BM_SignAssembled, &ec)
      ->Iterations(20000)->Threads(1)->UseRealTime()->Unit(benchmark::kMicrosecond);
  register_crypto("VerifyCsr/rsa2048", BM_VerifyCsr, &rsa, 40000);
  register_crypto("VerifyCsr/p256", BM_VerifyCsr, &ec, 20000);

  // The same issuance path with the database on tmpfs: fsync costs nothing there.
  std::optional<Deployment> rsa_tmpfs;
  std::optional<Deployment> ec_tmpfs;
  if (std::filesystem::is_directory("/dev/shm")) {
    rsa_tmpfs.emplace("rsa2048", "/dev/shm", "rsa:2048", "rsa:2048");
    ec_tmpfs.emplace("p256", "/dev/shm", "ec:p256", "ec:p256");
    const std::vector<IssueRun> tmpfs_runs = {{1, 2000}, {2, 2000}};
    register_issue("IssueTmpfs/rsa2048", &*rsa_tmpfs, tmpfs_runs);
    register_issue("IssueTmpfs/p256", &*ec_tmpfs, tmpfs_runs);
  }

  benchmark::AddCustomContext("store_dir", base.string());
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

}  // namespace
}  // namespace nimbus::bench

int main(int argc, char** argv) {
  try {
    return nimbus::bench::run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "nimbus_bench: %s\n", e.what());
    return 1;
  }
}
