#!/usr/bin/env bash
# The REST API under /api/v1 with curl, as an MDM connector or a script uses it: every route, every
# role (a viewer cannot revoke, an enroller only enrolls), 401 with a log line for a missing, bad,
# expired or revoked token, error objects naming the field at fault, cursors, idempotency keys,
# the rate limit, the audit trail naming the token, the served OpenAPI document being the one
# checked in under docs/, and the listener: HTTPS only, with a certificate the deployment issued
# itself, and mutual TLS when asked for.
DOCS=$(realpath "$(dirname "${BASH_SOURCE[0]}")/../../docs")
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh" "$@"
python3() { "$PYTHON" -S "$@"; }

serve_here
D=$WORK/data
init_vpn "$D"
ALICE=$(issue_leaf "$D" alice)
trap 'stop_serve; cleanup' EXIT

token() { # NAME ROLE: a new token's text
  json_field "$(expect_ok nimbus token create --data "$D" --name "$1" --role "$2" --json)" 'd["token"]'
}
ADMIN=$(token automation admin)
ENROLLER=$(token intune-connector enroller)
AUDITOR=$(token auditor auditor)
VIEWER=$(token dashboard viewer)

start_serve "$WORK/serve.log" --data "$D" --port "$PORT" --log-level info
API="$API_URL/api/v1"

# api TOKEN METHOD PATH [BODY] [CURL-ARGS...]: the status code; the body in $WORK/body (and $BODY),
# the response headers in $WORK/headers.
api() {
  local token=$1 method=$2 path=$3 body=${4:-}
  shift 3
  [[ $# -gt 0 ]] && shift
  local args=(-s --cacert "$WORK/root.pem" -o "$WORK/body" -D "$WORK/headers" -w '%{http_code}' -X "$method")
  [[ -n "$token" ]] && args+=(-H "Authorization: Bearer $token")
  [[ -n "$body" ]] && args+=(-H "Content-Type: application/json" --data-binary "$body")
  local status
  status=$(curl "${args[@]}" "$@" "$API$path")
  BODY=$(tr -d '\000' <"$WORK/body")
  echo "$status"
}
field() { json_field "$BODY" "$1"; }
# other_last TEXT: TEXT with its last hex digit changed (a near miss of a secret).
other_last() { if [[ "${1: -1}" == 0 ]]; then echo "${1%?}1"; else echo "${1%?}0"; fi; }
header() { tr -d '\r' <"$WORK/headers" | sed -n "s/^$1: //Ip" | head -n 1; }
expect_status() { # WANT TOKEN METHOD PATH [BODY] [CURL-ARGS...]
  local want=$1 got
  shift
  got=$(api "$@")
  BODY=$(tr -d '\000' <"$WORK/body")
  [[ "$got" == "$want" ]] || fail "$2 $3: HTTP $got, expected $want:"$'\n'"$BODY"
}
expect_error() { # STATUS CODE FIELD TOKEN METHOD PATH [BODY]: an error object with this code and field
  local status=$1 code=$2 want_field=$3
  shift 3
  expect_status "$status" "$@"
  assert_eq "$(field 'd["error"]["code"]')" "$code" "$2 $3: error code"
  assert_eq "$(field 'd["error"]["field"]')" "$want_field" "$2 $3: error field"
  [[ -n "$(field 'd["error"]["message"]')" ]] || fail "$2 $3: the error has no message"
}

case_openapi() {
  expect_status 200 "" GET /openapi.json
  cmp -s "$WORK/body" "$DOCS/openapi.json" || fail "the served OpenAPI document differs from docs/openapi.json"
  assert_eq "$(field 'd["openapi"]')" 3.1.0 "OpenAPI version"
}
run_case "the OpenAPI document is served without a token, exactly as docs/openapi.json" case_openapi

case_authentication() {
  local id revoked expired
  expect_error 401 unauthenticated null "" GET /health
  assert_contains "$(header WWW-Authenticate)" "Bearer" "WWW-Authenticate"
  expect_error 401 unauthenticated null "nimbus_0123456789abcdef_$(printf 'ab%.0s' {1..32})" GET /health
  expect_error 401 unauthenticated null "not-a-token" GET /certificates
  expect_error 401 unauthenticated null "$(other_last "$VIEWER")" GET /certificates
  revoked=$(token revoked-one viewer)
  expect_ok nimbus token revoke --data "$D" revoked-one >/dev/null
  expect_error 401 unauthenticated null "$revoked" GET /health
  expired=$(token expired-one viewer)
  id=${expired:7:16}
  sql "$D" "update api_tokens set expires_at = '2020-01-01T00:00:00Z' where id = '$id'"
  expect_error 401 unauthenticated null "$expired" GET /health
  # Each refusal is a log line that names why, never the token's secret.
  [[ $(grep -c "api: refused" "$WORK/serve.log") -ge 6 ]] || fail "refusals are not logged:"$'\n'"$(cat "$WORK/serve.log")"
  assert_contains "$(cat "$WORK/serve.log")" "revoked" "the log says the token was revoked"
  assert_contains "$(cat "$WORK/serve.log")" "expired" "the log says the token expired"
  assert_not_contains "$(cat "$WORK/serve.log")" "${revoked:24}" "the log"
  assert_not_contains "$(cat "$WORK/serve.log")" "${VIEWER:24}" "the log"
  expect_status 200 "$VIEWER" GET /health
  assert_eq "$(field 'd["status"]')" ok "health"
  assert_eq "$(field 'd["token"]["role"]')" viewer "the token health names"
}
run_case "no, bad, revoked and expired tokens get 401 and a log line; a good one is answered" case_authentication

case_roles() {
  local crl_before
  crl_before=$(sql "$D" "select max(number) from crls where authority_id = '$ISSUING'")
  # A viewer reads but cannot revoke; nothing changes.
  expect_status 200 "$VIEWER" GET /certificates
  expect_error 403 permission_denied null "$VIEWER" POST "/certificates/$ALICE/revoke" '{"reason": "keyCompromise"}'
  expect_error 403 permission_denied null "$VIEWER" GET /audit
  expect_error 403 permission_denied null "$VIEWER" POST /enrollments '{"profile": "vpn"}'
  # An enroller creates enrollments and challenges and nothing else.
  expect_error 403 permission_denied null "$ENROLLER" GET /certificates
  expect_error 403 permission_denied null "$ENROLLER" GET /enrollments
  expect_error 403 permission_denied null "$ENROLLER" POST "/certificates/$ALICE/revoke" '{}'
  expect_error 403 permission_denied null "$ENROLLER" POST /crls '{}'
  # An auditor reads, the audit trail included, and writes nothing.
  expect_status 200 "$AUDITOR" GET /audit
  expect_error 403 permission_denied null "$AUDITOR" POST "/authorities/$ISSUING/pause" '{}'
  assert_eq "$(sql "$D" "select count(*) from certificates where serial = '$ALICE' and revoked_at is not null")" 0 \
    "revoked by a refused request"
  assert_eq "$(sql "$D" "select max(number) from crls where authority_id = '$ISSUING'")" "$crl_before" "CRL number"
  assert_eq "$(status_of "$D" "$ISSUING")" active "the issuing CA after a refused pause"
  [[ $(grep -c "may not" "$WORK/serve.log") -ge 8 ]] || fail "403s are not logged"
}
run_case "roles: a viewer and an auditor only read, an enroller only enrolls; refusals change nothing" case_roles

case_enrollment_by_an_mdm() {
  local id challenge scep_url
  expect_status 201 "$ENROLLER" POST /enrollments '{"profile": "vpn", "variables": {"UserName": "carol"}}'
  id=$(field 'd["id"]')
  challenge=$(field 'd["challenge"]')
  scep_url=$(field 'd["scep_url"]')
  assert_eq "$(header Location)" "/api/v1/enrollments/$id" "Location"
  assert_eq "$scep_url" "$BASE_URL/scep/$ISSUING" "the SCEP URL"
  [[ ${#challenge} -ge 16 ]] || fail "no challenge in: $BODY"
  expect_status 201 "$ENROLLER" POST "/enrollments/$id/challenge"
  [[ "$(field 'd["challenge"]')" != "$challenge" ]] || fail "the new challenge is the old one"
  expect_status 200 "$ADMIN" GET "/enrollments/$id"
  assert_eq "$(field 'd["subject"]')" "CN=carol" "the enrollment's subject"
  assert_not_contains "$BODY" "$challenge" "an enrollment shown later"
  assert_eq "$(sql "$D" "select actor from audit_events where target = '$id' order by rowid limit 1")" \
    "http:intune-connector" "the audit trail's actor"
  # Errors name the member at fault.
  expect_error 404 not_found profile "$ENROLLER" POST /enrollments '{"profile": "nope"}'
  expect_error 400 invalid_argument profile "$ENROLLER" POST /enrollments '{"profile": 7}'
  expect_error 400 invalid_argument colour "$ENROLLER" POST /enrollments '{"profile": "vpn", "colour": "red"}'
  expect_error 400 malformed null "$ENROLLER" POST /enrollments '{"profile": '
  expect_error 404 not_found null "$ENROLLER" POST /enrollments/0000000000000000/challenge
}
run_case "an enroller makes an enrollment with its challenge and SCEP URL, and a new challenge" case_enrollment_by_an_mdm

case_idempotency() {
  local first count
  count=$(sql "$D" "select count(*) from enrollments")
  expect_status 201 "$ENROLLER" POST /enrollments '{"profile": "vpn", "variables": {"UserName": "dave"}}' \
    -H "Idempotency-Key: dave-1"
  first=$BODY
  expect_status 201 "$ENROLLER" POST /enrollments '{"profile": "vpn", "variables": {"UserName": "dave"}}' \
    -H "Idempotency-Key: dave-1"
  assert_eq "$BODY" "$first" "the replayed answer"
  assert_eq "$(header Idempotent-Replayed)" true "Idempotent-Replayed"
  assert_eq "$(sql "$D" "select count(*) from enrollments")" "$((count + 1))" "enrollments after a retry"
  expect_error 409 already_exists Idempotency-Key "$ENROLLER" POST /enrollments \
    '{"profile": "vpn", "variables": {"UserName": "eve"}}' -H "Idempotency-Key: dave-1"
  expect_error 400 invalid_argument Idempotency-Key "$ENROLLER" POST /enrollments '{"profile": "vpn"}' \
    -H "Idempotency-Key: has space"
  # Another token's key is its own.
  expect_status 201 "$ADMIN" POST /enrollments '{"profile": "vpn", "variables": {"UserName": "dave"}}' \
    -H "Idempotency-Key: dave-1"
  assert_eq "$(sql "$D" "select count(*) from enrollments")" "$((count + 2))" "enrollments"
}
run_case "an Idempotency-Key replays the first answer, refuses another request, belongs to its token" case_idempotency

case_issue_and_revoke() {
  local id serial crl_before pkcs12_serial
  expect_status 201 "$ADMIN" POST /enrollments '{"profile": "vpn", "variables": {"UserName": "frank"}}'
  id=$(field 'd["id"]')
  expect_status 201 "$ADMIN" POST /certificates \
    "$(python3 -c 'import json,sys; print(json.dumps({"enrollment": sys.argv[1], "csr": open(sys.argv[2]).read()}))' \
      "$id" "$WORK/leaf.csr")"
  serial=$(field 'd["serial"]')
  field 'd["pem"]' >"$WORK/frank.pem"
  field '"".join(d["chain"])' >"$WORK/frank-chain.pem"
  openssl verify -CAfile "$WORK/root.pem" -untrusted "$WORK/frank-chain.pem" "$WORK/frank.pem" >/dev/null ||
    fail "the issued certificate does not verify"
  assert_eq "$(norm_hex "$(cert_serial "$WORK/frank.pem")")" "$serial" "serial"
  expect_error 409 failed_precondition null "$ADMIN" POST /certificates \
    "$(python3 -c 'import json,sys; print(json.dumps({"enrollment": sys.argv[1], "csr": open(sys.argv[2]).read()}))' \
      "$id" "$WORK/leaf.csr")"
  expect_error 400 malformed csr "$ADMIN" POST /certificates "{\"enrollment\": \"$id\", \"csr\": \"junk\"}"

  # A server-made key, once, as PKCS#12.
  expect_status 201 "$ADMIN" POST /enrollments '{"profile": "vpn", "variables": {"UserName": "grace"}}'
  id=$(field 'd["id"]')
  expect_error 400 invalid_argument password "$ADMIN" POST /certificates/pkcs12 \
    "{\"enrollment\": \"$id\", \"key\": \"ec:p256\", \"password\": \"short\"}"
  expect_status 201 "$ADMIN" POST /certificates/pkcs12 \
    "{\"enrollment\": \"$id\", \"key\": \"ec:p256\", \"password\": \"a long pkcs12 password\"}" -H "Idempotency-Key: g1"
  pkcs12_serial=$(field 'd["serial"]')
  field 'd["pkcs12"]' | base64 -d >"$WORK/grace.p12"
  openssl pkcs12 -in "$WORK/grace.p12" -passin "pass:a long pkcs12 password" -nokeys -clcerts 2>/dev/null |
    openssl x509 -noout -serial | grep -qi "$pkcs12_serial" || fail "the PKCS#12 does not hold the certificate"
  expect_error 409 already_exists Idempotency-Key "$ADMIN" POST /certificates/pkcs12 \
    "{\"enrollment\": \"$id\", \"key\": \"ec:p256\", \"password\": \"a long pkcs12 password\"}" -H "Idempotency-Key: g1"

  # Revoke, see the CRL number move and OCSP say revoked; hold and release.
  crl_before=$(sql "$D" "select max(number) from crls where authority_id = '$ISSUING'")
  expect_error 400 invalid_argument reason "$ADMIN" POST "/certificates/$serial/revoke" '{"reason": "bored"}'
  expect_status 200 "$ADMIN" POST "/certificates/$serial/revoke" '{"reason": "keyCompromise"}'
  assert_eq "$(field 'd["status"]')" revoked "status after revoke"
  assert_eq "$(field 'd["crl"]["number"]')" "$((crl_before + 1))" "the CRL number"
  for _ in $(seq 1 50); do
    openssl ocsp -issuer "$WORK/issuing.pem" -cert "$WORK/frank.pem" -url "$BASE_URL/ocsp/$ISSUING" \
      -CAfile "$WORK/root.pem" -verify_other "$WORK/issuing.pem" 2>&1 | grep -q ": revoked" && break
    sleep 0.1
  done
  openssl ocsp -issuer "$WORK/issuing.pem" -cert "$WORK/frank.pem" -url "$BASE_URL/ocsp/$ISSUING" \
    -CAfile "$WORK/root.pem" -verify_other "$WORK/issuing.pem" 2>&1 | grep -q ": revoked" ||
    fail "OCSP does not answer revoked after an API revocation"
  expect_error 409 failed_precondition null "$ADMIN" POST "/certificates/$serial/revoke" '{}'
  expect_status 200 "$ADMIN" POST "/certificates/$pkcs12_serial/revoke" '{"reason": "certificateHold"}'
  expect_status 200 "$ADMIN" POST "/certificates/$pkcs12_serial/unrevoke"
  assert_eq "$(field 'd["status"]')" valid "status after release"
  assert_eq "$(sql "$D" "select count(*) from audit_events where actor = 'http:automation' and target = '$serial'")" \
    2 "audit events of the issuance and the revocation"
}
run_case "issue from a CSR and as PKCS#12, revoke (CRL and OCSP follow), hold and release" case_issue_and_revoke

case_certificate_search() {
  local i cursor seen=""
  for i in 1 2 3 4 5; do issue_leaf "$D" "search-$i" >/dev/null; done
  expect_status 200 "$VIEWER" GET "/certificates?subject=search-&limit=2"
  cursor=$(field 'd["next_cursor"]')
  seen=$(field '" ".join(c["subject"] for c in d["items"])')
  while [[ "$cursor" != null ]]; do
    expect_status 200 "$VIEWER" GET "/certificates?subject=search-&limit=2&cursor=$cursor"
    seen="$seen $(field '" ".join(c["subject"] for c in d["items"])')"
    cursor=$(field 'd["next_cursor"]')
  done
  # Issued within a second, they come in serial order (newest first is by time, then serial).
  assert_eq "$(tr ' ' '\n' <<<"$seen" | sed '/^$/d' | sort | tr '\n' ' ')" \
    "CN=search-1 CN=search-2 CN=search-3 CN=search-4 CN=search-5 " "every certificate once over the pages"
  expect_status 200 "$VIEWER" GET "/certificates?status=revoked&issuer=$ISSUING"
  [[ $(field 'len(d["items"])') -ge 1 ]] || fail "no revoked certificate listed"
  assert_eq "$(field '{c["status"] for c in d["items"]}')" "{'revoked'}" "the status filter"
  expect_status 200 "$VIEWER" GET "/certificates/$ALICE"
  assert_eq "$(field 'd["serial"]')" "$ALICE" "show by serial"
  assert_contains "$(field 'd["pem"]')" "BEGIN CERTIFICATE" "the certificate's PEM"
  expect_error 400 invalid_argument limit "$VIEWER" GET "/certificates?limit=0"
  expect_error 400 invalid_argument status "$VIEWER" GET "/certificates?status=sideways"
  expect_error 400 invalid_argument cursor "$VIEWER" GET "/certificates?cursor=zz"
  expect_status 200 "$AUDITOR" GET "/audit?limit=1"
  expect_error 400 invalid_argument cursor "$VIEWER" GET "/certificates?cursor=$(field 'd["next_cursor"]')"
  expect_error 404 not_found null "$VIEWER" GET /certificates/00ff00ff
}
run_case "certificate search: filters, cursor pages without gaps, errors naming the parameter" case_certificate_search

case_authorities() {
  local chain
  expect_status 200 "$VIEWER" GET /authorities
  assert_eq "$(field '[a["id"] for a in d["items"]]')" "['$ROOT', '$ISSUING']" "authorities listed"
  expect_status 200 "$VIEWER" GET "/authorities/$ISSUING"
  assert_eq "$(field 'd["parent"]')" "$ROOT" "the issuing CA's parent"
  expect_status 200 "$VIEWER" GET "/authorities/$ISSUING/certificate?chain=true"
  assert_eq "$(header Content-Type)" application/pem-certificate-chain "the chain's type"
  assert_eq "$(grep -c 'BEGIN CERTIFICATE' "$WORK/body")" 2 "certificates in the chain"
  expect_status 200 "$VIEWER" GET "/authorities/$ROOT/certificate?format=der"
  openssl x509 -inform DER -in "$WORK/body" -noout || fail "the DER export does not parse"
  expect_error 404 not_found null "$VIEWER" GET /authorities/nope

  expect_error 400 unsupported key "$ADMIN" POST /authorities \
    "{\"id\": \"second\", \"parent\": \"$ROOT\", \"key\": \"dsa:1024\"}"
  expect_error 404 not_found parent "$ADMIN" POST /authorities '{"id": "orphan", "parent": "nope", "key": "ec:p256"}'
  expect_status 201 "$ADMIN" POST /authorities \
    "{\"id\": \"second\", \"parent\": \"$ROOT\", \"name\": \"Second Issuing CA\", \"key\": \"ec:p256\", \"validity\": \"2y\"}"
  assert_eq "$(field 'd["id"]')" second "the new CA"
  assert_contains "$(field 'd["subject"]')" "CN=Second Issuing CA" "its subject"
  expect_status 200 "$ADMIN" POST /authorities/second/pause
  assert_eq "$(field 'd["status"]')" paused "after pause"
  expect_status 200 "$ADMIN" POST /authorities/second/resume
  assert_eq "$(field 'd["status"]')" active "after resume"
  expect_status 201 "$ADMIN" POST /authorities '{"id": "enterprise-issued", "external_parent": true, "key": "ec:p256"}'
  assert_contains "$(field 'd["certificate_request"]')" "BEGIN CERTIFICATE REQUEST" "the CSR for the external parent"
  expect_error 400 malformed certificate "$ADMIN" POST /authorities/enterprise-issued/certificate \
    '{"certificate": "junk", "chain": "junk"}'
  expect_status 200 "$ADMIN" POST /authorities/second/revoke '{"reason": "cessationOfOperation"}'
  assert_eq "$(field 'd["status"]')" revoked "after revoke"
  assert_eq "$(sql "$D" "select count(*) from audit_events where actor = 'http:automation' and target = 'second'")" \
    4 "audit events of the new CA"
}
run_case "authorities: list, show, export, create, pause, resume, revoke, an external parent's CSR" case_authorities

case_profiles() {
  sed 's/^id: vpn$/id: wifi/' "$WORK/vpn.yaml" >"$WORK/wifi.yaml"
  expect_status 201 "$ADMIN" POST /profiles "" --data-binary "@$WORK/wifi.yaml" -H "Content-Type: application/yaml"
  assert_eq "$(field 'd["id"]')" wifi "the new profile"
  assert_eq "$(header Location)" /api/v1/profiles/wifi "Location"
  expect_status 200 "$ADMIN" POST /profiles "" --data-binary "@$WORK/wifi.yaml" -H "Content-Type: application/yaml"
  assert_eq "$(field 'd["version"]')" 1 "applying the same document again"
  expect_status 200 "$VIEWER" GET /profiles
  assert_eq "$(field '[p["id"] for p in d["items"]]')" "['vpn', 'wifi']" "profiles listed"
  expect_status 200 "$VIEWER" GET /profiles/wifi
  expect_error 400 invalid_argument document "$ADMIN" POST /profiles '{"document": "id: broken\nvalidity: forever\n"}'
  expect_error 400 invalid_argument document "$ADMIN" POST /profiles '{}'
  expect_status 204 "$ADMIN" DELETE /profiles/wifi
  expect_error 404 not_found null "$VIEWER" GET /profiles/wifi
  expect_error 403 permission_denied null "$VIEWER" DELETE /profiles/vpn
}
run_case "profiles: apply as YAML (201, then 200 unchanged), list, show, delete" case_profiles

case_crls() {
  local number
  expect_status 200 "$VIEWER" GET /crls
  assert_contains "$(field '[c["authority"] for c in d["items"]]')" "$ISSUING" "CRLs listed"
  expect_status 200 "$VIEWER" GET "/crls/$ISSUING"
  number=$(field 'd["number"]')
  assert_eq "$(field 'd["url"]')" "$BASE_URL/cdp/$ISSUING.crl" "the CDP URL"
  expect_status 201 "$ADMIN" POST /crls "{\"ca\": \"$ISSUING\"}"
  assert_eq "$(field 'd["items"][0]["number"]')" "$((number + 1))" "the published CRL's number"
  expect_status 200 "$VIEWER" GET "/crls/$ISSUING?format=der"
  openssl crl -inform DER -in "$WORK/body" -noout -CAfile "$WORK/issuing.pem" 2>&1 | grep -q "verify OK" ||
    fail "the DER CRL does not verify under the issuing CA"
  expect_error 404 not_found ca "$ADMIN" POST /crls '{"ca": "nope"}'
  expect_error 400 invalid_argument format "$VIEWER" GET "/crls/$ISSUING?format=xml"
}
run_case "CRLs: list, show as JSON and DER, publish one" case_crls

case_radius_and_audit() {
  expect_status 200 "$VIEWER" GET /radius/decisions
  assert_eq "$(field 'len(d["items"])')" 0 "decisions of a node without RADIUS"
  expect_error 400 invalid_argument reason_code "$VIEWER" GET "/radius/decisions?reason_code=x"
  expect_error 404 not_found null "$VIEWER" GET /radius/decisions/0
  expect_status 200 "$AUDITOR" GET "/audit?actor=http:automation&action=certificate.revoke"
  [[ $(field 'len(d["items"])') -ge 1 ]] || fail "no revocation by the API in the audit trail"
  assert_eq "$(field '{e["actor"] for e in d["items"]}')" "{'http:automation'}" "the actor filter"
}
run_case "RADIUS decisions (none without RADIUS) and the audit trail filtered by actor and action" case_radius_and_audit

case_console_session() {
  local cookie csrf serial token
  expect_status 201 "" POST /session "{\"token\": \"$ADMIN\"}"
  csrf=$(field 'd["csrf_token"]')
  assert_eq "$(field 'd["token"]["name"]')" automation "the session's token"
  local set_cookie
  set_cookie=$(header Set-Cookie)
  for attribute in "HttpOnly" "Secure" "SameSite=Strict" "Path=/"; do
    assert_contains "$set_cookie" "; $attribute" "the session cookie"
  done
  cookie=$(sed 's/;.*//' <<<"$set_cookie")
  [[ "$cookie" =~ ^nimbus_session=[0-9a-f]{64}$ ]] || fail "the session cookie: $cookie"
  assert_not_contains "$BODY" "${cookie#nimbus_session=}" "the sign-in answer"
  # The session reads like its token; GET /session gives the CSRF token again.
  expect_status 200 "" GET /certificates "" -H "Cookie: theme=dark; $cookie"
  expect_status 200 "" GET /session "" -H "Cookie: $cookie"
  assert_eq "$(field 'd["csrf_token"]')" "$csrf" "the CSRF token read back"
  # A write without the CSRF token, or with another, is refused and changes nothing.
  serial=$(issue_leaf "$D" csrf-target)
  expect_error 403 permission_denied X-CSRF-Token "" POST "/certificates/$serial/revoke" '{}' -H "Cookie: $cookie"
  expect_error 403 permission_denied X-CSRF-Token "" POST "/certificates/$serial/revoke" '{}' -H "Cookie: $cookie" \
    -H "X-CSRF-Token: $(other_last "$csrf")"
  assert_eq "$(sql "$D" "select count(*) from certificates where serial = '$serial' and revoked_at is not null")" 0 \
    "revoked by a write without its CSRF token"
  assert_contains "$(cat "$WORK/serve.log")" "X-CSRF-Token header" "the log of a CSRF-less write"
  expect_status 200 "" POST "/certificates/$serial/revoke" '{}' -H "Cookie: $cookie" -H "X-CSRF-Token: $csrf"
  # Signing out ends the session; so does revoking its token.
  expect_status 204 "" DELETE /session "" -H "Cookie: $cookie" -H "X-CSRF-Token: $csrf"
  expect_error 401 unauthenticated null "" GET /certificates "" -H "Cookie: $cookie"
  token=$(token console-user viewer)
  expect_status 201 "" POST /session "{\"token\": \"$token\"}"
  cookie=$(header Set-Cookie | sed 's/;.*//')
  expect_status 200 "" GET /health "" -H "Cookie: $cookie"
  expect_ok nimbus token revoke --data "$D" console-user >/dev/null
  expect_error 401 unauthenticated null "" GET /health "" -H "Cookie: $cookie"
  assert_contains "$(cat "$WORK/serve.log")" "console session's token 'console-user' was revoked" "the log"
  expect_error 401 unauthenticated null "" POST /session '{"token": "nimbus_0000000000000000_00"}'
  expect_error 401 unauthenticated null "" GET /health "" -H "Cookie: nimbus_session=$(printf '0%.0s' {1..64})"
}
run_case "console sessions: a token for an HttpOnly Secure SameSite=Strict cookie; writes need the CSRF token" \
  case_console_session

case_doctor() {
  local before
  expect_status 202 "$VIEWER" POST /doctor
  before=$(field 'd["last_examined_at"]')
  for _ in $(seq 1 100); do
    expect_status 200 "$VIEWER" GET /doctor
    [[ "$(field 'd["examined_at"]')" != "$before" ]] && break
    sleep 0.2
  done
  assert_eq "$(field 'd["healthy"]')" True "the node's own examination: $BODY"
  assert_contains "$(field '" ".join(d["passed"])')" "ocsp $ISSUING" "the checks that held"
  expect_error 403 permission_denied null "$ENROLLER" GET /doctor
  expect_error 400 invalid_argument colour "$VIEWER" POST /doctor '{"colour": "red"}'
  local metrics
  metrics=$(curl -s "$BASE_URL/metrics")
  assert_contains "$metrics" "nimbus_doctor_healthy 1" "the doctor's gauge"
  assert_contains "$metrics" "nimbus_doctor_examined_timestamp_seconds" "when it ran"
}
run_case "the node examines what it publishes: GET /doctor and its gauges on /metrics" case_doctor

case_rate_limit() {
  local token statuses urls=()
  token=$(token hammer viewer)
  for _ in $(seq 1 300); do urls+=(-o /dev/null "$API/health"); done
  statuses=$(curl -s --cacert "$WORK/root.pem" -D "$WORK/burst.headers" -w '%{http_code}\n' \
    -H "Authorization: Bearer $token" \
    "${urls[@]}" | sort | uniq -c)
  assert_contains "$statuses" " 200" "answers under the limit"
  assert_contains "$statuses" " 429" "answers over the limit"
  grep -qiE '^retry-after: [1-9][0-9]*' "$WORK/burst.headers" || fail "no Retry-After on a 429"
  expect_status 200 "$VIEWER" GET /health
}
run_case "a token past its rate limit gets 429 with Retry-After; other tokens are not slowed" case_rate_limit

# The API and console are for administrators and their scripts: HTTPS on a listener of their own,
# with a certificate the deployment issued itself; the public listener keeps to AIA, CDP, OCSP, SCEP.
case_https_only() {
  local out serial
  out=$(openssl s_client -connect "127.0.0.1:$API_PORT" -CAfile "$WORK/root.pem" -verify_return_error \
    -verify_ip 127.0.0.1 </dev/null 2>&1) || fail "openssl s_client could not verify the API listener:"$'\n'"$out"
  assert_contains "$out" "Verify return code: 0 (ok)" "the listener's certificate, checked by openssl"
  openssl x509 -in "$D/api/server.pem" -noout -ext subjectAltName,extendedKeyUsage >"$WORK/api-cert.txt"
  assert_contains "$(cat "$WORK/api-cert.txt")" "IP Address:127.0.0.1" "the certificate's names"
  assert_contains "$(cat "$WORK/api-cert.txt")" "TLS Web Server Authentication" "the certificate's EKU"
  serial=$(norm_hex "$(cert_serial "$D/api/server.pem")")
  assert_eq "$(sql "$D" "select count(*) from certificates where serial = '$serial'")" 1 \
    "the listener's certificate in the store"
  # Old protocol versions and plain HTTP are refused; the log says why, once.
  if openssl s_client -connect "127.0.0.1:$API_PORT" -tls1_1 </dev/null >/dev/null 2>&1; then
    fail "a TLS 1.1 handshake was accepted"
  fi
  assert_eq "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$API_PORT/api/v1/health")" 000 \
    "plain HTTP to the API port"
  sleep 0.2
  assert_contains "$(cat "$WORK/serve.log")" "api: TLS handshake from 127.0.0.1 failed" "the log of a plain request"
  for path in /api/v1/health /api/v1/openapi.json /console/; do
    assert_eq "$(curl -s -o /dev/null -w '%{http_code}' "$BASE_URL$path")" 404 "$path on the public listener"
  done
  assert_eq "$(curl -s -o /dev/null -w "%{http_code}" "$BASE_URL/aia/$ISSUING.crt")" 200 "AIA on the public listener"
  assert_contains "$(cat "$WORK/serve.log.out")" "REST API: $API_URL/api/v1" "what nimbus serve says at start"
}
run_case "HTTPS only, with a certificate the deployment issued; nothing of the API on the public listener" \
  case_https_only

# api_client_certificates: required, on a second server of the same deployment: no handshake
# without a certificate of the deployment's authorities, a token still needed, a revoked
# certificate refused although it still verifies.
case_mutual_tls() {
  local port api_port pid out status stranger
  port=$(free_port)
  api_port=$(free_port)
  sed 's/^api_client_certificates: .*/api_client_certificates: required/' "$D/nimbus.yaml" >"$WORK/mtls.yaml"
  echo "api_client_authorities: $ISSUING" >>"$WORK/mtls.yaml"
  "$NIMBUS" serve --data "$D" --config "$WORK/mtls.yaml" --port "$port" --api-port "$api_port" --log-level info \
    >"$WORK/mtls.out" 2>"$WORK/mtls.log" &
  pid=$!
  for _ in $(seq 1 100); do
    curl -s -o /dev/null "http://127.0.0.1:$port/healthz" && break
    sleep 0.1
  done
  local tls=(-s --cacert "$WORK/root.pem" -o "$WORK/body" -w '%{http_code}')
  local url="https://127.0.0.1:$api_port/api/v1/health"
  local alice=(--cert "$WORK/alice.pem" --key "$WORK/leaf.key")
  status=$(curl "${tls[@]}" -H "Authorization: Bearer $VIEWER" "$url") || true
  assert_eq "$status" 000 "a client without a certificate"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/stranger.key" \
    -out "$WORK/stranger.pem" -subj "/CN=stranger" -days 2 -addext extendedKeyUsage=clientAuth 2>/dev/null
  stranger=(--cert "$WORK/stranger.pem" --key "$WORK/stranger.key")
  status=$(curl "${tls[@]}" "${stranger[@]}" -H "Authorization: Bearer $VIEWER" "$url") || true
  assert_eq "$status" 000 "a client with a certificate of another issuer"
  status=$(curl "${tls[@]}" "${alice[@]}" "$url")
  assert_eq "$status" 401 "a client certificate without a token"
  status=$(curl "${tls[@]}" "${alice[@]}" -H "Authorization: Bearer $VIEWER" "$url")
  assert_eq "$status" 200 "a client certificate with a token"
  expect_ok nimbus cert revoke "$ALICE" --data "$D" --reason keyCompromise >/dev/null
  status=$(curl "${tls[@]}" "${alice[@]}" -H "Authorization: Bearer $VIEWER" "$url")
  assert_eq "$status" 401 "a revoked client certificate with a token"
  kill -TERM "$pid"
  wait "$pid" || fail "the mutual-TLS server did not stop cleanly"
  out=$(cat "$WORK/mtls.log")
  assert_contains "$out" "client certificates required, issued by $ISSUING" "the log at start"
  assert_contains "$out" "peer did not return a certificate" "the log of a client without a certificate"
  assert_contains "$out" "certificate verify failed" "the log of a stranger's certificate"
  assert_contains "$out" "the client certificate $ALICE is revoked" "the log of a revoked certificate"
}
run_case "mutual TLS: a certificate of the deployment and a token; none, a stranger's or a revoked one refused" \
  case_mutual_tls

finish
