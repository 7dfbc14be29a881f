#!/usr/bin/env bash
# nimbus doctor: a healthy deployment passes (exit 0); with the server stopped, a CDP mirror
# serving a CRL the deployment has replaced, and an enterprise chain whose intermediate has no CDP,
# each problem is named with its Fix (exit 1), as text and as JSON. The doctor changes nothing.
HERE=$(realpath "$(dirname "${BASH_SOURCE[0]}")")
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh" "$@"
python3() { "$PYTHON" -S "$@"; }

serve_here
D=$WORK/data
init_vpn "$D"
issue_leaf "$D" alice >/dev/null
FIXTURE_PID=""
trap 'stop_serve; [[ -n "$FIXTURE_PID" ]] && kill "$FIXTURE_PID" 2>/dev/null; cleanup' EXIT

findings() { json_field "$1" '" ".join(sorted({f["check"] for f in d["findings"]}))'; }

case_healthy() {
  start_serve "$WORK/serve.log" --data "$D" --port "$PORT"
  local before out
  before=$(store_snapshot "$D")
  out=$(expect_ok nimbus doctor --data "$D")
  assert_contains "$out" "Healthy:" "doctor on a healthy deployment"
  for check in "aia $ROOT" "aia $ISSUING" "cdp $ISSUING: CRL" "ocsp $ISSUING" "ocsp $ROOT" "scep $ISSUING" \
    "chain $ISSUING" "expiry $ISSUING: OCSP signer"; do
    assert_contains "$out" "ok       $check" "the checks passed"
  done
  out=$(expect_ok nimbus doctor --data "$D" --json)
  assert_eq "$(json_field "$out" 'd["healthy"]')" True "healthy in JSON"
  assert_eq "$(json_field "$out" 'len(d["findings"])')" 0 "findings"
  assert_snapshot_unchanged "$before" "$D" "doctor"
  stop_serve
}
run_case "a healthy deployment: every published URL answers rightly; exit 0; nothing changes" case_healthy

case_server_stopped() {
  local out
  capture nimbus doctor --data "$D"
  assert_eq "$RC" 1 "exit status with the server stopped"
  assert_contains "$OUT" "PROBLEM  cdp $ISSUING: fetching it failed" "the CDP"
  assert_contains "$OUT" "PROBLEM  ocsp $ISSUING: fetching it failed" "the OCSP responder"
  assert_contains "$OUT" "PROBLEM  scep $ISSUING: fetching it failed" "SCEP"
  assert_contains "$OUT" "Fix: check that 'nimbus serve' runs" "the Fix line"
  capture nimbus doctor --data "$D" --json
  assert_eq "$RC" 1 "exit status with --json"
  assert_eq "$(findings "$OUT")" "aia cdp ocsp scep" "the checks that fail"
  assert_eq "$(json_field "$OUT" "[f['url'] for f in d['findings'] if f['check'] == 'cdp' and f['authority'] == '$ISSUING'][0]")" \
    "$BASE_URL/cdp/$ISSUING.crl" "the URL of a finding"
}
run_case "the server stopped: every fetch fails, each with its URL and Fix; exit 1" case_server_stopped

case_stale_mirror() {
  # A mirror (a CDN, say) that still serves the CRL of before the last publication.
  local www=$WORK/mirror number
  mkdir -p "$www/aia" "$www/cdp"
  openssl x509 -in "$WORK/issuing.pem" -outform DER -out "$www/aia/$ISSUING.crt"
  openssl x509 -in "$WORK/root.pem" -outform DER -out "$www/aia/$ROOT.crt"
  crl_of "$D" "$ISSUING" >"$www/cdp/$ISSUING.crl"
  crl_of "$D" "$ROOT" >"$www/cdp/$ROOT.crl"
  number=$(sql "$D" "select max(number) from crls where authority_id = '$ISSUING'")
  expect_ok nimbus crl publish --data "$D" --ca "$ISSUING" >/dev/null
  sleep 6  # a node takes up to a few seconds to serve a CRL another process published; the doctor allows 5
  # The interpreter itself rather than the python3 function, whose subshell $! would name instead.
  "$PYTHON" -S "$HERE/fixture_http.py" --root "$www" --port-file "$WORK/mirror.port" --log "$WORK/mirror.log" \
    >"$WORK/mirror.out" 2>&1 &
  FIXTURE_PID=$!
  for _ in $(seq 1 100); do [[ -s "$WORK/mirror.port" ]] && break; sleep 0.1; done
  [[ -s "$WORK/mirror.port" ]] || fail "fixture_http.py did not start"
  start_serve "$WORK/serve2.log" --data "$D" --port "$PORT"
  capture nimbus doctor --data "$D" --base-url "http://127.0.0.1:$(cat "$WORK/mirror.port")"
  assert_eq "$RC" 1 "exit status"
  assert_contains "$OUT" "PROBLEM  crl-freshness $ISSUING: it serves CRL $number while CRL $((number + 1)) was published" \
    "the stale CRL"
  assert_contains "$OUT" "Fix: a cache in front of the CDP keeps an old copy" "its Fix"
  assert_contains "$OUT" "ok       cdp $ROOT" "the root's CRL, which is current"
  # Through the node itself, the same CRL is current.
  expect_ok nimbus doctor --data "$D" >/dev/null
  stop_serve
  kill "$FIXTURE_PID"
  wait "$FIXTURE_PID" 2>/dev/null || true
  FIXTURE_PID=""
}
run_case "a CDP mirror serving a replaced CRL is found stale, through --base-url" case_stale_mirror

case_enterprise_chain_without_cdp() {
  local ent=$WORK/enterprise d2=$WORK/data2 out
  mkdir -p "$ent"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$ent/root.key" -out "$ent/root.pem" \
    -subj "/O=Enterprise/CN=Enterprise Root" -days 3650 -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$ent/int.key" -out "$ent/int.csr" \
    -subj "/O=Enterprise/CN=Enterprise Intermediate" 2>/dev/null
  printf '%s\n' "basicConstraints=critical,CA:TRUE" "keyUsage=critical,keyCertSign,cRLSign" \
    "subjectKeyIdentifier=hash" "authorityKeyIdentifier=keyid" >"$ent/int.ext"
  openssl x509 -req -in "$ent/int.csr" -CA "$ent/root.pem" -CAkey "$ent/root.key" -CAcreateserial -days 365 \
    -extfile "$ent/int.ext" -out "$ent/int.pem" 2>/dev/null
  init_ec "$d2"
  expect_ok nimbus ca create-issuing --data "$d2" --external-parent --id corp-issuing --name "Corp Issuing CA" \
    --key ec:p256 --out "$ent/ours.csr" >/dev/null
  printf '%s\n' "basicConstraints=critical,CA:TRUE,pathlen:0" "keyUsage=critical,keyCertSign,cRLSign" \
    "subjectKeyIdentifier=hash" "authorityKeyIdentifier=keyid" \
    "crlDistributionPoints=URI:http://pki.enterprise.test/cdp/intermediate.crl" \
    "authorityInfoAccess=caIssuers;URI:http://pki.enterprise.test/aia/intermediate.crt" >"$ent/ours.ext"
  openssl x509 -req -in "$ent/ours.csr" -CA "$ent/int.pem" -CAkey "$ent/int.key" -CAcreateserial -days 365 \
    -extfile "$ent/ours.ext" -out "$ent/ours.pem" 2>/dev/null
  cat "$ent/int.pem" "$ent/root.pem" >"$ent/chain.pem"
  expect_ok nimbus ca import-cert corp-issuing --data "$d2" --cert "$ent/ours.pem" --chain "$ent/chain.pem" >/dev/null
  start_serve "$WORK/serve3.log" --data "$d2" --port "$PORT"
  capture nimbus doctor --data "$d2"
  assert_eq "$RC" 1 "exit status"
  assert_contains "$OUT" "PROBLEM  chain-cdp corp-issuing: the CA certificate \"CN=Enterprise Intermediate, \
O=Enterprise\" in its enterprise chain has no CRL distribution point" \
    "the intermediate without a CDP"
  assert_contains "$OUT" "reason code 258" "the NPS reason code"
  assert_contains "$OUT" "Fix: have the enterprise CA reissue this certificate with a CDP" "its Fix"
  out=$(json_field "$(nimbus doctor --data "$d2" --json || true)" '" ".join(sorted({f["check"] for f in d["findings"]}))')
  assert_eq "$out" "chain-aia chain-cdp" "the only problems"
  stop_serve
}
run_case "an imported CA under an enterprise intermediate without a CDP: reason code 258 and its Fix" \
  case_enterprise_chain_without_cdp

finish
