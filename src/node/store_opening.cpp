#include "node/store_opening.h"

#include "store/sqlite/sqlite_store.h"

namespace nimbus::node {

Result<std::unique_ptr<store::Store>> open_store(const std::filesystem::path& data_dir, const config::Config& config,
                                                 StoreOpening opening) {
  std::filesystem::path path = config::resolve_path(data_dir, config.database);
  NIMBUS_ASSIGN_OR_RETURN(std::unique_ptr<store::sqlite::SqliteStore> store,
                          opening == StoreOpening::kNew ? store::sqlite::SqliteStore::create(path)
                                                        : store::sqlite::SqliteStore::open(path));
  return std::unique_ptr<store::Store>(std::move(store));
}

}  // namespace nimbus::node
