#!/usr/bin/env bash
# Who else may touch the keys, as OpenSSH asks of its own: commands that sign (and nimbus serve, at
# start) warn once when the configuration is writable by group or others or the keys directory is
# open to them, naming the chmod that fixes it; a key file group or others may read or write is
# refused (exit 1, one line naming the file and 'chmod 600 FILE') and nothing changes. Commands
# that only read the store say nothing.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh" "$@"
serve_here
D=$WORK/data
init_vpn "$D"
CONF=$D/nimbus.yaml
KEYS=$D/keys
CONF_WARNING="configuration file '$CONF' is writable by group or others (mode 664), who could redirect the CA keys and the URLs in certificates; run 'chmod go-w $CONF'"
KEYS_WARNING="keys directory '$KEYS' is open to group or others (mode 750); run 'chmod 700 $KEYS'"

# count_lines TEXT NEEDLE: how many lines of TEXT contain NEEDLE.
count_lines() { grep -cF -- "$2" <<<"$1" || true; }

# warned_once WHAT: $ERR holds each warning exactly once, and nothing else.
warned_once() {
  assert_eq "$(count_lines "$ERR" "$CONF_WARNING")" 1 "$1: lines with the configuration warning"
  assert_eq "$(count_lines "$ERR" "$KEYS_WARNING")" 1 "$1: lines with the keys directory warning"
  assert_eq "$(grep -c '' <<<"$ERR")" 2 "$1: lines on stderr"$'\n'"$ERR"
}

open_up() { chmod 664 "$CONF" && chmod 750 "$KEYS"; }
close_up() { chmod 600 "$CONF" && chmod 700 "$KEYS"; }

new_enrollment_id() {
  local out
  out=$(expect_ok nimbus enrollment new --data "$D" --profile vpn --var "UserName=$1")
  [[ "$out" =~ ^Enrollment\ +([0-9a-f]+) ]] || fail "enrollment new printed no id:"$'\n'"$out"
  echo "${BASH_REMATCH[1]}"
}

case_private_modes_say_nothing() {
  assert_file_mode "$CONF" 600
  assert_file_mode "$KEYS" 700
  capture nimbus crl publish --data "$D"
  assert_eq "$RC" 0 "exit status of crl publish"
  assert_eq "$ERR" "" "stderr of crl publish with private modes"
}
run_case "private modes (as nimbus init makes them): no warning" case_private_modes_say_nothing

case_signing_commands_warn_once() {
  open_up
  local id serial
  # crl publish signs with both CAs' keys; the warnings still come once.
  capture nimbus crl publish --data "$D"
  assert_eq "$RC" 0 "exit status of crl publish"
  warned_once "crl publish"

  id=$(new_enrollment_id warned)
  capture nimbus issue --data "$D" --enrollment "$id" --csr "$WORK/leaf.csr" --out "$WORK/warned.pem"
  assert_eq "$RC" 0 "exit status of issue"
  warned_once "issue"

  serial=$(norm_hex "$(cert_serial "$WORK/warned.pem")")
  capture nimbus cert revoke "$serial" --data "$D" --reason superseded
  assert_eq "$RC" 0 "exit status of cert revoke"
  warned_once "cert revoke"

  capture nimbus ca create-issuing --data "$D" --parent "$ROOT" --name "Second Issuing" --key ec:p256
  assert_eq "$RC" 0 "exit status of ca create-issuing"
  warned_once "ca create-issuing"

  # Warnings, not errors: --log-level error silences them.
  capture nimbus crl publish --data "$D" --log-level error
  assert_eq "$RC" 0 "exit status of crl publish --log-level error"
  assert_eq "$ERR" "" "stderr of crl publish --log-level error"
  close_up
}
run_case "commands that sign warn once about the configuration and the keys directory" case_signing_commands_warn_once

case_reading_says_nothing() {
  open_up
  local command
  for command in "ca list" "ca show $ISSUING" "profile list" "cert list" "crl show $ISSUING" "enrollment list"; do
    # shellcheck disable=SC2086 # the words of the command
    capture nimbus $command --data "$D"
    assert_eq "$RC" 0 "exit status of $command"
    assert_eq "$ERR" "" "stderr of '$command', which signs nothing"
  done
  close_up
}
run_case "commands that only read the store do not warn" case_reading_says_nothing

stop_on_exit() {
  stop_serve
  cleanup
}
trap stop_on_exit EXIT

case_serve_warns_at_start_and_once() {
  open_up
  local log=$WORK/serve.log
  start_serve "$log" --data "$D" --port "$PORT" --log-level info
  local text
  text=$(cat "$log")
  assert_eq "$(count_lines "$text" "$CONF_WARNING")" 1 "configuration warnings at start"
  assert_eq "$(count_lines "$text" "$KEYS_WARNING")" 1 "keys directory warnings at start"
  # A request that signs (an OCSP answer with a nonce), and a reload, warn no more.
  openssl ocsp -issuer "$WORK/issuing.pem" -serial 0x01 -url "$BASE_URL/ocsp/$ISSUING" -noverify \
    >/dev/null 2>&1 || fail "openssl ocsp against nimbus serve failed"
  kill -HUP "$SERVER_PID"
  for _ in $(seq 1 100); do
    grep -q "SIGHUP: configuration reloaded" "$log" && break
    sleep 0.1
  done
  text=$(cat "$log")
  assert_contains "$text" "SIGHUP: configuration reloaded" "serve log after SIGHUP"
  stop_serve
  text=$(cat "$log")
  assert_eq "$(count_lines "$text" "$CONF_WARNING")" 1 "configuration warnings after a request and SIGHUP"
  assert_eq "$(count_lines "$text" "$KEYS_WARNING")" 1 "keys directory warnings after a request and SIGHUP"
  close_up
}
run_case "nimbus serve warns at start, once" case_serve_warns_at_start_and_once

case_serve_config_file_is_the_one_checked() {
  local other=$WORK/other.yaml log=$WORK/serve-config.log
  cp "$CONF" "$other"
  chmod 666 "$other"
  start_serve "$log" --data "$D" --config "$other" --port "$PORT"
  stop_serve
  local text
  text=$(cat "$log")
  assert_eq "$(count_lines "$text" "configuration file '$other' is writable by group or others (mode 666)")" 1 \
    "warnings about the --config file"
  assert_contains "$text" "run 'chmod go-w $other'" "the fix in the warning"
  assert_not_contains "$text" "'$CONF'" "the log, which must not name the unused nimbus.yaml"
}
run_case "nimbus serve --config FILE: that file is the one checked" case_serve_config_file_is_the_one_checked

# A key file group or others can read: every command that would use it refuses, changing nothing.
case_open_key_file_refused() {
  local key mode id before
  key=$KEYS/$(sql "$D" "select substr(key_reference, 6) from authorities where id = '$ISSUING'")
  [[ -f "$key" ]] || fail "test setup: no key file for $ISSUING in $KEYS"
  id=$(new_enrollment_id refused)
  for mode in 640 604 620 644; do
    chmod "$mode" "$key"
    before=$(store_snapshot "$D")
    expect_fail --status 1 nimbus issue --data "$D" --enrollment "$id" --csr "$WORK/leaf.csr" --out "$WORK/refused.pem"
    assert_eq "$ERR" "nimbus: key file '$key' is readable or writable by group or others (mode $mode); run 'chmod 600 $key'" \
      "refusal of issue with a key file of mode $mode"
    assert_absent "$WORK/refused.pem"
    expect_fail --status 1 nimbus crl publish --data "$D" --ca "$ISSUING"
    assert_contains "$ERR" "run 'chmod 600 $key'" "refusal of crl publish"
    assert_snapshot_unchanged "$before" "$D" "commands refused for a key file of mode $mode"
  done
  chmod 600 "$key"
  expect_ok nimbus issue --data "$D" --enrollment "$id" --csr "$WORK/leaf.csr" --out "$WORK/refused.pem" >/dev/null
}
run_case "a key file others may read or write is refused, with the chmod that fixes it" case_open_key_file_refused

finish
