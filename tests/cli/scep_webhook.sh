#!/usr/bin/env bash
# SCEP with challenges from an MDM (challenge.mode: webhook) against `nimbus serve` and a fake MDM
# (fake_mdm.py) that this test starts and stops: the MDM is asked with a signed question, a signed
# yes issues the certificate the CSR asks for within the profile's templates and is followed by a
# signed notification; a no, an answer signed with another secret, garbage, a slow or a down MDM,
# names the templates do not give, and a replayed challenge issue nothing.
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$HERE/lib.sh" "$@"
command -v curl >/dev/null || fail "the SCEP tests need 'curl' (make deps installs it)"

D=$WORK/data
ISSUING=acme-test-issuing-ca
serve_here
expect_ok nimbus init --data "$D" --org "Acme Test" --base-url "$BASE_URL" --root-key ec:p384 --issuing-key rsa:2048 >/dev/null
expect_ok nimbus ca export acme-test-root-ca --data "$D" >"$WORK/root.pem"
SCEP_URL="$BASE_URL/scep/$ISSUING"

# The MDM and Nimbus share a secret, a file of mode 0600 on each side.
head -c 32 /dev/urandom | base64 >"$D/mdm.secret"
chmod 600 "$D/mdm.secret"
stop_mdm() { # SIGTERM, and SIGKILL if it is still there after 3 s
  kill -TERM "$MDM_PID" 2>/dev/null || return 0
  for _ in $(seq 1 30); do kill -0 "$MDM_PID" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$MDM_PID" 2>/dev/null || true
  wait "$MDM_PID" 2>/dev/null || true
}
# The interpreter itself, not a wrapper that forks it (pyenv's shims do), so that MDM_PID is its pid.
PYTHON=$(python3 -c 'import sys; print(sys.executable)')
"$PYTHON" "$HERE/fake_mdm.py" --secret-file "$D/mdm.secret" --port-file "$WORK/mdm.port" \
  --log "$WORK/mdm.log" &
MDM_PID=$!
trap 'stop_mdm; cleanup' EXIT
for _ in $(seq 1 100); do [[ -s "$WORK/mdm.port" ]] && break; sleep 0.1; done
[[ -s "$WORK/mdm.port" ]] || fail "the fake MDM did not start"
MDM_URL="http://127.0.0.1:$(cat "$WORK/mdm.port")/scep/verify"

cat >"$WORK/mdm.yaml" <<YAML
id: mdm-devices
issuing_ca: $ISSUING
type: device
subject: "CN={{DeviceName}}, O=Acme Test"
subject_alt_names:
  - {type: dns, value: "{{DeviceName}}.devices.example.test"}
validity: 30d
key_usage: [digital_signature, key_encipherment]
extended_key_usage: [client_auth]
key:
  algorithms: [rsa, ec]
  rsa_min_bits: 2048
  ec_curves: [p256]
hash: [sha256]
strong_mapping: none
challenge: {mode: webhook, webhook_url: "$MDM_URL", secret_file: mdm.secret, timeout: 2s}
YAML
expect_ok nimbus profile apply --data "$D" -f "$WORK/mdm.yaml" >/dev/null

issued_count() { sql "$D" "select count(*) from certificates where profile_id = 'mdm-devices'"; }
questions() { grep -c '"event": "verify"' "$WORK/mdm.log" || true; }
# enroll CHALLENGE DEVICE [--dns NAME ...]: nimbus scep enroll as a device of the MDM would.
enroll() {
  local challenge=$1 device=$2
  shift 2
  nimbus scep enroll --url "$SCEP_URL" --challenge "$challenge" --new-key ec:p256 --key-out "$WORK/$device.key" \
    --subject "CN=$device, O=Acme Test" --out "$WORK/$device.pem" "$@"
}

trap 'stop_serve; stop_mdm; cleanup' EXIT
start_serve "$WORK/serve.log" --data "$D" --port "$PORT" --log-level info

case_signed_yes() {
  expect_ok enroll allow-1 tablet-7 --dns tablet-7.devices.example.test >/dev/null
  assert_eq "$(cert_subject "$WORK/tablet-7.pem")" "CN=tablet-7,O=Acme Test" "the subject the CSR asked for"
  assert_contains "$(openssl x509 -in "$WORK/tablet-7.pem" -noout -ext subjectAltName)" "DNS:tablet-7.devices.example.test" "SAN"
  expect_ok nimbus ca export "$ISSUING" --data "$D" >"$WORK/issuing.pem"
  openssl verify -purpose sslclient -CAfile "$WORK/root.pem" -untrusted "$WORK/issuing.pem" "$WORK/tablet-7.pem" >/dev/null ||
    fail "openssl verify -purpose sslclient refused the certificate"
  # What the MDM saw: a signed question with the CSR's names and key, then a signed notification.
  python3 - "$WORK/mdm.log" "$WORK/tablet-7.pem" "$WORK/tablet-7.key" <<'PY' || fail "the MDM's record is not as expected"
import hashlib, json, subprocess, sys
log = [json.loads(line) for line in open(sys.argv[1])]
assert len(log) == 2 and all(entry["signed"] for entry in log), log
question, notification = log[0]["message"], log[1]["message"]
spki = subprocess.run(["openssl", "pkey", "-in", sys.argv[3], "-pubout", "-outform", "DER"], capture_output=True).stdout
expected = {"event": "verify", "ca": "acme-test-issuing-ca", "profile": "mdm-devices", "challenge": "allow-1",
            "subject": "CN=tablet-7, O=Acme Test", "subject_alt_names": ["DNS:tablet-7.devices.example.test"],
            "public_key_sha256": hashlib.sha256(spki).hexdigest()}
for key, value in expected.items():
    assert question[key] == value, (key, question[key], value)
serial = subprocess.run(["openssl", "x509", "-in", sys.argv[2], "-noout", "-serial"], capture_output=True,
                        text=True).stdout.strip().split("=")[1].lower()
der = subprocess.run(["openssl", "x509", "-in", sys.argv[2], "-outform", "DER"], capture_output=True).stdout
assert notification["event"] == "issued", notification
assert notification["request_id"] == question["request_id"], (notification, question)
assert notification["transaction_id"] == question["transaction_id"], (notification, question)
assert notification["serial"].lstrip("0") == serial.lstrip("0"), (notification, serial)
assert notification["thumbprint_sha256"] == hashlib.sha256(der).hexdigest(), notification
PY
  assert_eq "$(issued_count)" 1 "certificates issued"
  assert_eq "$(sql "$D" "select count(*) from enrollments where profile_id = 'mdm-devices' and status = 'used'")" 1 \
    "the enrollment made with the certificate"
}
run_case "a signed yes from the MDM issues what the CSR asks for, and the MDM is told the serial and thumbprint" case_signed_yes

case_replayed_challenge() {
  local asked
  asked=$(questions)
  expect_fail --status 1 enroll allow-1 tablet-8 --dns tablet-8.devices.example.test --transaction-id replayed-1
  assert_contains "$ERR" "badRequest" "a replayed challenge"
  assert_eq "$(questions)" "$asked" "questions to the MDM for a replayed challenge"
  assert_eq "$(issued_count)" 1 "certificates after a replayed challenge"
}
run_case "a challenge the MDM vouched for once is refused the second time without asking it" case_replayed_challenge

case_refusals() {
  local challenge device why asked
  while IFS='|' read -r challenge device why; do
    asked=$(questions)
    expect_fail --status 1 enroll "$challenge" "$device" --dns "$device.devices.example.test" --transaction-id "$challenge"
    assert_contains "$ERR" "badRequest" "$why"
    assert_eq "$(questions)" "$((asked + 1))" "questions to the MDM for $why"
    grep -F "transaction $challenge for '$ISSUING'" "$WORK/serve.log" | grep -q "FAILURE badRequest" ||
      fail "the server's log has no FAILURE line for $why"
  done <<'ROWS'
deny-1|phone-1|the MDM says no
badsig-1|phone-2|an answer signed with another secret
garbage-1|phone-3|an answer that is not JSON
slow-1|phone-4|an answer after the timeout
down-1|phone-5|an MDM that answers 503
ROWS
  grep -F "transaction deny-1" "$WORK/serve.log" | grep -q "refused the challenge: device is not compliant" ||
    fail "the MDM's reason is not in the log"
  grep -F "transaction badsig-1" "$WORK/serve.log" | grep -q "does not verify with the profile's secret" ||
    fail "the bad signature is not named in the log"
  grep -F "transaction slow-1" "$WORK/serve.log" | grep -q "none within" || fail "the timeout is not named in the log"
  assert_eq "$(issued_count)" 1 "certificates after the MDM's refusals"
  assert_eq "$(sql "$D" "select count(*) from enrollments where profile_id = 'mdm-devices'")" 1 "enrollments after refusals"
  assert_eq "$(sql "$D" "select count(*) from audit_events where action = 'scep.refuse' and detail like '%MDM%'")" 5 \
    "audit events for the refusals"
}
run_case "no, a bad HMAC, garbage, slow or down: FAILURE badRequest, a log line, nothing issued" case_refusals

case_names_outside_the_templates() {
  local asked
  asked=$(questions)
  expect_fail --status 1 enroll allow-2 laptop-2 --dns laptop-2.devices.example.test --dns intranet.example.test
  assert_contains "$ERR" "badRequest" "a SAN the templates do not give"
  expect_fail --status 1 nimbus scep enroll --url "$SCEP_URL" --challenge allow-3 --new-key ec:p256 \
    --key-out "$WORK/x.key" --subject "CN=laptop-3, O=Another Org" --dns laptop-3.devices.example.test
  assert_contains "$ERR" "badRequest" "a subject the template does not give"
  assert_eq "$(questions)" "$asked" "questions to the MDM for names the profile refuses"
  assert_contains "$(grep -F "intranet.example.test" "$WORK/serve.log" || true)" "which the profile's subject_alt_names do not give" "the refused name in the log"
  assert_eq "$(issued_count)" 1 "certificates after names the profile refuses"
}
run_case "names the profile's templates do not give are refused before the MDM is asked" case_names_outside_the_templates

case_unreadable_secret() {
  chmod 644 "$D/mdm.secret"
  expect_fail --status 1 enroll allow-4 laptop-4 --dns laptop-4.devices.example.test
  chmod 600 "$D/mdm.secret"
  assert_contains "$(grep -F "MDM webhook secret file" "$WORK/serve.log" || true)" "FAILURE badRequest" "the secret file in the log"
  assert_not_contains "$(cat "$WORK/serve.log")" "$(cat "$D/mdm.secret")" "the secret in the server's log"
  assert_eq "$(issued_count)" 1 "certificates with a secret file others may read"
}
run_case "a secret file others may read refuses, and the secret never reaches the log" case_unreadable_secret

case_second_webhook_profile() {
  sed 's/^id: mdm-devices/id: mdm-other/' "$WORK/mdm.yaml" >"$WORK/mdm2.yaml"
  expect_fail --status 1 nimbus profile apply --data "$D" -f "$WORK/mdm2.yaml"
  assert_contains "$ERR" "profile 'mdm-devices' already takes the challenges of '$ISSUING' from an MDM" "a second webhook profile"
}
run_case "a CA has at most one profile whose challenges come from an MDM" case_second_webhook_profile

finish
