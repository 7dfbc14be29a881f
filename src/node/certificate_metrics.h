// Certificate counts per authority for /metrics, read from the store.
//
// Certificates are issued and revoked by other processes too (the CLI, later SCEP), so the server
// cannot count them as they happen: the store is the source of truth. The counts are read at
// scrape time, at most once per refresh interval, from an index alone; a scraper hammering
// /metrics costs one query per interval however often it asks.
#pragma once

#include <chrono>
#include <functional>

#include "core/result.h"
#include "http/metrics.h"
#include "store/store.h"

namespace nimbus::node {

struct CertificateMetricsOptions {
  std::chrono::steady_clock::duration refresh_interval = std::chrono::seconds(15);
  std::function<std::chrono::steady_clock::time_point()> clock = std::chrono::steady_clock::now;
};

// Registers nimbus_certificates_issued{ca} (every certificate the authority signed that the store
// holds, whatever its status) and nimbus_certificates_revoked{ca} (those revoked now, certificate
// holds included). `store` must outlive `metrics`. A failed read is logged and leaves the last
// counts in place.
Status add_certificate_metrics(http::MetricsRegistry& metrics, store::StoreReader& store,
                               CertificateMetricsOptions options = {});

}  // namespace nimbus::node
