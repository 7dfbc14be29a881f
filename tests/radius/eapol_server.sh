#!/usr/bin/env bash
# The Nimbus RADIUS server (`nimbus serve` with a radius section) judged by clients Nimbus did not
# write: wpa_supplicant's eapol_test runs EAP-TLS over TLS 1.2 and 1.3 and checks that the
# MS-MPPE keys equal the MSK it derived; FreeRADIUS's radclient sends what must go unanswered
# (no Message-Authenticator, a wrong secret, an unknown address) and accounting, which must be
# acknowledged. Every denial is read back from the decision log with its NPS reason code.
#
# Runs in a network namespace of its own (loopback only), so its ports clash with nothing; every
# server it starts is stopped by its process id.
#
# Usage: eapol_server.sh NIMBUS
set -euo pipefail
nimbus=$(realpath "$1")
here=$(cd "$(dirname "$0")" && pwd)
profiles=$(cd "$here/../../examples/profiles" && pwd)
source "$here/lib.sh" "$0" "$@"

unset NIMBUS_DATA
export NIMBUS_KEY_PASSPHRASE="pp-$(openssl rand -hex 12)"
data=$work/data
http_port=18188
strict_port=18130       # default, strict revocation settings
lenient_port=18140      # ignore_no_revocation_check and ignore_revocation_offline
silent_port=18197       # a CDP that accepts connections and never answers
secret=eapol-radius-secret

# ---- A deployment with the demo profile, and two users.
"$nimbus" init --data "$data" --org "Nimbus Demo" --base-url "http://127.0.0.1:$http_port" > /dev/null
"$nimbus" profile apply -f "$profiles/user-vpn.yaml" --data "$data" > /dev/null
"$nimbus" ca export nimbus-demo-root-ca --data "$data" > root.pem
enrol() {  # name: writes name.key and name.pem; prints the serial
  local id
  id=$("$nimbus" enrollment new --profile user-vpn --var UserName="$1" --var UserPrincipalName="$1@corp.example.net" \
    --var OnPremisesSecurityIdentifier=S-1-5-21-1004336348-1177238915-682003330-1001 --data "$data" --json |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1.key" -subj "/CN=$1" \
    -out "$1.csr" 2>/dev/null
  "$nimbus" issue --enrollment "$id" --csr "$1.csr" --out "$1.pem" --data "$data" > /dev/null
  openssl x509 -in "$1.pem" -noout -serial | cut -d= -f2 | tr 'A-F' 'a-f'
}
enrol alice > /dev/null
bob_serial=$(enrol bob)

# ---- A hierarchy made with the openssl command, outside Nimbus: a root; an issuing CA without any
# CRL distribution point or OCSP URL (the failure behind reason code 258); an issuing CA whose CDP
# never answers (259); a user under each; and a stranger under a root nobody trusts.
ext=$work/ext
mkdir -p "$ext"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$ext/root.key" -out "$ext/root.pem" \
  -days 30 -subj "/CN=Elsewhere Root CA" -addext basicConstraints=critical,CA:TRUE \
  -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
sign() {  # name subject issuer extensions
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$ext/$1.key" -out "$ext/$1.csr" \
    -subj "$2" 2>/dev/null
  printf '%b' "$4" > "$ext/$1.ext"
  openssl x509 -req -in "$ext/$1.csr" -CA "$ext/$3.pem" -CAkey "$ext/$3.key" -set_serial "0x$(openssl rand -hex 8)" \
    -days 30 -extfile "$ext/$1.ext" -out "$ext/$1.pem" 2>/dev/null
}
ca_ext='basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n'
user_ext='basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n'
silent_cdp="crlDistributionPoints=URI:http://127.0.0.1:$silent_port/elsewhere.crl\n"
sign issuing-nocdp "/CN=Elsewhere Issuing CA without CDP" root "$ca_ext"
sign carol "/CN=carol" issuing-nocdp "$user_ext"
sign issuing-silent "/CN=Elsewhere Issuing CA with a silent CDP" root "$ca_ext$silent_cdp"
sign dave "/CN=dave" issuing-silent "$user_ext$silent_cdp"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$ext/stranger-root.key" \
  -out "$ext/stranger-root.pem" -days 30 -subj "/CN=Stranger Root CA" -addext basicConstraints=critical,CA:TRUE \
  -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
sign mallory "/CN=mallory" stranger-root "$user_ext"
# What each client presents: its certificate and the issuing CA's (as supplicants are configured).
for user in carol:issuing-nocdp dave:issuing-silent mallory:stranger-root; do
  cat "$ext/${user%%:*}.pem" "$ext/${user##*:}.pem" > "$ext/${user%%:*}.chain.pem"
done

# A CDP that accepts connections and never says a word.
python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(64)
held = []
while True:
    c, _ = s.accept(); held.append(c)
' "$silent_port" &
pids+=($!)

# ---- Two RADIUS servers on one deployment: strict (the defaults) and lenient.
printf '%s\n' "$secret" > "$data/radius.secret"
chmod 600 "$data/radius.secret"
configure() {  # file radius-port revocation-mapping
  sed '/^radius:/,$d' "$data/nimbus.yaml" > "$1"
  cat >> "$1" <<YAML
radius:
  listen: 127.0.0.1:$2
  clients:
    - {name: vpn-gateway, address: 127.0.0.1/32, secret_file: radius.secret}
  trust: [nimbus-demo-root-ca, $ext/root.pem]
  revocation: $3
  decision_log: decisions-$2.log
  policies:
    - {name: no-interns, when: {subject: "CN=intern*"}, grant: false}
    - {name: vpn-users, when: {profile: user-vpn}, attributes: {Session-Timeout: 28800, Class: vpn-users}}
    - {name: elsewhere, when: {issuing_ca: ["CN=Elsewhere Issuing CA without CDP", "CN=Elsewhere Issuing CA with a silent CDP"]}}
YAML
}
configure "$work/strict.yaml" $strict_port "{fetch_budget_seconds: 2}"
configure "$work/lenient.yaml" $lenient_port \
  "{ignore_no_revocation_check: true, ignore_revocation_offline: true, fetch_budget_seconds: 2}"
"$nimbus" serve --data "$data" --config "$work/strict.yaml" --port $http_port --api-port 0 --log-level info > strict.log 2>&1 &
strict_pid=$!
pids+=($strict_pid)
"$nimbus" serve --data "$data" --config "$work/lenient.yaml" --port $((http_port + 1)) --api-port 0 --log-level info \
  > lenient.log 2>&1 &
pids+=($!)
for port in $strict_port $lenient_port; do
  up=0
  for _ in $(seq 1 100); do
    if "$nimbus" radius test --server 127.0.0.1:$port --secret-file "$data/radius.secret" --cert alice.pem \
      --key alice.key --timeout 0.3 --tries 1 > /dev/null 2>&1; then up=1; break; fi
    sleep 0.1
  done
  [ $up -eq 1 ] || { echo "the RADIUS server on $port did not come up:"; tail -20 strict.log lenient.log; exit 1; }
done

# ---- Settings that cannot work stop `nimbus serve` at start, naming the setting.
start_refused() {  # name pattern sed-expression
  sed "$3" "$work/strict.yaml" > "$work/broken.yaml"
  local output status
  set +e
  output=$(timeout 20 "$nimbus" serve --data "$data" --config "$work/broken.yaml" --port 0 --api-port 0 2>&1)
  status=$?
  set -e
  if [ $status -ne 0 ] && [ $status -ne 124 ] && grep -qE "$2" <<<"$output"; then pass "$1"; else
    fail "$1 (exit $status)"; sed 's/^/     /' <<<"$output" | tail -5; fi
}
cp "$ext/dave.key" "$work/open.key"
chmod 644 "$work/open.key"
start_refused "a trust entry that is neither an authority nor a file" \
  "radius.trust: 'no-such-ca' is neither an authority" "s|trust: \[nimbus-demo-root-ca, |trust: [no-such-ca, |"
start_refused "a server certificate file that is missing" "radius.server_certificate: .*missing.pem" \
  "/^  decision_log:/i\\  server_certificate: {cert: $work/missing.pem, key: $ext/dave.key}"
start_refused "a server key that others may read" "radius.server_certificate: .*chmod 600" \
  "/^  decision_log:/i\\  server_certificate: {cert: $ext/dave.pem, key: $work/open.key}"
start_refused "a listen address that is no address" "radius.listen|not HOST:PORT" \
  "s|listen: 127.0.0.1:$strict_port|listen: nowhere:1812|"

# ---- eapol_test.
eapol() {  # port name cert key tls-version: runs one authentication; the log is name.eapol
  local tls13=0
  [ "$5" = 1.2 ] && tls13=1
  cat > "$2.conf" <<CONF
network={
  key_mgmt=IEEE8021X
  eap=TLS
  identity="$2"
  ca_cert="$work/root.pem"
  client_cert="$3"
  private_key="$4"
  eapol_flags=0
  phase1="tls_disable_tlsv1_3=$tls13"
}
CONF
  timeout 30 eapol_test -c "$2.conf" -a 127.0.0.1 -p "$1" -s "$secret" -r0 -t 15 > "$2.eapol" 2>&1
}
last_decision() {  # port field
  tail -n 1 "$data/decisions-$1.log" | python3 -c "import json, sys; d = json.load(sys.stdin); print(d$2)"
}
expect_granted() {  # name port identity cert key tls
  if eapol "$2" "$3" "$4" "$5" "$6" && grep -q "MPPE keys OK: 1  mismatch: 0" "$3.eapol" &&
    grep -q "SSL: Using TLS version TLSv$6" "$3.eapol" && [ "$(last_decision "$2" '["event"]')" = 6272 ]; then
    pass "$1"
  else
    fail "$1"
    grep -E "MPPE|TLS version|Access-|FAILURE" "$3.eapol" | sed 's/^/     /' | tail -8
    tail -n 1 "$data/decisions-$2.log" | sed 's/^/     /'
  fi
}
expect_denied() {  # name port identity cert key reason-code
  if ! eapol "$2" "$3" "$4" "$5" 1.3 && grep -q "code=3 (Access-Reject)" "$3.eapol" &&
    [ "$(last_decision "$2" '["event"]')" = 6273 ] && [ "$(last_decision "$2" '["reason_code"]')" = "$6" ]; then
    pass "$1"
  else
    fail "$1"
    grep -E "Access-|FAILURE|SUCCESS" "$3.eapol" | sed 's/^/     /' | tail -5
    tail -n 1 "$data/decisions-$2.log" | sed 's/^/     /'
  fi
}

expect_granted "TLS 1.3: a Nimbus certificate is accepted and the MPPE keys equal eapol_test's MSK" \
  $strict_port alice alice.pem alice.key 1.3
if [ "$(last_decision $strict_port '["user_name"]')" = alice@corp.example.net ] &&
  [ "$(last_decision $strict_port '["policy"]')" = vpn-users ] &&
  grep -q "Attribute 27 (Session-Timeout) length=6" alice.eapol; then
  pass "the decision names the UPN and the policy; the policy's Session-Timeout is sent"
else
  fail "the decision names the UPN and the policy; the policy's Session-Timeout is sent"
  tail -n 1 "$data/decisions-$strict_port.log"
fi
expect_granted "TLS 1.2: the same, with the RFC 5216 key derivation" $strict_port alice alice.pem alice.key 1.2
expect_granted "bob is accepted before his certificate is revoked" $strict_port bob bob.pem bob.key 1.3
"$nimbus" cert revoke "$bob_serial" --reason keyCompromise --data "$data" > /dev/null
denied=0
for _ in $(seq 1 30); do  # the node reads the store every second
  if ! eapol $strict_port bob bob.pem bob.key 1.3 && [ "$(last_decision $strict_port '["reason_code"]')" = 256 ]; then
    denied=1
    break
  fi
  sleep 0.2
done
if [ $denied -eq 1 ]; then pass "bob is denied with 256 after nimbus cert revoke, without a restart"; else
  fail "bob is denied with 256 after nimbus cert revoke, without a restart"; tail -n 1 "$data/decisions-$strict_port.log"; fi

expect_denied "an issuing CA without CDP or OCSP URL is denied with 258" $strict_port carol "$ext/carol.chain.pem" \
  "$ext/carol.key" 258
expect_granted "... and accepted with ignore_no_revocation_check" $lenient_port carol "$ext/carol.chain.pem" \
  "$ext/carol.key" 1.3
started=$(date +%s%N)
expect_denied "a CDP that never answers is denied with 259" $strict_port dave "$ext/dave.chain.pem" "$ext/dave.key" 259
elapsed_ms=$((($(date +%s%N) - started) / 1000000))
echo "     (the whole authentication took $elapsed_ms ms with a fetch budget of 2000 ms)"
expect_granted "... and accepted with ignore_revocation_offline" $lenient_port dave "$ext/dave.chain.pem" \
  "$ext/dave.key" 1.3
expect_denied "a chain under an untrusted root is denied (265)" $strict_port mallory "$ext/mallory.chain.pem" \
  "$ext/mallory.key" 265

# ---- SIGHUP reloads the network policies.
sed -i 's|    - {name: no-interns, when: {subject: "CN=intern\*"}, grant: false}|    - {name: no-alice, when: {subject: "CN=alice"}, grant: false}|' "$work/strict.yaml"
kill -HUP "$strict_pid"
reloaded=0
for _ in $(seq 1 50); do
  grep -q "network policies reloaded" strict.log && { reloaded=1; break; }
  sleep 0.1
done
if [ $reloaded -eq 1 ]; then
  expect_denied "after SIGHUP, a new policy denies alice with 65" $strict_port alice alice.pem alice.key 65
else
  fail "after SIGHUP, a new policy denies alice with 65 (no reload in the log)"
fi

# ---- nimbus radius test --ca: the server's own certificate, as a supplicant checks it.
ca_case() {  # name wanted-status pattern ca
  local output status
  set +e
  output=$("$nimbus" radius test --server 127.0.0.1:$strict_port --secret-file "$data/radius.secret" --cert alice.pem \
    --key alice.key --ca "$4" 2>&1)
  status=$?
  set -e
  if [ $status -eq "$2" ] && grep -qE "$3" <<<"$output"; then pass "$1"; else
    fail "$1 (exit $status)"; sed 's/^/     /' <<<"$output"; fi
}
sed -i 's|    - {name: no-alice, when: {subject: "CN=alice"}, grant: false}|    - {name: no-interns, when: {subject: "CN=intern*"}, grant: false}|' "$work/strict.yaml"
kill -HUP "$strict_pid"
sleep 0.5
ca_case "the automatic server certificate chains to the deployment's root (radius test --ca)" 0 \
  "Server chain: trusted by .*root.pem" "$work/root.pem"
ca_case "... and not to a root it was not issued under" 1 "Server chain: NOT trusted by .*: unable to get local issuer" \
  "$ext/root.pem"

# ---- radclient: what must go unanswered, and accounting.
radclient_case() {  # name expect(silence, or the answer's name) port kind secret attributes
  local output status
  set +e
  output=$(printf '%b\n' "$6" | timeout 10 radclient -x -r 1 -t 1 "127.0.0.1:$3" "$4" "$5" 2>&1)
  status=$?
  set -e
  if { [ "$2" = silence ] && [ $status -ne 0 ] && ! grep -q "Received" <<<"$output"; } ||
    { [ "$2" != silence ] && grep -q "Received $2" <<<"$output"; }; then
    pass "$1"
  else
    fail "$1 (exit $status)"
    sed 's/^/     /' <<<"$output" | tail -6
  fi
}
radclient_case "an authentic EAP-Response/Identity from radclient is challenged (the control for the cases after it)" \
  Access-Challenge $strict_port auth "$secret" \
  'User-Name = "alice"\nEAP-Message = 0x0201000a01616c696365\nMessage-Authenticator = 0x00'
radclient_case "an Access-Request without Message-Authenticator gets no answer" silence $strict_port auth "$secret" \
  'User-Name = "alice"\nEAP-Message = 0x0201000a01616c696365'
radclient_case "an Access-Request with a wrong secret gets no answer" silence $strict_port auth wrong-secret \
  'User-Name = "alice"\nEAP-Message = 0x0201000a01616c696365\nMessage-Authenticator = 0x00'
radclient_case "an Access-Request from an address that is no NAS client gets no answer" silence $strict_port auth \
  "$secret" 'User-Name = "alice"\nEAP-Message = 0x0201000a01616c696365\nMessage-Authenticator = 0x00\nPacket-Src-IP-Address = 127.0.0.2'
radclient_case "accounting is acknowledged" Accounting-Response $((strict_port + 1)) acct "$secret" \
  'User-Name = "alice"\nAcct-Status-Type = Start\nAcct-Session-Id = "s-1"\nNAS-Identifier = "vpn-gateway"'
radclient_case "accounting with a wrong secret gets no answer" silence $((strict_port + 1)) acct wrong-secret \
  'User-Name = "alice"\nAcct-Status-Type = Start\nAcct-Session-Id = "s-2"'

# ---- Malformed and hostile datagrams, a table of them (tests/radius/bad_packets.py).
if bad=$(python3 "$here/bad_packets.py" 127.0.0.1 $strict_port "$secret" 2>&1); then
  pass "every malformed or hostile datagram is dropped or refused, and the server answers after each"
else
  fail "every malformed or hostile datagram is dropped or refused, and the server answers after each"
fi
sed 's/^/     /' <<<"$bad"

metrics=$(curl -s "http://127.0.0.1:$http_port/metrics")
for cause in unknown_client bad_authenticator malformed unexpected_code malformed_eap; do
  if grep -qE "^nimbus_radius_dropped_total\{cause=\"$cause\"\} [1-9]" <<<"$metrics"; then
    pass "dropped packets are counted: $cause"
  else
    fail "dropped packets are counted: $cause"
    grep nimbus_radius_dropped_total <<<"$metrics" | sed 's/^/     /'
  fi
done
if grep -q "accounting Start from NAS vpn-gateway for alice (session s-1)" strict.log; then
  pass "accounting is logged"
else
  fail "accounting is logged"
fi
if grep -q "$secret" strict.log lenient.log "$data"/decisions-*.log; then
  fail "the shared secret never reaches a log"
else
  pass "the shared secret never reaches a log"
fi

finish
