#!/usr/bin/env bash
# nimbus serve against real clients: openssl verify -crl_download through the CDP URLs in the
# certificates, openssl ocsp over POST (with and without nonce) and GET, curl for AIA/CDP with
# content types and conditional requests; a revocation by the CLI shows in the running server's
# answers without a restart; bad requests get the right 4xx; SIGTERM stops it with exit 0.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh" "$@"
python3() { "$PYTHON" -S "$@"; }
command -v curl >/dev/null || { echo "FAIL: the tests need 'curl' on PATH" >&2; exit 1; }

# A port nothing listens on now (the kernel's choice), for the base URL written into certificates.
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
BASE_URL="http://127.0.0.1:$PORT"
D=$WORK/data
init_vpn "$D"
ALICE=$(issue_leaf "$D" alice)
BOB=$(issue_leaf "$D" bob)

# ---- the server -------------------------------------------------------------------------------
SERVER_PID=""
stop_server() {
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
}
trap 'stop_server; cleanup' EXIT
"$NIMBUS" serve --data "$D" --port "$PORT" --api-port 0 --log-level info --log-format json >"$WORK/serve.out" 2>"$WORK/serve.log" &
SERVER_PID=$!
for _ in $(seq 1 100); do
  curl -s -o /dev/null "$BASE_URL/healthz" && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/serve.log" >&2; fail "nimbus serve exited at start"; }
  sleep 0.1
done
curl -s -o /dev/null "$BASE_URL/healthz" || fail "nimbus serve did not answer within 10 s"

# http_get URL [CURL-ARGS...]: "<status> <content-type>", the body in $WORK/body.
http_get() {
  local url=$1
  shift
  curl -s -o "$WORK/body" -w '%{http_code} %{content_type}' "$@" "$url"
}

# ocsp_post CERT ISSUER [ARGS...]: openssl ocsp's report on CERT, asked by POST.
ocsp_post() {
  local cert=$1 issuer=$2 ca=$3
  shift 3
  openssl ocsp -issuer "$issuer" -cert "$cert" -url "$BASE_URL/ocsp/$ca" -CAfile "$WORK/root.pem" \
    -verify_other "$WORK/issuing.pem" "$@" 2>&1 || true
}

# ocsp_get CERT: openssl ocsp's report on the answer to a GET of CERT's request (RFC 5019 A.1).
ocsp_get() {
  local encoded
  openssl ocsp -issuer "$WORK/issuing.pem" -cert "$1" -no_nonce -reqout "$WORK/get.req" >/dev/null 2>&1
  encoded=$(base64 -w0 "$WORK/get.req" | sed 's/+/%2B/g; s|/|%2F|g; s/=/%3D/g')
  curl -s -o "$WORK/get.resp" -D "$WORK/get.headers" "$BASE_URL/ocsp/$ISSUING/$encoded"
  openssl ocsp -respin "$WORK/get.resp" -issuer "$WORK/issuing.pem" -cert "$1" -CAfile "$WORK/root.pem" \
    -verify_other "$WORK/issuing.pem" -no_nonce 2>&1 || true
}

verify_download() {
  openssl verify -crl_check_all -crl_download -CAfile "$WORK/root.pem" -untrusted "$WORK/issuing.pem" "$1" 2>&1 || true
}

# eventually SECONDS CMD EXPECTED: runs CMD until its output contains EXPECTED (the server picks up
# changes made by other processes within a second).
eventually() {
  local seconds=$1 needle=$3 out=""
  for _ in $(seq 1 $((seconds * 10))); do
    out=$($2)
    [[ "$out" == *"$needle"* ]] && return 0
    sleep 0.1
  done
  fail "after ${seconds}s, '$2' still says:"$'\n'"$out"
}

case_aia_cdp() {
  assert_eq "$(http_get "$BASE_URL/aia/$ISSUING.crt")" "200 application/pkix-cert" "AIA"
  openssl x509 -inform DER -in "$WORK/body" -noout | cmp -s - <(openssl x509 -in "$WORK/issuing.pem" -noout) ||
    fail "AIA does not serve the issuing CA's certificate"
  cmp -s <(openssl x509 -inform DER -in "$WORK/body") "$WORK/issuing.pem" || fail "AIA certificate differs"
  assert_eq "$(http_get "$BASE_URL/cdp/$ISSUING.crl")" "200 application/pkix-crl" "CDP"
  openssl crl -inform DER -in "$WORK/body" -noout -CAfile "$WORK/issuing.pem" 2>&1 | grep -q "verify OK" ||
    fail "the served CRL does not verify under the issuing CA"
  local etag
  etag=$(curl -s -D - -o /dev/null "$BASE_URL/cdp/$ISSUING.crl" | tr -d '\r' | sed -n 's/^[Ee][Tt]ag: //p')
  [[ -n "$etag" ]] || fail "no ETag on the CRL"
  http_get "$BASE_URL/cdp/$ISSUING.crl" >/dev/null
  assert_eq "$etag" "\"$(sha256sum "$WORK/body" | cut -c1-32)\"" "the CRL's ETag (its SHA-256, first 16 bytes)"
  assert_eq "$(http_get "$BASE_URL/cdp/$ISSUING.crl" -H "If-None-Match: $etag")" "304 " "If-None-Match"
  assert_eq "$(curl -s -D - -o /dev/null "$BASE_URL/cdp/$ISSUING.crl" | tr -d '\r' | grep -ci '^cache-control: public, max-age=')" \
    "1" "Cache-Control on the CRL"
}
run_case "AIA and CDP: content types, the right objects, 304 on If-None-Match" case_aia_cdp

case_good() {
  assert_contains "$(verify_download "$WORK/alice.pem")" "$WORK/alice.pem: OK" "openssl verify -crl_download"
  local out
  out=$(ocsp_post "$WORK/alice.pem" "$WORK/issuing.pem" "$ISSUING")
  assert_contains "$out" "Response verify OK" "OCSP POST with nonce: signature"
  assert_contains "$out" "$WORK/alice.pem: good" "OCSP POST with nonce: status"
  assert_not_contains "$out" "WARNING: no nonce" "the nonce is echoed"
  out=$(ocsp_post "$WORK/alice.pem" "$WORK/issuing.pem" "$ISSUING" -no_nonce)
  assert_contains "$out" "$WORK/alice.pem: good" "OCSP POST without nonce"
  out=$(ocsp_get "$WORK/alice.pem")
  assert_contains "$out" "Response verify OK" "OCSP GET: signature"
  assert_contains "$out" "$WORK/alice.pem: good" "OCSP GET: status"
  grep -qi '^content-type: application/ocsp-response' "$WORK/get.headers" || fail "OCSP GET content type"
  grep -qi '^cache-control: public, max-age=' "$WORK/get.headers" || fail "OCSP GET is cacheable"
}
run_case "a good certificate: openssl verify -crl_download and openssl ocsp (POST, nonce, GET)" case_good

case_revoked_leaf() {
  expect_ok nimbus cert revoke "$ALICE" --data "$D" --reason keyCompromise >/dev/null
  eventually 5 "ocsp_post $WORK/alice.pem $WORK/issuing.pem $ISSUING" "$WORK/alice.pem: revoked"
  # Pre-signed answers (no nonce) are re-signed once the server has seen the new CRL number.
  eventually 5 "ocsp_post $WORK/alice.pem $WORK/issuing.pem $ISSUING -no_nonce" "Reason: keyCompromise"
  assert_contains "$(ocsp_get "$WORK/alice.pem")" "$WORK/alice.pem: revoked" "OCSP GET after revocation"
  # The CDP serves the new CRL once the server has looked at the store again (every second).
  eventually 5 "verify_download $WORK/alice.pem" "certificate revoked"
  assert_contains "$(ocsp_post "$WORK/bob.pem" "$WORK/issuing.pem" "$ISSUING")" "$WORK/bob.pem: good" "another leaf"
}
run_case "cert revoke while serving: OCSP and the CRL say revoked without a restart" case_revoked_leaf

case_bad_requests() {
  assert_eq "$(http_get "$BASE_URL/aia/nobody.crt")" "404 text/plain; charset=utf-8" "unknown CA (AIA)"
  assert_eq "$(http_get "$BASE_URL/cdp/nobody.crl")" "404 text/plain; charset=utf-8" "unknown CA (CDP)"
  assert_eq "$(http_get "$BASE_URL/nothing/here")" "404 text/plain; charset=utf-8" "unknown path"
  assert_eq "$(http_get "$BASE_URL/cdp/$ISSUING.crl" -X DELETE | cut -d' ' -f1)" "405" "wrong method"
  assert_eq "$(http_get "$BASE_URL/ocsp/$ISSUING" -X POST -H 'Content-Type: text/plain' --data-binary x | cut -d' ' -f1)" \
    "415" "an OCSP POST that is not application/ocsp-request"
  # Malformed OCSP requests are answered in OCSP: malformedRequest (1) or unauthorized (6).
  assert_eq "$(http_get "$BASE_URL/ocsp/$ISSUING/not-base64!!")" "200 application/ocsp-response" "garbage GET"
  assert_eq "$(xxd -p "$WORK/body")" "30030a0101" "malformedRequest for garbage"
  assert_eq "$(http_get "$BASE_URL/ocsp/$ISSUING" -X POST -H 'Content-Type: application/ocsp-request' \
    --data-binary 'not DER')" "200 application/ocsp-response" "garbage POST"
  assert_eq "$(xxd -p "$WORK/body")" "30030a0101" "malformedRequest for a garbage body"
  openssl ocsp -issuer "$WORK/issuing.pem" -cert "$WORK/bob.pem" -no_nonce -reqout "$WORK/bob.req" >/dev/null 2>&1
  assert_eq "$(http_get "$BASE_URL/ocsp/nobody" -X POST -H 'Content-Type: application/ocsp-request' \
    --data-binary @"$WORK/bob.req")" "200 application/ocsp-response" "unknown CA (OCSP)"
  assert_eq "$(xxd -p "$WORK/body")" "30030a0106" "unauthorized for an unknown CA"
  head -c 200000 /dev/zero >"$WORK/big"
  assert_eq "$(http_get "$BASE_URL/ocsp/$ISSUING" -X POST -H 'Content-Type: application/ocsp-request' \
    --data-binary @"$WORK/big" | cut -d' ' -f1)" "413" "a body over http_max_body_bytes"
  assert_eq "$(http_get "$BASE_URL/healthz")" "200 text/plain; charset=utf-8" "still healthy after bad input"
}
run_case "bad requests get the right 4xx or OCSP error, never a crash" case_bad_requests

case_revoked_ca() {
  assert_contains "$(verify_download "$WORK/bob.pem")" "$WORK/bob.pem: OK" "bob before the CA is revoked"
  expect_ok nimbus ca revoke "$ISSUING" --data "$D" --reason cACompromise >/dev/null
  eventually 5 "verify_download $WORK/bob.pem" "certificate revoked"
  eventually 5 "ocsp_post $WORK/issuing.pem $WORK/root.pem $ROOT" "$WORK/issuing.pem: revoked"
}
run_case "a revoked issuing CA: on the root's CRL and OCSP, openssl refuses its leaves" case_revoked_ca

case_metrics() {
  local text
  assert_eq "$(http_get "$BASE_URL/metrics" | cut -d' ' -f1)" "200" "metrics"
  text=$(cat "$WORK/body")
  assert_contains "$text" 'nimbus_http_requests_total{' "request counter"
  assert_contains "$text" 'route="/cdp/{ca}.crl"' "requests by route pattern"
  assert_contains "$text" 'nimbus_ocsp_responses_total{' "OCSP counter"
  assert_contains "$text" "nimbus_crl_next_update_timestamp_seconds{ca=\"$ISSUING\"}" "CRL next update per CA"
  assert_contains "$text" "nimbus_crl_age_seconds{ca=\"$ROOT\"}" "CRL age per CA"
  # alice, bob, the responder's signing certificate, the SCEP RA's and the API listener's; alice revoked
  assert_contains "$text" "nimbus_certificates_issued{ca=\"$ISSUING\"} 5" "certificates issued per CA"
  assert_contains "$text" "nimbus_certificates_revoked{ca=\"$ISSUING\"} 1" "certificates revoked per CA"
}
run_case "metrics: requests by route, OCSP answers, CRL freshness, certificates per CA" case_metrics

# The server is this shell's child, so it is stopped here rather than inside a case's subshell.
STOP_RC=0
kill -TERM "$SERVER_PID"
wait "$SERVER_PID" || STOP_RC=$?
SERVER_PID=""
case_stop() {
  assert_eq "$STOP_RC" "0" "exit status after SIGTERM"
  assert_contains "$(cat "$WORK/serve.log")" "GET /cdp/$ISSUING.crl" "access log"
  # The log is JSON here: the quotes of the line are escaped.
  assert_contains "$(grep -F 'GET /healthz\" 200' "$WORK/serve.log" | head -1)" '\"curl/' \
    "the user agent in the access log"
  python3 -c '
import json, sys
loggers = set()
for number, line in enumerate(open(sys.argv[1]), 1):
    try:
        entry = json.loads(line)
    except ValueError:
        sys.exit("--log-format json: line %d is not JSON: %r" % (number, line))
    loggers.add(entry["logger"])
    assert entry["level"] and entry["time"].endswith("Z"), line
if "access" not in loggers:
    sys.exit("no access log lines")' "$WORK/serve.log" || fail "the JSON log is not one object per line"
  assert_not_contains "$(cat "$WORK/serve.log")" "$PASSPHRASE" "no passphrase in the log"
  assert_contains "$(cat "$WORK/serve.out")" "$BASE_URL/ocsp/$ISSUING" "the URLs printed at start"
}
run_case "SIGTERM stops the server with exit 0" case_stop

finish
