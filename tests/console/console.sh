#!/usr/bin/env bash
# The web console in headless Chromium (Debian's chromium and chromium-driver, driven by
# python3-selenium): sign in with a token, create an enrollment and read its challenge, revoke a
# certificate and see the CRL number move, open a denied RADIUS decision's report, read the audit
# trail, sign out. Before that, with curl: the console's security headers and the redirect to it.
#
# NIMBUS_SCREENSHOTS=DIR keeps a screenshot of each page in DIR (docs/screenshots for the README).
HERE=$(realpath "$(dirname "${BASH_SOURCE[0]}")")
source "$HERE/../cli/lib.sh" "$@"
for tool in /usr/bin/chromium /usr/bin/chromedriver; do
  [[ -x $tool ]] || fail "the console test needs $tool (make deps installs chromium and chromium-driver)"
done
/usr/bin/python3 -c 'import selenium' 2>/dev/null || fail "the console test needs python3-selenium (make deps)"

serve_here
D=$WORK/data
init_vpn "$D"
issue_leaf "$D" alice >/dev/null
BOB=$(issue_leaf "$D" bob)
ADMIN=$(json_field "$(expect_ok nimbus token create --data "$D" --name automation --role admin --json)" 'd["token"]')

# A RADIUS server, and one denied authentication in its decision log: bob's certificate, revoked.
RADIUS_PORT=$(python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
(umask 077 && openssl rand -hex 16 >"$D/radius.secret")
cat >>"$D/nimbus.yaml" <<YAML
radius:
  listen: 127.0.0.1:$RADIUS_PORT
  clients:
    - {name: vpn-gateway, address: 127.0.0.1/32, secret_file: radius.secret}
  trust: [$ROOT]
  server_certificate: auto
  decision_log: radius-decisions.log
YAML
expect_ok nimbus cert revoke "$BOB" --data "$D" --reason keyCompromise >/dev/null
trap 'stop_serve; cleanup' EXIT
start_serve "$WORK/serve.log" --data "$D" --port "$PORT" --log-level info
cat "$WORK/bob.pem" "$WORK/issuing.pem" >"$WORK/bob-chain.pem"
capture nimbus radius test --data "$D" --server "127.0.0.1:$RADIUS_PORT" --secret-file "$D/radius.secret" \
  --cert "$WORK/bob-chain.pem" --key "$WORK/leaf.key"
[[ $RC -eq 1 ]] || fail "bob's revoked certificate was not refused by the RADIUS server (exit $RC): $OUT $ERR"
[[ -s "$D/radius-decisions.log" ]] || fail "the RADIUS server logged no decision"

case_headers() {
  local headers
  headers=$(curl -s --cacert "$WORK/root.pem" -D - -o /dev/null "$API_URL/console/" | tr -d '\r')
  assert_contains "$headers" "Content-Security-Policy: default-src 'none'; script-src 'self'" "the console's CSP"
  assert_contains "$headers" "frame-ancestors 'none'" "the console's CSP"
  assert_contains "$headers" "X-Content-Type-Options: nosniff" "nosniff"
  assert_contains "$headers" "Content-Type: text/html" "the page's type"
  headers=$(curl -s --cacert "$WORK/root.pem" -D - -o /dev/null "$API_URL/console/pages.js" | tr -d '\r')
  assert_contains "$headers" "Content-Type: text/javascript" "a script's type"
  assert_contains "$headers" "Content-Security-Policy:" "a script's CSP"
  headers=$(curl -s --cacert "$WORK/root.pem" -D - -o /dev/null "$API_URL/" | tr -d '\r')
  assert_contains "$headers" "HTTP/1.1 308" "the root redirects"
  assert_contains "$headers" "Location: /console/" "to the console"
  assert_eq "$(curl -s --cacert "$WORK/root.pem" -o /dev/null -w '%{http_code}' "$API_URL/console/nope.js")" 404 \
    "an unknown console file"
  # No inline script or style anywhere: the CSP would refuse it.
  if curl -s --cacert "$WORK/root.pem" "$API_URL/console/" | grep -Eq '<script>|<style|style=|onclick='; then fail "inline script or style"; fi
}
run_case "the console is served with a strict CSP, nosniff, and / leads to it" case_headers

case_browser() {
  # Chromium trusts the listener's key alone, as a pinned key, rather than taking any certificate.
  local spki
  spki=$(openssl x509 -in "$D/api/server.pem" -pubkey -noout | openssl pkey -pubin -outform DER |
    openssl dgst -sha256 -binary | base64)
  NIMBUS_BASE_URL="$BASE_URL" NIMBUS_API_URL="$API_URL" NIMBUS_ROOT_PEM="$WORK/root.pem" NIMBUS_API_SPKI="$spki" \
    NIMBUS_TOKEN="$ADMIN" NIMBUS_ISSUING="$ISSUING" NIMBUS_ROOT="$ROOT" \
    NIMBUS_ALICE_SUBJECT="CN=alice" NIMBUS_DENIED_SERIAL="$BOB" \
    timeout 240 /usr/bin/python3 "$HERE/console_browser.py" || fail "the browser test failed"
}
run_case "in Chromium: sign in, enroll, revoke, read a denial's report, audit, sign out" case_browser

finish
