// The store a configuration chooses (`store: {driver, path}`, or the older `database` key). The
// one place that knows the Store implementations by name: PostgreSQL joins here.
#pragma once

#include <filesystem>
#include <memory>

#include "config/config.h"
#include "core/result.h"
#include "store/store.h"

namespace nimbus::node {

enum class StoreOpening {
  kExisting,  // the store must exist (every command but init)
  kNew,       // the store is created now and must not exist yet (nimbus init)
};

// Relative paths in `config` are relative to `data_dir`.
Result<std::unique_ptr<store::Store>> open_store(const std::filesystem::path& data_dir, const config::Config& config,
                                                 StoreOpening opening);

}  // namespace nimbus::node
