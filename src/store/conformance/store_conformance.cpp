#include "store/conformance/store_conformance.h"

#include <ostream>

#include "store/conformance/sample_records.h"
#include "store/conformance/store_contents.h"
#include "testing/test_support.h"

namespace nimbus::store::conformance {

void StoreConformance::SetUp() {
  StoreFactory& factory = *GetParam();
  std::optional<std::string> locator = ChildProcess::locator_from_parent();
  in_child_ = locator.has_value();
  if (!in_child_) {
    auto created = factory.create();
    ASSERT_TRUE(created.ok()) << "creating a " << factory.name() << " store: " << created.error().to_string();
    scratch_ = std::move(created).value();
    locator = scratch_->locator();
  }
  auto opened = factory.open(*locator);
  ASSERT_TRUE(opened.ok()) << "opening " << *locator << ": " << opened.error().to_string();
  store_ = std::move(opened).value();
}

void StoreConformance::TearDown() {
  store_.reset();
  scratch_.reset();
}

Result<ChildProcess> StoreConformance::start_child() {
  if (in_child_) return Error(ErrorCode::kInternal, "a child process does not start another");
  return ChildProcess::start(scratch_->locator());
}

Result<std::unique_ptr<Store>> StoreConformance::open_another() {
  return GetParam()->open(scratch_ ? scratch_->locator() : *ChildProcess::locator_from_parent());
}

Status StoreConformance::reopen() {
  store_.reset();
  NIMBUS_ASSIGN_OR_RETURN(store_, open_another());
  return ok_status();
}

Status StoreConformance::insert(const AuthorityRecord& record) {
  return write([&](StoreWriter& tx) { return tx.insert_authority(record); });
}

Status StoreConformance::insert(const CertificateRecord& record) {
  return write([&](StoreWriter& tx) { return tx.insert_certificate(record); });
}

Status StoreConformance::insert(const EnrollmentRecord& record) {
  return write([&](StoreWriter& tx) { return tx.insert_enrollment(record); });
}

Status StoreConformance::put(const ProfileRecord& record) {
  return write([&](StoreWriter& tx) { return tx.put_profile(record); });
}

Status StoreConformance::revoke(const std::string& serial, Timestamp at, int reason) {
  return write([&](StoreWriter& tx) { return tx.revoke_certificate(serial, at, reason); });
}

Result<std::uint64_t> StoreConformance::allocate(const std::string& authority_id) {
  std::uint64_t number = 0;
  NIMBUS_TRY(write([&](StoreWriter& tx) -> Status {
    NIMBUS_ASSIGN_OR_RETURN(number, tx.allocate_crl_number(authority_id));
    return ok_status();
  }));
  return number;
}

Result<std::uint64_t> StoreConformance::last_version(const std::string& profile_id) {
  std::uint64_t version = 0;
  NIMBUS_TRY(write([&](StoreWriter& tx) -> Status {
    NIMBUS_ASSIGN_OR_RETURN(version, tx.last_profile_version(profile_id));
    return ok_status();
  }));
  return version;
}

void StoreConformance::add_authorities_and_profiles() {
  testing::must(insert(root_record("root")), "adding the root");
  testing::must(insert(issuing_record("issuing", "root")), "adding the issuing CA");
  testing::must(put(profile_record("vpn", 1, "v")), "adding profile vpn");
  testing::must(put(profile_record("wifi", 1, "w")), "adding profile wifi");
}

std::string StoreConformance::contents() { return testing::must(store_contents(*store_), "reading the store"); }

std::string factory_name(const ::testing::TestParamInfo<StoreFactory*>& info) { return info.param->name(); }

void PrintTo(StoreFactory* const& factory, std::ostream* out) { *out << factory->name(); }

}  // namespace nimbus::store::conformance
