#include "node/store_opening.h"

#include <fmt/format.h>

#include "store/sqlite/sqlite_store.h"

namespace nimbus::node {

namespace {

Result<std::unique_ptr<store::Store>> open_sqlite(const std::filesystem::path& path, StoreOpening opening) {
  NIMBUS_ASSIGN_OR_RETURN(std::unique_ptr<store::sqlite::SqliteStore> store,
                          opening == StoreOpening::kNew ? store::sqlite::SqliteStore::create(path)
                                                        : store::sqlite::SqliteStore::open(path));
  return std::unique_ptr<store::Store>(std::move(store));
}

}  // namespace

Result<std::unique_ptr<store::Store>> open_store(const std::filesystem::path& data_dir, const config::Config& config,
                                                 StoreOpening opening) {
  switch (config.store_driver) {
    case config::StoreDriver::kSqlite:
      return open_sqlite(config.store_path(data_dir), opening);
  }
  return Error(ErrorCode::kInternal,
               fmt::format("no store implementation for driver {}", static_cast<int>(config.store_driver)));
}

}  // namespace nimbus::node
