// What each API token role may do. Every route of the API names one permission; a token whose
// role lacks it is refused with 403 before the handler runs (docs/api.md, Roles).
//
//   admin     everything
//   enroller  create enrollments and their one-time challenges, and nothing else (an MDM connector)
//   auditor   read everything, the audit trail included
//   viewer    read everything but the audit trail
//
// Every role may read /api/v1/health, so that a connector can check its token without side effects.
// The OpenAPI document and the console's sign-in need no token.
#pragma once

#include <string_view>

#include "store/records.h"

namespace nimbus::api {

enum class Permission {
  kPublic,      // no token: the OpenAPI document, and signing in to the console
  kHealth,      // GET /health, GET /session
  kRead,        // GET of the hierarchy, profiles, enrollments, certificates, CRLs, RADIUS decisions
  kAudit,       // GET /audit
  kEnroll,      // POST /enrollments, POST /enrollments/{id}/challenge
  kAdminister,  // every other write: authorities, profiles, issuance, revocation, CRLs
};

std::string_view permission_name(Permission permission);  // "public", "health", "read", "audit", "enroll", "administer"

bool role_permits(store::ApiRole role, Permission permission);

}  // namespace nimbus::api
