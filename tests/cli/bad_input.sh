#!/usr/bin/env bash
# Bad input: damaged, empty, missing or wrong-kind files, unknown names and bad command lines are
# refused with one line on stderr, the documented exit status, and the store untouched.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh" "$@"

D=$WORK/data
init_ec "$D"
ID=pending-ca
expect_ok nimbus ca create-issuing --data "$D" --external-parent --id "$ID" --name "Pending CA" --key ec:p256 \
  --out "$WORK/req.pem" >/dev/null

# A valid enterprise chain and a valid certificate for the pending CA, so that each case below
# breaks exactly one input.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/ent-root.key" \
  -out "$WORK/ent-root.pem" -subj "/CN=Bad Input Enterprise Root" -days 3650 \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
printf '%s\n' "basicConstraints=critical,CA:TRUE,pathlen:0" "keyUsage=critical,keyCertSign,cRLSign" \
  "crlDistributionPoints=URI:http://pki.enterprise.test/root.crl" >"$WORK/ca.ext"
openssl x509 -req -in "$WORK/req.pem" -CA "$WORK/ent-root.pem" -CAkey "$WORK/ent-root.key" -set_serial 0x1234 \
  -days 365 -sha256 -extfile "$WORK/ca.ext" -out "$WORK/good.pem" 2>/dev/null
CERT=$WORK/good.pem
CHAIN=$WORK/ent-root.pem
openssl verify -CAfile "$CHAIN" "$CERT" >/dev/null || fail "test setup: the good certificate does not verify"

# The bad files.
head -c 300 "$CERT" >"$WORK/truncated.pem"
openssl x509 -in "$CERT" -outform DER -out "$WORK/good.der"
head -c 200 "$WORK/good.der" >"$WORK/truncated.der"
head -c 512 /dev/urandom >"$WORK/random.der"
: >"$WORK/empty.pem"
openssl req -in "$WORK/req.pem" -outform DER -out "$WORK/req.der"
cat "$CERT" "$CHAIN" >"$WORK/two-certs.pem"
openssl x509 -in "$CHAIN" -outform DER -out "$WORK/ent-root.der"
cat "$WORK/good.der" "$WORK/ent-root.der" >"$WORK/two-certs.der"
cp "$WORK/ent-root.key" "$WORK/a-key.pem"
MISSING=$WORK/no-such-file.pem

# import_refused FILE-FOR-CERT FILE-FOR-CHAIN [MESSAGE-TEXT]: refused (exit 1, one line naming the
# problem), and nothing changed.
import_refused() {
  local cert=$1 chain=$2 expected=${3:-}
  local before
  before=$(store_snapshot "$D")
  expect_fail --status 1 nimbus ca import-cert "$ID" --data "$D" --cert "$cert" --chain "$chain"
  [[ -z "$expected" ]] || assert_contains_i "$ERR" "$expected" "error message"
  assert_snapshot_unchanged "$before" "$D" "import-cert --cert $cert --chain $chain"
}

run_case "--cert: truncated PEM" import_refused "$WORK/truncated.pem" "$CHAIN" truncated.pem
run_case "--cert: truncated DER" import_refused "$WORK/truncated.der" "$CHAIN" truncated.der
run_case "--cert: random bytes" import_refused "$WORK/random.der" "$CHAIN" random.der
run_case "--cert: empty file" import_refused "$WORK/empty.pem" "$CHAIN" empty.pem
run_case "--cert: missing file" import_refused "$MISSING" "$CHAIN" no-such-file.pem
run_case "--cert: a directory" import_refused "$WORK" "$CHAIN"
run_case "--cert: a PEM CSR" import_refused "$WORK/req.pem" "$CHAIN" req.pem
run_case "--cert: a DER CSR" import_refused "$WORK/req.der" "$CHAIN" req.der
run_case "--cert: a private key" import_refused "$WORK/a-key.pem" "$CHAIN" a-key.pem
run_case "--cert: two certificates" import_refused "$WORK/two-certs.pem" "$CHAIN" \
  "'$WORK/two-certs.pem': holds 2 certificates; exactly one is expected (put each in a file of its own)"
run_case "--cert: two DER certificates one after another" import_refused "$WORK/two-certs.der" "$CHAIN" \
  "'$WORK/two-certs.der': holds 2 certificates; exactly one is expected"
run_case "--chain: truncated PEM" import_refused "$CERT" "$WORK/truncated.pem" truncated.pem
run_case "--chain: random bytes" import_refused "$CERT" "$WORK/random.der" random.der
run_case "--chain: empty file" import_refused "$CERT" "$WORK/empty.pem" empty.pem
run_case "--chain: missing file" import_refused "$CERT" "$MISSING" no-such-file.pem
run_case "--chain: a CSR" import_refused "$CERT" "$WORK/req.pem" req.pem

case_import_unknown_authority() {
  local before
  before=$(store_snapshot "$D")
  expect_fail --status 1 nimbus ca import-cert no-such-ca --data "$D" --cert "$CERT" --chain "$CHAIN"
  assert_contains "$ERR" "no-such-ca" "error message"
  assert_snapshot_unchanged "$before" "$D" "import-cert into an unknown authority"
}
run_case "import-cert into an unknown authority" case_import_unknown_authority

# Control: the same inputs without damage are accepted, as PEM and as DER (so the refusals above
# were about the damage). Runs on copies, to leave the pending CA pending for the cases above.
case_control_import() {
  local form
  for form in pem der; do
    cp -a "$D" "$WORK/control-$form"
    expect_ok nimbus ca import-cert "$ID" --data "$WORK/control-$form" --cert "$WORK/good.$form" --chain "$CHAIN" >/dev/null
    assert_eq "$(status_of "$WORK/control-$form" "$ID")" active "status after the control import ($form)"
  done
  assert_eq "$(status_of "$D" "$ID")" pending "status of the CA in the original deployment"
}
run_case "control: the undamaged files import" case_control_import

# ---------------------------------------------------------------------------------------------
# Names and command lines

case_show_unknown() {
  local before
  before=$(store_snapshot "$D")
  expect_fail --status 1 nimbus ca show nosuch --data "$D"
  assert_contains "$ERR" "nosuch" "ca show nosuch"
  expect_fail --status 1 nimbus ca export nosuch --data "$D"
  expect_fail --status 1 nimbus ca pause nosuch --data "$D"
  expect_fail --status 1 nimbus ca revoke nosuch --data "$D" --reason superseded
  assert_snapshot_unchanged "$before" "$D" "commands on an unknown authority"
}
run_case "unknown authority: exit 1" case_show_unknown

# usage_error CMD...: exit 2, something on stderr, nothing on stdout.
usage_error() {
  capture "$@"
  assert_eq "$RC" 2 "exit status of '$*' (usage error)"
  [[ -n "$ERR" ]] || fail "'$*' printed no error"
  echo "  usage error (exit 2): $(head -n 1 <<<"$ERR")"
}

case_usage_errors() {
  local before
  before=$(store_snapshot "$D")
  usage_error nimbus bogus
  usage_error nimbus
  usage_error nimbus ca
  usage_error nimbus ca bogus --data "$D"
  usage_error nimbus ca show --data "$D"
  usage_error nimbus ca list --data "$D" --log-level loud
  usage_error nimbus ca revoke "$ID" --data "$D"
  usage_error nimbus ca import-cert "$ID" --data "$D" --cert "$CERT"
  usage_error nimbus init --data "$WORK/usage" --base-url "$BASE_URL"
  usage_error nimbus ca create-root --data "$D" --name A --subject "CN=A"
  assert_absent "$WORK/usage"
  assert_snapshot_unchanged "$before" "$D" "usage errors"
}
run_case "usage errors: exit 2" case_usage_errors

case_bogus_command_names_it() {
  capture nimbus bogus
  assert_eq "$RC" 2 "exit status of 'nimbus bogus'"
  assert_contains "$ERR" "bogus" "the error for an unknown command names it"
}
run_case "nimbus bogus: the error names the unknown command" case_bogus_command_names_it

case_no_deployment() {
  expect_fail --status 1 nimbus ca list --data /nonexistent
  assert_contains "$ERR" "nimbus init" "ca list on a missing data directory"
  assert_absent /nonexistent
  mkdir "$WORK/empty-dir"
  expect_fail --status 1 nimbus ca list --data "$WORK/empty-dir"
  assert_contains "$ERR" "nimbus init" "ca list on an empty data directory"
  assert_eq "$(ls -A "$WORK/empty-dir")" "" "files created in an empty data directory"
  # Without --data or NIMBUS_DATA the default ./var is used, and it is absent here.
  expect_fail --status 1 nimbus ca list
  assert_contains "$ERR" "nimbus init" "ca list with the default data directory"
  assert_absent "$WORK/var"
}
run_case "no deployment: exit 1 and a hint to run nimbus init" case_no_deployment

case_bad_configuration() {
  cp -a "$D" "$WORK/badconf"
  echo "colour: blue" >>"$WORK/badconf/nimbus.yaml"
  expect_fail --status 1 nimbus ca list --data "$WORK/badconf"
  assert_contains "$ERR" "colour" "error for an unknown setting"
  printf 'organization: [unclosed\n' >"$WORK/badconf/nimbus.yaml"
  expect_fail --status 1 nimbus ca list --data "$WORK/badconf"
  assert_contains "$ERR" "nimbus.yaml" "error for unparseable YAML"
}
run_case "damaged nimbus.yaml: exit 1, one line" case_bad_configuration

# 500 levels of nesting: yaml-cpp alone says "bad file" (0.7) or overflows the stack (older ones).
case_deeply_nested_configuration() {
  cp -a "$D" "$WORK/deepconf"
  local conf=$WORK/deepconf/nimbus.yaml line
  line=$(($(grep -c '' "$conf") + 1))
  printf 'store: %s%s\n' "$(printf '{path: %.0s' $(seq 500))" "$(printf '}%.0s' $(seq 500))" >>"$conf"
  expect_fail --status 1 nimbus ca list --data "$WORK/deepconf"
  assert_eq "$ERR" "nimbus: $conf: line $line: nesting deeper than 64 levels of lists and mappings" "error line"
  sed -i '$d' "$conf"
  printf 'listen_port:\n%s8080\n' "$(printf -- '- %.0s' $(seq 500))" >>"$conf"
  expect_fail --status 1 nimbus serve --data "$WORK/deepconf" --config "$conf"
  assert_eq "$ERR" "nimbus: $conf: line $((line + 1)): nesting deeper than 64 levels of lists and mappings" \
    "error line (serve --config)"
}
run_case "nimbus.yaml nested 500 levels deep: exit 1 naming the file, the line and the limit" \
  case_deeply_nested_configuration

# verify --crl reads one CRL per file; a second one in the same file is refused, not ignored.
case_two_crls_in_one_file() {
  local crl=$WORK/root-crl.pem
  crl_pem_of "$D" acme-test-root-ca "$crl"
  cat "$crl" "$crl" >"$WORK/two-crls.pem"
  expect_fail --status 2 nimbus verify --trust-ca acme-test-root-ca --data "$D" --crl "$WORK/two-crls.pem" \
    "$WORK/ent-root.pem"
  assert_eq "$ERR" "nimbus: --crl '$WORK/two-crls.pem': holds 2 CRLs; exactly one is expected (put each in a file of its own)" \
    "error line"
}
run_case "verify --crl with two CRLs in one file: refused with the count" case_two_crls_in_one_file

case_bad_options() {
  local before
  before=$(store_snapshot "$D")
  expect_fail --status 1 nimbus ca create-root --data "$D" --name "Bad Validity" --key ec:p384 --validity 10x
  expect_fail --status 1 nimbus ca create-root --data "$D" --name "Bad Validity" --key ec:p384 --validity 0d
  expect_fail --status 1 nimbus ca create-root --data "$D" --name "Bad Validity" --key ec:p384 --validity 200y
  expect_fail --status 1 nimbus ca create-root --data "$D" --id "Bad_ID!" --name "Bad Id" --key ec:p384
  expect_fail --status 1 nimbus ca create-root --data "$D" --subject "not a DN" --key ec:p384
  expect_fail --status 1 nimbus ca create-issuing --data "$D" --parent acme-test-root-ca --name "X" --key ec:p999
  expect_fail --status 1 nimbus ca create-issuing --data "$D" --external-parent --name "Y" --key ec:p256 --validity 1y
  assert_snapshot_unchanged "$before" "$D" "bad option values"
}
run_case "bad option values: exit 1, store unchanged" case_bad_options

finish
