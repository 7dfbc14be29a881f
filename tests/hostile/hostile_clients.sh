#!/usr/bin/env bash
# `nimbus serve` facing hostile clients on loopback (tests/hostile/attack.py): connection exhaustion
# from one address and from many, a server that cannot sign, log floods, and the documented limits
# on headers and OCSP CertIDs. Each attack ends with ordinary requests from another address, which
# must be answered.
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ATTACK=$HERE/attack.py
source "$HERE/../cli/lib.sh" "$@"
command -v curl >/dev/null || { echo "FAIL: the tests need 'curl' on PATH" >&2; exit 1; }
attack() { "$PYTHON" "$ATTACK" "$@"; }
# field JSON PATH: one value of attack.py's answer, e.g. field "$out" probes_answered.
field() { "$PYTHON" -c 'import json,sys; v=json.loads(sys.argv[1]); [v:=v.get(k, 0) for k in sys.argv[2].split(".")]; print(v)' "$1" "$2"; }

PORT=$(free_port)
BASE_URL="http://127.0.0.1:$PORT"
D=$WORK/data
init_vpn "$D"

# Each case runs in a subshell: the server a failed case left running is stopped by its pid, kept
# here, before the next one starts and when the script ends.
stop_left_running() {
  if [[ -s "$WORK/serve.pid" ]]; then
    SERVER_PID=$(cat "$WORK/serve.pid")
    stop_serve
    rm -f "$WORK/serve.pid"
  fi
}
trap 'stop_left_running; cleanup' EXIT

# serve_with LOG KEY=VALUE...: serve with these configuration keys added to the deployment's.
serve_with() {
  local log=$1
  shift
  stop_left_running
  cp "$D/nimbus.yaml" "$WORK/serve.yaml"
  local setting
  for setting in "$@"; do echo "${setting%%=*}: ${setting#*=}" >>"$WORK/serve.yaml"; done
  start_serve "$log" --data "$D" --config "$WORK/serve.yaml" --port "$PORT" --log-level info
  echo "$SERVER_PID" >"$WORK/serve.pid"
}

# 1,100 idle keep-alive connections from one address: the per-address limit turns most away (429),
# the log says so in one line, and another address is served.
case_idle_flood_from_one_address() {
  serve_with "$WORK/one.log" http_max_connections_per_address=256
  local out
  out=$(attack hold "$PORT" 127.0.0.2 1100 --request)
  note "$out"
  assert_eq "$(field "$out" opened)" "256" "connections 127.0.0.2 may hold"
  assert_eq "$(field "$out" refused.429)" "844" "connections refused with 429"
  assert_eq "$(field "$out" probes_answered)" "$(field "$out" probes)" "requests from 127.0.0.3 answered"
  stop_serve
  # One line at the first refusal, one for the rest (at the end of the interval, or at stop).
  local lines counted
  lines=$(grep -c 'refused [0-9]* .*connection(s)' "$WORK/one.log" || true)
  [[ $lines -ge 1 && $lines -le 3 ]] || fail "refusals were logged in $lines lines, not once per interval"
  counted=$(grep -o 'refused [0-9]*' "$WORK/one.log" | awk '{n += $2} END {print n}')
  assert_eq "$counted" "844" "refusals the log counts"
  assert_contains "$(cat "$WORK/one.log")" "(http_max_connections_per_address)" "the log names the setting"
}

# The same flood with no per-address limit reaches the total: the connections idle longest are
# closed for new ones, and another address is still served.
case_idle_flood_reaches_the_total() {
  serve_with "$WORK/total.log" http_max_connections_per_address=0 http_max_connections=1024
  local out
  out=$(attack hold "$PORT" 127.0.0.2 1100 --request --server-pid "$SERVER_PID")
  note "$out"
  assert_eq "$(field "$out" probes_answered)" "$(field "$out" probes)" "requests from 127.0.0.3 answered"
  local open
  open=$(field "$out" still_open)
  [[ $open -le 1024 ]] || fail "$open of the flood's connections still open, over http_max_connections"
  [[ $(field "$out" server_descriptors) -le $((1024 + 64)) ]] || fail "the server holds too many descriptors: $out"
  stop_serve
  assert_contains "$(cat "$WORK/total.log")" "idle connection(s) since the last report to make room" \
    "closing idle connections is logged"
}

# 1,100 silent connections (they never send a byte) from one address: the same, whether or not
# they ever spoke.
case_silent_flood() {
  serve_with "$WORK/silent.log" http_max_connections_per_address=0 http_max_connections=1024
  local out
  out=$(attack hold "$PORT" 127.0.0.2 1100)
  note "$out"
  assert_eq "$(field "$out" probes_answered)" "$(field "$out" probes)" "requests from 127.0.0.3 answered"
  stop_serve
}

# 5,000 connections spread over 51 addresses: the server keeps answering and its descriptors stay
# within http_max_connections and what it keeps for itself.
case_spread_flood() {
  serve_with "$WORK/spread.log" http_max_connections=2000
  local out
  out=$(attack spread "$PORT" 10 60 5000 --server-pid "$SERVER_PID")
  note "$out"
  assert_eq "$(field "$out" probes_answered)" "$(field "$out" probes)" "requests from 127.0.0.3 answered"
  [[ $(field "$out" server_descriptors) -le $((2000 + 64)) ]] || fail "the server holds too many descriptors: $out"
  stop_serve
}

# A key that does not open stops serve at start with exit status 3 and one line naming it.
case_wrong_passphrase() {
  local status=0
  NIMBUS_KEY_PASSPHRASE="not-the-passphrase-of-these-keys" "$NIMBUS" serve --data "$D" --port "$PORT" --api-port 0 \
    >"$WORK/wrong.out" 2>"$WORK/wrong.err" || status=$?
  assert_eq "$status" "3" "exit status with a wrong passphrase"
  assert_contains "$(cat "$WORK/wrong.err")" "cannot serve: the key of authority '$ROOT' does not open" \
    "the error names the authority"
  assert_eq "$(grep -c . "$WORK/wrong.err")" "1" "lines on stderr"
  status=0
  env -u NIMBUS_KEY_PASSPHRASE "$NIMBUS" serve --data "$D" --port "$PORT" --api-port 0 >"$WORK/none.out" 2>"$WORK/none.err" ||
    status=$?
  assert_eq "$status" "3" "exit status with no passphrase"
  assert_contains "$(cat "$WORK/none.err")" "no key passphrase" "the error says what is missing"
}

# Headers are limited by the bytes on the wire (8 KiB), however few bytes each field's name and
# value hold.
case_header_limit() {
  serve_with "$WORK/headers.log"
  local out
  out=$(attack headers "$PORT" 1018)
  note "$out"
  assert_eq "$(field "$out" status)" "431" "1,018 short fields ($(field "$out" bytes) bytes)"
  out=$(attack headers "$PORT" 100)
  assert_eq "$(field "$out" status)" "200" "100 short fields"
  stop_serve
}

# An OCSP request may ask about 16 certificates; 17 get malformedRequest, and the log line says why.
case_certid_limit() {
  serve_with "$WORK/certids.log"
  local serials=() out
  for n in $(seq 1 17); do serials+=(-serial "$n"); done
  openssl ocsp -issuer "$WORK/issuing.pem" "${serials[@]}" -no_nonce -reqout "$WORK/17.der" >/dev/null 2>&1
  openssl ocsp -issuer "$WORK/issuing.pem" "${serials[@]:0:32}" -no_nonce -reqout "$WORK/16.der" >/dev/null 2>&1
  out=$(attack post "$PORT" "/ocsp/$ISSUING" "$WORK/17.der")
  assert_eq "$(field "$out" body)" "30030a0101" "17 CertIDs: malformedRequest"
  out=$(attack post "$PORT" "/ocsp/$ISSUING" "$WORK/16.der")
  assert_eq "$(field "$out" status)" "200" "16 CertIDs"
  [[ "$(field "$out" body)" != "30030a0101" ]] || fail "16 CertIDs were refused"
  stop_serve
  assert_contains "$(cat "$WORK/certids.log")" "16" "the refusal states the limit"
}

run_case "1,100 idle connections from one address" case_idle_flood_from_one_address
run_case "1,100 idle connections reach http_max_connections" case_idle_flood_reaches_the_total
run_case "1,100 silent connections" case_silent_flood
run_case "5,000 connections from 51 addresses" case_spread_flood
run_case "a wrong or missing passphrase stops serve (exit 3)" case_wrong_passphrase
run_case "the header limit counts bytes on the wire" case_header_limit
run_case "at most 16 CertIDs per OCSP request" case_certid_limit
finish
