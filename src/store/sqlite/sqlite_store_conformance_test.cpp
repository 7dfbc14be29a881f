// The Store conformance suite, run against SqliteStore: one database file per test, in a
// temporary directory.
//
// The directory is in memory (/dev/shm) where there is one: the suite checks what the store
// promises, not the disk, and there its thousand-odd commits do not each wait for an fsync
// (several seconds on a busy disk). sqlite_store_test.cpp keeps the store's own tests on the
// ordinary temporary directory.
#include <filesystem>

#include "store/conformance/store_conformance.h"
#include "store/sqlite/sqlite_store.h"
#include "testing/test_support.h"

namespace nimbus::store::sqlite {
namespace {

std::filesystem::path scratch_base() {
  std::error_code ec;
  if (std::filesystem::is_directory("/dev/shm", ec)) return "/dev/shm";
  return std::filesystem::temp_directory_path();
}

class SqliteScratchStore final : public conformance::ScratchStore {
 public:
  std::string locator() const override { return (dir_ / "nimbus.db").string(); }

 private:
  nimbus::testing::TempDir dir_{scratch_base()};
};

class SqliteStoreFactory final : public conformance::StoreFactory {
 public:
  std::string name() const override { return "sqlite"; }

  Result<std::unique_ptr<conformance::ScratchStore>> create() override {
    auto scratch = std::make_unique<SqliteScratchStore>();
    NIMBUS_TRY(SqliteStore::create(scratch->locator()));
    return std::unique_ptr<conformance::ScratchStore>(std::move(scratch));
  }

  Result<std::unique_ptr<Store>> open(const std::string& locator) override {
    NIMBUS_ASSIGN_OR_RETURN(std::unique_ptr<SqliteStore> store, SqliteStore::open(locator));
    return std::unique_ptr<Store>(std::move(store));
  }
};

SqliteStoreFactory factory;

NIMBUS_INSTANTIATE_STORE_CONFORMANCE(Sqlite, &factory);

}  // namespace
}  // namespace nimbus::store::sqlite
