// The chain verification benchmark: verify::Verifier on a 3-element RSA-2048 chain (root, issuing
// CA, client-auth leaf) whose issuing CA's CRL lists 1,000,000 certificates, with both CRLs held
// warm in one shared verify::RevocationCache, as a RADIUS server checks EAP-TLS clients all day.
// Its peers: a bare X509_verify_cert loop on the same chain in the same process (OpenSSL's chain
// checks alone, no revocation), and `openssl verify -crl_check_all` run once per verification
// (bench/verify_peer). See docs/performance.md, "Chain verification".
//
// Before timing, one process-wide setup makes three RSA-2048 keys, the root (no revocation URL),
// the issuing CA (a CRL distribution point naming the root's CRL), the leaf (client-auth EKU, a CRL
// distribution point naming the issuing CA's CRL, no OCSP URL, so that the CRL path is the one
// measured), and a second leaf whose serial is on the issuing CA's CRL. The CRLs are signed with
// x509::sign_crl_der and served from memory by MemoryFetcher under `.invalid` URLs, which nothing
// can resolve. Every certificate is parsed back from its DER, as a server has it after a handshake.
//
// Benchmarks (RSA-2048, 1 and 2 threads, wall clock):
//   BareVerify          X509_STORE_CTX_new + init + X509_verify_cert + free; store and untrusted
//                       stack built once
//   Verify              Verifier::verify, default (strict) policy, CRLs from the warm cache
//   VerifyNoRevocation  the same with policy.no_revocation_check: path building and decision only
//   CheckCrl            one-time cost: parsing the 1M-entry CRL and CheckedCrl::check (signature,
//                       extensions, index)
//   FirstVerify         one-time cost: a verification with an empty cache (fetch from memory,
//                       parse and check both CRLs), and the cache's memory_bytes() afterwards
//
// Every Verify answer is checked inside the timed loop (accepted; leaf and issuing CA good from
// the cached CRLs); before its loop each Verify run checks that the leaf on the CRL is refused as
// revoked, and after it that nothing was fetched. A run that measured a wrong answer stops with
// SkipWithError.
//
// `nimbus_verify_bench --write-fixtures DIR` writes the same kind of chain and CRLs as files for
// the per-process peers (root.pem, issuing.pem, leaf.pem, revoked.pem, issuing.crl, root.crl; CRLs
// in DER) and exits without benchmarking.

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <openssl/x509_vfy.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "core/bytes.h"
#include "core/time.h"
#include "crypto/handles.h"
#include "crypto/key.h"
#include "crypto/random.h"
#include "verify/checked_crl.h"
#include "verify/fetcher.h"
#include "verify/revocation_cache.h"
#include "verify/verifier.h"
#include "x509/certificate_builder.h"
#include "x509/crl.h"
#include "x509/extensions.h"
#include "x509/key_purposes.h"
#include "x509/name.h"
#include "x509/revocation_reason.h"

namespace nimbus::bench {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kCrlEntries = 1'000'000;
// `.invalid` (RFC 2606) never resolves: should anything try to fetch these for real, it fails
// rather than measuring someone's web server.
constexpr std::string_view kIssuingCrlUrl = "http://crl.nimbus-bench.invalid/issuing.crl";
constexpr std::string_view kRootCrlUrl = "http://crl.nimbus-bench.invalid/root.crl";

template <typename T>
T must(Result<T> result, std::string_view what) {
  if (!result.ok()) throw std::runtime_error(fmt::format("{}: {}", what, result.error().to_string()));
  return std::move(result).value();
}

void must(const Status& status, std::string_view what) {
  if (!status.ok()) throw std::runtime_error(fmt::format("{}: {}", what, status.error().to_string()));
}

double seconds_since(Clock::time_point started) {
  return std::chrono::duration<double>(Clock::now() - started).count();
}

struct Authority {
  crypto::PrivateKey key;
  x509::Certificate certificate;
};

// A certificate as a relying party holds it: parsed from its DER, the key decoded by OpenSSL,
// not the builder's in-memory object (which can keep the key only as encoded SubjectPublicKeyInfo).
x509::Certificate received(const x509::Certificate& built) {
  return must(x509::Certificate::from_der(built.der()), "parsing a certificate back");
}

crypto::PrivateKey rsa2048() {
  return must(crypto::PrivateKey::generate(must(crypto::KeySpec::parse("rsa:2048"), "key spec")), "generating a key");
}

Authority make_root(Timestamp now) {
  crypto::PrivateKey key = rsa2048();
  x509::DistinguishedName subject = must(x509::DistinguishedName::parse("CN=Nimbus Bench Root, O=Nimbus Bench"), "dn");
  x509::CertificateBuilder builder;
  // No CRL distribution point: a root is distrusted by removing it, so NPS and the Verifier do
  // not ask for its revocation (the element is recorded as not counting).
  builder.set_subject(subject)
      .set_issuer(subject)
      .set_serial(must(crypto::random_serial(), "serial"))
      .set_validity(now - std::chrono::hours(24), now + std::chrono::hours(24 * 3650))
      .set_public_key(key.public_key())
      .add_extension(x509::basic_constraints_extension(true, std::nullopt))
      .add_extension(x509::key_usage_extension({x509::KeyUsage::kKeyCertSign, x509::KeyUsage::kCrlSign}))
      .add_extension(x509::subject_key_id_extension(x509::key_identifier(key.public_key())));
  x509::Certificate certificate = must(builder.sign(key, key.preferred_digest()), "signing the root");
  return {key, received(certificate)};
}

Authority make_issuing_ca(const Authority& root, Timestamp now) {
  crypto::PrivateKey key = rsa2048();
  x509::CertificateBuilder builder;
  builder.set_subject(must(x509::DistinguishedName::parse("CN=Nimbus Bench Issuing CA, O=Nimbus Bench"), "dn"))
      .set_issuer(root.certificate.subject())
      .set_serial(must(crypto::random_serial(), "serial"))
      .set_validity(now - std::chrono::hours(24), now + std::chrono::hours(24 * 1825))
      .set_public_key(key.public_key())
      .add_extension(x509::basic_constraints_extension(true, 0))
      .add_extension(x509::key_usage_extension({x509::KeyUsage::kKeyCertSign, x509::KeyUsage::kCrlSign}))
      .add_extension(x509::subject_key_id_extension(x509::key_identifier(key.public_key())))
      .add_extension(x509::authority_key_id_extension(x509::key_identifier(root.certificate.public_key())))
      .add_extension(x509::crl_distribution_points_extension({std::string(kRootCrlUrl)}));
  x509::Certificate certificate = must(builder.sign(root.key, root.key.preferred_digest()), "signing the issuing CA");
  return {key, received(certificate)};
}

// A client certificate as an EAP-TLS client presents it: client-auth EKU and only a CRL
// distribution point (no AIA), so revocation goes through the CRL.
x509::Certificate make_leaf(const Authority& issuing, const crypto::PublicKey& key, std::string_view name,
                            Bytes serial, Timestamp now) {
  x509::CertificateBuilder builder;
  builder.set_subject(must(x509::DistinguishedName::parse(fmt::format("CN={}, O=Nimbus Bench", name)), "dn"))
      .set_issuer(issuing.certificate.subject())
      .set_serial(std::move(serial))
      .set_validity(now - std::chrono::hours(24), now + std::chrono::hours(24 * 365))
      .set_public_key(key)
      .add_extension(x509::basic_constraints_extension(false, std::nullopt))
      .add_extension(x509::key_usage_extension({x509::KeyUsage::kDigitalSignature, x509::KeyUsage::kKeyEncipherment}))
      .add_extension(x509::extended_key_usage_extension({std::string(x509::kClientAuthOid)}))
      .add_extension(x509::subject_key_id_extension(x509::key_identifier(key)))
      .add_extension(x509::authority_key_id_extension(x509::key_identifier(issuing.certificate.public_key())))
      .add_extension(x509::crl_distribution_points_extension({std::string(kIssuingCrlUrl)}));
  return received(must(builder.sign(issuing.key, issuing.key.preferred_digest()), "signing a leaf"));
}

// `count` random 16-byte serials (high bit clear, first octet non-zero, as Nimbus issues them),
// revoked a day ago for keyCompromise; `listed`, when given, replaces the middle one, so that the
// CRL still has exactly `count` entries and the one that matters is not at either end.
Bytes make_crl(const Authority& ca, std::size_t count, std::uint64_t seed, const Bytes* listed, Timestamp now) {
  x509::CrlEntries entries;
  entries.reserve(count);
  std::mt19937_64 random(seed);
  Bytes serial(16);
  Timestamp revoked_at = now - std::chrono::hours(24);
  for (std::size_t i = 0; i < count; ++i) {
    if (listed != nullptr && i == count / 2) {
      must(entries.add(*listed, revoked_at, x509::RevocationReason::kKeyCompromise), "a CRL entry");
      continue;
    }
    for (std::size_t half = 0; half < 2; ++half) {
      std::uint64_t bits = random();
      for (std::size_t b = 0; b < 8; ++b) serial[half * 8 + b] = static_cast<std::uint8_t>(bits >> (8 * b));
    }
    serial[0] = static_cast<std::uint8_t>((serial[0] & 0x7f) | 0x01);
    must(entries.add(serial, revoked_at, x509::RevocationReason::kKeyCompromise), "a CRL entry");
  }
  x509::CrlHeader header;
  header.number = 1;
  header.this_update = now - std::chrono::hours(1);
  header.next_update = now + std::chrono::hours(24 * 7);
  return must(x509::sign_crl_der(ca.certificate, ca.key, header, std::move(entries)), "signing a CRL");
}

// Serves fixed bodies for fixed URLs, as a CRL distribution point's web server would, without
// the network. Filled before the first fetch and read-only after, so any number of threads may
// fetch at once. Counts fetches, so that the benchmark can prove that the timed loop never fetched.
class MemoryFetcher final : public verify::UrlFetcher {
 public:
  void serve(std::string_view url, Bytes body) { bodies_.insert_or_assign(std::string(url), std::move(body)); }

  verify::FetchResponse fetch(const verify::FetchRequest& request) override {
    fetches_.fetch_add(1, std::memory_order_relaxed);
    verify::FetchResponse response;
    auto found = bodies_.find(request.url);
    if (found == bodies_.end()) {
      response.outcome = verify::FetchOutcome::kHttpError;
      response.http_status = 404;
      response.detail = "not served by the benchmark";
      return response;
    }
    if (request.max_bytes != 0 && found->second.size() > request.max_bytes) {
      response.outcome = verify::FetchOutcome::kRejected;
      response.detail = fmt::format("{} bytes, more than {}", found->second.size(), request.max_bytes);
      return response;
    }
    response.outcome = verify::FetchOutcome::kOk;
    response.http_status = 200;
    response.body = found->second;  // a copy, as a download would hand over a fresh buffer
    return response;
  }

  std::uint64_t fetches() const { return fetches_.load(std::memory_order_relaxed); }

 private:
  std::map<std::string, Bytes, std::less<>> bodies_;
  std::atomic<std::uint64_t> fetches_{0};
};

// The chain, its CRLs, and a Verifier whose cache already holds both CRLs. Built once, before any
// benchmark runs: threads of a multi-threaded run start their loops together but not their
// preambles, so per-benchmark setup on thread 0 could race with thread 1.
struct World {
  Timestamp now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  Authority root = make_root(now);
  Authority issuing = make_issuing_ca(root, now);
  crypto::PrivateKey leaf_key = rsa2048();
  x509::Certificate leaf =
      make_leaf(issuing, leaf_key.public_key(), "bench-user", must(crypto::random_serial(), "serial"), now);
  // Same key, another serial: the one placed on the CRL.
  x509::Certificate revoked_leaf =
      make_leaf(issuing, leaf_key.public_key(), "bench-revoked-user", must(crypto::random_serial(), "serial"), now);
  std::vector<x509::Certificate> untrusted{issuing.certificate};
  Bytes issuing_crl;
  Bytes root_crl;
  double crl_signing_s = 0;

  // Warm state for the benchmarks.
  MemoryFetcher fetcher;
  std::unique_ptr<verify::RevocationCache> cache;
  std::unique_ptr<verify::Verifier> verifier;
  std::uint64_t fetches_after_warmup = 0;

  // The bare OpenSSL peer's inputs, prepared once.
  crypto::X509StorePtr bare_store;
  crypto::X509StackPtr bare_untrusted;

  World() {
    Bytes listed = revoked_leaf.serial();
    auto started = Clock::now();
    issuing_crl = make_crl(issuing, kCrlEntries, 20261125, &listed, now);
    crl_signing_s = seconds_since(started);
    root_crl = make_crl(root, 3, 20261126, nullptr, now);
  }

  verify::TrustAnchors anchors() const { return must(verify::TrustAnchors::from({root.certificate}), "trust anchors"); }

  // The default limits but a longer budget: the budget bounds waiting for servers, and nothing
  // here waits, but under valgrind parsing the 1M-entry CRL of the first verification takes
  // minutes, and the root's CRL, fetched after it, would find the default minute spent.
  static verify::FetchLimits limits() {
    verify::FetchLimits limits;
    limits.budget = std::chrono::minutes(30);
    return limits;
  }

  // The first verification fetches, parses and checks both CRLs; later ones find them cached.
  void warm_up() {
    fetcher.serve(kIssuingCrlUrl, issuing_crl);
    fetcher.serve(kRootCrlUrl, root_crl);
    cache = std::make_unique<verify::RevocationCache>();
    verifier = std::make_unique<verify::Verifier>(anchors(), &fetcher, cache.get(),
                                                  std::vector<x509::CertificateRevocationList>{}, limits());
    verify::VerifyOptions options;
    verify::Report first = verifier->verify(leaf, untrusted, options);
    if (!first.verdict.accepted) throw std::runtime_error("the first verification did not accept the leaf");
    fetches_after_warmup = fetcher.fetches();
    if (fetches_after_warmup != 2) {
      throw std::runtime_error(fmt::format("the first verification made {} fetches, not 2", fetches_after_warmup));
    }

    bare_store.reset(X509_STORE_new());
    if (!bare_store || X509_STORE_add_cert(bare_store.get(), root.certificate.get()) != 1) {
      throw std::runtime_error("building the X509_STORE");
    }
    bare_untrusted.reset(sk_X509_new_null());
    if (!bare_untrusted || sk_X509_push(bare_untrusted.get(), issuing.certificate.get()) <= 0) {
      throw std::runtime_error("building the untrusted stack");
    }
    X509_up_ref(issuing.certificate.get());
  }

  void write_fixtures(const std::filesystem::path& dir) const {
    std::filesystem::create_directories(dir);
    auto write = [&](const char* name, std::string_view content) {
      std::ofstream file(dir / name, std::ios::binary | std::ios::trunc);
      file.write(content.data(), static_cast<std::streamsize>(content.size()));
      if (!file.flush()) throw std::runtime_error(fmt::format("writing {}", (dir / name).string()));
    };
    auto bytes = [](const Bytes& b) { return std::string_view(reinterpret_cast<const char*>(b.data()), b.size()); };
    write("root.pem", root.certificate.pem());
    write("issuing.pem", issuing.certificate.pem());
    write("leaf.pem", leaf.pem());
    write("revoked.pem", revoked_leaf.pem());
    // DER: what a CRL distribution point serves; PEM would add a third for both readers to decode.
    write("issuing.crl", bytes(issuing_crl));
    write("root.crl", bytes(root_crl));
  }
};

std::unique_ptr<World> world;

// Accepted, with the leaf and the issuing CA found good on CRLs that came from the cache. Anything
// else means the loop measured something other than the warm path.
std::optional<std::string> wrong_warm_answer(const verify::Report& report) {
  if (!report.verdict.accepted) {
    return fmt::format("refused: NPS reason code {}", verify::reason_code_info(report.verdict.reason).nps_code);
  }
  if (report.elements.size() != 3) return fmt::format("a chain of {} elements, not 3", report.elements.size());
  for (std::size_t i = 0; i < 2; ++i) {
    const verify::ChainElement& element = report.elements[i];
    if (element.revocation.status != verify::RevocationStatus::kGood ||
        element.revocation.method != verify::RevocationMethod::kCrl) {
      return fmt::format("element {}: revocation {} ({})", i, verify::revocation_status_name(element.revocation.status),
                         element.revocation.detail);
    }
    if (element.fetches.empty() || element.fetches.back().outcome != verify::FetchOutcome::kCached) {
      return fmt::format("element {}: its CRL did not come from the cache", i);
    }
  }
  return std::nullopt;
}

std::optional<std::string> wrong_unchecked_answer(const verify::Report& report) {
  if (!report.verdict.accepted) return fmt::format("refused: NPS reason code {}", verify::reason_code_info(report.verdict.reason).nps_code);
  if (report.elements.size() != 3) return fmt::format("a chain of {} elements, not 3", report.elements.size());
  if (report.elements[0].revocation.status != verify::RevocationStatus::kNotChecked) {
    return "no_revocation_check is set, yet the leaf's revocation was checked";
  }
  return std::nullopt;
}

// The leaf whose serial is on the 1M-entry CRL must be refused as revoked, for keyCompromise.
std::optional<std::string> revoked_leaf_not_refused(const verify::Verifier& verifier) {
  verify::VerifyOptions options;
  verify::Report report = verifier.verify(world->revoked_leaf, world->untrusted, options);
  const verify::RevocationResult& leaf = report.elements.front().revocation;
  if (report.verdict.accepted || report.verdict.reason != verify::ReasonCode::kRevoked ||
      leaf.status != verify::RevocationStatus::kRevoked || leaf.reason != x509::RevocationReason::kKeyCompromise) {
    return fmt::format("the leaf listed on the CRL was not refused as revoked: {} ({})",
                       verify::revocation_status_name(leaf.status), leaf.detail);
  }
  return std::nullopt;
}

void BM_BareVerify(benchmark::State& state) {
  X509* leaf = world->leaf.get();
  for (auto _ : state) {
    crypto::X509StoreCtxPtr context(X509_STORE_CTX_new());
    if (!context || X509_STORE_CTX_init(context.get(), world->bare_store.get(), leaf, world->bare_untrusted.get()) != 1 ||
        X509_verify_cert(context.get()) != 1) {
      state.SkipWithError(fmt::format("X509_verify_cert: {}", context ? X509_verify_cert_error_string(
                                                                            X509_STORE_CTX_get_error(context.get()))
                                                                      : "no context")
                              .c_str());
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_Verify(benchmark::State& state) {
  const verify::Verifier& verifier = *world->verifier;
  if (auto wrong = revoked_leaf_not_refused(verifier)) state.SkipWithError(wrong->c_str());
  verify::VerifyOptions options;
  for (auto _ : state) {
    verify::Report report = verifier.verify(world->leaf, world->untrusted, options);
    if (auto wrong = wrong_warm_answer(report)) {
      state.SkipWithError(wrong->c_str());
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
  if (world->fetcher.fetches() != world->fetches_after_warmup) {
    state.SkipWithError("a CRL was fetched during the timed loop: the cache did not keep it");
  }
}

void BM_VerifyNoRevocation(benchmark::State& state) {
  const verify::Verifier& verifier = *world->verifier;
  verify::VerifyOptions options;
  options.policy.no_revocation_check = true;
  for (auto _ : state) {
    verify::Report report = verifier.verify(world->leaf, world->untrusted, options);
    if (auto wrong = wrong_unchecked_answer(report)) {
      state.SkipWithError(wrong->c_str());
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
}

// The one-time part of the CRL: parse the DER (OpenSSL builds its X509_CRL) and check it as the
// issuing CA's (signature over ~49 MB, every entry's extensions, the serial index).
void BM_CheckCrl(benchmark::State& state) {
  double parse_s = 0;
  double check_s = 0;
  std::size_t checked_bytes = 0;
  std::optional<x509::CertificateRevocationList> parsed;
  std::shared_ptr<const verify::CheckedCrl> checked;
  for (auto _ : state) {
    auto started = Clock::now();
    auto parsing = x509::CertificateRevocationList::parse(world->issuing_crl);
    parse_s += seconds_since(started);
    if (!parsing.ok()) {
      state.SkipWithError(parsing.error().to_string().c_str());
      break;
    }
    parsed = std::move(parsing).value();
    started = Clock::now();
    auto checking = verify::CheckedCrl::check(*parsed, world->issuing.certificate, false);
    check_s += seconds_since(started);
    if (!checking.ok() || (*checking)->size() != kCrlEntries) {
      state.SkipWithError(checking.ok() ? "the checked CRL lost entries" : checking.error().to_string().c_str());
      break;
    }
    checked = std::move(checking).value();
    checked_bytes = checked->memory_bytes();
    // Freeing the X509_CRL tree and the index is not part of the one-time cost being measured.
    state.PauseTiming();
    parsed.reset();
    checked.reset();
    state.ResumeTiming();
  }
  double n = static_cast<double>(std::max<benchmark::IterationCount>(1, state.iterations()));
  state.counters["crl_entries"] = static_cast<double>(kCrlEntries);
  state.counters["crl_bytes"] = static_cast<double>(world->issuing_crl.size());
  state.counters["parse_ms"] = parse_s / n * 1e3;
  state.counters["check_ms"] = check_s / n * 1e3;
  state.counters["checked_crl_bytes"] = static_cast<double>(checked_bytes);
}

// A verification with an empty cache: both CRLs fetched (a 49 MB copy from memory here), parsed,
// checked and cached, then the chain checked. What the first client after a start, or after the
// CRL's nextUpdate, pays.
void BM_FirstVerify(benchmark::State& state) {
  verify::TrustAnchors anchors = world->anchors();
  std::size_t cache_bytes = 0;
  std::size_t cache_entries = 0;
  for (auto _ : state) {
    state.PauseTiming();
    MemoryFetcher fetcher;
    fetcher.serve(kIssuingCrlUrl, world->issuing_crl);
    fetcher.serve(kRootCrlUrl, world->root_crl);
    auto cache = std::make_unique<verify::RevocationCache>();
    auto verifier = std::make_unique<verify::Verifier>(anchors, &fetcher, cache.get(),
                                                       std::vector<x509::CertificateRevocationList>{}, World::limits());
    verify::VerifyOptions options;
    state.ResumeTiming();

    verify::Report report = verifier->verify(world->leaf, world->untrusted, options);

    state.PauseTiming();
    if (!report.verdict.accepted || fetcher.fetches() != 2) {
      state.SkipWithError(fmt::format("a cold verification: accepted {}, {} fetches", report.verdict.accepted,
                                      fetcher.fetches())
                              .c_str());
      state.ResumeTiming();
      break;
    }
    cache_bytes = cache->memory_bytes();
    cache_entries = cache->size();
    verifier.reset();
    cache.reset();
    state.ResumeTiming();
  }
  state.counters["cache_bytes"] = static_cast<double>(cache_bytes);
  state.counters["cache_MiB"] = static_cast<double>(cache_bytes) / (1024.0 * 1024.0);
  state.counters["cache_entries"] = static_cast<double>(cache_entries);
  state.counters["crl_entries"] = static_cast<double>(kCrlEntries);
}

// Takes `--write-fixtures DIR` out of argv (Google Benchmark refuses arguments it does not know).
std::optional<std::filesystem::path> fixtures_argument(int& argc, char** argv) {
  std::optional<std::filesystem::path> dir;
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--write-fixtures") == 0 && i + 1 < argc) {
      dir = argv[++i];
    } else {
      argv[kept++] = argv[i];
    }
  }
  argc = kept;
  return dir;
}

int run(int argc, char** argv) {
  std::optional<std::filesystem::path> fixtures = fixtures_argument(argc, argv);
  // Random interleaving by default (a command-line flag given later still wins): the comparisons
  // this benchmark exists for are between its own benchmarks, so they must share the host's
  // slow and fast minutes alike.
  std::vector<char*> arguments(argv, argv + argc);
  std::string interleave = "--benchmark_enable_random_interleaving=true";
  arguments.insert(arguments.begin() + 1, interleave.data());
  argc = static_cast<int>(arguments.size());
  argv = arguments.data();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  // Warnings go to stderr: stdout carries the JSON results.
  spdlog::set_default_logger(spdlog::stderr_color_mt("bench"));
  spdlog::set_level(spdlog::level::warn);

  auto started = Clock::now();
  world = std::make_unique<World>();
  double setup_s = seconds_since(started);
  if (fixtures) {
    world->write_fixtures(*fixtures);
    std::fprintf(stderr, "nimbus_verify_bench: fixtures in %s (%.1f s)\n", fixtures->c_str(), setup_s);
    world.reset();
    return 0;
  }
  world->warm_up();

  // Steady-state rates: eight runs of 0.4 s each, reported with their median, and interleaved
  // at random with the runs of the other benchmarks (see run()). On the 2-vCPU VM of
  // docs/performance.md the host's speed drifts by up to 30 % within a minute; run one benchmark
  // after the other and the bare loop can land in a slow minute and Verify in a fast one.
  struct Steady {
    const char* name;
    void (*function)(benchmark::State&);
  };
  for (const Steady& steady : {Steady{"BareVerify/rsa2048", BM_BareVerify}, Steady{"Verify/rsa2048", BM_Verify},
                               Steady{"VerifyNoRevocation/rsa2048", BM_VerifyNoRevocation}}) {
    benchmark::RegisterBenchmark(steady.name, steady.function)
        ->Threads(1)
        ->Threads(2)
        ->MinTime(0.4)
        ->Repetitions(8)
        ->UseRealTime()
        ->Unit(benchmark::kMicrosecond);
  }
  // One-time costs: a few repetitions of something that takes a large fraction of a second.
  benchmark::RegisterBenchmark("CheckCrl/rsa2048/entries:1000000", BM_CheckCrl)
      ->Iterations(3)
      ->UseRealTime()
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("FirstVerify/rsa2048/entries:1000000", BM_FirstVerify)
      ->Iterations(3)
      ->UseRealTime()
      ->Unit(benchmark::kMillisecond);

  benchmark::AddCustomContext("crl_entries", std::to_string(kCrlEntries));
  benchmark::AddCustomContext("crl_der_bytes", std::to_string(world->issuing_crl.size()));
  benchmark::AddCustomContext("setup_s", fmt::format("{:.2f}", setup_s));
  benchmark::AddCustomContext("crl_signing_s", fmt::format("{:.2f}", world->crl_signing_s));
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  world.reset();
  return 0;
}

}  // namespace
}  // namespace nimbus::bench

int main(int argc, char** argv) {
  try {
    return nimbus::bench::run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "nimbus_verify_bench: %s\n", e.what());
    return 1;
  }
}
