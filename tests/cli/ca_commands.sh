#!/usr/bin/env bash
# nimbus ca list/show/export/create-root/create-issuing/pause/resume/revoke on a deployment.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh" "$@"

D=$WORK/data
ROOT=acme-test-root-ca
ISSUING=acme-test-issuing-ca
init_ec "$D"
expect_ok nimbus ca export "$ROOT" --data "$D" >"$WORK/root.pem"
expect_ok nimbus ca export "$ISSUING" --data "$D" >"$WORK/issuing.pem"

# expected_json ID CERT PARENT KEY STATUS: what list/show --json must say, from openssl.
expected_json() {
  local id=$1 cert=$2 parent=$3 key=$4 status=$5
  python3 -c 'import json,sys; print(json.dumps(dict(zip(sys.argv[1::2], sys.argv[2::2]))))' \
    id "$id" parent "$parent" key "$key" status "$status" \
    subject "$(cert_subject "$cert")" \
    serial "$(cert_serial "$cert")" \
    not_before "$(iso_utc "$(cert_not_before_epoch "$cert")")" \
    not_after "$(iso_utc "$(cert_not_after_epoch "$cert")")" \
    sha256 "$(cert_sha256 "$cert")" \
    sha1 "$(cert_sha1 "$cert")" \
    aia "$BASE_URL/aia/$id.crt" cdp "$BASE_URL/cdp/$id.crl" ocsp "$BASE_URL/ocsp/$id" scep "$BASE_URL/scep/$id"
}

# check_authority_json OBJECT-JSON EXPECTED-JSON
check_authority_json() {
  python3 - "$1" "$2" <<'EOF' || fail "authority JSON does not match the certificate (see above)"
import json, sys
obj, want = json.loads(sys.argv[1]), json.loads(sys.argv[2])
problems = []
def norm_hex(s): return s.replace(":", "").lower()
def norm_dn(s): return ",".join(part.strip() for part in s.split(","))
for field in ["id", "parent", "subject", "serial", "status", "not_before", "not_after", "key", "sha256"]:
    if field not in obj:
        problems.append("missing field %r" % field)
if not problems:
    expected_parent = None if want["parent"] == "null" else want["parent"]
    checks = [
        ("id", obj["id"], want["id"]),
        ("parent", obj["parent"], expected_parent),
        ("subject", norm_dn(obj["subject"] or ""), norm_dn(want["subject"])),
        ("serial", norm_hex(obj["serial"] or ""), norm_hex(want["serial"])),
        ("status", obj["status"], want["status"]),
        ("not_before", obj["not_before"], want["not_before"]),
        ("not_after", obj["not_after"], want["not_after"]),
        ("key", obj["key"], want["key"]),
        ("sha256", norm_hex(obj["sha256"] or ""), norm_hex(want["sha256"])),
    ]
    if "sha1" in obj:
        checks.append(("sha1", norm_hex(obj["sha1"] or ""), norm_hex(want["sha1"])))
    for name, got, expected in checks:
        if got != expected:
            problems.append("%s: got %r, expected %r" % (name, got, expected))
    urls = obj.get("urls") or {}
    for name in ["aia", "cdp", "ocsp", "scep"]:
        if urls.get(name) != want[name]:
            problems.append("urls.%s: got %r, expected %r" % (name, urls.get(name), want[name]))
if problems:
    print("authority %s:\n  " % want["id"] + "\n  ".join(problems), file=sys.stderr)
    sys.exit(1)
EOF
}

# list_entry ID: the object for ID from `ca list --json`.
list_entry() {
  local list
  list=$(expect_ok nimbus ca list --data "$D" --json)
  python3 -c '
import json, sys
d = json.loads(sys.argv[1])
for a in d:
    if a["id"] == sys.argv[2]:
        print(json.dumps(a)); break
else:
    sys.exit("no authority %s in ca list --json" % sys.argv[2])' "$list" "$1"
}

case_list_json() {
  local list
  list=$(expect_ok nimbus ca list --data "$D" --json)
  python3 -c '
import json, sys
d = json.loads(sys.argv[1])
assert isinstance(d, list), "ca list --json is not a JSON array"
assert len(d) == 2, "expected 2 authorities, got %d" % len(d)
assert all(isinstance(a, dict) for a in d), "array elements are not objects"' "$list" ||
    fail "ca list --json is not an array of 2 objects: $list"
  check_authority_json "$(list_entry "$ROOT")" "$(expected_json "$ROOT" "$WORK/root.pem" null ec:p384 active)"
  check_authority_json "$(list_entry "$ISSUING")" "$(expected_json "$ISSUING" "$WORK/issuing.pem" "$ROOT" ec:p256 active)"
}
run_case "ca list --json matches the certificates" case_list_json

case_read_only_commands() {
  local before
  before=$(store_snapshot "$D")
  expect_ok nimbus ca list --data "$D" >/dev/null
  expect_ok nimbus ca list --data "$D" --json >/dev/null
  expect_ok nimbus ca show "$ISSUING" --data "$D" >/dev/null
  expect_ok nimbus ca export "$ISSUING" --data "$D" --chain >/dev/null
  assert_snapshot_unchanged "$before" "$D" "list, show and export"
}
run_case "list, show and export change nothing" case_read_only_commands

case_list_text() {
  local text
  text=$(expect_ok nimbus ca list --data "$D")
  assert_contains "$text" "$ROOT" "ca list"
  assert_contains "$text" "$ISSUING" "ca list"
}
run_case "ca list (table)" case_list_text

# check_show_text ID CERT KEY STATUS
check_show_text() {
  local id=$1 cert=$2 key=$3 status=$4
  local text flat
  text=$(expect_ok nimbus ca show "$id" --data "$D")
  flat=$(tr -d ':' <<<"$text" | tr 'A-F' 'a-f')
  assert_contains "$(norm_dn "$text")" "$(norm_dn "$(openssl x509 -in "$cert" -noout -subject -nameopt RFC2253,sep_comma_plus_space | sed 's/^subject=//')")" "show $id: subject"
  assert_contains "$flat" "$(norm_hex "$(cert_serial "$cert")")" "show $id: serial"
  assert_contains "$flat" "$(norm_hex "$(cert_sha1 "$cert")")" "show $id: SHA-1 thumbprint"
  assert_contains "$flat" "$(norm_hex "$(cert_sha256 "$cert")")" "show $id: SHA-256 thumbprint"
  assert_contains "$text" "SHA-1" "show $id: SHA-1 label"
  assert_contains "$text" "SHA-256" "show $id: SHA-256 label"
  assert_contains "$text" "$(iso_utc "$(cert_not_before_epoch "$cert")")" "show $id: valid from"
  assert_contains "$text" "$(iso_utc "$(cert_not_after_epoch "$cert")")" "show $id: valid to"
  assert_contains "$text" "$key" "show $id: key"
  grep -Eq "^Status +$status\$" <<<"$text" || fail "show $id: no 'Status $status' line in:"$'\n'"$text"
  assert_contains "$text" "$BASE_URL/aia/$id.crt" "show $id: AIA URL"
  assert_contains "$text" "$BASE_URL/cdp/$id.crl" "show $id: CDP URL"
  assert_contains "$text" "$BASE_URL/ocsp/$id" "show $id: OCSP URL"
  assert_contains "$text" "$BASE_URL/scep/$id" "show $id: SCEP URL"
}

case_show() {
  check_show_text "$ROOT" "$WORK/root.pem" ec:p384 active
  check_show_text "$ISSUING" "$WORK/issuing.pem" ec:p256 active
  local json
  json=$(expect_ok nimbus ca show "$ROOT" --data "$D" --json)
  check_authority_json "$json" "$(expected_json "$ROOT" "$WORK/root.pem" null ec:p384 active)"
  json=$(expect_ok nimbus ca show "$ISSUING" --data "$D" --json)
  check_authority_json "$json" "$(expected_json "$ISSUING" "$WORK/issuing.pem" "$ROOT" ec:p256 active)"
}
run_case "ca show and ca show --json" case_show

case_export() {
  local chain=$WORK/chain.pem
  expect_ok nimbus ca export "$ISSUING" --data "$D" --chain >"$chain"
  assert_eq "$(count_pem_certs "$chain")" 2 "certificates in 'ca export ISSUING --chain'"
  # issuing first, then the root
  openssl x509 -in "$chain" -noout -fingerprint -sha256 | grep -qF "$(cert_sha256 "$WORK/issuing.pem")" ||
    fail "the chain does not start with the issuing CA"
  awk 'n {print} /END CERTIFICATE/ {n=1}' "$chain" >"$WORK/chain-second.pem"
  assert_eq "$(cert_sha256 "$WORK/chain-second.pem")" "$(cert_sha256 "$WORK/root.pem")" "second certificate of the chain"
  expect_ok nimbus ca export "$ROOT" --data "$D" --chain >"$WORK/root-chain.pem"
  assert_eq "$(count_pem_certs "$WORK/root-chain.pem")" 1 "certificates in 'ca export ROOT --chain'"

  expect_ok nimbus ca export "$ISSUING" --data "$D" --der >"$WORK/issuing.der"
  openssl x509 -inform DER -in "$WORK/issuing.der" -noout 2>/dev/null || fail "ca export --der is not a DER certificate"
  assert_eq "$(openssl x509 -inform DER -in "$WORK/issuing.der" -noout -fingerprint -sha256 | cut -d= -f2)" \
    "$(cert_sha256 "$WORK/issuing.pem")" "fingerprint of the DER export"
  expect_ok nimbus ca export "$ROOT" --data "$D" --out "$WORK/root-out.pem" >/dev/null
  cmp -s "$WORK/root-out.pem" "$WORK/root.pem" || fail "ca export --out differs from the stdout export"

  expect_fail --status 1 nimbus ca export "$ISSUING" --data "$D" --der --chain
  expect_fail --status 1 nimbus ca export "$ISSUING" --data "$D" --der --pem
}
run_case "ca export: PEM, --chain, --der" case_export

# ---------------------------------------------------------------------------------------------
# Creating CAs

SECOND_ROOT=second-root
SECOND_ISSUING=second-issuing

case_create_second_hierarchy() {
  local start
  start=$(date -u +%s)
  expect_ok nimbus ca create-root --data "$D" --name "Second Root" --key ec:p384 >/dev/null
  expect_ok nimbus ca create-issuing --data "$D" --parent "$SECOND_ROOT" --name "Second Issuing" \
    --validity 30d --key ec:p256 >/dev/null
  expect_ok nimbus ca export "$SECOND_ROOT" --data "$D" >"$WORK/second-root.pem"
  expect_ok nimbus ca export "$SECOND_ISSUING" --data "$D" >"$WORK/second-issuing.pem"
  openssl verify -CAfile "$WORK/second-root.pem" "$WORK/second-issuing.pem" >/dev/null ||
    fail "the second issuing CA does not verify against the second root"
  check_authority_json "$(list_entry "$SECOND_ROOT")" \
    "$(expected_json "$SECOND_ROOT" "$WORK/second-root.pem" null ec:p384 active)"
  check_authority_json "$(list_entry "$SECOND_ISSUING")" \
    "$(expected_json "$SECOND_ISSUING" "$WORK/second-issuing.pem" "$SECOND_ROOT" ec:p256 active)"
  local end now
  end=$(cert_not_after_epoch "$WORK/second-issuing.pem")
  now=$(date -u +%s)
  [[ $end -ge $((start + 30 * 86400 - 60)) && $end -le $((now + 30 * 86400 + 60)) ]] ||
    fail "--validity 30d gave notAfter $(iso_utc "$end") (created at $(iso_utc "$start"))"
  assert_eq "$(cert_ext "$WORK/second-issuing.pem" authorityInfoAccess)" \
    "CA Issuers - URI:$BASE_URL/aia/$SECOND_ROOT.crt" "AIA of the second issuing CA"
  assert_eq "$(cert_ext "$WORK/second-issuing.pem" crlDistributionPoints | grep -v '^Full Name:$')" \
    "URI:$BASE_URL/cdp/$SECOND_ROOT.crl" "CDP of the second issuing CA"
  assert_eq "$(cert_ext "$WORK/second-root.pem" basicConstraints)" "CA:TRUE" "basicConstraints of the second root"
  assert_eq "$(sql "$D" "select count(*) from crls where authority_id in ('$SECOND_ROOT', '$SECOND_ISSUING') and number = 1")" \
    2 "first CRLs of the new CAs"
}
run_case "create-root and create-issuing --validity 30d" case_create_second_hierarchy

# refused_unchanged EXPECTED-TEXT CMD...: refused with exit 1, message containing EXPECTED-TEXT
# (any case), and the store exactly as before.
refused_unchanged() {
  local expected=$1
  shift
  local before
  before=$(store_snapshot "$D")
  expect_fail --status 1 "$@"
  [[ -z "$expected" ]] || assert_contains_i "$ERR" "$expected" "refusal message"
  assert_snapshot_unchanged "$before" "$D" "refused: $*"
}

run_case "create-issuing under an issuing CA refused (pathlen:0)" \
  refused_unchanged pathlen nimbus ca create-issuing --data "$D" --parent "$ISSUING" --name "Too Deep" --key ec:p256
run_case "create-issuing with a validity beyond the parent refused" \
  refused_unchanged "$ROOT" nimbus ca create-issuing --data "$D" --parent "$ROOT" --name "Too Long" --key ec:p256 --validity 50y
case_suggested_validity() {
  expect_fail --status 1 nimbus ca create-issuing --data "$D" --parent "$ROOT" --name "Max Validity" --key ec:p256 --validity 50y
  local days
  days=$(grep -Eo 'at most [0-9]+d' <<<"$ERR" | grep -Eo '[0-9]+d') || fail "the refusal suggests no validity: $ERR"
  note "suggested validity: $days"
  expect_ok nimbus ca create-issuing --data "$D" --parent "$ROOT" --name "Max Validity" --key ec:p256 --validity "$days" >/dev/null
  expect_ok nimbus ca export max-validity --data "$D" >"$WORK/max-validity.pem"
  [[ $(cert_not_after_epoch "$WORK/max-validity.pem") -le $(cert_not_after_epoch "$WORK/root.pem") ]] ||
    fail "the CA made with the suggested validity outlives its root"
}
run_case "the validity a refusal suggests is accepted" case_suggested_validity

run_case "create-issuing under an unknown parent refused" \
  refused_unchanged "no-such-root" nimbus ca create-issuing --data "$D" --parent no-such-root --name "Orphan" --key ec:p256
run_case "create-root with an existing id refused" \
  refused_unchanged "already exists" nimbus ca create-root --data "$D" --name "Second Root" --key ec:p384
run_case "create-root with a weak key refused" \
  refused_unchanged "" nimbus ca create-root --data "$D" --name "Weak Root" --key ec:p256
run_case "create-issuing with both --parent and --external-parent refused" \
  refused_unchanged "" nimbus ca create-issuing --data "$D" --parent "$ROOT" --external-parent --name "Both" --key ec:p256

# ---------------------------------------------------------------------------------------------
# Pause and resume

case_pause_resume() {
  expect_ok nimbus ca pause "$SECOND_ROOT" --data "$D" >/dev/null
  assert_eq "$(status_of "$D" "$SECOND_ROOT")" paused "status after pause"
  refused_unchanged "paused" nimbus ca create-issuing --data "$D" --parent "$SECOND_ROOT" --name "Under Paused" --key ec:p256
  refused_unchanged "paused" nimbus ca pause "$SECOND_ROOT" --data "$D"
  assert_eq "$(status_of "$D" "$SECOND_ROOT")" paused "status after a refused second pause"
  expect_ok nimbus ca resume "$SECOND_ROOT" --data "$D" >/dev/null
  assert_eq "$(status_of "$D" "$SECOND_ROOT")" active "status after resume"
  refused_unchanged "active" nimbus ca resume "$SECOND_ROOT" --data "$D"
  refused_unchanged "no-such-ca" nimbus ca pause no-such-ca --data "$D"
}
run_case "pause, refusals while paused, resume" case_pause_resume

# ---------------------------------------------------------------------------------------------
# Revocation

run_case "revoking a root refused" \
  refused_unchanged "root" nimbus ca revoke "$ROOT" --data "$D" --reason keyCompromise

case_unknown_reason() {
  refused_unchanged "" nimbus ca revoke "$ISSUING" --data "$D" --reason stolenLaptop
  local reason
  for reason in unspecified keyCompromise cACompromise affiliationChanged superseded cessationOfOperation \
    certificateHold privilegeWithdrawn aACompromise; do
    assert_contains "$ERR" "$reason" "unknown reason message lists the reasons"
  done
}
run_case "unknown revocation reason refused with the list of reasons" case_unknown_reason

case_revoke_issuing() {
  local serial
  serial=$(cert_serial "$WORK/issuing.pem")
  expect_ok nimbus ca revoke "$ISSUING" --data "$D" --reason keyCompromise >/dev/null
  assert_eq "$(status_of "$D" "$ISSUING")" revoked "status after revoke"
  assert_eq "$(sql "$D" "select max(number) from crls where authority_id = '$ROOT'")" 2 "latest CRL number of the root"
  crl_pem_of "$D" "$ROOT" "$WORK/root-crl-2.pem"
  assert_eq "$(openssl crl -in "$WORK/root-crl-2.pem" -noout -crlnumber)" "crlNumber=0x02" "CRL number extension"
  local verify
  verify=$(openssl crl -in "$WORK/root-crl-2.pem" -CAfile "$WORK/root.pem" -noout 2>&1) || fail "root CRL 2 does not verify: $verify"
  assert_contains "$verify" "verify OK" "root CRL 2 signature"
  local text
  text=$(openssl crl -in "$WORK/root-crl-2.pem" -noout -text)
  assert_eq "$(grep -c 'Serial Number:' <<<"$text")" 1 "entries in the root's CRL 2"
  grep -A4 "Serial Number: $serial\$" <<<"$text" | grep -q "Key Compromise" ||
    fail "root CRL 2 does not list serial $serial with reason Key Compromise:"$'\n'"$text"
  # The other root's CRL did not move.
  assert_eq "$(sql "$D" "select max(number) from crls where authority_id = '$SECOND_ROOT'")" 1 "CRL number of the other root"

  crl_pem_of "$D" "$ISSUING" "$WORK/issuing-crl.pem"
  local out
  if out=$(openssl verify -crl_check_all -CAfile "$WORK/root.pem" -untrusted "$WORK/issuing.pem" \
    -CRLfile "$WORK/root-crl-2.pem" -CRLfile "$WORK/issuing-crl.pem" "$WORK/issuing.pem" 2>&1); then
    fail "openssl verify -crl_check_all still accepts the revoked issuing CA: $out"
  fi
  assert_contains "$out" "certificate revoked" "openssl verify of the revoked issuing CA"

  refused_unchanged "already revoked" nimbus ca revoke "$ISSUING" --data "$D" --reason superseded
  refused_unchanged "" nimbus ca create-issuing --data "$D" --parent "$ISSUING" --name "Under Revoked" --key ec:p256
}
run_case "revoke the issuing CA: status, parent CRL, openssl verify" case_revoke_issuing

case_audit() {
  local events
  events=$(sql "$D" "select action || ' ' || target from audit_events order by id")
  local expected
  for expected in "authority.create $ROOT" "authority.create $ISSUING" "authority.create $SECOND_ROOT" \
    "authority.create $SECOND_ISSUING" "authority.pause $SECOND_ROOT" "authority.resume $SECOND_ROOT" \
    "authority.revoke $ISSUING"; do
    grep -qxF "$expected" <<<"$events" || fail "no audit event '$expected'; events:"$'\n'"$events"
  done
  assert_eq "$(grep -c '^authority.pause ' <<<"$events")" 1 "pause audit events (refusals are not events)"
  assert_eq "$(grep -c '^authority.revoke ' <<<"$events")" 1 "revoke audit events"
}
run_case "audit events for create, pause, resume, revoke" case_audit

# ---------------------------------------------------------------------------------------------
# Environment

case_nimbus_data() {
  mkdir -p "$WORK/elsewhere"
  cd "$WORK/elsewhere"
  local text
  text=$(NIMBUS_DATA=$D expect_ok nimbus ca list)
  assert_contains "$text" "$ROOT" "NIMBUS_DATA ca list"
  assert_contains "$text" "$SECOND_ISSUING" "NIMBUS_DATA ca list"
  assert_absent "$WORK/elsewhere/var"
}
run_case "NIMBUS_DATA instead of --data" case_nimbus_data

case_wrong_passphrase() {
  local before
  before=$(store_snapshot "$D")
  local cmd
  for cmd in "ca create-issuing --parent $ROOT --name Wrong-Pass --key ec:p256" \
    "ca create-root --name Wrong-Pass-Root --key ec:p384" \
    "ca create-issuing --external-parent --name Wrong-Pass-Ext --key ec:p256 --out $WORK/wrong.csr" \
    "ca revoke $SECOND_ISSUING --reason superseded"; do
    # shellcheck disable=SC2086
    NIMBUS_KEY_PASSPHRASE="wrong-$PASSPHRASE" expect_fail --status 1 nimbus $cmd --data "$D"
    assert_contains_i "$ERR" passphrase "wrong passphrase message for '$cmd'"
    assert_not_contains "$ERR" "$PASSPHRASE" "wrong passphrase message for '$cmd'"
    assert_snapshot_unchanged "$before" "$D" "$cmd with a wrong passphrase"
  done
  assert_absent "$WORK/wrong.csr"
  assert_eq "$(status_of "$D" "$SECOND_ISSUING")" active "status after a refused revoke"
}
run_case "wrong passphrase refused, nothing written" case_wrong_passphrase

finish
