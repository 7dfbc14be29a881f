#!/usr/bin/env bash
# Logs that cannot be forged: requests carrying CR, LF, ESC, NUL and invalid UTF-8 in a CA id, a
# path and a header, sent as raw bytes, against `nimbus serve` with --log-format text and json.
# Every text line is one line in our format with no control byte; every JSON line is one object
# that a strict parser accepts; the values come out escaped (\xNN), nothing starts a line of its
# own; a refused OCSP request is logged once; the 404 answer for an unknown CA is escaped too.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh" "$@"
python3() { "$PYTHON" -S "$@"; }
serve_here

D=$WORK/data
init_vpn "$D"
# A well-formed OCSP request, so that the CA id (not the body) is what gets it refused.
openssl ocsp -issuer "$WORK/root.pem" -cert "$WORK/issuing.pem" -no_nonce -reqout "$WORK/request.der" >/dev/null 2>&1

# Each attack tries to start a line of its own: a timestamp of 2001-02-03 in the text format,
# then "FORGED".

# send.py OUT-DIR PORT: sends every attack as raw bytes on its own connection and writes each answer
# to OUT-DIR/NAME.
cat >"$WORK/send.py" <<'EOF'
import os, socket, sys

out_dir, port = sys.argv[1], int(sys.argv[2])
request_der = open(os.path.join(os.path.dirname(out_dir), "request.der"), "rb").read()
pct = b"%0d%0a2001-02-03T04:05:06.000Z%20info%20FORGED%1b[31m%00"


def request(line, headers=b"", body=b""):
    head = line + b"\r\nHost: 127.0.0.1\r\nConnection: close\r\n" + headers
    if body:
        head += b"Content-Type: application/ocsp-request\r\nContent-Length: %d\r\n" % len(body)
    return head + b"\r\n" + body


attacks = {
    # The CA id of the OCSP routes, percent-decoded by the router into CR LF ESC NUL.
    "ocsp_post_ca": request(b"POST /ocsp/" + pct + b"\xff HTTP/1.1", body=request_der),
    "ocsp_get_ca": request(b"GET /ocsp/" + pct + b"/MAA%3D HTTP/1.1"),
    # The CA id of AIA and CDP, echoed by the 404 answer.
    "aia_ca": request(b"GET /aia/" + pct + b".crt HTTP/1.1"),
    # Raw bytes in the path: invalid UTF-8 reaches the access log; ESC is refused by the parser.
    "raw_path": request(b"GET /nothing/\xff\xfe\xc3(\x80 HTTP/1.1"),
    "raw_path_esc": request(b"GET /nothing/\x1b[31m HTTP/1.1"),
    # Header values: CR, LF, ESC and NUL are refused by the parser; CR LF ends the field, and what
    # follows is a header of its own.
    "header_cr": request(b"GET /healthz\xff HTTP/1.1", b"X-Test: a\r2001-02-03T04:05:06.000Z info FORGED\r\n"),
    "header_lf": request(b"GET /healthz\xff HTTP/1.1", b"X-Test: a\n2001-02-03T04:05:06.000Z info FORGED\r\n"),
    "header_esc_nul": request(b"GET /healthz\xff HTTP/1.1", b"X-Test: a\x1b[31mFORGED\x00b\r\n"),
    "header_split": request(b"GET /healthz HTTP/1.1", b"X-Test: a\r\n2001-02-03T04:05:06.000Z info FORGED\r\n"),
}
for name, raw in attacks.items():
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(raw)
        answer = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            answer += chunk
    with open(os.path.join(out_dir, name), "wb") as f:
        f.write(answer)
EOF

# check_log.py FORMAT LOG: every line well-formed for FORMAT, nothing forged; prints the messages,
# one per line, with their escapes as written, for the shell to look into.
cat >"$WORK/check_log.py" <<'EOF'
import json, re, sys

form, path = sys.argv[1], sys.argv[2]
raw = open(path, "rb").read()
if not raw.endswith(b"\n"):
    sys.exit("the log does not end with a newline")
text_line = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (trace|debug|info|warning|error|critical) ")
messages = []
for number, line in enumerate(raw[:-1].split(b"\n"), 1):
    where = "line %d: %r" % (number, line)
    bad = [b for b in line if b < 0x20 or b == 0x7F]
    if bad:
        sys.exit("raw control byte(s) %r in %s" % (bytes(bad), where))
    try:
        decoded = line.decode("utf-8", errors="strict")
    except UnicodeDecodeError as e:
        sys.exit("invalid UTF-8 (%s) in %s" % (e, where))
    if form == "json":
        try:
            entry = json.loads(decoded, strict=True)
        except ValueError as e:
            sys.exit("not JSON (%s): %s" % (e, where))
        if not isinstance(entry, dict) or sorted(entry) != ["level", "logger", "message", "time"]:
            sys.exit("not one log object: " + where)
        if "\n" in entry["message"] or "\r" in entry["message"]:
            sys.exit("a line break in a message: " + where)
        message = entry["message"]
    else:
        if not text_line.match(decoded):
            sys.exit("not a line of ours: " + where)
        message = text_line.sub("", decoded, count=1)
    if decoded.startswith("2001-02-03") or message.startswith("2001-02-03") or message.startswith("FORGED"):
        sys.exit("a forged line: " + where)
    sys.stdout.buffer.write(message.encode("utf-8", "backslashreplace") + b"\n")
EOF

trap 'stop_serve; cleanup' EXIT

# attack FORMAT: runs the server with --log-format FORMAT, sends every attack, stops the server;
# the log is in $WORK/FORMAT.log, the answers in $WORK/FORMAT/.
attack() {
  local format=$1
  mkdir -p "$WORK/$format"
  start_serve "$WORK/$format.log" --data "$D" --port "$PORT" --log-level debug --log-format "$format"
  python3 "$WORK/send.py" "$WORK/$format" "$PORT" || fail "sending the requests failed"
  stop_serve
}
attack text
attack json

# status_of_answer FORMAT NAME: the status code of an answer.
status_of_answer() { head -n 1 "$WORK/$1/$2" | cut -d' ' -f2; }

case_well_formed() {
  local format=$1
  python3 "$WORK/check_log.py" "$format" "$WORK/$format.log" >"$WORK/$format.messages" ||
    fail "--log-format $format: the log above is not safe"
}

case_escaped() {
  local format=$1 messages
  python3 "$WORK/check_log.py" "$format" "$WORK/$format.log" >"$WORK/$format.messages"
  messages=$(cat "$WORK/$format.messages")
  local id='\x0d\x0a2001-02-03T04:05:06.000Z info FORGED\x1b[31m\x00'
  # The OCSP CA id, escaped in the one line of each refused request (POST, then GET).
  assert_contains "$messages" "OCSP request for '$id\xff' from 127.0.0.1 refused (unauthorized)" "the POSTed CA id"
  assert_contains "$messages" "OCSP request for '$id' from 127.0.0.1 refused (malformedRequest)" "the GET CA id"
  assert_eq "$(grep -c 'OCSP request' <<<"$messages")" "2" "log lines about the two refused OCSP requests"
  assert_not_contains "$messages" "(invalid id)" "the CA id is shown escaped, not replaced"
  # Invalid UTF-8 in the request target, escaped in the access log (the parser refuses ESC).
  assert_contains "$messages" '"GET /nothing/\xff\xfe\xc3(\x80" 404' "raw bytes of the path in the access log"
  assert_eq "$(grep -c '"GET /healthz\\xff" 400' <<<"$messages")" "3" "requests with refused headers, in the access log"
  assert_eq "$(grep -c '"- -" 400' <<<"$messages")" "1" "the start line the parser refused"
}

for format in text json; do
  run_case "--log-format $format: every line is one well-formed line, none forged" case_well_formed "$format"
  run_case "--log-format $format: request values are escaped as \\xNN" case_escaped "$format"
done

case_answers() {
  local answer
  assert_eq "$(status_of_answer text ocsp_post_ca)" "200" "an OCSP POST to a bad CA id is answered in OCSP"
  assert_eq "$(tail -c 5 "$WORK/text/ocsp_post_ca" | xxd -p)" "30030a0106" "unauthorized"
  assert_eq "$(status_of_answer text aia_ca)" "404" "an unknown CA on AIA"
  answer=$(sed '1,/^\r$/d' "$WORK/text/aia_ca")
  assert_eq "$answer" "no authority '\\x0d\\x0a2001-02-03T04:05:06.000Z info FORGED\\x1b[31m\\x00'" \
    "the 404 answer names the CA id escaped"
  [[ "$(tr -d '\r\n' <<<"$answer" | LC_ALL=C tr -d '[:print:]' | wc -c)" == 0 ]] || fail "a control byte in the 404 answer"
  for name in raw_path_esc header_cr header_lf header_esc_nul; do
    assert_eq "$(status_of_answer text "$name")" "400" "$name is refused by the parser"
  done
  assert_eq "$(status_of_answer text header_split)" "200" "CR LF in a header only ends the field"
}
run_case "the answers: OCSP unauthorized, an escaped 404, 400 for what HTTP forbids" case_answers

finish
