// nimbus_scep_bench: the load generator of bench/scep. Many SCEP enrollments (PKCSReq, RFC 8894
// §3.3.1) against one running `nimbus serve`, through the client `nimbus scep` is built on
// (scep::Client over CurlFetcher). See docs/performance.md, "SCEP enrollment".
//
// Before the clock starts, it asks the server for its capabilities and RA certificate and makes one
// complete PKCSReq per challenge in --challenges (one a line, each from `nimbus enrollment new`): a
// PKCS#10 request carrying the challenge, signed with the device's key, inside a pkiMessage signed
// with a self-signed certificate and enveloped to the RA with the algorithms the server offers.
// Then --concurrency threads send them, each waiting for its CertRep before sending the next, one
// connection per enrollment as devices do; the clock stops at the last CertRep.
//
// The CertReps are read after the clock stops. Opening one is an RSA decryption with the device's
// key, which on a two-core machine would take CPU from the server being measured; what the server
// sent is the same whenever it is read. Every CertRep must then be SUCCESS, signed by the RA, answer
// its transaction and nonce, and carry a certificate for the device's key; anything else is a
// failure, and a serial number seen twice is a duplicate.
//
// RSA-2048 keys take about 180 ms each to generate on the benchmark machine, so --keys device keys
// are made and shared round robin. Each request still has its own subject, challenge, signer
// certificate, nonce and transactionID (the hex SHA-256 of its CSR), and the server keys
// transactions by transactionID, so sharing a key changes none of the server's work.
//
// Prints one JSON object on stdout: the counts, enrollments_per_s (SUCCESS CertReps per second of
// wall time), p50_ms and p99_ms (each request from sending to the CertRep's last byte), failures and
// the first of them, duplicate_serials, and with --server-pid the server's CPU (utime + stime from
// /proc) per enrollment over the timed window, next to the load generator's own.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "core/bytes.h"
#include "crypto/digest.h"
#include "crypto/key.h"
#include "scep/client/scep_client.h"
#include "verify/curl_fetcher.h"
#include "x509/csr.h"
#include "x509/name.h"

namespace nimbus::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string url;
  std::string challenges_file;
  int concurrency = 1;
  int keys = 32;
  std::string key_spec = "rsa:2048";
  int server_pid = 0;
  std::string serials_out;
  double timeout_seconds = 60;
};

template <typename T>
T must(Result<T> result, std::string_view what) {
  if (!result.ok()) throw std::runtime_error(fmt::format("{}: {}", what, result.error().message()));
  return std::move(result).value();
}

void must(const Status& status, std::string_view what) {
  if (!status.ok()) throw std::runtime_error(fmt::format("{}: {}", what, status.error().message()));
}

// Runs each(0) ... each(count - 1) on `threads` threads, which take the indexes in turn.
void in_parallel(std::size_t count, unsigned threads, const std::function<void(std::size_t)>& each) {
  std::atomic<std::size_t> next{0};
  std::mutex mutex;
  std::exception_ptr thrown;
  std::vector<std::thread> workers;
  for (unsigned t = 0; t < std::max(1u, threads); ++t) {
    workers.emplace_back([&] {
      for (std::size_t i = next++; i < count; i = next++) {
        try {
          each(i);
        } catch (...) {
          std::lock_guard lock(mutex);
          if (!thrown) thrown = std::current_exception();
          next = count;
        }
      }
    });
  }
  for (std::thread& worker : workers) worker.join();
  if (thrown) std::rethrow_exception(thrown);
}

unsigned cores() { return std::max(1u, std::thread::hardware_concurrency()); }

std::vector<std::string> read_challenges(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error(fmt::format("cannot read the challenges in {}", path));
  std::vector<std::string> challenges;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) challenges.push_back(line);
  }
  if (challenges.empty()) throw std::runtime_error(fmt::format("{} holds no challenge", path));
  return challenges;
}

// utime + stime of a process, in seconds (fields 14 and 15 of /proc/PID/stat, after the command
// name, which may itself hold spaces and parentheses).
double process_cpu_seconds(int pid) {
  std::ifstream in(fmt::format("/proc/{}/stat", pid));
  if (!in) throw std::runtime_error(fmt::format("no process {} to measure", pid));
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::size_t end_of_name = stat.rfind(')');
  if (end_of_name == std::string::npos) throw std::runtime_error(fmt::format("/proc/{}/stat does not parse", pid));
  std::istringstream fields(stat.substr(end_of_name + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  // After the name: state is field 3, so utime (14) and stime (15) are the 12th and 13th here.
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

double own_cpu_seconds() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// One device's enrollment: what it sends, and what came back.
struct Enrollment {
  std::optional<x509::Certificate> signer;
  scep::Operation operation;
  verify::FetchResponse response;
  std::chrono::microseconds latency{0};
  std::string serial;   // of the certificate issued, once the CertRep is read
  std::string failure;  // why it is not a SUCCESS, once the CertRep is read
};

void prepare(scep::Client& client, const scep::CaCertificates& ca, const scep::Algorithms& algorithms,
             const crypto::PrivateKey& key, const std::string& challenge, std::size_t index, Enrollment& enrollment) {
  x509::DistinguishedName subject = must(x509::DistinguishedName::parse(fmt::format("CN=bench-device-{}", index)),
                                         "the device's subject");
  x509::CertificateRequest csr = must(
      x509::CertificateRequest::create_for_enrollment(subject, key, algorithms.digest, challenge), "the CSR");
  enrollment.signer = must(scep::self_signed_signer(key, subject), "the signer certificate");
  scep::Outgoing& request = enrollment.operation.request;
  request.type = scep::MessageType::kPkcsReq;
  request.message_data = csr.der();
  request.signer = &*enrollment.signer;
  request.key = &key;
  request.transaction_id = to_hex(crypto::sha256(csr.der()));
  must(client.prepare(enrollment.operation, ca, algorithms), "the PKCSReq");
}

// Why `enrollment` did not end with a certificate for its key (empty when it did); sets its serial.
std::string check(const scep::CaCertificates& ca, Enrollment& enrollment) {
  const verify::FetchResponse& response = enrollment.response;
  if (response.outcome != verify::FetchOutcome::kOk) {
    std::string body(response.body.begin(), response.body.end());
    return fmt::format("{}{}{}", response.detail, body.empty() ? "" : ": ", body.substr(0, 200));
  }
  const scep::Outgoing& request = enrollment.operation.request;
  auto reply = scep::read_cert_rep(response.body, ca.recipient, *request.signer, *request.key);
  if (!reply.ok()) return fmt::format("the CertRep: {}", reply.error().message());
  if (reply->transaction_id != request.transaction_id) return "the CertRep answers another transaction";
  if (reply->recipient_nonce != request.sender_nonce) return "the CertRep's recipientNonce is not the senderNonce";
  if (reply->status != scep::PkiStatus::kSuccess) {
    return fmt::format("pkiStatus {}{}", scep::pki_status_name(reply->status),
                       reply->fail_info ? fmt::format(" ({})", scep::fail_info_name(*reply->fail_info)) : "");
  }
  if (reply->certificates.empty()) return "the SUCCESS CertRep holds no certificate";
  const x509::Certificate& issued = reply->certificates.front();
  if (!(issued.public_key() == request.key->public_key())) return "the certificate is for another key";
  enrollment.serial = issued.serial_hex();
  return {};
}

// The latency below which `fraction` of the sorted latencies fall (nearest rank).
double percentile_ms(const std::vector<std::chrono::microseconds>& sorted, double fraction) {
  if (sorted.empty()) return 0;
  auto rank = static_cast<std::size_t>(fraction * static_cast<double>(sorted.size()) + 0.999999);
  return static_cast<double>(sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1].count()) / 1e3;
}

int run(int argc, char** argv) {
  Options options;
  CLI::App app{"SCEP enrollments against a running nimbus serve, prepared before the clock (bench/scep)"};
  app.add_option("--url", options.url, "The SCEP URL: {base}/scep/{ca}")->required();
  app.add_option("--challenges", options.challenges_file,
                 "One challenge a line (nimbus enrollment new --json), one enrollment each")
      ->required();
  app.add_option("--concurrency", options.concurrency, "Enrollments in flight at once")->check(CLI::Range(1, 1024));
  app.add_option("--keys", options.keys, "Device keys made before the clock and shared round robin")
      ->check(CLI::Range(1, 100000));
  app.add_option("--key", options.key_spec, "The device keys: rsa:2048, rsa:3072, ...");
  app.add_option("--server-pid", options.server_pid, "Measure this process's CPU over the timed window");
  app.add_option("--serials-out", options.serials_out, "Write the serials issued here, one a line");
  app.add_option("--timeout", options.timeout_seconds, "Seconds to wait for each CertRep")->check(CLI::Range(1.0, 600.0));
  CLI11_PARSE(app, argc, argv);
  spdlog::set_level(spdlog::level::warn);

  std::vector<std::string> challenges = read_challenges(options.challenges_file);
  verify::CurlFetcher fetcher;
  scep::Client client(options.url, fetcher,
                      std::chrono::milliseconds(static_cast<long long>(options.timeout_seconds * 1000)));
  scep::Algorithms algorithms = must(scep::choose_algorithms(must(client.capabilities(), "GetCACaps")),
                                     "the server's capabilities");
  scep::CaCertificates ca = must(client.ca_certificates(), "GetCACert");

  crypto::KeySpec spec = must(crypto::KeySpec::parse(options.key_spec), "--key");
  std::size_t key_count = std::min<std::size_t>(static_cast<std::size_t>(options.keys), challenges.size());
  std::vector<std::optional<crypto::PrivateKey>> keys(key_count);
  in_parallel(key_count, cores(), [&](std::size_t i) { keys[i] = must(crypto::PrivateKey::generate(spec), "a device key"); });
  std::vector<Enrollment> enrollments(challenges.size());
  in_parallel(enrollments.size(), cores(), [&](std::size_t i) {
    prepare(client, ca, algorithms, *keys[i % key_count], challenges[i], i, enrollments[i]);
  });

  double server_before = options.server_pid != 0 ? process_cpu_seconds(options.server_pid) : 0;
  double own_before = own_cpu_seconds();
  Clock::time_point started = Clock::now();
  in_parallel(enrollments.size(), static_cast<unsigned>(options.concurrency), [&](std::size_t i) {
    Enrollment& enrollment = enrollments[i];
    Clock::time_point sent = Clock::now();
    enrollment.response = client.send(enrollment.operation.request_der, algorithms.post);
    enrollment.latency = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - sent);
  });
  auto wall = std::chrono::duration<double>(Clock::now() - started).count();
  double own_cpu = own_cpu_seconds() - own_before;
  double server_cpu = options.server_pid != 0 ? process_cpu_seconds(options.server_pid) - server_before : 0;

  in_parallel(enrollments.size(), cores(), [&](std::size_t i) { enrollments[i].failure = check(ca, enrollments[i]); });
  std::vector<std::chrono::microseconds> latencies;
  std::map<std::string, int> serials;
  int failures = 0;
  std::string first_failure;
  for (const Enrollment& enrollment : enrollments) {
    latencies.push_back(enrollment.latency);
    if (!enrollment.failure.empty()) {
      if (failures++ == 0) first_failure = enrollment.failure;
      continue;
    }
    ++serials[enrollment.serial];
  }
  std::sort(latencies.begin(), latencies.end());
  int issued = static_cast<int>(enrollments.size()) - failures;
  int duplicates = 0;
  for (const auto& [serial, times] : serials) duplicates += times - 1;
  if (!options.serials_out.empty()) {
    std::ofstream out(options.serials_out);
    for (const auto& [serial, times] : serials) out << serial << '\n';
    if (!out) throw std::runtime_error(fmt::format("cannot write {}", options.serials_out));
  }

  nlohmann::json report{
      {"url", options.url},
      {"enrollments", enrollments.size()},
      {"concurrency", options.concurrency},
      {"device_keys", key_count},
      {"cipher", x509::content_cipher_name(algorithms.cipher)},
      {"digest", crypto::digest_name(algorithms.digest)},
      {"seconds", wall},
      {"issued", issued},
      {"enrollments_per_s", issued / wall},
      {"p50_ms", percentile_ms(latencies, 0.50)},
      {"p99_ms", percentile_ms(latencies, 0.99)},
      {"failures", failures},
      {"first_failure", first_failure},
      {"duplicate_serials", duplicates},
      {"client_cpu_ms_per_enrollment", own_cpu * 1e3 / static_cast<double>(enrollments.size())},
  };
  if (options.server_pid != 0) {
    report["server_cpu_ms_per_enrollment"] = issued > 0 ? server_cpu * 1e3 / issued : 0.0;
  }
  std::cout << report.dump(2) << '\n';
  return failures == 0 && duplicates == 0 ? 0 : 3;
}

}  // namespace
}  // namespace nimbus::bench

int main(int argc, char** argv) {
  try {
    return nimbus::bench::run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "nimbus_scep_bench: %s\n", e.what());
    return 1;
  }
}
