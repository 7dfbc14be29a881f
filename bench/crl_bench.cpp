// The CRL publication benchmark: revocation::publish_crl for an RSA-2048 CA with N revoked
// certificates, inside Store::write as `nimbus crl publish` runs it: the revocations read from
// SQLite (WAL, synchronous=FULL), the CRL built and signed, and stored in the same transaction,
// committed before the timer stops. Its peer is `openssl ca -gencrl` over an index.txt of the same
// size (/work/shared/peers/05_crl_gencrl_scaling.sh); see docs/performance.md, "CRL publication".
//
// Before timing, each size gets a fresh store under $NIMBUS_BENCH_DIR (default: $TMPDIR or /tmp)
// holding N certificate rows revoked with keyCompromise: 16-byte serials with the high bit clear,
// as Nimbus issues them, and a placeholder DER (the CRL never reads it). After timing, the last
// CRL is parsed with OpenSSL and must hold N entries and verify under the CA key; with
// NIMBUS_BENCH_CRL_OUT set to a directory, it is also written there as crl-<N>.der.
//
// Counters: entries, crl_bytes, setup_s (inserting the rows, untimed), and peak_rss_MiB: the
// process's peak resident set during the timed publications alone (the peak is reset through
// /proc/self/clear_refs before them), or since start where that is not possible.
//
// Sizes: NIMBUS_CRL_BENCH_SIZES, comma-separated (default 1000,100000,1000000).

#include <stdlib.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "core/bytes.h"
#include "crypto/key.h"
#include "revocation/crl_publisher.h"
#include "store/sqlite/sqlite_store.h"
#include "x509/certificate_builder.h"
#include "x509/crl.h"
#include "x509/extensions.h"
#include "x509/name.h"
#include "x509/revocation_reason.h"

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

std::filesystem::path base_dir() {
  if (const char* dir = std::getenv("NIMBUS_BENCH_DIR"); dir != nullptr && *dir != '\0') return dir;
  return std::filesystem::temp_directory_path();
}

// Linux only: resets VmHWM so that the peak read afterwards is the timed part's, not the setup's.
bool reset_peak_rss() {
  std::ofstream clear("/proc/self/clear_refs");
  clear << "5";
  return static_cast<bool>(clear.flush());
}

double peak_rss_mib() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;  // kB
  }
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

// A store with an RSA-2048 root CA and `count` certificates it issued and revoked.
class RevokedStore {
 public:
  explicit RevokedStore(std::size_t count) : count_(count) {
    std::string pattern = (base_dir() / "nimbus-crl-bench-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp " + pattern + " failed");
    dir_ = pattern;
    store_ = must(store::sqlite::SqliteStore::create(dir_ / "nimbus.db"), "creating the store");

    Timestamp now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    crypto::PrivateKey key = must(crypto::PrivateKey::generate(must(crypto::KeySpec::parse("rsa:2048"), "key spec")),
                                  "generating the CA key");
    x509::DistinguishedName subject = must(x509::DistinguishedName::parse("CN=Bench CRL Test CA"), "dn");
    x509::CertificateBuilder builder;
    builder.set_subject(subject)
        .set_issuer(subject)
        .set_serial(Bytes{0x01})
        .set_validity(now - std::chrono::hours(24), now + std::chrono::hours(24 * 365))
        .set_public_key(key.public_key())
        .add_extension(x509::basic_constraints_extension(true, std::nullopt))
        .add_extension(x509::key_usage_extension({x509::KeyUsage::kKeyCertSign, x509::KeyUsage::kCrlSign}))
        .add_extension(x509::subject_key_id_extension(x509::key_identifier(key.public_key())));
    x509::Certificate certificate = must(builder.sign(key, key.preferred_digest()), "signing the CA certificate");
    authority_.emplace(revocation::CrlAuthority{"bench-ca", certificate, key});

    store::AuthorityRecord record;
    record.id = authority_->id;
    record.kind = store::AuthorityKind::kRoot;
    record.subject = subject.to_string();
    record.key_spec = "rsa:2048";
    record.key_reference = "file:bench-ca.key";
    record.certificate_der = certificate.der();
    record.created_at = now;

    auto started = std::chrono::steady_clock::now();
    must(store_->write([&](store::StoreWriter& tx) -> Status {
      NIMBUS_TRY(tx.insert_authority(record));
      store::CertificateRecord revoked;
      revoked.issuer_id = authority_->id;
      revoked.subject = "CN=revoked";
      revoked.not_before = now - std::chrono::hours(24 * 30);
      revoked.not_after = now + std::chrono::hours(24 * 365);
      revoked.der = Bytes{0x30, 0x00};
      revoked.status = store::CertificateStatus::kRevoked;
      revoked.revoked_at = now - std::chrono::hours(24);
      revoked.revocation_reason = static_cast<int>(x509::RevocationReason::kKeyCompromise);
      revoked.issued_at = revoked.not_before;
      std::mt19937_64 random(20261125);
      Bytes serial(16);
      for (std::size_t i = 0; i < count_; ++i) {
        for (std::size_t half = 0; half < 2; ++half) {
          std::uint64_t bits = random();
          for (std::size_t b = 0; b < 8; ++b) serial[half * 8 + b] = static_cast<std::uint8_t>(bits >> (8 * b));
        }
        // Positive with no leading zero octet: 32 hex digits, like crypto::random_serial's.
        serial[0] = static_cast<std::uint8_t>((serial[0] & 0x7f) | 0x01);
        revoked.serial = to_hex(serial);
        revoked.sha1 = revoked.serial;  // the thumbprints only have to be unique
        revoked.sha256 = revoked.serial;
        NIMBUS_TRY(tx.insert_certificate(revoked));
      }
      return ok_status();
    }),
         "inserting the revoked certificates");
    setup_seconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  }

  ~RevokedStore() {
    store_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  RevokedStore(const RevokedStore&) = delete;
  RevokedStore& operator=(const RevokedStore&) = delete;

  std::size_t count() const { return count_; }
  double setup_seconds() const { return setup_seconds_; }
  store::Store& store() { return *store_; }
  const revocation::CrlAuthority& authority() const { return *authority_; }

 private:
  std::size_t count_;
  std::filesystem::path dir_;
  std::unique_ptr<store::sqlite::SqliteStore> store_;
  std::optional<revocation::CrlAuthority> authority_;
  double setup_seconds_ = 0;
};

// One store at a time: a million rows take a few hundred megabytes of disk.
std::unique_ptr<RevokedStore> current;

void BM_PublishCrl(benchmark::State& state) {
  auto count = static_cast<std::size_t>(state.range(0));
  if (!current || current->count() != count) {
    current.reset();
    current = std::make_unique<RevokedStore>(count);
  }
  bool peak_is_timed_part = reset_peak_rss();
  store::CrlRecord published;
  for (auto _ : state) {
    Status status = current->store().write([&](store::StoreWriter& tx) -> Status {
      NIMBUS_ASSIGN_OR_RETURN(published, revocation::publish_crl(tx, current->authority(), now_utc()));
      return ok_status();
    });
    if (!status.ok()) {
      state.SkipWithError(status.error().to_string().c_str());
      return;
    }
  }
  state.counters["peak_rss_MiB"] = peak_rss_mib();
  state.counters["peak_rss_is_timed_part"] = peak_is_timed_part ? 1 : 0;
  state.counters["entries"] = static_cast<double>(count);
  state.counters["crl_bytes"] = static_cast<double>(published.der.size());
  state.counters["setup_s"] = current->setup_seconds();
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(count));

  if (const char* out = std::getenv("NIMBUS_BENCH_CRL_OUT"); out != nullptr && *out != '\0') {
    std::ofstream file(std::filesystem::path(out) / fmt::format("crl-{}.der", count), std::ios::binary);
    file.write(reinterpret_cast<const char*>(published.der.data()), static_cast<std::streamsize>(published.der.size()));
  }
  Result<x509::CertificateRevocationList> crl = x509::CertificateRevocationList::parse(published.der);
  if (!crl.ok()) {
    state.SkipWithError(("the CRL does not parse: " + crl.error().to_string()).c_str());
  } else if (crl->revoked_count() != count) {
    state.SkipWithError(fmt::format("the CRL lists {} entries, not {}", crl->revoked_count(), count).c_str());
  } else if (!crl->is_signed_by(current->authority().certificate.public_key())) {
    state.SkipWithError("the CRL signature does not verify");
  }
}

std::vector<std::int64_t> sizes() {
  const char* text = std::getenv("NIMBUS_CRL_BENCH_SIZES");
  std::stringstream list(text != nullptr && *text != '\0' ? text : "1000,100000,1000000");
  std::vector<std::int64_t> result;
  for (std::string item; std::getline(list, item, ',');) result.push_back(std::stoll(item));
  return result;
}

int run(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  // Warnings go to stderr: stdout carries the JSON results.
  spdlog::set_default_logger(spdlog::stderr_color_mt("bench"));
  spdlog::set_level(spdlog::level::warn);
  for (std::int64_t size : sizes()) {
    // Enough publications for a stable figure; each one stores a CRL of ~38 bytes per entry.
    benchmark::IterationCount iterations = size >= 1'000'000 ? 3 : size >= 100'000 ? 10 : 50;
    benchmark::RegisterBenchmark("PublishCrl/rsa2048", BM_PublishCrl)
        ->Arg(size)
        ->Iterations(iterations)
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond);
  }
  benchmark::AddCustomContext("store_dir", base_dir().string());
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  current.reset();
  return 0;
}

}  // namespace
}  // namespace nimbus::bench

int main(int argc, char** argv) {
  try {
    return nimbus::bench::run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "nimbus_crl_bench: %s\n", e.what());
    return 1;
  }
}
