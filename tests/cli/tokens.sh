#!/usr/bin/env bash
# API tokens: nimbus token create shows the token once and stores its SHA-256 only; list never
# shows it; revoke by name or id; bad names, roles and lifetimes change nothing; each change is an
# audit event.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh" "$@"

D=$WORK/data
expect_ok nimbus init --data "$D" --org "Acme Test" --base-url "$BASE_URL" >/dev/null

case_create_list_revoke() {
  local made token id
  made=$(expect_ok nimbus token create --data "$D" --name intune-connector --role enroller --ttl 30d --json)
  token=$(json_field "$made" 'd["token"]')
  id=$(json_field "$made" 'd["id"]')
  [[ "$token" =~ ^nimbus_[0-9a-f]{16}_[0-9a-f]{64}$ ]] || fail "the token's form: $token"
  assert_eq "${token:7:16}" "$id" "the id inside the token"
  assert_eq "$(json_field "$made" 'd["role"]')" enroller "role"
  assert_eq "$(json_field "$made" 'd["status"]')" active "status"
  # Only the SHA-256 of the token is stored; its secret is nowhere in the database.
  assert_eq "$(sql "$D" "select digest from api_tokens where id = '$id'")" \
    "$(printf %s "$token" | sha256sum | cut -d' ' -f1)" "the stored digest"
  if grep -qF "${token:24}" "$D/nimbus.db" "$D"/nimbus.db-wal 2>/dev/null; then fail "the token's secret is in the store"; fi
  assert_not_contains "$(expect_ok nimbus token list --data "$D")" "${token:24}" "nimbus token list"
  assert_eq "$(json_field "$(expect_ok nimbus token list --data "$D" --json)" 'len(d)')" 1 "tokens listed"

  expect_ok nimbus token revoke --data "$D" intune-connector >/dev/null
  assert_eq "$(json_field "$(expect_ok nimbus token list --data "$D" --json)" 'd[0]["status"]')" revoked "status after revoke"
  expect_fail --status 1 nimbus token revoke --data "$D" "$id"
  assert_contains "$ERR" "already revoked" "revoking twice"
  # The name is free again.
  expect_ok nimbus token create --data "$D" --name intune-connector --role enroller >/dev/null
  assert_eq "$(sql "$D" "select count(*) from audit_events where action in ('token.create', 'token.revoke')")" 3 \
    "audit events"
  assert_eq "$(sql "$D" "select count(*) from audit_events where detail like '%${token:24}%'")" 0 "the secret in the audit trail"
}
run_case "a token is shown once, stored as its SHA-256, listed without it, revoked by name" case_create_list_revoke

case_refusals() {
  local before
  before=$(sql "$D" "select count(*) from api_tokens")
  expect_fail --status 1 nimbus token create --data "$D" --name "two words" --role viewer
  expect_fail --status 1 nimbus token create --data "$D" --name ok --role root
  assert_contains "$ERR" "one of admin, enroller, auditor, viewer" "an unknown role"
  expect_fail --status 1 nimbus token create --data "$D" --name ok --role viewer --ttl 20y
  expect_fail --status 1 nimbus token create --data "$D" --name ok --role viewer --ttl soon
  expect_fail --status 1 nimbus token create --data "$D" --name intune-connector --role admin
  assert_contains "$ERR" "exists and is not revoked" "a taken name"
  expect_fail --status 1 nimbus token revoke --data "$D" nobody
  assert_eq "$(sql "$D" "select count(*) from api_tokens")" "$before" "tokens after refusals"
}
run_case "bad names, roles, lifetimes, taken names and unknown tokens are refused and change nothing" case_refusals

finish
