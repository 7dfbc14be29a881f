#!/usr/bin/env bash
# An issuing CA under an enterprise CA: create-issuing --external-parent writes a CSR, the
# enterprise CA (here: the openssl CLI) signs it, import-cert installs the certificate — and
# refuses certificates relying parties would reject.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh" "$@"

D=$WORK/data
init_ec "$D"
ID=corp-issuing-ca
ENT=$WORK/enterprise
mkdir -p "$ENT"

# ---------------------------------------------------------------------------------------------
# The enterprise PKI, made with openssl

make_root() { # NAME CN
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -keyout "$ENT/$1.key" -out "$ENT/$1.pem" \
    -subj "/O=Enterprise/CN=$2" -days 3650 -sha384 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "subjectKeyIdentifier=hash" 2>/dev/null || fail "openssl could not make the enterprise root $2"
}

# sign CSR ISSUER-NAME OUT EXTENSIONS...: the enterprise CA ISSUER-NAME signs CSR.
sign() {
  local csr=$1 issuer=$2 out=$3
  shift 3
  printf '%s\n' "$@" >"$out.ext"
  openssl x509 -req -in "$csr" -CA "$ENT/$issuer.pem" -CAkey "$ENT/$issuer.key" -CAserial "$ENT/serial" \
    -CAcreateserial -days 365 -sha256 -extfile "$out.ext" -out "$out" 2>/dev/null ||
    fail "openssl could not sign $csr with $issuer"
}

CA_EXT=("basicConstraints=critical,CA:TRUE,pathlen:0" "keyUsage=critical,keyCertSign,cRLSign"
  "subjectKeyIdentifier=hash" "authorityKeyIdentifier=keyid")
CDP_EXT="crlDistributionPoints=URI:http://pki.enterprise.test/cdp/enterprise-intermediate.crl"

make_root ent-root "Enterprise Root"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$ENT/ent-int.key" \
  -out "$ENT/ent-int.csr" -subj "/O=Enterprise/CN=Enterprise Intermediate" 2>/dev/null
sign "$ENT/ent-int.csr" ent-root "$ENT/ent-int.pem" "basicConstraints=critical,CA:TRUE" \
  "keyUsage=critical,keyCertSign,cRLSign" "subjectKeyIdentifier=hash" "authorityKeyIdentifier=keyid" \
  "crlDistributionPoints=URI:http://pki.enterprise.test/cdp/enterprise-root.crl"
cat "$ENT/ent-int.pem" "$ENT/ent-root.pem" >"$ENT/chain.pem"
openssl verify -CAfile "$ENT/ent-root.pem" "$ENT/ent-int.pem" >/dev/null || fail "the enterprise chain is broken"

# An unrelated enterprise hierarchy, for chains that do not match.
make_root other-root "Other Root"

# ---------------------------------------------------------------------------------------------
# The request

REQ=$WORK/req.pem
out=$(expect_ok nimbus ca create-issuing --data "$D" --external-parent --name "Corp Issuing CA" --key ec:p256 --out "$REQ")
note "create-issuing --external-parent said: $(head -n 1 <<<"$out")"

case_pending() {
  assert_contains "$out" "$ID" "create-issuing --external-parent output"
  assert_contains "$out" "import-cert" "create-issuing --external-parent output tells the next step"
  local entry
  entry=$(expect_ok nimbus ca show "$ID" --data "$D" --json)
  assert_eq "$(json_field "$entry" 'd["status"]')" pending "status of the new CA"
  assert_eq "$(json_field "$entry" 'd["parent"]')" null "parent of the new CA"
  assert_eq "$(json_field "$entry" 'd["kind"]')" issuing "kind of the new CA"
  assert_eq "$(status_of "$D" "$ID")" pending "status in ca list --json"
  assert_eq "$(sql "$D" "select count(*) from crls where authority_id = '$ID'")" 0 "CRLs of a pending CA"
  assert_eq "$(sql "$D" "select count(*) from audit_events where action = 'authority.request' and target = '$ID'")" 1 \
    "authority.request audit event"
  local text
  text=$(expect_ok nimbus ca show "$ID" --data "$D")
  grep -Eq '^Status +pending$' <<<"$text" || fail "ca show does not say pending:"$'\n'"$text"
  expect_fail --status 1 nimbus ca export "$ID" --data "$D"
  assert_contains "$ERR" "import-cert" "export of a pending CA"
}
run_case "the CA is pending" case_pending

case_request() {
  openssl req -in "$REQ" -verify -noout 2>&1 | grep -q "verify OK" || fail "req.pem does not verify as a CSR"
  local text
  text=$(openssl req -in "$REQ" -noout -text)
  grep -A1 "X509v3 Basic Constraints" <<<"$text" | grep -q "CA:TRUE" || fail "the CSR does not request CA:TRUE:"$'\n'"$text"
  assert_contains "$(openssl req -in "$REQ" -noout -subject -nameopt RFC2253)" "CN=Corp Issuing CA" "CSR subject"
  # The request is for the key nimbus keeps for the CA.
  local keys=("$D"/keys/"$ID"-*.key)
  assert_eq "${#keys[@]}" 1 "key files of $ID"
  assert_file_mode "${keys[0]}" 600
  assert_eq "$(openssl req -in "$REQ" -noout -pubkey | sha256sum)" \
    "$(openssl pkey -in "${keys[0]}" -passin env:NIMBUS_KEY_PASSPHRASE -pubout | sha256sum)" "CSR public key == CA key"
}
run_case "req.pem is a CSR for CA:TRUE with the CA's key" case_request

# ---------------------------------------------------------------------------------------------
# Certificates import-cert must refuse

refused_import() { # EXPECTED-TEXT... -- CERT CHAIN
  local expected=()
  while [[ "$1" != -- ]]; do
    expected+=("$1")
    shift
  done
  shift
  local before
  before=$(store_snapshot "$D")
  expect_fail --status 1 nimbus ca import-cert "$ID" --data "$D" --cert "$1" --chain "$2"
  local text
  for text in "${expected[@]}"; do
    assert_contains_i "$ERR" "$text" "import-cert refusal message"
  done
  assert_snapshot_unchanged "$before" "$D" "refused import-cert"
  assert_eq "$(status_of "$D" "$ID")" pending "status after a refused import"
}

case_no_cdp() {
  sign "$REQ" ent-int "$WORK/no-cdp.pem" "${CA_EXT[@]}"
  refused_import "CRL distribution point" 258 -- "$WORK/no-cdp.pem" "$ENT/chain.pem"
}
run_case "a certificate without a CDP is refused (NPS 258)" case_no_cdp

case_other_key() {
  # A correct CA certificate, but for the enterprise intermediate's key, not the request's.
  sign "$ENT/ent-int.csr" ent-int "$WORK/other-key.pem" "${CA_EXT[@]}" "$CDP_EXT"
  refused_import "key" -- "$WORK/other-key.pem" "$ENT/chain.pem"
}
run_case "a certificate for another key is refused" case_other_key

case_not_ca() {
  sign "$REQ" ent-int "$WORK/not-ca.pem" "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" \
    "$CDP_EXT"
  refused_import "CA" -- "$WORK/not-ca.pem" "$ENT/chain.pem"
}
run_case "a certificate that is not a CA certificate is refused" case_not_ca

GOOD=$WORK/corp-issuing.pem
sign "$REQ" ent-int "$GOOD" "${CA_EXT[@]}" "$CDP_EXT"
openssl verify -CAfile "$ENT/ent-root.pem" -untrusted "$ENT/ent-int.pem" "$GOOD" >/dev/null ||
  fail "openssl says the good certificate does not chain to the enterprise root"

run_case "a chain from another root is refused" \
  refused_import "chain" -- "$GOOD" "$ENT/other-root.pem"

case_chain_without_root() {
  refused_import "root" -- "$GOOD" "$ENT/ent-int.pem"
}
run_case "a chain file without a self-signed root is refused" case_chain_without_root

case_chain_missing_intermediate() {
  refused_import "" -- "$GOOD" "$ENT/ent-root.pem"
}
run_case "a chain without the intermediate is refused" case_chain_missing_intermediate

case_truncated_pem() {
  head -c 300 "$GOOD" >"$WORK/truncated.pem"
  refused_import "truncated.pem" -- "$WORK/truncated.pem" "$ENT/chain.pem"
  grep -Eqi "PEM|damaged|truncated|malformed" <<<"$ERR" || fail "the error does not say what is wrong with the file: $ERR"
  head -c 700 "$ENT/chain.pem" >"$WORK/truncated-chain.pem"
  refused_import "truncated-chain.pem" -- "$GOOD" "$WORK/truncated-chain.pem"
  grep -Eqi "PEM|damaged|truncated|malformed" <<<"$ERR" || fail "the error does not say what is wrong with the file: $ERR"
}
run_case "a truncated PEM certificate or chain is refused with a clear error" case_truncated_pem

# corrupt GOOD OUT KIND: GOOD with its DER damaged in one place, re-armoured as PEM.
corrupt() {
  python3 - "$1" "$2" "$3" <<'EOF'
import base64, sys
source, target, kind = sys.argv[1:]
body = [l for l in open(source).read().splitlines() if l and not l.startswith("-----")]
der = bytearray(base64.b64decode("".join(body)))
if kind == "outer-tag":            # the outermost SEQUENCE tag
    der[0] = 0x31
elif kind == "signature":          # the last byte of the signature value
    der[-1] ^= 0x01
elif kind == "subject":            # one letter of the subject: the signature no longer matches
    i = der.find(b"Corp Issuing CA")
    assert i > 0, "subject not found"
    der[i] ^= 0x20
elif kind == "basic-constraints":  # the BOOLEAN tag inside basicConstraints (CA:TRUE, pathlen:0)
    i = der.find(bytes.fromhex("30060101ff020100"))
    assert i > 0, "basicConstraints not found"
    der[i + 2] = 0x00
else:
    sys.exit("unknown corruption " + kind)
b64 = base64.b64encode(bytes(der)).decode()
with open(target, "w") as out:
    out.write("-----BEGIN CERTIFICATE-----\n")
    out.write("\n".join(b64[i:i + 64] for i in range(0, len(b64), 64)) + "\n")
    out.write("-----END CERTIFICATE-----\n")
EOF
}

case_corrupt_outer_tag() {
  corrupt "$GOOD" "$WORK/corrupt-tag.pem" outer-tag
  refused_import "corrupt-tag.pem" -- "$WORK/corrupt-tag.pem" "$ENT/chain.pem"
  grep -Eqi "DER|malformed|damaged|not a .*certificate" <<<"$ERR" || fail "the error does not say the file is damaged: $ERR"
}
run_case "a PEM certificate with broken DER is refused with a clear error" case_corrupt_outer_tag

case_corrupt_signature() {
  corrupt "$GOOD" "$WORK/corrupt-signature.pem" signature
  refused_import "signature" -- "$WORK/corrupt-signature.pem" "$ENT/chain.pem"
  corrupt "$GOOD" "$WORK/corrupt-subject.pem" subject
  refused_import "signature" -- "$WORK/corrupt-subject.pem" "$ENT/chain.pem"
}
run_case "a certificate whose signature does not verify is refused" case_corrupt_signature

# The keyUsage of this certificate is intact (keyCertSign, cRLSign); only basicConstraints is
# undecodable. The error must say the certificate is damaged, not that the enterprise CA issued it
# without keyCertSign.
case_corrupt_extension() {
  corrupt "$GOOD" "$WORK/corrupt-bc.pem" basic-constraints
  openssl x509 -in "$WORK/corrupt-bc.pem" -noout -ext keyUsage 2>/dev/null | grep -q "Certificate Sign" ||
    fail "test setup: the corrupted certificate lost its keyUsage"
  refused_import "" -- "$WORK/corrupt-bc.pem" "$ENT/chain.pem"
  assert_not_contains "$ERR" "keyUsage does not allow keyCertSign" \
    "error for a certificate whose keyUsage does allow keyCertSign"
  grep -Eqi "malformed|damaged|corrupt|cannot be decoded|invalid|undecodable|signature" <<<"$ERR" ||
    fail "the error does not say the certificate is damaged: $ERR"
}
run_case "a certificate with an undecodable extension is refused with an accurate message" case_corrupt_extension

# ---------------------------------------------------------------------------------------------
# The right certificate

case_import() {
  local shown
  shown=$(expect_ok nimbus ca import-cert "$ID" --data "$D" --cert "$GOOD" --chain "$ENT/chain.pem")
  assert_contains "$shown" "$ID" "import-cert output"
  local entry
  entry=$(expect_ok nimbus ca show "$ID" --data "$D" --json)
  assert_eq "$(json_field "$entry" 'd["status"]')" active "status after import"
  assert_eq "$(json_field "$entry" 'd["parent"]')" null "parent after import"
  assert_eq "$(status_of "$D" "$ID")" active "status in ca list --json after import"
  assert_eq "$(norm_hex "$(json_field "$entry" 'd["sha256"]')")" "$(norm_hex "$(cert_sha256 "$GOOD")")" \
    "sha256 of the imported certificate"

  expect_ok nimbus ca export "$ID" --data "$D" >"$WORK/exported.pem"
  cmp -s <(openssl x509 -in "$WORK/exported.pem" -outform DER) <(openssl x509 -in "$GOOD" -outform DER) ||
    fail "ca export does not give the imported certificate"

  local chain=$WORK/exported-chain.pem
  expect_ok nimbus ca export "$ID" --data "$D" --chain >"$chain"
  assert_eq "$(count_pem_certs "$chain")" 3 "certificates in ca export --chain (CA, enterprise intermediate, root)"
  local got want
  got=$(awk '/BEGIN CERTIFICATE/ {n++} {print > ("'"$WORK"'/link-" n ".pem")}' "$chain"
    for i in 1 2 3; do cert_sha256 "$WORK/link-$i.pem"; done)
  want=$(for c in "$GOOD" "$ENT/ent-int.pem" "$ENT/ent-root.pem"; do cert_sha256 "$c"; done)
  assert_eq "$got" "$want" "ca export --chain: the CA, then the enterprise chain"
  openssl verify -CAfile "$ENT/ent-root.pem" -untrusted "$chain" "$WORK/exported.pem" >/dev/null ||
    fail "the exported chain does not verify"

  assert_eq "$(sql "$D" "select group_concat(number) from crls where authority_id = '$ID'")" 1 "CRLs after import"
  crl_pem_of "$D" "$ID" "$WORK/corp.crl.pem"
  local verify
  verify=$(openssl crl -in "$WORK/corp.crl.pem" -CAfile "$GOOD" -noout 2>&1) || fail "the first CRL does not verify: $verify"
  assert_contains "$verify" "verify OK" "signature of the first CRL"
  assert_eq "$(openssl crl -in "$WORK/corp.crl.pem" -noout -crlnumber)" "crlNumber=0x01" "CRL number"
  assert_contains "$(openssl crl -in "$WORK/corp.crl.pem" -noout -text)" "No Revoked Certificates" "first CRL"
  assert_eq "$(openssl crl -in "$WORK/corp.crl.pem" -noout -issuer -nameopt RFC2253)" "issuer=$(cert_subject "$GOOD")" \
    "CRL issuer"
  assert_eq "$(sql "$D" "select count(*) from audit_events where action = 'authority.import' and target = '$ID'")" 1 \
    "authority.import audit event"
}
run_case "the certificate with a CDP imports: active, chain, first CRL" case_import

case_second_import_refused() {
  local before
  before=$(store_snapshot "$D")
  expect_fail --status 1 nimbus ca import-cert "$ID" --data "$D" --cert "$GOOD" --chain "$ENT/chain.pem"
  assert_snapshot_unchanged "$before" "$D" "second import-cert"
}
run_case "a second import-cert is refused" case_second_import_refused

case_import_into_nimbus_ca() {
  local before
  before=$(store_snapshot "$D")
  expect_fail --status 1 nimbus ca import-cert acme-test-issuing-ca --data "$D" --cert "$GOOD" --chain "$ENT/chain.pem"
  assert_snapshot_unchanged "$before" "$D" "import-cert into a Nimbus-signed CA"
}
run_case "import-cert into a CA that is not pending is refused" case_import_into_nimbus_ca

finish
