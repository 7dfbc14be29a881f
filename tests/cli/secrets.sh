#!/usr/bin/env bash
# Secrets stay secret: with every log message on (--log-level trace), neither the key passphrase
# nor any private key material reaches the logs, the store (database and WAL), or nimbus.yaml.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh" "$@"

D=$WORK/data
LOG=$WORK/nimbus.log
WAL_COPY=$WORK/held.db-wal
P=$PASSPHRASE
WRONG="wrong-$(openssl rand -hex 12)"
note "passphrase under test: ${#P} characters"

# trace CMD...: nimbus at trace level, stdout and stderr appended to the log.
trace() {
  echo "\$ nimbus $*" >>"$LOG"
  nimbus "$@" --log-level trace >>"$LOG" 2>&1
}
trace_ok() { trace "$@" || fail "nimbus $* failed; log tail:"$'\n'"$(tail -n 5 "$LOG")"; }
trace_refused() {
  if trace "$@"; then fail "nimbus $* should have been refused"; fi
}

trace_ok init --data "$D" --org "Secret Test" --base-url "$BASE_URL" --root-key ec:p384 --issuing-key ec:p256

# Hold a second connection to the store while the commands below run, so that nimbus cannot
# checkpoint and delete the WAL on exit: what the commands wrote stays in nimbus.db-wal.
python3 - "$D/nimbus.db" "$WORK/holder-ready" "$WORK/holder-release" >/dev/null 2>&1 <<'EOF' &
import os, sqlite3, sys, time
db, ready, release = sys.argv[1:]
connection = sqlite3.connect(db)
connection.execute("select count(*) from authorities").fetchall()
open(ready, "w").close()
deadline = time.time() + 120
# Ends when released, when the test's directory is gone (the test ended early), or after 2 minutes.
while not os.path.exists(release) and os.path.exists(ready) and time.time() < deadline:
    time.sleep(0.05)
connection.close()
EOF
HOLDER=$!
release_holder() {
  touch "$WORK/holder-release"
  wait "$HOLDER" 2>/dev/null || true
}
for _ in $(seq 200); do [[ -e "$WORK/holder-ready" ]] && break; sleep 0.05; done
[[ -e "$WORK/holder-ready" ]] || fail "the sqlite connection holder did not start"

trace_ok ca list --data "$D"
trace_ok ca list --data "$D" --json
trace_ok ca show secret-test-issuing-ca --data "$D"
trace_ok ca show secret-test-root-ca --data "$D" --json
trace_ok ca export secret-test-issuing-ca --data "$D" --chain
trace_ok ca create-root --data "$D" --name "Secret Second Root" --key ec:p384
trace_ok ca create-issuing --data "$D" --parent secret-test-root-ca --name "Secret RSA Issuing" --key rsa:2048 --validity 60d
trace_ok ca create-issuing --data "$D" --external-parent --name "Secret External" --key ec:p256
trace_ok ca pause secret-second-root --data "$D"
trace_refused ca create-issuing --data "$D" --parent secret-second-root --name "Refused" --key ec:p256
trace_ok ca resume secret-second-root --data "$D"
trace_ok ca revoke secret-rsa-issuing --data "$D" --reason superseded
NIMBUS_KEY_PASSPHRASE=$WRONG trace_refused ca create-issuing --data "$D" --parent secret-test-root-ca \
  --name "Wrong Passphrase" --key ec:p256
(
  unset NIMBUS_KEY_PASSPHRASE
  trace_refused ca create-root --data "$D" --name "No Passphrase" --key ec:p384
)

WAL=$D/nimbus.db-wal
[[ -s "$WAL" ]] || fail "test setup: no WAL file was kept while the holder connection was open"
cp "$WAL" "$WAL_COPY"
release_holder

FILES=("$LOG" "$D/nimbus.db" "$WAL_COPY" "$D/nimbus.yaml")
[[ -f "$WAL" ]] && FILES+=("$WAL")

case_log_has_content() {
  grep -Eq "^[0-9T:.-]+Z (trace|debug|info) .*secret-second-root" "$LOG" ||
    fail "the trace log has no log line about creating secret-second-root; is logging on?"
  grep -q "BEGIN CERTIFICATE REQUEST" "$LOG" || fail "the CSR (written to stdout) is missing from the log"
  assert_contains "$(cat "$LOG")" "passphrase" "log of the wrong-passphrase command"
}
run_case "the trace log captured the commands (control)" case_log_has_content

case_passphrase_absent() {
  local file secret
  for secret in "$P" "$WRONG"; do
    for file in "${FILES[@]}" "$D"/keys/*; do
      if grep -a -q -F -- "$secret" "$file"; then
        fail "the passphrase '$secret' appears in $file: $(grep -a -o -F -- "$secret" "$file" | head -n 1)"
      fi
    done
    grep -r -a -q -F -- "$secret" "$D" && fail "the passphrase '$secret' appears under $D: $(grep -r -a -l -F -- "$secret" "$D")"
    # Nor hex-encoded.
    local hex
    hex=$(printf '%s' "$secret" | xxd -p | tr -d '\n')
    for file in "${FILES[@]}"; do
      grep -a -q -i -F -- "$hex" "$file" && fail "the passphrase appears hex-encoded in $file"
    done
  done
  return 0
}
run_case "the passphrase is in no log, store, WAL or configuration file" case_passphrase_absent

# Private key material: for each CA key, 32 bytes from the middle of its private component (the EC
# scalar, the RSA private exponent), searched raw and hex-encoded. As a control, 32 bytes of the
# public key of each CA with a certificate must be found in the store, proving the search works.
case_private_keys_absent() {
  local keys=("$D"/keys/*.key)
  [[ ${#keys[@]} -ge 5 ]] || fail "expected at least 5 CA keys, found ${#keys[@]}"
  local key i=0
  for key in "${keys[@]}"; do
    i=$((i + 1))
    openssl pkey -in "$key" -passin env:NIMBUS_KEY_PASSPHRASE -outform DER -out "$WORK/key-$i.der" 2>/dev/null ||
      fail "$key does not decrypt"
    openssl pkey -in "$key" -passin env:NIMBUS_KEY_PASSPHRASE -pubout -outform DER -out "$WORK/pub-$i.der"
    # The control applies to CAs with a certificate (not the pending one).
    sql "$D" "select count(*) from authorities where key_reference = 'file:$(basename "$key")' and certificate is not null" \
      >"$WORK/has-cert-$i"
  done
  python3 - "$WORK" "$i" "$D/nimbus.db" "$WAL_COPY" "${FILES[@]}" <<'EOF'
import binascii, sys

work, count, db, wal, files = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5:]

def tlv(data, pos):
    """(tag, value_start, value_end) of the DER element at pos."""
    tag = data[pos]
    length = data[pos + 1]
    pos += 2
    if length & 0x80:
        n = length & 0x7F
        length = int.from_bytes(data[pos:pos + n], "big")
        pos += n
    return tag, pos, pos + length

def children(data, start, end):
    out = []
    while start < end:
        tag, vs, ve = tlv(data, start)
        out.append((tag, vs, ve))
        start = ve
    return out

def private_component(der):
    # PKCS#8: SEQUENCE { INTEGER version, AlgorithmIdentifier, OCTET STRING privateKey, ... };
    # otherwise the traditional RSAPrivateKey / ECPrivateKey itself.
    _, s, e = tlv(der, 0)
    fields = children(der, s, e)
    if len(fields) >= 3 and fields[1][0] == 0x30 and fields[2][0] == 0x04:
        inner = der[fields[2][1]:fields[2][2]]
    else:
        inner = der
    _, s, e = tlv(inner, 0)
    parts = children(inner, s, e)
    if len(parts) >= 9 and all(p[0] == 0x02 for p in parts[:9]):  # RSAPrivateKey: version n e d p q ...
        _, vs, ve = parts[3]
        return "rsa d", inner[vs:ve]
    if parts[1][0] == 0x04:  # ECPrivateKey: version, privateKey OCTET STRING, ...
        _, vs, ve = parts[1]
        return "ec scalar", inner[vs:ve]
    raise SystemExit("unknown private key structure")

contents = {name: open(name, "rb").read() for name in files}
store = open(db, "rb").read()
wal_content = open(wal, "rb").read()
problems = []
public_in_wal = 0
for i in range(1, count + 1):
    kind, secret = private_component(open("%s/key-%d.der" % (work, i), "rb").read())
    assert len(secret) >= 32, "private component shorter than 32 bytes"
    middle = (len(secret) - 32) // 2
    chunk = secret[middle:middle + 32]
    needles = [chunk, binascii.hexlify(chunk), binascii.hexlify(chunk).upper()]
    for name, data in contents.items():
        for needle in needles:
            if needle in data:
                problems.append("key %d (%s): private key bytes found in %s" % (i, kind, name))
    # Control: the public key (last 32 bytes of the SubjectPublicKeyInfo) is in the store.
    public = open("%s/pub-%d.der" % (work, i), "rb").read()[-32:]
    has_certificate = open("%s/has-cert-%d" % (work, i)).read().strip() == "1"
    public_in_wal += public in wal_content
    if has_certificate and public not in store:
        problems.append("control failed: key %d's public key is not in the store; is the search broken?" % i)
    print("# key %d: %s, %d bytes, checked %d files" % (i, kind, len(secret), len(contents)))
if public_in_wal == 0:
    problems.append("control failed: no CA public key in the WAL copy; it does not hold the commands' writes")
if problems:
    print("\n".join(problems), file=sys.stderr)
    sys.exit(1)
EOF
}
run_case "no private key bytes in the logs, store, WAL or configuration" case_private_keys_absent

finish
