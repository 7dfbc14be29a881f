#!/usr/bin/env bash
# nimbus cert revoke|unrevoke, nimbus crl publish|show: a revocation and the CRL that lists it
# commit together, and openssl then refuses the certificate; certificateHold is the one reversible
# reason; refusals change nothing.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh" "$@"
python3() { "$PYTHON" -S "$@"; }

D=$WORK/data
init_vpn "$D"
cat "$WORK/issuing.pem" "$WORK/root.pem" >"$WORK/chain.pem"

# current_crl FILE: the issuing CA's CRL as served (crl show --der), as PEM in FILE.
current_crl() {
  expect_ok nimbus crl show "$ISSUING" --data "$D" --der --out "$1.der" >/dev/null
  openssl crl -inform DER -in "$1.der" -out "$1" || fail "crl show --der wrote something openssl cannot read"
}

# verify_with_crls CERT: openssl's verdict with CRL checking of the whole chain.
verify_with_crls() {
  current_crl "$WORK/issuing.crl"
  crl_pem_of "$D" "$ROOT" "$WORK/root.crl"
  openssl verify -crl_check_all -CAfile "$WORK/root.pem" -untrusted "$WORK/issuing.pem" \
    -CRLfile "$WORK/issuing.crl" -CRLfile "$WORK/root.crl" "$1" 2>&1 || true
}

crl_number() { json_field "$(expect_ok nimbus crl show "$1" --data "$D" --json)" 'd["number"]'; }

ALICE=$(issue_leaf "$D" alice)
BOB=$(issue_leaf "$D" bob)
CAROL=$(issue_leaf "$D" carol)
DAVE=$(issue_leaf "$D" dave)

case_good_before() {
  assert_contains "$(verify_with_crls "$WORK/alice.pem")" "$WORK/alice.pem: OK" "openssl verify before revocation"
}
run_case "a fresh certificate verifies with CRL checking of the whole chain" case_good_before

case_revoke() {
  local before out text
  before=$(crl_number "$ISSUING")
  out=$(expect_ok nimbus cert revoke "$ALICE" --data "$D" --reason keyCompromise)
  assert_contains "$out" "revoked certificate $ALICE" "revoke output"
  assert_eq "$(crl_number "$ISSUING")" "$((before + 1))" "the CRL number after a revocation"
  current_crl "$WORK/after.crl"
  text=$(openssl crl -in "$WORK/after.crl" -noout -text)
  assert_contains_i "$text" "Serial Number: $ALICE" "the revoked serial on the CRL"
  assert_contains "$text" "Key Compromise" "the reason on the CRL"
  openssl crl -in "$WORK/after.crl" -noout -CAfile "$WORK/chain.pem" 2>&1 | grep -q "verify OK" ||
    fail "the CRL's signature does not verify under the issuing CA"
  assert_contains "$(verify_with_crls "$WORK/alice.pem")" "certificate revoked" "openssl verify after revocation"
  assert_contains "$(verify_with_crls "$WORK/bob.pem")" "$WORK/bob.pem: OK" "another certificate stays good"
  assert_eq "$(json_field "$(expect_ok nimbus cert show "$ALICE" --data "$D" --json)" 'd["revocation_reason"]')" \
    "keyCompromise" "cert show --json revocation_reason"
  assert_eq "$(sql "$D" "select count(*) from audit_events where action='certificate.revoke' and target='$ALICE'")" \
    "1" "audit events for the revocation"
}
run_case "cert revoke: the CRL lists it at once and openssl refuses the certificate" case_revoke

case_revoke_json() {
  local out
  out=$(expect_ok nimbus cert revoke "$(openssl x509 -in "$WORK/dave.pem" -noout -fingerprint -sha256 | cut -d= -f2)" \
    --data "$D" --reason superseded --json)
  assert_eq "$(json_field "$out" 'd["serial"]')" "$DAVE" "revoked by SHA-256 thumbprint (with colons)"
  assert_eq "$(json_field "$out" 'd["status"]')" "revoked" "status"
  assert_eq "$(json_field "$out" 'd["revocation_reason"]')" "superseded" "reason"
  assert_eq "$(json_field "$out" 'd["crl"]["authority"]')" "$ISSUING" "crl.authority"
  assert_eq "$(json_field "$out" 'd["crl"]["number"]')" "$(crl_number "$ISSUING")" "crl.number"
}
run_case "cert revoke --json by thumbprint" case_revoke_json

case_refusals() {
  local before ca_serial
  before=$(store_snapshot "$D")
  expect_fail --status 1 nimbus cert revoke "$ALICE" --data "$D" --reason superseded >/dev/null
  assert_contains "$ERR" "already revoked (keyCompromise" "revoking twice"
  expect_fail --status 1 nimbus cert revoke "$BOB" --data "$D" --reason notAReason >/dev/null
  assert_contains "$ERR" "keyCompromise" "an unknown reason lists the accepted ones"
  expect_fail --status 1 nimbus cert revoke 0123456789abcdef --data "$D" >/dev/null
  assert_contains "$ERR" "no certificate with serial or thumbprint 0123456789abcdef" "an unknown serial"
  expect_fail --status 1 nimbus cert revoke "not-hex" --data "$D" >/dev/null
  assert_contains "$ERR" "not a serial number" "a serial that is not hex"
  ca_serial=$(norm_hex "$(cert_serial "$WORK/issuing.pem")")
  expect_fail --status 1 nimbus cert revoke "$ca_serial" --data "$D" >/dev/null
  assert_contains "$ERR" "nimbus ca revoke $ISSUING" "a CA certificate points to ca revoke"
  expect_fail --status 1 nimbus cert unrevoke "$BOB" --data "$D" >/dev/null
  assert_contains "$ERR" "only a certificate on hold" "unrevoking a valid certificate"
  expect_fail --status 1 nimbus cert unrevoke "$ALICE" --data "$D" >/dev/null
  assert_contains "$ERR" "revoked for good" "unrevoking a key compromise"
  expect_fail --status 1 nimbus crl publish --ca nobody --data "$D" >/dev/null
  assert_contains "$ERR" "no authority 'nobody'" "publishing for an unknown CA"
  expect_fail --status 1 nimbus crl show nobody --data "$D" >/dev/null
  expect_fail --status 1 nimbus crl show "$ISSUING" --der --data "$D" >/dev/null
  assert_contains "$ERR" "--out" "DER to a terminal"
  assert_snapshot_unchanged "$before" "$D" "refused revocations"
  capture nimbus cert revoke --data "$D"
  assert_eq "$RC" "2" "exit status without a serial (usage)"
}
run_case "refusals are precise and change nothing" case_refusals

case_hold() {
  local text
  expect_ok nimbus cert revoke "$BOB" --data "$D" --reason certificateHold >/dev/null
  current_crl "$WORK/hold.crl"
  text=$(openssl crl -in "$WORK/hold.crl" -noout -text)
  assert_contains_i "$text" "Serial Number: $BOB" "the held serial on the CRL"
  assert_contains "$text" "Certificate Hold" "the hold reason on the CRL"
  assert_contains "$(verify_with_crls "$WORK/bob.pem")" "certificate revoked" "openssl while on hold"
  expect_ok nimbus cert unrevoke "$BOB" --data "$D" >/dev/null
  current_crl "$WORK/released.crl"
  text=$(openssl crl -in "$WORK/released.crl" -noout -text)
  assert_not_contains "$(tr 'A-F' 'a-f' <<<"$text")" "serial number: $BOB" "the released serial is off the CRL"
  assert_contains "$(verify_with_crls "$WORK/bob.pem")" "$WORK/bob.pem: OK" "openssl after release"
  assert_eq "$(json_field "$(expect_ok nimbus cert show "$BOB" --data "$D" --json)" 'd["status"]')" "valid" "status"
}
run_case "certificateHold is reversible with cert unrevoke" case_hold

case_hold_then_revoke() {
  expect_ok nimbus cert revoke "$CAROL" --data "$D" --reason certificateHold >/dev/null
  expect_fail --status 1 nimbus cert revoke "$CAROL" --data "$D" --reason certificateHold >/dev/null
  expect_ok nimbus cert revoke "$CAROL" --data "$D" --reason cessationOfOperation >/dev/null
  assert_eq "$(json_field "$(expect_ok nimbus cert show "$CAROL" --data "$D" --json)" 'd["revocation_reason"]')" \
    "cessationOfOperation" "the final reason"
  expect_fail --status 1 nimbus cert unrevoke "$CAROL" --data "$D" >/dev/null
}
run_case "a certificate on hold can be revoked for good, and then not released" case_hold_then_revoke

case_publish() {
  local root_before issuing_before out
  root_before=$(crl_number "$ROOT")
  issuing_before=$(crl_number "$ISSUING")
  out=$(expect_ok nimbus crl publish --data "$D")
  assert_contains "$out" "published CRL $((root_before + 1)) of '$ROOT'" "publish output (root)"
  assert_contains "$out" "published CRL $((issuing_before + 1)) of '$ISSUING'" "publish output (issuing)"
  out=$(expect_ok nimbus crl publish --ca "$ROOT" --data "$D" --json)
  assert_eq "$(json_field "$out" 'len(d)')" "1" "one CRL with --ca"
  assert_eq "$(json_field "$out" 'd[0]["number"]')" "$((root_before + 2))" "numbers only grow"
  expect_ok nimbus crl show "$ROOT" --data "$D" --pem >"$WORK/root-show.crl"
  openssl crl -in "$WORK/root-show.crl" -noout -CAfile "$WORK/root.pem" 2>&1 | grep -q "verify OK" ||
    fail "crl show --pem: the root CRL does not verify"
  out=$(expect_ok nimbus crl show "$ISSUING" --data "$D")
  assert_contains "$out" "Entries      3" "text view: alice, carol, dave are on the CRL"
  assert_contains "$out" "$BASE_URL/cdp/$ISSUING.crl" "text view: the CDP URL"
}
run_case "crl publish numbers every CRL; crl show prints it in every form" case_publish

case_validity_setting() {
  local out this next
  echo "crl_validity_hours: 48" >>"$D/nimbus.yaml"
  out=$(expect_ok nimbus crl publish --ca "$ISSUING" --data "$D" --json)
  this=$(date -u -d "$(json_field "$out" 'd[0]["this_update"]')" +%s)
  next=$(date -u -d "$(json_field "$out" 'd[0]["next_update"]')" +%s)
  assert_eq "$((next - this))" "$((48 * 3600))" "nextUpdate - thisUpdate with crl_validity_hours: 48"
  echo "crl_republish_hours_before_expiry: 48" >>"$D/nimbus.yaml"
  expect_fail --status 1 nimbus crl publish --data "$D" >/dev/null
  assert_contains "$ERR" "must be less than crl_validity_hours" "an impossible republish window"
}
run_case "crl_validity_hours sets the CRL's validity" case_validity_setting

finish
