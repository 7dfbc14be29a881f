#include "api/permissions.h"

namespace nimbus::api {

std::string_view permission_name(Permission permission) {
  switch (permission) {
    case Permission::kPublic: return "public";
    case Permission::kHealth: return "health";
    case Permission::kRead: return "read";
    case Permission::kAudit: return "audit";
    case Permission::kEnroll: return "enroll";
    case Permission::kAdminister: return "administer";
  }
  return "unknown";
}

bool role_permits(store::ApiRole role, Permission permission) {
  if (permission == Permission::kPublic || permission == Permission::kHealth) return true;
  switch (role) {
    case store::ApiRole::kAdmin: return true;
    case store::ApiRole::kEnroller: return permission == Permission::kEnroll;
    case store::ApiRole::kAuditor: return permission == Permission::kRead || permission == Permission::kAudit;
    case store::ApiRole::kViewer: return permission == Permission::kRead;
  }
  return false;
}

}  // namespace nimbus::api
