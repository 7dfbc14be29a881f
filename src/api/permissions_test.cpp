#include "api/permissions.h"

#include <gtest/gtest.h>

namespace nimbus::api {
namespace {

using store::ApiRole;

TEST(Permissions, AdminMayDoEverything) {
  for (Permission permission : {Permission::kPublic, Permission::kHealth, Permission::kRead, Permission::kAudit,
                                Permission::kEnroll, Permission::kAdminister}) {
    EXPECT_TRUE(role_permits(ApiRole::kAdmin, permission)) << permission_name(permission);
  }
}

TEST(Permissions, EnrollerOnlyEnrolls) {
  EXPECT_TRUE(role_permits(ApiRole::kEnroller, Permission::kEnroll));
  EXPECT_TRUE(role_permits(ApiRole::kEnroller, Permission::kHealth));
  EXPECT_FALSE(role_permits(ApiRole::kEnroller, Permission::kRead));
  EXPECT_FALSE(role_permits(ApiRole::kEnroller, Permission::kAudit));
  EXPECT_FALSE(role_permits(ApiRole::kEnroller, Permission::kAdminister));
}

TEST(Permissions, ViewerAndAuditorOnlyRead) {
  EXPECT_TRUE(role_permits(ApiRole::kViewer, Permission::kRead));
  EXPECT_FALSE(role_permits(ApiRole::kViewer, Permission::kAudit));
  EXPECT_FALSE(role_permits(ApiRole::kViewer, Permission::kEnroll));
  EXPECT_FALSE(role_permits(ApiRole::kViewer, Permission::kAdminister));
  EXPECT_TRUE(role_permits(ApiRole::kAuditor, Permission::kRead));
  EXPECT_TRUE(role_permits(ApiRole::kAuditor, Permission::kAudit));
  EXPECT_FALSE(role_permits(ApiRole::kAuditor, Permission::kEnroll));
  EXPECT_FALSE(role_permits(ApiRole::kAuditor, Permission::kAdminister));
}

}  // namespace
}  // namespace nimbus::api
