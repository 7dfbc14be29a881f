#include "node/certificate_metrics.h"

#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include <spdlog/spdlog.h>

namespace nimbus::node {

using http::GaugeCallback;
using http::GaugeSample;
using http::MetricsRegistry;

namespace {

// The latest tallies, shared by the two gauges so that one scrape reads the store once.
class TallyCache {
 public:
  TallyCache(store::StoreReader& store, CertificateMetricsOptions options)
      : store_(store), options_(std::move(options)) {}

  std::vector<store::CertificateTally> current() {
    std::lock_guard lock(mutex_);
    auto now = options_.clock();
    if (!read_at_ || now - *read_at_ >= options_.refresh_interval) {
      auto tallies = store_.certificate_tallies();
      if (tallies.ok()) {
        tallies_ = std::move(tallies).value();
      } else {
        spdlog::warn("metrics: cannot count certificates: {}", tallies.error().message());
      }
      read_at_ = now;  // also after a failure: a broken store is not asked on every scrape
    }
    return tallies_;
  }

 private:
  store::StoreReader& store_;
  const CertificateMetricsOptions options_;
  std::mutex mutex_;  // guards the two members below
  std::optional<std::chrono::steady_clock::time_point> read_at_;
  std::vector<store::CertificateTally> tallies_;
};

GaugeCallback tally_gauge(std::shared_ptr<TallyCache> cache, std::uint64_t store::CertificateTally::*field) {
  return [cache = std::move(cache), field] {
    std::vector<GaugeSample> samples;
    for (const store::CertificateTally& tally : cache->current()) {
      samples.push_back({{{"ca", tally.issuer_id}}, static_cast<double>(tally.*field)});
    }
    return samples;
  };
}

}  // namespace

Status add_certificate_metrics(MetricsRegistry& metrics, store::StoreReader& store, CertificateMetricsOptions options) {
  auto cache = std::make_shared<TallyCache>(store, std::move(options));
  NIMBUS_TRY(metrics.gauge("nimbus_certificates_issued",
                           "Certificates each authority has signed that the store holds, whatever their status",
                           tally_gauge(cache, &store::CertificateTally::issued)));
  return metrics.gauge("nimbus_certificates_revoked",
                       "Certificates of each authority that are revoked now (certificate holds included)",
                       tally_gauge(cache, &store::CertificateTally::revoked));
}

}  // namespace nimbus::node
