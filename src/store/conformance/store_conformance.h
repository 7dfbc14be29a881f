// The Store conformance suite: what every Store implementation must do, written against the
// interface in store/store.h alone (every method, rollback, snapshot reads, concurrent writers in
// threads and processes, uniqueness, one use per enrollment, CRL numbers that only grow).
//
// An implementation runs it by providing a StoreFactory and instantiating the suite once, in a
// test of its own folder:
//
//   NIMBUS_INSTANTIATE_STORE_CONFORMANCE(Sqlite, &my_sqlite_factory);
//
// A failure is a bug in the implementation (or a gap in the contract of store.h), never something
// to skip for one implementation.
#pragma once

#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "core/result.h"
#include "store/conformance/child_process.h"
#include "store/store.h"

namespace nimbus::store::conformance {

// One store made for one test. Destroying it removes the store and everything in it (a temporary
// directory, a scratch database); every handle on it is closed first.
class ScratchStore {
 public:
  virtual ~ScratchStore() = default;
  // What StoreFactory::open needs to reach this store, in this process or another one: a file
  // path, a connection string. Passed to a child process in its environment.
  virtual std::string locator() const = 0;

 protected:
  ScratchStore() = default;
  ScratchStore(const ScratchStore&) = delete;
  ScratchStore& operator=(const ScratchStore&) = delete;
};

// How the suite makes and opens stores of one implementation. Used from the test's thread only.
class StoreFactory {
 public:
  virtual ~StoreFactory() = default;
  // The implementation's name in test names: [A-Za-z0-9_]+.
  virtual std::string name() const = 0;
  // A new store with its schema in place and no data, that no other test uses.
  virtual Result<std::unique_ptr<ScratchStore>> create() = 0;
  // A handle on the store `locator` names, with connections of its own, as another node or the
  // CLI beside a server would have. Called several times per store, and in child processes.
  virtual Result<std::unique_ptr<Store>> open(const std::string& locator) = 0;

 protected:
  StoreFactory() = default;
  StoreFactory(const StoreFactory&) = delete;
  StoreFactory& operator=(const StoreFactory&) = delete;
};

// The fixture of every conformance test: a fresh store and a first handle on it, or, in a child
// process started by start_child(), a handle on the parent's store.
class StoreConformance : public ::testing::TestWithParam<StoreFactory*> {
 protected:
  void SetUp() override;
  void TearDown() override;

  // True in the child process a test started: the test body then takes the child's part and the
  // parent checks the outcome.
  bool in_child() const { return in_child_; }
  // Starts this test again in a child process, on this store; runs its child part.
  Result<ChildProcess> start_child();

  // Another handle on the same store.
  Result<std::unique_ptr<Store>> open_another();
  // Closes the first handle and opens it again (the data must still be there).
  Status reopen();

  Status write(const std::function<Status(StoreWriter&)>& work) { return store_->write(work); }
  Status insert(const AuthorityRecord& record);
  Status insert(const CertificateRecord& record);
  Status insert(const EnrollmentRecord& record);
  Status put(const ProfileRecord& record);
  Status revoke(const std::string& serial, Timestamp at, int reason);
  Result<std::uint64_t> allocate(const std::string& authority_id);
  Result<std::uint64_t> last_version(const std::string& profile_id);
  // A root "root", an issuing CA "issuing" under it, and profiles "vpn" and "wifi" of "issuing".
  void add_authorities_and_profiles();
  // Everything the first handle can read (store_contents).
  std::string contents();

  std::unique_ptr<ScratchStore> scratch_;  // absent in a child process
  std::unique_ptr<Store> store_;

 private:
  bool in_child_ = false;
};

// Test names carry the implementation's name: Sqlite/StoreConformance.Name/sqlite.
std::string factory_name(const ::testing::TestParamInfo<StoreFactory*>& info);
// And so do failure reports ("where GetParam() = sqlite").
void PrintTo(StoreFactory* const& factory, std::ostream* out);

}  // namespace nimbus::store::conformance

// Runs the whole suite against the stores `factory` (a StoreFactory*, alive for the whole run)
// makes. `prefix` is a C++ identifier naming the implementation.
#define NIMBUS_INSTANTIATE_STORE_CONFORMANCE(prefix, factory)                                      \
  using ::nimbus::store::conformance::StoreConformance;                                           \
  INSTANTIATE_TEST_SUITE_P(prefix, StoreConformance, ::testing::Values(factory),                  \
                           ::nimbus::store::conformance::factory_name)
