#!/usr/bin/env bash
# nimbus verify: the verdict a RADIUS server doing EAP-TLS (NPS) would reach on a client
# certificate, accept or deny with the NPS reason code, and the evidence for each element of the
# chain. Live endpoints answer the fetches: nimbus serve for a nimbus deployment, and
# fixture_http.py for a PKI made with openssl that has the faults nimbus never produces (a CA
# without revocation URLs, CDPs that fail in every way, expired and wrong-purpose leaves, loops).
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$HERE/lib.sh" "$@"
python3() { "$PYTHON" -S "$@"; }

CLIENT_AUTH=1.3.6.1.5.5.7.3.2
SERVER_AUTH=1.3.6.1.5.5.7.3.1

# The Windows error behind each NPS reason code (event 6273), and the error the client reports.
declare -A REASON_NAME=(
  [256]=CRYPT_E_REVOKED [258]=CRYPT_E_NO_REVOCATION_CHECK [259]=CRYPT_E_REVOCATION_OFFLINE
  [265]=SEC_E_UNTRUSTED_ROOT [266]=SEC_E_ILLEGAL_MESSAGE [268]=SEC_E_CERT_EXPIRED
  [283]=CERT_E_PURPOSE [287]=CERT_E_CHAINING
)
declare -A CLIENT_ERROR=(
  [256]=855 [258]=853 [259]=853 [265]=853 [266]=853 [268]=854 [283]=853 [287]=853
)

# ---- running nimbus verify --------------------------------------------------------------------

# verify_json ARGS...: nimbus verify --json ARGS. The document in $J, the exit status in $RC, the
# wall time in $MS (milliseconds).
verify_json() {
  local start
  start=$(date +%s%N)
  capture nimbus verify --json "$@"
  MS=$((($(date +%s%N) - start) / 1000000))
  J=$OUT
  python3 -c 'import json, sys; json.loads(sys.argv[1])' "$J" 2>/dev/null ||
    fail "nimbus verify --json $* (exit $RC) printed no JSON document:"$'\n'"stdout: $OUT"$'\n'"stderr: $ERR"
}

# verify_text ARGS...: nimbus verify ARGS, human output. The output in $TEXT, the verdict (from
# the line starting "Verdict: " to the end, in case a terminal-width wrap splits it) in $VERDICT.
verify_text() {
  capture nimbus verify "$@"
  TEXT=$OUT
  VERDICT=$(sed -n '/^Verdict: /,$p' <<<"$TEXT")
  [[ -n "$VERDICT" ]] ||
    fail "no line starting 'Verdict: ' from nimbus verify $* (exit $RC):"$'\n'"$TEXT"$'\n'"stderr: $ERR"
}

# Helpers for the expressions of jexpect, on the parsed document d.
JSON_PRELUDE='
import json, os, re, sys, time, calendar
d = json.loads(sys.argv[1])
rc = int(os.environ["VERIFY_RC"])
els = d.get("elements") or []
def E(i): return els[i]
def rev(i): return els[i]["revocation"]
def fetches(i=None, purpose=None):
    pool = els if i is None else [els[i]]
    return [f for e in pool for f in e.get("fetches") or [] if purpose in (None, f["purpose"])]
def outcomes(i=None, purpose=None): return [f["outcome"] for f in fetches(i, purpose)]
def network_fetches():  # URLs actually fetched; local CRLs and URLs left alone do not count
    return [f["url"] for f in fetches() if "://" in f["url"] and f["outcome"] != "not_fetched"]
def problems(i): return [p["code"] for p in els[i]["problems"]]
def dn(s): return ",".join(part.strip() for part in s.split(","))  # "CN=a, O=b" == "CN=a,O=b"
def column(key): return ",".join(str(e[key]) for e in els)
def statuses(): return ",".join(e["revocation"]["status"] for e in els)
def methods(): return ",".join(str(e["revocation"]["method"]) for e in els)
def is_time(s):
    return isinstance(s, str) and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", s) is not None
def epoch(s): return calendar.timegm(time.strptime(s[:19], "%Y-%m-%dT%H:%M:%S"))
def show(v):
    if v is None: return "null"
    if isinstance(v, bool): return "true" if v else "false"
    if isinstance(v, (list, tuple, dict)): return json.dumps(v, sort_keys=True)
    return str(v)
def outline():
    out = ["exit %d: decision=%s reason_code=%s reason=%s faulty_element=%s chain=%s" % (
        rc, d.get("decision"), d.get("reason_code"), d.get("reason"), d.get("faulty_element"),
        json.dumps(d.get("chain")))]
    out.append("summary: %s" % d.get("summary"))
    for e in els:
        r = e.get("revocation") or {}
        out.append("  [%s] %s from %s: %s" % (e.get("index"), e.get("role"), e.get("source"), e.get("subject")))
        out.append("      revocation %s via %s %s counts=%s reason=%s: %s" % (r.get("status"), r.get("method"),
            r.get("url"), r.get("counts"), r.get("reason"), r.get("detail")))
        if e.get("problems"):
            out.append("      problems %s" % json.dumps(e["problems"]))
        for f in e.get("fetches") or []:
            out.append("      fetch %s %s -> %s http=%s %sms %s" % (f.get("purpose"), f.get("url"),
                f.get("outcome"), f.get("http_status"), f.get("milliseconds"), f.get("detail")))
    return "\n".join(out)
'

# jexpect WHAT EXPR EXPECTED [EXPR EXPECTED]...: each Python expression on the last document (d,
# rc and the helpers above) must show as EXPECTED (None as null, booleans as true/false, lists
# and dicts as JSON with sorted keys). Every mismatch is reported, with an outline of the
# document, so that one run tells the whole story.
jexpect() {
  local what=$1 report
  shift
  report=$(VERIFY_RC=$RC python3 -c "$JSON_PRELUDE"'
args = sys.argv[2:]
bad = []
for expr, want in zip(args[0::2], args[1::2]):
    try:
        got = show(eval(expr))
    except Exception as e:
        got = "<%s: %s>" % (type(e).__name__, e)
    if got != want:
        bad.append("  %s: expected %s, got %s" % (expr, want, got))
if bad:
    print("\n".join(bad))
    print(outline())
    sys.exit(1)' "$J" "$@") || fail "$what:"$'\n'"$report"
}

# expect_verdict CODE [FAULTY-ELEMENT]: the exit status, decision and reason fields that go with
# NPS reason code CODE (0: accept).
expect_verdict() {
  local code=$1 faulty=${2:-null}
  if [[ $code == 0 ]]; then
    jexpect "an accept" rc 0 'd["decision"]' accept 'd["reason_code"]' 0 'd["reason"]' null \
      'd["client_error"]' null 'd["faulty_element"]' null 'bool(d["summary"])' true 'd["schema_version"]' 1
  else
    jexpect "a deny with reason code $code" rc 1 'd["decision"]' deny 'd["reason_code"]' "$code" \
      'd["reason"]' "${REASON_NAME[$code]}" 'd["client_error"]' "${CLIENT_ERROR[$code]}" \
      'd["faulty_element"]' "$faulty" 'bool(d["reason_text"])' true 'bool(d["summary"])' true \
      'bool(d["fix"])' true 'd["schema_version"]' 1
  fi
}

# expect_within MS LIMIT-SECONDS WHAT: a run that must not hang on a dead endpoint.
expect_within() {
  [[ $1 -lt $(($2 * 1000)) ]] || fail "$3 took ${1} ms, more than $2 s"
}

subject_of() { norm_dn "$(cert_subject "$1")"; }
sha256_of() { norm_hex "$(cert_sha256 "$1")"; }

# A port nothing listens on now (the kernel's choice), for URLs that must be known before the
# server that answers them starts.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# ---- servers ----------------------------------------------------------------------------------
# Servers are children of this shell, stopped here by PID (cases run in subshells).
SERVE_PID=""
FIXTURE_PID=""
LDAP_PID=""
stop_pid() {
  if [[ -n "$1" ]] && kill -0 "$1" 2>/dev/null; then
    kill -TERM "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
  fi
}
on_exit() {
  local status=$?
  stop_pid "$SERVE_PID"
  stop_pid "$FIXTURE_PID"
  stop_pid "$LDAP_PID"
  # cleanup reads the script's exit status from $? to decide whether to keep $WORK.
  set +e
  (exit "$status")
  cleanup
}
trap on_exit EXIT

# =================================================================================================
# Part 1: a nimbus deployment served by nimbus serve (AIA, CDP and OCSP on 127.0.0.1).
PORT=$(free_port)
BASE_URL="http://127.0.0.1:$PORT"
D=$WORK/data
init_vpn "$D"
ALICE=$(issue_leaf "$D" alice)
BOB=$(issue_leaf "$D" bob)
ROOT_CDP="$BASE_URL/cdp/$ROOT.crl"
ISSUING_CDP="$BASE_URL/cdp/$ISSUING.crl"
ISSUING_OCSP="$BASE_URL/ocsp/$ISSUING"
ISSUING_AIA="$BASE_URL/aia/$ISSUING.crt"
NIMBUS_TRUST=(--trust "$WORK/root.pem")
NIMBUS_CHAIN=(--trust "$WORK/root.pem" --untrusted "$WORK/issuing.pem")

"$NIMBUS" serve --data "$D" --port "$PORT" --api-port 0 --log-level info >"$WORK/serve.out" 2>"$WORK/serve.log" &
SERVE_PID=$!
for _ in $(seq 1 100); do
  curl -s -o /dev/null "$BASE_URL/healthz" && break
  kill -0 "$SERVE_PID" 2>/dev/null || { cat "$WORK/serve.log" >&2; fail "nimbus serve exited at start"; }
  sleep 0.1
done
curl -s -o /dev/null "$BASE_URL/healthz" || fail "nimbus serve did not answer within 10 s"

# served: how many requests nimbus serve has logged from clients, to show that a run fetched nothing.
served() {
  sleep 0.2 # the access log line is written as the answer goes out
  # The node's own doctor fetches its URLs now and then; those are not the run's.
  grep -E '"(GET|POST) ' "$WORK/serve.log" | grep -vc '"nimbus-doctor/' || true
}

# ---- input errors -----------------------------------------------------------------------------

# A RADIUS administrator pastes the wrong path, a file that is not a certificate, or a time in
# the wrong format: a usage error on one line, not a verdict.
case_input_errors() {
  expect_fail --status 2 nimbus verify "${NIMBUS_CHAIN[@]}" "$WORK/no-such-client.pem"
  assert_contains "$ERR" "no-such-client.pem" "the error names the missing file"
  head -c 700 /dev/urandom >"$WORK/garbage.der"
  expect_fail --status 2 nimbus verify "${NIMBUS_CHAIN[@]}" "$WORK/garbage.der"
  assert_contains "$ERR" "garbage.der" "the error names the unreadable file"
  expect_fail --status 2 nimbus verify "${NIMBUS_CHAIN[@]}" --time "next tuesday" "$WORK/alice.pem"
  assert_contains_i "$ERR" "time" "the error names --time"
  expect_fail --status 2 nimbus verify "${NIMBUS_CHAIN[@]}" --json --time "2026-13-40T25:00:00Z" "$WORK/alice.pem"
  capture nimbus verify --no-such-flag "$WORK/alice.pem"
  assert_eq "$RC" 2 "exit status for an unknown flag"
  capture nimbus verify "${NIMBUS_CHAIN[@]}"
  assert_eq "$RC" 2 "exit status without CERT"
}
run_case "input errors: missing, garbage, bad --time, bad flags exit 2 with one line" case_input_errors

# ---- the nimbus deployment, server up ---------------------------------------------------------

# The everyday case: a managed device presents its certificate and the issuing CA; the RADIUS
# server trusts the root and can reach the deployment's OCSP responder and CDPs.
case_good_chain() {
  local now
  verify_json --urlfetch "${NIMBUS_CHAIN[@]}" "$WORK/alice.pem"
  expect_verdict 0
  now=$(date +%s)
  jexpect "a good chain, every element checked online" \
    'd["chain"]' '{"complete": true, "trusted": true}' \
    'column("index")' '0,1,2' \
    'column("role")' 'end_entity,intermediate,anchor' \
    'column("source")' 'input,untrusted,trust' \
    'statuses()' 'good,good,good' \
    '[rev(i)["counts"] for i in (0, 1)]' '[true, true]' \
    'dn(E(0)["subject"])' "$(subject_of "$WORK/alice.pem")" \
    'dn(E(0)["issuer"])' "$(subject_of "$WORK/issuing.pem")" \
    'dn(E(1)["subject"])' "$(subject_of "$WORK/issuing.pem")" \
    'dn(E(2)["subject"])' "$(subject_of "$WORK/root.pem")" \
    'int(E(0)["serial"], 16) == int("'"$ALICE"'", 16) and E(0)["serial"] == E(0)["serial"].lower()' true \
    'E(0)["sha256"]' "$(sha256_of "$WORK/alice.pem")" \
    'E(1)["sha256"]' "$(sha256_of "$WORK/issuing.pem")" \
    'E(0)["not_before"]' "$(iso_utc "$(cert_not_before_epoch "$WORK/alice.pem")")" \
    'E(0)["not_after"]' "$(iso_utc "$(cert_not_after_epoch "$WORK/alice.pem")")" \
    'E(0)["ocsp_urls"]' "[\"$ISSUING_OCSP\"]" \
    'E(0)["crl_urls"]' "[\"$ISSUING_CDP\"]" \
    'E(0)["ca_issuers_urls"]' "[\"$ISSUING_AIA\"]" \
    'E(0)["delta_crl_urls"]' '[]' \
    'E(1)["ocsp_urls"]' '[]' \
    'E(1)["crl_urls"]' "[\"$ROOT_CDP\"]" \
    '[problems(i) for i in range(3)]' '[[], [], []]' \
    'rev(0)["method"]' ocsp \
    'rev(0)["url"]' "$ISSUING_OCSP" \
    '[(f["outcome"], f["http_status"]) for f in fetches(0, "ocsp")]' '[["ok", 200]]' \
    'outcomes(0, "crl")' '[]' \
    'rev(1)["method"]' crl \
    'rev(1)["url"]' "$ROOT_CDP" \
    'outcomes(None, "ca_issuers")' '[]' \
    'is_time(d["validation_time"]) and abs(epoch(d["validation_time"]) - '"$now"') < 300' true \
    'd["policy"]["urlfetch"]' true \
    '[d["policy"][k] for k in ("no_revocation_check", "ignore_no_revocation_check", "ignore_revocation_offline", "no_root_revocation_check")]' \
    '[false, false, false, false]' \
    'd["policy"]["required_eku"]' "$CLIENT_AUTH" \
    'd["policy"]["timeout_seconds"]' 10
  verify_text --urlfetch "${NIMBUS_CHAIN[@]}" "$WORK/alice.pem"
  assert_eq "$RC" 0 "exit status of the human output"
  assert_contains "$VERDICT" "ACCEPT" "verdict"
  assert_contains "$VERDICT" "default EAP-TLS settings" "verdict"
  assert_not_contains "$VERDICT" "DENY" "verdict"
  assert_contains "$TEXT" "CN=alice" "the end entity's block"
  assert_contains "$TEXT" "CN=Acme Test Issuing CA" "the issuing CA's block"
}
run_case "good chain online: accept, every element good, the leaf by OCSP" case_good_chain

# Clients that send only their own certificate: the issuing CA comes from the leaf's AIA URL.
case_aia_nimbus() {
  verify_json --urlfetch "${NIMBUS_TRUST[@]}" "$WORK/alice.pem"
  expect_verdict 0
  jexpect "the issuing CA fetched by AIA" \
    'column("source")' 'input,aia,trust' \
    'E(1)["sha256"]' "$(sha256_of "$WORK/issuing.pem")" \
    '[f["outcome"] for f in fetches(None, "ca_issuers") if f["url"] == "'"$ISSUING_AIA"'"]' '["ok"]' \
    'statuses()' 'good,good,good'
}
run_case "issuing CA missing from the input: fetched by AIA" case_aia_nimbus

# On the deployment's own machine the anchors come from the store: --trust-ca names the issuing
# CA, whose root becomes the anchor and whose certificate the intermediate.
case_trust_nimbus_ca() {
  verify_json --data "$D" --urlfetch --trust-ca "$ISSUING" "$WORK/alice.pem"
  expect_verdict 0
  jexpect "anchors from --trust-ca" \
    'column("source")' 'input,untrusted,trust' \
    'E(2)["sha256"]' "$(sha256_of "$WORK/root.pem")" \
    'statuses()' 'good,good,good'
  expect_fail --status 2 nimbus verify --data "$D" --trust-ca no-such-ca "$WORK/alice.pem"
  assert_contains "$ERR" "no-such-ca" "the error names the unknown authority"
  expect_fail --status 2 nimbus verify --data "$D" "$WORK/alice.pem"
  assert_contains "$ERR" "trust" "the error says what is missing"
}
run_case "--trust-ca: the root of a Nimbus authority is the anchor" case_trust_nimbus_ca

# NPS with NoRevocationCheck=1: revocation is not looked at, and nothing is fetched for it.
case_no_revocation_check() {
  local before
  before=$(served)
  verify_json --urlfetch --no-revocation-check "${NIMBUS_CHAIN[@]}" "$WORK/alice.pem"
  expect_verdict 0
  jexpect "--no-revocation-check" \
    'statuses()' 'not_checked,not_checked,not_checked' \
    '[f for f in fetches() if f["purpose"] in ("crl", "delta_crl", "ocsp")]' '[]' \
    'd["policy"]["no_revocation_check"]' true
  assert_eq "$(served)" "$before" "requests to the server during a run with --no-revocation-check"
  verify_text --urlfetch --no-revocation-check "${NIMBUS_CHAIN[@]}" "$WORK/alice.pem"
  assert_eq "$RC" 0 "exit status of the human output"
  assert_contains "$VERDICT" "ACCEPT" "verdict"
  assert_contains "$VERDICT" "these EAP-TLS settings" "verdict"
  assert_contains "$VERDICT" "no_revocation_check" "verdict"
}
run_case "--no-revocation-check: accept, nothing checked, nothing fetched" case_no_revocation_check

# NPS with NoRootRevocationCheck=1: the root's own CRL is not consulted.
case_no_root_revocation_check() {
  verify_json --urlfetch --no-root-revocation-check "${NIMBUS_CHAIN[@]}" "$WORK/alice.pem"
  expect_verdict 0
  jexpect "--no-root-revocation-check" \
    'statuses()' 'good,good,not_checked' \
    'd["policy"]["no_root_revocation_check"]' true
}
run_case "--no-root-revocation-check: the anchor is not checked" case_no_root_revocation_check

# A RADIUS server that cannot reach the PKI but is handed the CRLs (copied by hand or by a
# script): nothing goes on the network, the local CRLs decide.
case_local_crls() {
  local before
  expect_ok nimbus crl show "$ISSUING" --data "$D" --der --out "$WORK/local-issuing.crl" >/dev/null
  expect_ok nimbus crl show "$ROOT" --data "$D" --der --out "$WORK/local-root.crl" >/dev/null
  before=$(served)
  verify_json "${NIMBUS_CHAIN[@]}" --crl "$WORK/local-issuing.crl" --crl "$WORK/local-root.crl" "$WORK/alice.pem"
  expect_verdict 0
  jexpect "local CRLs without --urlfetch" \
    'statuses()' 'good,good,good' \
    'methods()' 'crl,crl,crl' \
    'd["policy"]["urlfetch"]' false \
    'network_fetches()' '[]'
  assert_eq "$(served)" "$before" "requests to the server without --urlfetch"
}
run_case "local --crl files without --urlfetch: accept by CRL, no network" case_local_crls

# The same without the CRLs: revocation needs the network, which is not allowed, so the leaf
# ends offline as on a RADIUS server behind a firewall.
case_no_urlfetch() {
  local before
  before=$(served)
  verify_json "${NIMBUS_CHAIN[@]}" "$WORK/alice.pem"
  expect_verdict 259 0
  jexpect "no --urlfetch, no local CRLs" \
    'rev(0)["status"]' offline \
    'rev(0)["counts"]' true \
    'network_fetches()' '[]'
  assert_eq "$(served)" "$before" "requests to the server without --urlfetch"
}
run_case "no --urlfetch and no local CRLs: offline 259, nothing fetched" case_no_urlfetch

# A lost laptop: its certificate is revoked for key compromise, and the next EAP-TLS attempt must
# be refused on the strength of the OCSP answer.
case_revoked_leaf() {
  expect_ok nimbus cert revoke "$BOB" --data "$D" --reason keyCompromise >/dev/null
  # nimbus serve picks up changes made by other processes within a second or so.
  for _ in $(seq 1 20); do
    verify_json --urlfetch "${NIMBUS_CHAIN[@]}" "$WORK/bob.pem"
    [[ $RC -eq 1 ]] && break
    sleep 0.5
  done
  expect_verdict 256 0
  jexpect "a revoked leaf" \
    'rev(0)["status"]' revoked \
    'rev(0)["method"]' ocsp \
    'rev(0)["url"]' "$ISSUING_OCSP" \
    'rev(0)["reason"]' keyCompromise \
    'is_time(rev(0)["revoked_at"])' true \
    'rev(0)["counts"]' true \
    'statuses()' 'revoked,good,good'
  verify_text --urlfetch "${NIMBUS_CHAIN[@]}" "$WORK/bob.pem"
  assert_eq "$RC" 1 "exit status of the human output"
  assert_contains "$VERDICT" "DENY" "verdict"
  assert_contains "$VERDICT" "reason code 256" "verdict"
  assert_contains "$VERDICT" "CN=bob" "verdict"
  assert_contains "$VERDICT" "855" "verdict"
}
run_case "revoked leaf: deny 256 keyCompromise, found by OCSP" case_revoked_leaf

# The issuing CA itself is compromised and revoked on the root's CRL: every client under it is
# refused, and the verdict points at the CA, not at the client.
case_revoked_ca() {
  expect_ok nimbus ca revoke "$ISSUING" --data "$D" --reason cACompromise >/dev/null
  for _ in $(seq 1 20); do
    verify_json --urlfetch "${NIMBUS_CHAIN[@]}" "$WORK/alice.pem"
    [[ $RC -eq 1 ]] && break
    sleep 0.5
  done
  expect_verdict 256 1
  jexpect "a revoked issuing CA" \
    'rev(1)["status"]' revoked \
    'rev(1)["method"]' crl \
    'rev(1)["url"]' "$ROOT_CDP" \
    'rev(1)["reason"]' cACompromise \
    'is_time(rev(1)["revoked_at"])' true \
    'rev(0)["status"] != "revoked"' true
}
run_case "revoked issuing CA: deny 256 at element 1, found on the root's CRL" case_revoked_ca

# ---- the nimbus deployment, server down -------------------------------------------------------
stop_pid "$SERVE_PID"
SERVE_PID=""

# The PKI's web server is down: every revocation URL refuses connections. NPS denies with 259 by
# default; sites that set IgnoreRevocationOffline=1 let the client in.
case_server_down() {
  verify_json --urlfetch "${NIMBUS_CHAIN[@]}" "$WORK/alice.pem"
  expect_verdict 259 0
  jexpect "revocation endpoints refusing connections" \
    'rev(0)["status"]' offline \
    'rev(0)["counts"]' true \
    '[(f["purpose"], f["outcome"], f["http_status"]) for f in fetches(0) if f["purpose"] in ("ocsp", "crl")]' \
    '[["ocsp", "unreachable", null], ["crl", "unreachable", null]]'
  verify_text --urlfetch "${NIMBUS_CHAIN[@]}" "$WORK/alice.pem"
  assert_eq "$RC" 1 "exit status of the human output"
  assert_contains "$VERDICT" "DENY" "verdict"
  assert_contains "$VERDICT" "reason code 259" "verdict"
  assert_contains "$VERDICT" "853" "verdict"
}
run_case "server down: offline, deny 259" case_server_down

case_server_down_ignored() {
  verify_json --urlfetch --ignore-revocation-offline "${NIMBUS_CHAIN[@]}" "$WORK/alice.pem"
  expect_verdict 0
  jexpect "--ignore-revocation-offline with the server down" \
    'rev(0)["status"]' offline \
    'd["policy"]["ignore_revocation_offline"]' true
  verify_text --urlfetch --ignore-revocation-offline "${NIMBUS_CHAIN[@]}" "$WORK/alice.pem"
  assert_eq "$RC" 0 "exit status of the human output"
  assert_contains "$VERDICT" "ACCEPT" "verdict"
  assert_contains "$VERDICT" "these EAP-TLS settings" "verdict"
  assert_contains "$VERDICT" "ignore_revocation_offline" "verdict"
}
run_case "server down with --ignore-revocation-offline: accept" case_server_down_ignored

# =================================================================================================
# Part 2: a PKI made with openssl, its AIA, CDP and OCSP URLs answered by fixture_http.py.
WWW=$WORK/www
OCSP_DIR=$WORK/ocsp
mkdir -p "$WWW/loop" "$OCSP_DIR/issuing"
"$PYTHON" -S "$HERE/fixture_http.py" --root "$WWW" --ocsp-dir "$OCSP_DIR" --port-file "$WORK/fixture.port" \
  --log "$WORK/fixture.log" --slow-seconds 8 --blackhole-port-file "$WORK/blackhole.port" >"$WORK/fixture.out" 2>&1 &
FIXTURE_PID=$!
for _ in $(seq 1 100); do
  [[ -s "$WORK/fixture.port" ]] && break
  kill -0 "$FIXTURE_PID" 2>/dev/null || { cat "$WORK/fixture.out" >&2; fail "fixture_http.py exited at start"; }
  sleep 0.1
done
[[ -s "$WORK/fixture.port" ]] || fail "fixture_http.py did not start within 10 s"
F="http://127.0.0.1:$(cat "$WORK/fixture.port")"
# A port where connections hang, as on a host behind a firewall that drops packets.
BLACKHOLE="http://127.0.0.1:$(cat "$WORK/blackhole.port")/x.crl"

source "$HERE/verify_fixtures.sh"
O="/O=Nimbus Fixture"
cdp() { echo "crlDistributionPoints=URI:$F/$1"; }
aia() { echo "authorityInfoAccess=caIssuers;URI:$F/$1"; }

fx_root root "$O/CN=Fixture Root CA"
fx_root other-root "$O/CN=Other Root CA"
# An issuing CA set up years ago without any CDP or AIA; its leaves have both.
fx_ca root legacy "$O/CN=Legacy Issuing CA"
fx_ca root issuing "$O/CN=Fixture Issuing CA" "$(cdp root.crl)"$'\n'"$(aia root.der)"
# A three-tier PKI: root, policy CA, issuing CA, each CA's AIA naming its issuer.
fx_ca root policy "$O/CN=Fixture Policy CA" "$(cdp root.crl)"$'\n'"$(aia root.der)"
fx_ca policy deep-issuing "$O/CN=Fixture Deep Issuing CA" "$(cdp policy.crl)"$'\n'"$(aia policy.der)"
# Same name as the issuing CA, another key: what signs a forged CRL.
fx_root impostor "$O/CN=Fixture Issuing CA"

fx_leaf legacy legacy-leaf "/CN=legacy-client" "$(cdp legacy.crl)"$'\n'"$(aia legacy.der)"
fx_leaf deep-issuing deep-leaf "/CN=three-tier-client" "$(cdp deep-issuing.crl)"$'\n'"$(aia deep-issuing.der)"
fx_leaf issuing good "/CN=good-client" "$(cdp issuing.crl)"$'\n'"$(aia issuing.der)"
fx_leaf issuing good-p7 "/CN=pkcs7-aia-client" "$(cdp issuing.crl)"$'\n'"$(aia issuing.p7c)"
fx_leaf issuing cdp-404 "/CN=cdp-404-client" "$(cdp status/404/issuing.crl)"
fx_leaf issuing cdp-slow "/CN=cdp-slow-client" "$(cdp slow/issuing.crl)"
fx_leaf issuing cdp-stale "/CN=cdp-stale-client" "$(cdp issuing-stale.crl)"
fx_leaf issuing cdp-forged "/CN=cdp-forged-client" "$(cdp forged.crl)"
fx_leaf issuing cdp-foreign "/CN=cdp-foreign-client" "$(cdp root.crl)"
fx_leaf issuing cdp-garbage "/CN=cdp-garbage-client" "$(cdp garbage.crl)"
fx_leaf issuing crl-revoked "/CN=crl-revoked-client" "$(cdp issuing.crl)"
fx_leaf issuing expired "/CN=expired-client" "$(cdp issuing.crl)" "$(fx_when -5184000)" "$(fx_when -86400)"
fx_leaf issuing server-only "/CN=server-only" "extendedKeyUsage=serverAuth"$'\n'"$(cdp issuing.crl)"
fx_leaf issuing ocsp-crl "/CN=ocsp-and-crl-client" \
  "authorityInfoAccess=OCSP;URI:$F/ocsp/issuing"$'\n'"$(cdp issuing.crl)"
fx_leaf issuing ocsp-only "/CN=ocsp-only-client" "authorityInfoAccess=OCSP;URI:$F/ocsp/issuing"
# A responder that is down (nothing listens on port 1) in front of a CDP that works.
OCSP_DOWN=http://127.0.0.1:1/ocsp
fx_leaf issuing ocsp-down "/CN=ocsp-down-client" "authorityInfoAccess=OCSP;URI:$OCSP_DOWN"$'\n'"$(cdp issuing.crl)"
LDAP_CDP="ldap://127.0.0.1:1/CN=Fixture%20Issuing%20CA%2CO=Nimbus%20Fixture?certificateRevocationList"
UNROUTABLE=http://10.255.255.1/x.crl
fx_leaf issuing unreachable "/CN=unreachable-cdp-client" \
  "crlDistributionPoints=URI:$LDAP_CDP,URI:$UNROUTABLE,URI:$BLACKHOLE"
fx_revoke issuing crl-revoked keyCompromise

# An Active Directory-style CDP: the issuing CA's CRL in a directory entry, served by OpenLDAP's
# slapd on 127.0.0.1. (%2C: a comma would end the URI in openssl's configuration syntax.)
LDAP_PORT=$(free_port)
LDAP_BASE="ldap://127.0.0.1:$LDAP_PORT/cn=Fixture%20Issuing%20CA%2Co=Nimbus%20Fixture"
LDAP_GOOD="$LDAP_BASE?certificateRevocationList;binary?base?objectClass=cRLDistributionPoint"
LDAP_MISSING="ldap://127.0.0.1:$LDAP_PORT/cn=Nobody%2Co=Nimbus%20Fixture?certificateRevocationList;binary?base"
fx_leaf issuing ldap-cdp "/CN=ldap-cdp-client" "crlDistributionPoints=URI:$LDAP_GOOD"
fx_leaf issuing ldap-missing "/CN=ldap-missing-client" "crlDistributionPoints=URI:$LDAP_MISSING"

# Two CAs cross-signed, each one's AIA naming the other: X is issued by Y, Y by X. A
# self-signed Y signs X first; it is published nowhere.
fx_root loop-y "$O/CN=Loop CA Y"
fx_ca loop-y loop-x "$O/CN=Loop CA X" "$(aia loop/y.der)"
fx_sign loop-x loop-y-by-x "$O/CN=Loop CA Y" "$FX/loop-y/ca.csr" \
  "$FX_CA_BASE"$'\n'"authorityKeyIdentifier=keyid:always"$'\n'"$(aia loop/x.der)" "$(fx_when -86400)" "$(fx_when 31536000)"
fx_leaf loop-x loop-leaf "/CN=loop-client" "$(aia loop/x.der)"

cp "$FX/root.der" "$FX/legacy.der" "$FX/issuing.der" "$FX/policy.der" "$FX/deep-issuing.der" "$WWW/"
cp "$FX/loop-x.der" "$WWW/loop/x.der"
cp "$FX/loop-y-by-x.der" "$WWW/loop/y.der"
openssl crl2pkcs7 -nocrl -certfile "$FX/issuing.pem" -outform DER -out "$WWW/issuing.p7c"
fx_crl root "$WWW/root.crl"
fx_crl legacy "$WWW/legacy.crl"
fx_crl policy "$WWW/policy.crl"
fx_crl deep-issuing "$WWW/deep-issuing.crl"
fx_crl issuing "$WWW/issuing.crl"
fx_crl issuing "$WWW/issuing-stale.crl" -crlhours 1
fx_crl impostor "$WWW/forged.crl"
head -c 700 /dev/urandom >"$WWW/garbage.crl"
# The OCSP responder of the issuing CA knows none of its certificates: it answers "unknown".
: >"$OCSP_DIR/issuing/index.txt"
cp "$FX/issuing.pem" "$OCSP_DIR/issuing/ca.pem"
cp "$FX/issuing.pem" "$OCSP_DIR/issuing/signer.pem"
cp "$FX/issuing/ca.key" "$OCSP_DIR/issuing/signer.key"

FX_CHAIN=(--trust "$FX/root.pem" --untrusted "$FX/issuing.pem")

# fixture_fetches PATH: how many times fixture_http.py has been asked for PATH.
fixture_fetches() {
  sleep 0.1
  grep -c "^GET $1 " "$WORK/fixture.log" || true
}

# The case this command exists for: an issuing CA created without CDP or AIA. Windows
# cannot check its revocation, NPS logs reason 258 and the clients show error 853, although the
# client certificates themselves carry perfectly good URLs.
case_ca_without_cdp() {
  verify_json --urlfetch --trust "$FX/root.pem" --untrusted "$FX/legacy.pem" "$FX/legacy-leaf.pem"
  expect_verdict 258 1
  jexpect "an issuing CA without CDP and OCSP" \
    'dn(E(1)["subject"])' "$(subject_of "$FX/legacy.pem")" \
    'E(1)["crl_urls"] + E(1)["ocsp_urls"]' '[]' \
    'rev(1)["status"]' no_information \
    'rev(1)["counts"]' true \
    'rev(0)["status"]' good \
    'rev(0)["method"]' crl \
    'E(2)["role"]' anchor \
    'rev(2)["status"]' no_information \
    'rev(2)["counts"]' false
  verify_text --urlfetch --trust "$FX/root.pem" --untrusted "$FX/legacy.pem" "$FX/legacy-leaf.pem"
  assert_eq "$RC" 1 "exit status of the human output"
  assert_contains "$VERDICT" "DENY" "verdict"
  assert_contains "$VERDICT" "default EAP-TLS settings" "verdict"
  assert_contains "$VERDICT" "reason code 258" "verdict"
  assert_contains "$VERDICT" "CN=Legacy Issuing CA" "verdict names the CA without URLs"
  assert_contains "$VERDICT" "853" "verdict"
}
run_case "issuing CA without CDP/AIA: deny 258 at element 1, error 853" case_ca_without_cdp

# The usual stopgap until the CA is reissued: IgnoreNoRevocationCheck=1 on the NPS server.
case_ca_without_cdp_ignored() {
  verify_json --urlfetch --ignore-no-revocation-check --trust "$FX/root.pem" --untrusted "$FX/legacy.pem" \
    "$FX/legacy-leaf.pem"
  expect_verdict 0
  jexpect "--ignore-no-revocation-check" \
    'rev(1)["status"]' no_information \
    'd["policy"]["ignore_no_revocation_check"]' true
  verify_text --urlfetch --ignore-no-revocation-check --trust "$FX/root.pem" --untrusted "$FX/legacy.pem" \
    "$FX/legacy-leaf.pem"
  assert_eq "$RC" 0 "exit status of the human output"
  assert_contains "$VERDICT" "ACCEPT" "verdict"
  assert_contains "$VERDICT" "ignore_no_revocation_check" "verdict"
}
run_case "issuing CA without CDP/AIA with --ignore-no-revocation-check: accept" case_ca_without_cdp_ignored

# A CDP whose file was deleted or never published: the web server answers 404.
case_cdp_404() {
  verify_json --urlfetch "${FX_CHAIN[@]}" "$FX/cdp-404.pem"
  expect_verdict 259 0
  jexpect "a CDP answering 404" \
    'rev(0)["status"]' offline \
    '[(f["url"], f["outcome"], f["http_status"]) for f in fetches(0, "crl")]' \
    "[[\"$F/status/404/issuing.crl\", \"http_error\", 404]]" \
    'rev(1)["status"]' good
  verify_json --urlfetch --ignore-revocation-offline "${FX_CHAIN[@]}" "$FX/cdp-404.pem"
  expect_verdict 0
  jexpect "a CDP answering 404, --ignore-revocation-offline" 'rev(0)["status"]' offline
}
run_case "CDP answering 404: offline 259; accept with --ignore-revocation-offline" case_cdp_404

# A CDP host that accepts the connection and never answers (an overloaded or half-dead web
# server): the fetch gives up after --timeout and the verdict comes in time.
case_cdp_timeout() {
  verify_json --urlfetch --timeout 1 "${FX_CHAIN[@]}" "$FX/cdp-slow.pem"
  expect_within "$MS" 20 "a run against a CDP that never answers, --timeout 1"
  expect_verdict 259 0
  jexpect "a CDP that never answers" \
    'rev(0)["status"]' offline \
    'outcomes(0, "crl")' '["timeout"]' \
    '900 <= fetches(0, "crl")[0]["milliseconds"] < 10000' true \
    'd["policy"]["timeout_seconds"]' 1
}
run_case "CDP that never answers, --timeout 1: offline 259 within the bound" case_cdp_timeout

# A CRL that nobody republished: its nextUpdate has passed. Verified two hours after it was made
# (the certificates are still valid then), the one-hour CRL is stale.
case_stale_crl() {
  local later
  verify_json --urlfetch "${FX_CHAIN[@]}" "$FX/cdp-stale.pem"
  expect_verdict 0
  later=$(iso_utc $(($(date +%s) + 7200)))
  verify_json --urlfetch --time "$later" "${FX_CHAIN[@]}" "$FX/cdp-stale.pem"
  expect_verdict 259 0
  jexpect "a CRL past its nextUpdate" \
    'd["validation_time"]' "$later" \
    'rev(0)["status"]' offline \
    'outcomes(0, "crl")' '["rejected"]' \
    'rev(1)["status"]' good
}
run_case "CRL past its nextUpdate at --time: offline 259" case_stale_crl

# A CRL under the issuing CA's name but signed by another key: a forgery, or a CA that was
# re-keyed and an old CDP that now serves the wrong CRL.
case_forged_crl() {
  verify_json --urlfetch "${FX_CHAIN[@]}" "$FX/cdp-forged.pem"
  expect_verdict 259 0
  jexpect "a CRL signed by another key" 'rev(0)["status"]' offline 'outcomes(0, "crl")' '["rejected"]'
}
run_case "CRL signed by a key other than the issuer's: offline 259" case_forged_crl

# A CDP that points at another CA's CRL (a copy-paste mistake in the CA's extension settings);
# the CRL is genuine and signed by a trusted root, just not by this certificate's issuer.
case_foreign_crl() {
  verify_json --urlfetch "${FX_CHAIN[@]}" "$FX/cdp-foreign.pem"
  expect_verdict 259 0
  jexpect "the CRL of another issuer" 'rev(0)["status"]' offline 'outcomes(0, "crl")' '["rejected"]'
}
run_case "CRL of another issuer: offline 259" case_foreign_crl

# A CDP that serves something that is not a CRL (a captive portal, an error page with 200).
case_garbage_crl() {
  verify_json --urlfetch "${FX_CHAIN[@]}" "$FX/cdp-garbage.pem"
  expect_verdict 259 0
  jexpect "a CDP serving garbage" 'rev(0)["status"]' offline 'outcomes(0, "crl")' '["bad_data"]'
}
run_case "CDP serving garbage: offline 259" case_garbage_crl

# A CA without an OCSP responder that revokes a client: the CRL alone says so.
case_crl_revoked() {
  verify_json --urlfetch "${FX_CHAIN[@]}" "$FX/crl-revoked.pem"
  expect_verdict 256 0
  jexpect "a leaf on its CA's CRL" \
    'rev(0)["status"]' revoked \
    'rev(0)["method"]' crl \
    'rev(0)["url"]' "$F/issuing.crl" \
    'rev(0)["reason"]' keyCompromise \
    'is_time(rev(0)["revoked_at"])' true
}
run_case "leaf revoked on the CRL (no OCSP): deny 256 keyCompromise" case_crl_revoked

# A supplicant that sends only its own certificate, given as DER: the issuing CA comes from the
# AIA URL as a DER certificate.
case_aia_der() {
  verify_json --urlfetch --trust "$FX/root.pem" "$FX/good.der"
  expect_verdict 0
  jexpect "the issuing CA fetched by AIA (DER)" \
    'column("source")' 'input,aia,trust' \
    'E(1)["sha256"]' "$(sha256_of "$FX/issuing.pem")" \
    '[f["outcome"] for f in fetches(None, "ca_issuers") if f["url"] == "'"$F/issuing.der"'"]' '["ok"]' \
    'statuses()' 'good,good,no_information' \
    'rev(2)["counts"]' false
}
run_case "issuing CA fetched by AIA as DER: accept" case_aia_der

# The same, with the AIA URL serving a PKCS#7 certs-only bundle (.p7c), as Windows CAs publish.
case_aia_pkcs7() {
  verify_json --urlfetch --trust "$FX/root.pem" "$FX/good-p7.pem"
  expect_verdict 0
  jexpect "the issuing CA fetched by AIA (PKCS#7)" \
    'column("source")' 'input,aia,trust' \
    'E(1)["sha256"]' "$(sha256_of "$FX/issuing.pem")" \
    '[f["outcome"] for f in fetches(None, "ca_issuers") if f["url"] == "'"$F/issuing.p7c"'"]' '["ok"]'
}
run_case "issuing CA fetched by AIA as PKCS#7 certs-only: accept" case_aia_pkcs7

# A three-tier PKI and a client that sends only its own certificate: the issuing CA and the
# policy CA above it both come from AIA, one hop after the other.
case_aia_two_hops() {
  verify_json --urlfetch --trust "$FX/root.pem" "$FX/deep-leaf.pem"
  expect_verdict 0
  jexpect "two intermediates fetched by AIA" \
    'column("source")' 'input,aia,aia,trust' \
    'dn(E(1)["subject"])' "$(subject_of "$FX/deep-issuing.pem")" \
    'dn(E(2)["subject"])' "$(subject_of "$FX/policy.pem")" \
    'statuses()' 'good,good,good,no_information' \
    'sorted(f["url"] for f in fetches(None, "ca_issuers") if f["outcome"] == "ok")' \
    "[\"$F/deep-issuing.der\", \"$F/policy.der\"]"
}
run_case "three tiers, both intermediates fetched by AIA: accept" case_aia_two_hops

# Two cross-certified CAs whose AIA URLs point at each other, neither trusted: path building must
# notice the loop, fetch each URL once and give up quickly.
case_aia_loop() {
  local x_before y_before
  x_before=$(fixture_fetches /loop/x.der)
  y_before=$(fixture_fetches /loop/y.der)
  verify_json --urlfetch --timeout 2 --trust "$FX/root.pem" "$FX/loop-leaf.pem"
  expect_within "$MS" 15 "path building through an AIA loop"
  jexpect "an AIA loop" \
    'rc' 1 \
    'd["decision"]' deny \
    'd["reason_code"] in (287, 265)' true \
    'd["reason"] == {287: "CERT_E_CHAINING", 265: "SEC_E_UNTRUSTED_ROOT"}.get(d["reason_code"])' true \
    'd["client_error"]' 853 \
    'd["chain"]["trusted"]' false
  local x y
  x=$(($(fixture_fetches /loop/x.der) - x_before))
  y=$(($(fixture_fetches /loop/y.der) - y_before))
  [[ $x -le 1 && $y -le 1 ]] || fail "an AIA loop: x.der fetched $x times, y.der $y times (at most once each)"
}
run_case "AIA loop of two cross-signed CAs: deny 287/265 quickly, each URL fetched once" case_aia_loop

# A client from another organisation (or a test PKI) whose root the RADIUS server does not trust.
case_untrusted_root() {
  cat "$FX/issuing.pem" "$FX/root.pem" >"$WORK/fx-chain.pem"
  verify_json --urlfetch --trust "$FX/other-root.pem" --untrusted "$WORK/fx-chain.pem" "$FX/good.pem"
  expect_verdict 265 2
  jexpect "a root not among the trust anchors" \
    'd["chain"]' '{"complete": true, "trusted": false}' \
    'len(els)' 3 \
    'dn(E(2)["subject"])' "$(subject_of "$FX/root.pem")" \
    '"untrusted_root" in problems(2)' true
}
run_case "root not in --trust: deny 265" case_untrusted_root

# Trust anchors kept as a directory, like a RADIUS server's CA folder: mixed DER and PEM files.
case_trust_directory() {
  mkdir -p "$WORK/anchors"
  cp "$FX/root.der" "$WORK/anchors/fixture-root.der"
  cp "$FX/other-root.pem" "$WORK/anchors/other-root.pem"
  verify_json --urlfetch --trust "$WORK/anchors" --untrusted "$FX/issuing.pem" "$FX/good.pem"
  expect_verdict 0
  jexpect "--trust DIR" 'E(2)["source"]' trust 'E(2)["sha256"]' "$(sha256_of "$FX/root.pem")"
}
run_case "--trust DIR with DER and PEM anchors: accept" case_trust_directory

# A device that was not renewed in time.
case_expired_leaf() {
  verify_json --urlfetch "${FX_CHAIN[@]}" "$FX/expired.pem"
  expect_verdict 268 0
  jexpect "an expired leaf" '"expired" in problems(0)' true
}
run_case "expired leaf: deny 268, error 854" case_expired_leaf

# A device whose clock is behind, or a certificate issued with a start date in the future, seen
# at a time before its notBefore (revocation left out: there is no CRL for that time).
case_not_yet_valid() {
  verify_json --no-revocation-check --time "$(iso_utc $(($(date +%s) - 2 * 86400)))" "${FX_CHAIN[@]}" "$FX/good.pem"
  expect_verdict 268 0
  jexpect "a leaf not yet valid" '"not_yet_valid" in problems(0)' true
}
run_case "leaf before its notBefore: deny 268" case_not_yet_valid

# A web server certificate installed on a client by mistake: no client-auth EKU. NPS policies
# that require server auth instead (rare) accept it.
case_wrong_eku() {
  verify_json --urlfetch "${FX_CHAIN[@]}" "$FX/server-only.pem"
  expect_verdict 283 0
  jexpect "a leaf without client auth" '"wrong_eku" in problems(0)' true 'd["policy"]["required_eku"]' "$CLIENT_AUTH"
  verify_json --urlfetch --eku "$SERVER_AUTH" "${FX_CHAIN[@]}" "$FX/server-only.pem"
  expect_verdict 0
  jexpect "--eku server auth" 'd["policy"]["required_eku"]' "$SERVER_AUTH" 'problems(0)' '[]'
}
run_case "leaf without client-auth EKU: deny 283; accept with --eku serverAuth" case_wrong_eku

# An OCSP responder that does not know the certificate (its database lags behind the CA): the
# "unknown" answer is no answer, and the CRL decides.
case_ocsp_unknown_crl() {
  verify_json --urlfetch "${FX_CHAIN[@]}" "$FX/ocsp-crl.pem"
  expect_verdict 0
  jexpect "OCSP unknown, CRL good" \
    'rev(0)["status"]' good \
    'rev(0)["method"]' crl \
    'rev(0)["url"]' "$F/issuing.crl" \
    '[(f["purpose"], f["outcome"]) for f in fetches(0) if f["purpose"] in ("ocsp", "crl")]' \
    '[["ocsp", "ok"], ["crl", "ok"]]' \
    'fetches(0, "ocsp")[0]["http_status"]' 200
}
run_case "OCSP unknown, CRL present: the CRL decides, accept" case_ocsp_unknown_crl

# The same responder for a certificate with OCSP only: nothing to fall back on.
case_ocsp_unknown_only() {
  verify_json --urlfetch "${FX_CHAIN[@]}" "$FX/ocsp-only.pem"
  expect_verdict 259 0
  jexpect "OCSP unknown, no CRL" \
    'rev(0)["status"]' offline \
    '[(f["outcome"], f["http_status"]) for f in fetches(0, "ocsp")]' '[["ok", 200]]'
}
run_case "OCSP unknown and no CDP: offline 259" case_ocsp_unknown_only

# The OCSP responder is down but the CRL is served: the CRL answers, as NPS falls back to it.
case_ocsp_down_crl_fallback() {
  verify_json --urlfetch "${FX_CHAIN[@]}" "$FX/ocsp-down.pem"
  expect_verdict 0
  jexpect "OCSP down, CRL up" \
    'rev(0)["status"]' good \
    'rev(0)["method"]' crl \
    '[f["outcome"] for f in fetches(0, "ocsp")]' '["unreachable"]' \
    '[f["outcome"] for f in fetches(0, "crl")]' '["ok"]'
}
run_case "OCSP down, CRL up: the CRL answers, accept" case_ocsp_down_crl_fallback

# CDPs no RADIUS server can use: the LDAP URL of an Active Directory CA (nothing listens there),
# an HTTP URL on a private address the RADIUS server has no route to, and a host that drops
# packets. The verdict is offline, in bounded time. What answers 10.255.255.1 depends on the
# network (nothing, an ICMP error, or a transparent proxy's 404); only the blackhole port on
# 127.0.0.1 is sure to hang until the timeout.
case_unreachable_cdps() {
  verify_json --urlfetch --timeout 2 "${FX_CHAIN[@]}" "$FX/unreachable.pem"
  expect_within "$MS" 15 "a run against LDAP, unroutable and blackholed CDPs, --timeout 2"
  expect_verdict 259 0
  jexpect "LDAP, unroutable and blackholed CDPs" \
    'rev(0)["status"]' offline \
    'E(0)["crl_urls"]' "[\"$LDAP_CDP\", \"$UNROUTABLE\", \"$BLACKHOLE\"]" \
    '[f["outcome"] for f in fetches(0, "crl") if f["url"] == "'"$LDAP_CDP"'"]' '["unreachable"]' \
    '[f["outcome"] != "ok" for f in fetches(0, "crl") if f["url"] == "'"$UNROUTABLE"'"]' '[true]' \
    '[f["outcome"] for f in fetches(0, "crl") if f["url"] == "'"$BLACKHOLE"'"]' '["timeout"]'
}
run_case "LDAP, unroutable and blackholed CDPs, --timeout 2: offline 259 within the bound" case_unreachable_cdps

# ---- a CDP in a directory ---------------------------------------------------------------------
SLAPD=$(command -v slapd || echo /usr/sbin/slapd)
[[ -x "$SLAPD" ]] || fail "the tests need OpenLDAP's slapd (make deps installs it)"
mkdir -p "$WORK/ldap/db"
cat >"$WORK/ldap/slapd.conf" <<EOF
include /etc/ldap/schema/core.schema
pidfile $WORK/ldap/slapd.pid
modulepath /usr/lib/ldap
moduleload back_mdb
database mdb
suffix "o=Nimbus Fixture"
rootdn "cn=admin,o=Nimbus Fixture"
rootpw fixture-only
directory $WORK/ldap/db
EOF
"$SLAPD" -f "$WORK/ldap/slapd.conf" -h "ldap://127.0.0.1:$LDAP_PORT/" -d 0 >"$WORK/ldap/slapd.out" 2>&1 &
LDAP_PID=$!
cat >"$WORK/ldap/entries.ldif" <<EOF
dn: o=Nimbus Fixture
objectClass: organization
o: Nimbus Fixture

dn: cn=Fixture Issuing CA,o=Nimbus Fixture
objectClass: cRLDistributionPoint
cn: Fixture Issuing CA
certificateRevocationList;binary:< file://$WWW/issuing.crl
EOF
for _ in $(seq 1 50); do
  ldapadd -x -H "ldap://127.0.0.1:$LDAP_PORT" -D "cn=admin,o=Nimbus Fixture" -w fixture-only \
    -f "$WORK/ldap/entries.ldif" >"$WORK/ldap/add.out" 2>&1 && break
  kill -0 "$LDAP_PID" 2>/dev/null || { cat "$WORK/ldap/slapd.out" >&2; fail "slapd exited at start"; }
  sleep 0.2
done
grep -q 'adding new entry "cn=Fixture Issuing CA' "$WORK/ldap/add.out" ||
  fail "could not fill the directory: $(cat "$WORK/ldap/add.out")"

# The CRL comes from the directory, decoded from libcurl's LDIF-style answer.
case_ldap_cdp() {
  verify_json --urlfetch "${FX_CHAIN[@]}" "$FX/ldap-cdp.pem"
  expect_verdict 0
  jexpect "a CRL from LDAP" \
    'rev(0)["status"]' good \
    'rev(0)["method"]' crl \
    'rev(0)["url"]' "$LDAP_GOOD" \
    '[f["outcome"] for f in fetches(0, "crl")]' '["ok"]'
}
run_case "CDP in LDAP (slapd): the CRL is fetched and used, accept" case_ldap_cdp

# An LDAP CDP naming an entry the directory does not have: the directory's answer, not a hang.
case_ldap_missing_entry() {
  verify_json --urlfetch "${FX_CHAIN[@]}" "$FX/ldap-missing.pem"
  expect_verdict 259 0
  jexpect "an LDAP CDP without its entry" \
    '[f["outcome"] for f in fetches(0, "crl")]' '["http_error"]'
}
run_case "LDAP CDP naming a missing entry: offline 259" case_ldap_missing_entry

finish
