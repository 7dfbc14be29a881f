// Conformance: profiles (versions, deletion) and enrollments (one use each).
#include <gtest/gtest.h>

#include "store/conformance/sample_records.h"
#include "store/conformance/store_conformance.h"
#include "testing/test_support.h"

namespace nimbus::store::conformance {
namespace {

using nimbus::testing::at;
using nimbus::testing::must;

TEST_P(StoreConformance, PutProfileCreatesAndReplacesVersions) {
  NIMBUS_ASSERT_OK(insert(root_record("root")));
  NIMBUS_ASSERT_OK(insert(issuing_record("issuing", "root")));
  EXPECT_EQ(must(last_version("vpn")), 0u);
  NIMBUS_ASSERT_OK(put(profile_record("vpn", 1, "document v1", at("2026-02-01T00:00:00Z"))));
  EXPECT_EQ(must(last_version("vpn")), 1u);
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto v1, store_->find_profile("vpn"));
  ASSERT_TRUE(v1.has_value());
  EXPECT_EQ(v1->id, "vpn");
  EXPECT_EQ(v1->version, 1u);
  EXPECT_EQ(v1->issuing_ca, "issuing");
  EXPECT_EQ(v1->document, "document v1");
  EXPECT_EQ(v1->created_at, at("2026-02-01T00:00:00Z"));
  EXPECT_EQ(v1->updated_at, at("2026-02-01T00:00:00Z"));

  NIMBUS_ASSERT_OK(put(profile_record("vpn", 2, "document v2", at("2026-02-05T00:00:00Z"))));
  EXPECT_EQ(must(last_version("vpn")), 2u);
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto v2, store_->find_profile("vpn"));
  ASSERT_TRUE(v2.has_value());
  EXPECT_EQ(v2->version, 2u);
  EXPECT_EQ(v2->document, "document v2");
  EXPECT_EQ(v2->created_at, at("2026-02-01T00:00:00Z"));  // kept from the first version
  EXPECT_EQ(v2->updated_at, at("2026-02-05T00:00:00Z"));

  NIMBUS_ASSERT_OK_AND_ASSIGN(auto missing, store_->find_profile("nope"));
  EXPECT_FALSE(missing.has_value());
}

TEST_P(StoreConformance, ListsProfilesById) {
  NIMBUS_ASSERT_OK(insert(root_record("root")));
  NIMBUS_ASSERT_OK(insert(issuing_record("issuing", "root")));
  NIMBUS_ASSERT_OK(put(profile_record("wifi", 1, "w")));
  NIMBUS_ASSERT_OK(put(profile_record("device-vpn", 1, "d")));
  NIMBUS_ASSERT_OK(put(profile_record("user-vpn", 3, "u")));
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto all, store_->list_profiles());
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].id, "device-vpn");
  EXPECT_EQ(all[1].id, "user-vpn");
  EXPECT_EQ(all[1].version, 3u);
  EXPECT_EQ(all[2].id, "wifi");
}

TEST_P(StoreConformance, ProfileNeedsAnExistingIssuingCa) {
  NIMBUS_ASSERT_OK(insert(root_record("root")));
  ProfileRecord orphan = profile_record("vpn", 1, "d");
  orphan.issuing_ca = "no-such-ca";
  NIMBUS_EXPECT_ERROR(put(orphan), ErrorCode::kNotFound);
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto found, store_->find_profile("vpn"));
  EXPECT_FALSE(found.has_value());
  EXPECT_EQ(must(last_version("vpn")), 0u);
}

TEST_P(StoreConformance, DeletedProfilesAreHiddenButKeepTheirVersion) {
  NIMBUS_ASSERT_OK(insert(root_record("root")));
  NIMBUS_ASSERT_OK(insert(issuing_record("issuing", "root")));
  NIMBUS_ASSERT_OK(put(profile_record("vpn", 1, "v1")));
  NIMBUS_ASSERT_OK(put(profile_record("vpn", 2, "v2")));
  NIMBUS_ASSERT_OK(put(profile_record("other", 1, "o")));
  NIMBUS_ASSERT_OK(write([](StoreWriter& tx) { return tx.delete_profile("vpn"); }));

  NIMBUS_ASSERT_OK_AND_ASSIGN(auto found, store_->find_profile("vpn"));
  EXPECT_FALSE(found.has_value());
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto all, store_->list_profiles());
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].id, "other");
  EXPECT_EQ(must(last_version("vpn")), 2u);  // so that a re-created profile never reuses a version

  // Deleting again, or what never existed, is kNotFound.
  NIMBUS_EXPECT_ERROR(write([](StoreWriter& tx) { return tx.delete_profile("vpn"); }), ErrorCode::kNotFound);
  NIMBUS_EXPECT_ERROR(write([](StoreWriter& tx) { return tx.delete_profile("ghost"); }), ErrorCode::kNotFound);

  // Putting it again brings it back.
  NIMBUS_ASSERT_OK(put(profile_record("vpn", 3, "v3", at("2026-03-01T00:00:00Z"))));
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto back, store_->find_profile("vpn"));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->version, 3u);
  EXPECT_EQ(back->document, "v3");
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto listed, store_->list_profiles());
  EXPECT_EQ(listed.size(), 2u);
}

// A deleted profile's certificates and enrollments keep their reference to it.
TEST_P(StoreConformance, DeletingAProfileKeepsWhatRefersToIt) {
  add_authorities_and_profiles();
  NIMBUS_ASSERT_OK(insert(enrollment_record("e1", "vpn")));
  CertificateRecord issued = certificate_record("c1", "issuing");
  issued.profile_id = "vpn";
  NIMBUS_ASSERT_OK(insert(issued));
  NIMBUS_ASSERT_OK(write([](StoreWriter& tx) { return tx.delete_profile("vpn"); }));
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto enrollment, store_->find_enrollment("e1"));
  ASSERT_TRUE(enrollment.has_value());
  EXPECT_EQ(enrollment->profile_id, "vpn");
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto certificate, store_->find_certificate("c1"));
  ASSERT_TRUE(certificate.has_value());
  EXPECT_EQ(certificate->profile_id, std::optional<std::string>("vpn"));
}

TEST_P(StoreConformance, InsertsFindsListsAndCountsEnrollments) {
  add_authorities_and_profiles();
  NIMBUS_ASSERT_OK(insert(enrollment_record("e1", "vpn", at("2026-02-02T00:00:00Z"))));
  NIMBUS_ASSERT_OK(insert(enrollment_record("e2", "vpn", at("2026-02-03T00:00:00Z"))));
  NIMBUS_ASSERT_OK(insert(enrollment_record("e3", "wifi", at("2026-02-04T00:00:00Z"))));

  NIMBUS_ASSERT_OK_AND_ASSIGN(auto found, store_->find_enrollment("e1"));
  ASSERT_TRUE(found.has_value());
  EnrollmentRecord expected = enrollment_record("e1", "vpn", at("2026-02-02T00:00:00Z"));
  EXPECT_EQ(found->id, "e1");
  EXPECT_EQ(found->profile_id, "vpn");
  EXPECT_EQ(found->profile_version, 1u);
  EXPECT_EQ(found->variables, expected.variables);
  EXPECT_EQ(found->subject, expected.subject);
  EXPECT_EQ(found->subject_alt_names, expected.subject_alt_names);
  EXPECT_EQ(found->status, EnrollmentStatus::kPending);
  EXPECT_EQ(found->created_at, at("2026-02-02T00:00:00Z"));
  EXPECT_FALSE(found->used_at.has_value());
  EXPECT_FALSE(found->certificate_serial.has_value());

  NIMBUS_ASSERT_OK_AND_ASSIGN(auto of_vpn, store_->list_enrollments("vpn"));
  ASSERT_EQ(of_vpn.size(), 2u);
  EXPECT_EQ(of_vpn[0].id, "e2");  // newest first
  EXPECT_EQ(of_vpn[1].id, "e1");
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto all, store_->list_enrollments(""));
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].id, "e3");
  EXPECT_EQ(all[1].id, "e2");
  EXPECT_EQ(all[2].id, "e1");
  NIMBUS_ASSERT_OK_AND_ASSIGN(std::size_t pending, store_->count_pending_enrollments("vpn"));
  EXPECT_EQ(pending, 2u);
  NIMBUS_ASSERT_OK_AND_ASSIGN(std::size_t of_wifi, store_->count_pending_enrollments("wifi"));
  EXPECT_EQ(of_wifi, 1u);
  NIMBUS_ASSERT_OK_AND_ASSIGN(std::size_t of_nothing, store_->count_pending_enrollments("ghost"));
  EXPECT_EQ(of_nothing, 0u);
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto none, store_->find_enrollment("nope"));
  EXPECT_FALSE(none.has_value());

  std::string before = contents();
  NIMBUS_EXPECT_ERROR(insert(enrollment_record("e1", "vpn")), ErrorCode::kAlreadyExists);
  NIMBUS_EXPECT_ERROR(insert(enrollment_record("e9", "no-such-profile")), ErrorCode::kNotFound);
  EXPECT_EQ(contents(), before);
}

TEST_P(StoreConformance, MarksAnEnrollmentUsedOnce) {
  add_authorities_and_profiles();
  NIMBUS_ASSERT_OK(insert(enrollment_record("e1", "vpn")));
  NIMBUS_ASSERT_OK(insert(certificate_record("c1", "issuing")));
  NIMBUS_ASSERT_OK(insert(certificate_record("c2", "issuing")));
  auto mark_used = [&](const std::string& id, const std::string& serial, Timestamp when) {
    return write([&](StoreWriter& tx) { return tx.mark_enrollment_used(id, serial, when); });
  };

  NIMBUS_ASSERT_OK(mark_used("e1", "c1", at("2026-02-10T00:00:00Z")));
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto used, store_->find_enrollment("e1"));
  ASSERT_TRUE(used.has_value());
  EXPECT_EQ(used->status, EnrollmentStatus::kUsed);
  EXPECT_EQ(used->used_at, std::optional<Timestamp>(at("2026-02-10T00:00:00Z")));
  EXPECT_EQ(used->certificate_serial, std::optional<std::string>("c1"));
  NIMBUS_ASSERT_OK_AND_ASSIGN(std::size_t pending, store_->count_pending_enrollments("vpn"));
  EXPECT_EQ(pending, 0u);
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto listed, store_->list_enrollments("vpn"));
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].status, EnrollmentStatus::kUsed);

  std::string before = contents();
  auto again = mark_used("e1", "c2", at("2026-02-11T00:00:00Z"));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(again.error().message().find("c1"), std::string::npos) << again.error().message();
  NIMBUS_EXPECT_ERROR(mark_used("ghost", "c2", at("2026-02-11T00:00:00Z")), ErrorCode::kNotFound);
  EXPECT_EQ(contents(), before);
}

// The certificate an enrollment is used by must be in the store (normally inserted by the same
// write); a pending enrollment marked with an unknown serial stays pending and says why.
TEST_P(StoreConformance, AnEnrollmentIsUsedByAStoredCertificate) {
  add_authorities_and_profiles();
  NIMBUS_ASSERT_OK(insert(enrollment_record("e1", "vpn")));
  std::string before = contents();
  Status refused = write([](StoreWriter& tx) {
    return tx.mark_enrollment_used("e1", "not-a-stored-serial", at("2026-02-10T00:00:00Z"));
  });
  NIMBUS_ASSERT_ERROR(refused, ErrorCode::kNotFound);
  EXPECT_NE(refused.error().message().find("not-a-stored-serial"), std::string::npos) << refused.error().message();
  EXPECT_EQ(contents(), before);

  // The usual issuance: the certificate and the use in one write.
  NIMBUS_ASSERT_OK(write([](StoreWriter& tx) -> Status {
    CertificateRecord issued = certificate_record("c1", "issuing");
    issued.enrollment_id = "e1";
    NIMBUS_TRY(tx.insert_certificate(issued));
    return tx.mark_enrollment_used("e1", "c1", at("2026-02-10T00:00:00Z"));
  }));
  NIMBUS_ASSERT_OK_AND_ASSIGN(auto used, store_->find_enrollment("e1"));
  ASSERT_TRUE(used.has_value());
  EXPECT_EQ(used->certificate_serial, std::optional<std::string>("c1"));
}

}  // namespace
}  // namespace nimbus::store::conformance
