# Shared helpers for the nimbus CLI integration tests. Source it from a test script:
#
#   source "$(dirname "${BASH_SOURCE[0]}")/lib.sh" "$@"
#
# The test script's first argument is the nimbus binary. Each test gets a private temporary
# directory (the working directory while it runs), removed on exit unless NIMBUS_TEST_KEEP=1.
#
# Assertions call `fail`, which stops the script (or, inside `run_case`, the case) with a message.
# Independent checks go in `run_case NAME FUNCTION`, so that one broken rule does not hide the
# others; `finish` reports the cases that failed and sets the exit status.

set -euo pipefail
shopt -s nullglob

if [[ $# -lt 1 || -z "$1" ]]; then
  echo "usage: $0 PATH/TO/nimbus" >&2
  exit 2
fi
NIMBUS=$(realpath "$1")
[[ -x "$NIMBUS" ]] || { echo "FAIL: nimbus binary '$NIMBUS' is not executable" >&2; exit 1; }

for tool in openssl sqlite3 python3 xxd sha256sum; do
  command -v "$tool" >/dev/null || { echo "FAIL: the tests need '$tool' on PATH" >&2; exit 1; }
done

# Resolve python3 once: version-manager shims (pyenv) cost half a second per call.
PYTHON=$(python3 -c 'import sys; print(sys.executable)')
python3() { "$PYTHON" "$@"; }

TEST_NAME=$(basename "$0" .sh)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/nimbus-cli-$TEST_NAME.XXXXXX")
FAILED_CASES=()
CASE_COUNT=0

cleanup() {
  local status=$?
  if [[ "${NIMBUS_TEST_KEEP:-0}" == 1 || ( $status -ne 0 && "${NIMBUS_TEST_KEEP_ON_FAILURE:-0}" == 1 ) ]]; then
    echo "# kept $WORK" >&2
  else
    chmod -R u+rwX "$WORK" 2>/dev/null || true
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT
cd "$WORK"

# Nothing from the caller's environment may steer nimbus.
unset NIMBUS_DATA NIMBUS_KEY_PASSPHRASE
# A random passphrase per test (>= 12 characters), for every command that does not set its own.
PASSPHRASE="pp-$(openssl rand -hex 12)"
export NIMBUS_KEY_PASSPHRASE="$PASSPHRASE"
BASE_URL="http://pki.example.test"

# ---------------------------------------------------------------------------------------------
# Reporting

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

note() { echo "# $*"; }

# run_case NAME FUNCTION [ARGS...]: runs FUNCTION in a subshell with errexit; a failure is recorded
# and the script goes on with the next case.
run_case() {
  local name=$1
  shift
  CASE_COUNT=$((CASE_COUNT + 1))
  local rc=0
  set +e
  (
    set -euo pipefail
    "$@"
  )
  rc=$?
  set -e
  if [[ $rc -eq 0 ]]; then
    echo "ok - case: $name"
  else
    echo "not ok - case: $name" >&2
    FAILED_CASES+=("$name")
  fi
}

# finish: last line of every test script.
finish() {
  if [[ ${#FAILED_CASES[@]} -gt 0 ]]; then
    echo "FAIL: $TEST_NAME: ${#FAILED_CASES[@]} of $CASE_COUNT cases failed:" >&2
    printf '  - %s\n' "${FAILED_CASES[@]}" >&2
    exit 1
  fi
  echo "PASS: $TEST_NAME ($CASE_COUNT cases)"
}

# ---------------------------------------------------------------------------------------------
# Running nimbus

nimbus() { "$NIMBUS" "$@"; }

# capture CMD...: runs CMD with stdout and stderr kept in $OUT / $ERR (also in files
# $WORK/.out, $WORK/.err) and its exit status in $RC. Never fails itself.
capture() {
  set +e
  "$@" >"$WORK/.out" 2>"$WORK/.err"
  RC=$?
  set -e
  OUT=$(tr -d '\000' <"$WORK/.out")
  ERR=$(tr -d '\000' <"$WORK/.err")
}

# expect_ok CMD...: CMD must succeed; its stdout goes to stdout.
expect_ok() {
  capture "$@"
  if [[ $RC -ne 0 ]]; then
    fail "expected success (exit 0) but got exit $RC from: $*"$'\n'"stderr: $ERR"
  fi
  cat "$WORK/.out"
}

# expect_fail [--status N] CMD...: CMD must exit non-zero (exactly N when given) and print exactly
# one non-empty line on stderr, "nimbus: <message>". Sets $ERR to that line and prints it. Every
# broken expectation is reported, not only the first.
expect_fail() {
  local want=""
  if [[ "$1" == --status ]]; then
    want=$2
    shift 2
  fi
  capture "$@"
  if [[ $RC -eq 0 ]]; then
    fail "expected a refusal but the command succeeded: $*"$'\n'"stdout: $OUT"
  fi
  local problems=() lines
  if [[ -n "$want" && $RC -ne $want ]]; then
    problems+=("exit status $RC, expected $want")
  fi
  lines=$(grep -c '' "$WORK/.err" || true)
  if [[ $lines -ne 1 || -z "$ERR" ]]; then
    problems+=("$lines lines on stderr, expected exactly one")
  elif [[ "$ERR" != "nimbus: "* ]]; then
    problems+=("the error line does not start with 'nimbus: '")
  fi
  if [[ ${#problems[@]} -gt 0 ]]; then
    local joined
    joined=$(printf '%s; ' "${problems[@]}")
    fail "refusal of '$*': ${joined%; }"$'\n'"stderr:"$'\n'"$ERR"
  fi
  echo "  refused (exit $RC): $ERR"
}

# free_port: a TCP port nothing listens on now on 127.0.0.1 (the kernel's choice).
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# serve_here: for a test that starts nimbus serve: PORT, a free port, and BASE_URL on it, so that the
# deployments made afterwards publish their URLs where the server will answer. Needs curl.
serve_here() {
  command -v curl >/dev/null || fail "the tests need 'curl' on PATH"
  PORT=$(free_port)
  BASE_URL="http://127.0.0.1:$PORT"
  API_PORT=$(free_port)
  API_URL="https://127.0.0.1:$API_PORT"
}

# start_serve LOG ARGS...: starts `nimbus serve ARGS...` in the background, stderr (the log) to LOG
# and stdout to LOG.out, sets SERVER_PID and returns once $BASE_URL/healthz answers (10 s at most).
# The API and console listen on $API_PORT (serve_here) unless ARGS name --api-port.
start_serve() {
  local log=$1
  shift
  local api=(--api-port "${API_PORT:-0}")
  [[ " $* " == *" --api-port "* ]] && api=()
  "$NIMBUS" serve "$@" "${api[@]}" >"$log.out" 2>"$log" &
  SERVER_PID=$!
  for _ in $(seq 1 100); do
    curl -s -o /dev/null "$BASE_URL/healthz" && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$log" >&2; fail "nimbus serve exited at start"; }
    sleep 0.1
  done
  fail "nimbus serve did not answer within 10 s"
}

# stop_serve: stops the server start_serve started (SIGTERM) and waits for it; nothing if none runs.
stop_serve() {
  if [[ -n "${SERVER_PID:-}" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=""
}

# ---------------------------------------------------------------------------------------------
# Assertions

assert_eq() { # ACTUAL EXPECTED WHAT
  [[ "$1" == "$2" ]] || fail "$3: expected '$2', got '$1'"
}

assert_contains() { # HAYSTACK NEEDLE WHAT   (case-sensitive, fixed string)
  [[ "$1" == *"$2"* ]] || fail "$3: expected to contain '$2' in:"$'\n'"$1"
}

assert_contains_i() { # HAYSTACK NEEDLE WHAT   (case-insensitive, fixed string)
  grep -qiF -- "$2" <<<"$1" || fail "$3: expected to contain '$2' (any case) in:"$'\n'"$1"
}

assert_not_contains() { # HAYSTACK NEEDLE WHAT
  [[ "$1" != *"$2"* ]] || fail "$3: must not contain '$2' in:"$'\n'"$1"
}

assert_file_mode() { # PATH MODE (octal, e.g. 600)
  [[ -e "$1" ]] || fail "'$1' does not exist"
  local mode
  mode=$(stat -c %a "$1")
  [[ "$mode" == "$2" ]] || fail "'$1' has mode $mode, expected $2"
}

assert_absent() { # PATH
  [[ ! -e "$1" ]] || fail "'$1' exists but should not: $(ls -la "$1" 2>&1)"
}

# ---------------------------------------------------------------------------------------------
# Deployments, the store and certificates

# init_ec DIR [extra init options]: a fast deployment with EC keys; prints nothing.
init_ec() {
  local dir=$1
  shift
  expect_ok nimbus init --data "$dir" --org "Acme Test" --base-url "$BASE_URL" \
    --root-key ec:p384 --issuing-key ec:p256 "$@" >/dev/null
}

# init_vpn DIR: an EC deployment (init_ec) with its root and issuing CA exported to
# $WORK/root.pem and $WORK/issuing.pem, a profile "vpn" (P-256 client-auth certificates, CN from
# UserName) under the issuing CA, and a P-256 request in $WORK/leaf.csr. Sets ROOT and ISSUING.
init_vpn() {
  local dir=$1
  ROOT=acme-test-root-ca
  ISSUING=acme-test-issuing-ca
  init_ec "$dir"
  expect_ok nimbus ca export "$ROOT" --data "$dir" >"$WORK/root.pem"
  expect_ok nimbus ca export "$ISSUING" --data "$dir" >"$WORK/issuing.pem"
  cat >"$WORK/vpn.yaml" <<EOF
id: vpn
issuing_ca: $ISSUING
type: user
subject: "CN={{UserName}}"
validity: 30d
key_usage: [digital_signature]
extended_key_usage: [client_auth]
key:
  algorithms: [ec]
  ec_curves: [p256]
hash: [sha256]
strong_mapping: none
EOF
  expect_ok nimbus profile apply --data "$dir" -f "$WORK/vpn.yaml" >/dev/null
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$WORK/leaf.key" \
    -out "$WORK/leaf.csr" -subj /CN=ignored 2>/dev/null
}

# issue_leaf DIR NAME: issues a "vpn" certificate for user NAME into $WORK/NAME.pem (see init_vpn)
# and prints its serial.
issue_leaf() {
  local dir=$1 name=$2 out
  out=$(expect_ok nimbus enrollment new --data "$dir" --profile vpn --var "UserName=$name")
  [[ "$out" =~ ^Enrollment\ +([0-9a-f]+) ]] || fail "enrollment new printed no id:"$'\n'"$out"
  expect_ok nimbus issue --data "$dir" --enrollment "${BASH_REMATCH[1]}" --csr "$WORK/leaf.csr" \
    --out "$WORK/$name.pem" >/dev/null
  norm_hex "$(cert_serial "$WORK/$name.pem")"
}

# store_snapshot DIR: a digest of everything a refused command must leave alone: the names, types
# and modes of everything in the data directory, the content of every file but the database (keys,
# configuration), and the logical content of the database (sqlite3 .dump). SQLite's -wal/-shm
# files come and go with connections; the dump covers their content. The listing comes before
# sqlite3 opens the database.
store_snapshot() {
  local dir=$1
  if [[ ! -e "$dir" ]]; then
    echo "absent"
    return
  fi
  (
    cd "$dir"
    find . -mindepth 1 ! -name '*-wal' ! -name '*-shm' -printf '%P %y %m\n' | LC_ALL=C sort
    find . -type f ! -name 'nimbus.db' ! -name 'nimbus.db-*' -exec sha256sum {} + | LC_ALL=C sort
    if [[ -f nimbus.db ]]; then echo "db $(sqlite3 nimbus.db .dump | sha256sum)"; fi
  )
}

# assert_snapshot_unchanged BEFORE DIR WHAT
assert_snapshot_unchanged() {
  local after
  after=$(store_snapshot "$2")
  if [[ "$1" != "$after" ]]; then
    fail "$3: the data directory changed:"$'\n'"$(diff <(echo "$1") <(echo "$after") || true)"
  fi
}

# sql DIR QUERY: one query against the store. (Not -readonly: a read-only connection cannot
# checkpoint and leaves -wal/-shm files behind.)
sql() { sqlite3 "$1/nimbus.db" "$2"; }

# crl_of DIR ID: the DER of the authority's latest CRL on stdout.
crl_of() {
  local der
  der=$(sql "$1" "select hex(der) from crls where authority_id='$2' order by number desc limit 1")
  [[ -n "$der" ]] || fail "authority '$2' has no CRL in $1"
  xxd -r -p <<<"$der"
}

# crl_pem_of DIR ID FILE: the latest CRL as PEM in FILE.
crl_pem_of() {
  crl_of "$1" "$2" >"$3.der"
  openssl crl -inform DER -in "$3.der" -out "$3" || fail "the latest CRL of '$2' does not parse"
}

# json_field JSON EXPR: evaluates a Python expression on the parsed JSON `d`; None prints "null".
json_field() { # JSON-TEXT PYTHON-EXPRESSION-ON-d
  python3 -c 'import json,sys; d=json.loads(sys.argv[1]); v=eval(sys.argv[2]); print("null" if v is None else v)' "$1" "$2"
}

# status_of DIR ID: the status field from `ca list --json`.
status_of() {
  local list
  list=$(expect_ok nimbus ca list --data "$1" --json)
  python3 -c '
import json, sys
for a in json.loads(sys.argv[1]):
    if a["id"] == sys.argv[2]:
        print(a["status"]); break
else:
    sys.exit("no authority %s in ca list --json" % sys.argv[2])' "$list" "$2"
}

# Certificate fields via openssl.
cert_ext() { # CERT EXTNAME: the extension's value lines (header removed), empty when absent
  openssl x509 -in "$1" -noout -ext "$2" 2>/dev/null | tail -n +2 | sed 's/^ *//'
}
cert_ext_header() { # CERT EXTNAME: the header line, e.g. "X509v3 Basic Constraints: critical"
  openssl x509 -in "$1" -noout -ext "$2" 2>/dev/null | head -n 1 | sed 's/ *$//'
}
cert_serial() { openssl x509 -in "$1" -noout -serial | cut -d= -f2; }
cert_sigalg() { openssl x509 -in "$1" -noout -text | sed -n 's/^ *Signature Algorithm: //p' | head -n 1; }
cert_sha256() { openssl x509 -in "$1" -noout -fingerprint -sha256 | cut -d= -f2; }
cert_sha1() { openssl x509 -in "$1" -noout -fingerprint -sha1 | cut -d= -f2; }
cert_subject() { openssl x509 -in "$1" -noout -subject -nameopt RFC2253 | sed 's/^subject=//'; }
cert_issuer() { openssl x509 -in "$1" -noout -issuer -nameopt RFC2253 | sed 's/^issuer=//'; }
cert_not_after_epoch() { date -u -d "$(openssl x509 -in "$1" -noout -enddate | cut -d= -f2)" +%s; }
cert_not_before_epoch() { date -u -d "$(openssl x509 -in "$1" -noout -startdate | cut -d= -f2)" +%s; }
iso_utc() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }
norm_hex() { tr -d ':' <<<"$1" | tr 'A-F' 'a-f'; }
# shellcheck disable=SC2001
norm_dn() { sed 's/, */,/g' <<<"$1"; } # "CN=a, O=b" and "CN=a,O=b" compare equal
count_pem_certs() { grep -c -- '-----BEGIN CERTIFICATE-----' "$1" || true; }

# assert_strong_sigalg SIGALG WHAT
assert_strong_sigalg() {
  case "$1" in
    sha256WithRSAEncryption | sha384WithRSAEncryption | sha512WithRSAEncryption | \
      ecdsa-with-SHA256 | ecdsa-with-SHA384 | ecdsa-with-SHA512 | rsassaPss) ;;
    *) fail "$2: signature algorithm '$1' is not SHA-256 or stronger" ;;
  esac
  assert_not_contains "$(tr '[:upper:]' '[:lower:]' <<<"$1")" "sha1" "$2 signature algorithm"
}
