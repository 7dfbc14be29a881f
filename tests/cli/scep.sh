#!/usr/bin/env bash
# SCEP (RFC 8894) against `nimbus serve`, with real clients: Nimbus's own (nimbus scep), micromdm's
# scepclient, strongSwan's pki --scep and certmonger's scep-submit; openssl reads every message the
# server sends; each certificate issued passes openssl verify -purpose sslclient and nimbus verify
# --urlfetch against the running server. Refusals: reused challenges, retried transactions with
# another key, ciphers not offered, a paused CA, and what is not a SCEP message at all.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh" "$@"
for tool in curl scepclient pki /usr/lib/certmonger/scep-submit; do
  command -v "$tool" >/dev/null || fail "the SCEP tests need '$tool' (make deps installs it)"
done

D=$WORK/data
ROOT=acme-test-root-ca
ISSUING=acme-test-issuing-ca
serve_here
expect_ok nimbus init --data "$D" --org "Acme Test" --base-url "$BASE_URL" --root-key ec:p384 --issuing-key rsa:2048 >/dev/null
expect_ok nimbus ca export "$ROOT" --data "$D" >"$WORK/root.pem"
SCEP_URL="$BASE_URL/scep/$ISSUING"

# Device certificates renewable at once: an hour of validity (plus the CA's five minutes of
# backdating), renewed in the last 99% of it.
cat >"$WORK/device.yaml" <<YAML
id: device
issuing_ca: $ISSUING
type: device
subject: "CN={{DeviceName}}"
subject_alt_names:
  - {type: dns, value: "{{DeviceName}}.devices.example.test"}
validity: 1h
key_usage: [digital_signature, key_encipherment]
extended_key_usage: [client_auth]
key:
  algorithms: [rsa, ec]
  rsa_min_bits: 2048
  ec_curves: [p256]
hash: [sha256, sha384, sha512]
renewal_threshold: 99%
strong_mapping: none
YAML
expect_ok nimbus profile apply --data "$D" -f "$WORK/device.yaml" >/dev/null

# challenge_for DEVICE: a new enrollment for DEVICE; its one-time challenge on stdout.
challenge_for() {
  json_field "$(expect_ok nimbus enrollment new --data "$D" --profile device --var "DeviceName=$1" --json)" \
    'd["challenge"]'
}
issued_count() { sql "$D" "select count(*) from certificates where profile_id = 'device'"; }
scep_log_has() { # TEXT: a line of the server's log contains TEXT
  grep -qF -- "$1" "$WORK/serve.log" || fail "the server's log has no line with '$1':"$'\n'"$(grep SCEP "$WORK/serve.log" | tail -5)"
}
# checks_as_client_certificate CERT: openssl and nimbus verify (fetching CDP and OCSP from the
# running server) both accept CERT for client authentication.
checks_as_client_certificate() {
  expect_ok nimbus ca export "$ISSUING" --data "$D" >"$WORK/issuing.pem"
  openssl verify -purpose sslclient -CAfile "$WORK/root.pem" -untrusted "$WORK/issuing.pem" "$1" >/dev/null ||
    fail "openssl verify -purpose sslclient refused $1"
  expect_ok nimbus verify --urlfetch --trust "$WORK/root.pem" --untrusted "$WORK/issuing.pem" "$1" >/dev/null
}

trap 'stop_serve; cleanup' EXIT
start_serve "$WORK/serve.log" --data "$D" --port "$PORT" --log-level info

# ---------------------------------------------------------------------------------------------
# What the server offers

case_capabilities() {
  local caps
  caps=$(curl -sf "$SCEP_URL?operation=GetCACaps")
  for cap in POSTPKIOperation SHA-256 SHA-512 AES Renewal SCEPStandard; do
    grep -qx "$cap" <<<"$caps" || fail "GetCACaps lacks $cap:"$'\n'"$caps"
  done
  if grep -qx -e DES3 -e SHA-1 <<<"$caps"; then fail "GetCACaps offers DES3 or SHA-1 by default"; fi
  assert_eq "$(expect_ok nimbus scep caps --url "$SCEP_URL/pkiclient.exe")" "$caps" "nimbus scep caps at pkiclient.exe"
}
run_case "GetCACaps offers SHA-2, AES, POST, Renewal and SCEPStandard, not DES3 or SHA-1" case_capabilities

case_ca_certificates() {
  local type
  type=$(curl -s -o "$WORK/cacert.p7" -w '%{content_type}' "$SCEP_URL?operation=GetCACert")
  assert_eq "$type" "application/x-x509-ca-ra-cert" "GetCACert content type"
  openssl pkcs7 -inform DER -in "$WORK/cacert.p7" -print_certs -out "$WORK/cacert.pem" || fail "openssl pkcs7 cannot read GetCACert"
  assert_eq "$(grep -c 'BEGIN CERTIFICATE' "$WORK/cacert.pem")" 3 "certificates in GetCACert (RA, issuing CA, root)"
  awk '/BEGIN/{n++} {print > ("'"$WORK"'/ca-" n ".pem")}' "$WORK/cacert.pem"
  local ra
  ra=$(openssl x509 -in "$WORK/ca-1.pem" -noout -subject -ext keyUsage,basicConstraints)
  assert_contains "$ra" "SCEP RA" "the RA comes first"
  assert_contains "$ra" "Digital Signature, Key Encipherment" "the RA's key usage"
  openssl x509 -in "$WORK/ca-1.pem" -noout -text | grep -q "Public Key Algorithm: rsaEncryption" || fail "the RA's key is not RSA"
  openssl verify -CAfile "$WORK/root.pem" -untrusted "$WORK/ca-2.pem" "$WORK/ca-1.pem" >/dev/null || fail "the RA does not chain to the root"
  # The RA's key is in the key store, encrypted like the CA keys; the directory holds a reference.
  [[ -f "$D/scep/$ISSUING/ra.pem" && -f "$D/scep/$ISSUING/ra.key-ref" ]] || fail "no RA files in $D/scep/$ISSUING"
  if grep -q "PRIVATE KEY" "$D/scep/$ISSUING"/*; then fail "a private key in clear in $D/scep"; fi
  assert_eq "$(curl -s -o /dev/null -w '%{http_code}' "$SCEP_URL?operation=GetNextCACert")" 404 "GetNextCACert without a rollover"
}
run_case "GetCACert is a certs-only PKCS#7 of the RA (RSA, signing and key transport) and the CA chain" case_ca_certificates

# ---------------------------------------------------------------------------------------------
# nimbus scep

case_nimbus_enroll() {
  local challenge before out
  challenge=$(challenge_for laptop-1)
  mkdir -p "$WORK/m1"
  expect_ok nimbus scep enroll --url "$SCEP_URL" --challenge "$challenge" --new-key rsa:2048 --key-out "$WORK/l1.key" \
    --out "$WORK/l1.pem" --save-messages "$WORK/m1" >/dev/null
  [[ $(stat -c %a "$WORK/l1.key") == 600 ]] || fail "the new key is not mode 0600"
  assert_eq "$(openssl x509 -in "$WORK/l1.pem" -noout -subject)" "subject=CN = laptop-1" "subject from the profile"
  assert_contains "$(openssl x509 -in "$WORK/l1.pem" -noout -ext subjectAltName)" "DNS:laptop-1.devices.example.test" "SAN"
  checks_as_client_certificate "$WORK/l1.pem"
  # openssl reads the CertRep: signed by the RA, its envelope opens with the device's key.
  openssl cms -verify -inform DER -in "$WORK/m1/reply.der" -CAfile "$WORK/root.pem" -purpose any \
    -out "$WORK/m1/envelope.der" 2>/dev/null || fail "openssl cms -verify refused the CertRep"
  openssl cms -decrypt -inform DER -in "$WORK/m1/envelope.der" -recip "$WORK/m1/signer.pem" -inkey "$WORK/l1.key" \
    -out "$WORK/m1/degenerate.der" || fail "openssl cms -decrypt cannot open the CertRep's envelope"
  openssl pkcs7 -inform DER -in "$WORK/m1/degenerate.der" -print_certs | openssl x509 -noout -serial >"$WORK/m1/serial"
  assert_eq "$(cut -d= -f2 "$WORK/m1/serial" | tr A-F a-f)" "$(openssl x509 -in "$WORK/l1.pem" -noout -serial | cut -d= -f2 | tr A-F a-f)" \
    "the certificate in the CertRep"
  # The challenge is spent: once more with it is badRequest, logged with the transactionID, and nothing is issued.
  before=$(issued_count)
  expect_fail --status 1 nimbus scep enroll --url "$SCEP_URL" --challenge "$challenge" --new-key ec:p256 --key-out "$WORK/l1b.key" \
    --transaction-id reused-challenge-1
  assert_contains "$ERR" "badRequest" "reused challenge"
  assert_eq "$(issued_count)" "$before" "certificates after a reused challenge"
  scep_log_has "transaction reused-challenge-1 for '$ISSUING' from 127.0.0.1: FAILURE badRequest: the challenge: the challenge of enrollment"
  assert_eq "$(sql "$D" "select count(*) from audit_events where action = 'scep.refuse' and detail like '%reused-challenge-1%'")" 1 \
    "audit events for the refusal"
  # Unknown and missing challenges too.
  expect_fail --status 1 nimbus scep enroll --url "$SCEP_URL" --challenge 0123456789abcdef0123456789abcdef --key "$WORK/l1.key" \
    --transaction-id unknown-challenge
  scep_log_has "transaction unknown-challenge for '$ISSUING' from 127.0.0.1: FAILURE badRequest: the challenge: the challenge is not one Nimbus made"
  assert_eq "$(issued_count)" "$before" "certificates after an unknown challenge"
}
run_case "nimbus scep enroll: issued from the profile, CertRep read by openssl cms, the challenge used once" case_nimbus_enroll

case_retry_same_transaction() {
  local challenge first second before
  challenge=$(challenge_for laptop-2)
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$WORK/l2.key" 2>/dev/null
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$WORK/l2-other.key" 2>/dev/null
  expect_ok nimbus scep enroll --url "$SCEP_URL" --challenge "$challenge" --key "$WORK/l2.key" --transaction-id retry-2 \
    --out "$WORK/l2.pem" >/dev/null
  before=$(issued_count)
  # The client lost the CertRep and asks again: the same certificate, nothing new.
  expect_ok nimbus scep enroll --url "$SCEP_URL" --challenge "$challenge" --key "$WORK/l2.key" --transaction-id retry-2 \
    --out "$WORK/l2-again.pem" >/dev/null
  cmp -s "$WORK/l2.pem" "$WORK/l2-again.pem" || fail "a retried transaction got another certificate"
  assert_eq "$(issued_count)" "$before" "certificates after a retry"
  # The same transactionID with another key is refused.
  expect_fail --status 1 nimbus scep enroll --url "$SCEP_URL" --challenge "$challenge" --key "$WORK/l2-other.key" \
    --transaction-id retry-2
  scep_log_has "transaction retry-2 for '$ISSUING' from 127.0.0.1: FAILURE badRequest: transaction retry-2 was answered for another public key"
  # CertPoll finds the transaction's certificate, for its key only.
  expect_ok nimbus scep poll --url "$SCEP_URL" --key "$WORK/l2.key" --transaction-id retry-2 --out "$WORK/l2-polled.pem" >/dev/null
  cmp -s "$WORK/l2.pem" "$WORK/l2-polled.pem" || fail "CertPoll answered another certificate"
  expect_fail --status 1 nimbus scep poll --url "$SCEP_URL" --key "$WORK/l2-other.key" --transaction-id retry-2
  assert_contains "$ERR" "badCertId" "CertPoll with another key"
}
run_case "a repeated PKCSReq gets the same certificate; with another key it is refused; CertPoll finds it" case_retry_same_transaction

case_nimbus_renew() {
  local old_serial new_serial
  old_serial=$(openssl x509 -in "$WORK/l1.pem" -noout -serial | cut -d= -f2 | tr A-F a-f)
  expect_ok nimbus scep renew --url "$SCEP_URL" --cert "$WORK/l1.pem" --key "$WORK/l1.key" --new-key rsa:2048 \
    --key-out "$WORK/l1-renewed.key" --out "$WORK/l1-renewed.pem" >/dev/null
  new_serial=$(openssl x509 -in "$WORK/l1-renewed.pem" -noout -serial | cut -d= -f2 | tr A-F a-f)
  [[ "$new_serial" != "$old_serial" ]] || fail "renewal returned the old certificate"
  assert_eq "$(openssl x509 -in "$WORK/l1-renewed.pem" -noout -subject)" "subject=CN = laptop-1" "renewed subject"
  assert_contains "$(openssl x509 -in "$WORK/l1-renewed.pem" -noout -ext subjectAltName)" "DNS:laptop-1.devices.example.test" "renewed SAN"
  checks_as_client_certificate "$WORK/l1-renewed.pem"
  assert_eq "$(sql "$D" "select status from certificates where serial = '$old_serial'")" valid "the old certificate after renewal"
  scep_log_has "RenewalReq transaction"
  # A certificate this CA did not issue cannot renew: the RA's own is stored, but a root-signed
  # one from another deployment is not.
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/foreign.key" -out "$WORK/foreign.pem" -subj "/CN=laptop-1" -days 1 2>/dev/null
  expect_fail --status 1 nimbus scep renew --url "$SCEP_URL" --cert "$WORK/foreign.pem" --key "$WORK/foreign.key"
  scep_log_has "which is not a certificate of '$ISSUING'"
  # A revoked certificate cannot renew.
  expect_ok nimbus cert revoke "$new_serial" --data "$D" --reason keyCompromise >/dev/null
  expect_fail --status 1 nimbus scep renew --url "$SCEP_URL" --cert "$WORK/l1-renewed.pem" --key "$WORK/l1-renewed.key" \
    --transaction-id renew-revoked
  scep_log_has "transaction renew-revoked for '$ISSUING' from 127.0.0.1: FAILURE badRequest"
}
run_case "nimbus scep renew keeps subject and SANs, leaves the old certificate valid; foreign and revoked refused" case_nimbus_renew

case_getcrl() {
  local revoked
  expect_ok nimbus scep getcrl --url "$SCEP_URL" --cert "$WORK/l1.pem" --out "$WORK/scep.crl" >/dev/null
  expect_ok nimbus ca export "$ISSUING" --data "$D" >"$WORK/issuing.pem"
  openssl crl -in "$WORK/scep.crl" -CAfile "$WORK/issuing.pem" -noout 2>/dev/null || fail "the CRL is not signed by the issuing CA"
  # The latest CRL, which already lists the certificate revoked above.
  revoked=$(openssl x509 -in "$WORK/l1-renewed.pem" -noout -serial | cut -d= -f2)
  openssl crl -in "$WORK/scep.crl" -noout -text | grep -qi "Serial Number: $revoked" || fail "GetCRL's CRL lacks the revoked $revoked"
}
run_case "GetCRL answers the CA's latest CRL" case_getcrl

case_algorithms_not_offered() {
  local challenge before
  challenge=$(challenge_for laptop-3)
  before=$(issued_count)
  expect_fail --status 1 nimbus scep enroll --url "$SCEP_URL" --challenge "$challenge" --new-key ec:p256 --key-out "$WORK/l3.key" \
    --cipher des3 --transaction-id des3-not-offered
  assert_contains "$ERR" "badAlg" "DES3 when scep_allow_des3 is off"
  scep_log_has "transaction des3-not-offered for '$ISSUING' from 127.0.0.1: FAILURE badAlg: the messageData is encrypted with DES-EDE3-CBC"
  assert_eq "$(issued_count)" "$before" "certificates after badAlg"
  # The challenge was not spent by the refusal: AES-256 by GET works with it.
  expect_ok nimbus scep enroll --url "$SCEP_URL" --challenge "$challenge" --key "$WORK/l3.key" --cipher aes256 --digest sha512 \
    --get --out "$WORK/l3.pem" >/dev/null
  checks_as_client_certificate "$WORK/l3.pem"
}
run_case "a cipher not offered is badAlg and spends nothing; AES-256, SHA-512 and GET work" case_algorithms_not_offered

case_one_challenge_raced() {
  local challenge before i successes
  challenge=$(challenge_for laptop-race)
  before=$(issued_count)
  mkdir -p "$WORK/race"
  for i in $(seq 1 100); do
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$WORK/race/$i.key" 2>/dev/null
  done
  for i in $(seq 1 100); do
    "$NIMBUS" scep enroll --url "$SCEP_URL" --challenge "$challenge" --key "$WORK/race/$i.key" \
      --out "$WORK/race/$i.pem" >/dev/null 2>"$WORK/race/$i.err" &
  done
  wait
  successes=$(find "$WORK/race" -name '*.pem' -size +0 | wc -l)
  assert_eq "$successes" 1 "requests of 100 with one challenge that got a certificate"
  assert_eq "$(issued_count)" "$((before + 1))" "certificates issued for 100 requests with one challenge"
  assert_eq "$(cat "$WORK"/race/*.err | grep -c badRequest)" 99 "requests refused with badRequest"
}
run_case "of 100 parallel PKCSReqs carrying one challenge exactly one is issued" case_one_challenge_raced

# ---------------------------------------------------------------------------------------------
# Other clients

case_strongswan() {
  local challenge
  challenge=$(challenge_for laptop-4)
  pki --gen --type rsa --size 2048 --outform pem >"$WORK/l4.key" 2>/dev/null
  pki --scep --url "$SCEP_URL" --in "$WORK/l4.key" --dn "CN=laptop-4" --password "$challenge" \
    --cacert-enc "$WORK/ca-1.pem" --cacert-sig "$WORK/ca-1.pem" --cacert "$WORK/ca-2.pem" --cacert "$WORK/ca-3.pem" \
    --cipher aes --digest sha256 --outform pem >"$WORK/l4.pem" 2>"$WORK/l4.err" ||
    fail "pki --scep failed:"$'\n'"$(grep -v TPM "$WORK/l4.err" | tail -5)"
  assert_eq "$(openssl x509 -in "$WORK/l4.pem" -noout -subject)" "subject=CN = laptop-4" "strongSwan's certificate"
  checks_as_client_certificate "$WORK/l4.pem"
}
run_case "strongSwan pki --scep enrolls with AES and SHA-256" case_strongswan

case_certmonger() {
  local challenge
  /usr/lib/certmonger/scep-submit -u "$SCEP_URL" -c >"$WORK/cm-caps.txt" || fail "scep-submit -c (GetCACaps) failed"
  grep -qx SCEPStandard "$WORK/cm-caps.txt" || fail "scep-submit's GetCACaps: $(cat "$WORK/cm-caps.txt")"
  /usr/lib/certmonger/scep-submit -u "$SCEP_URL" -C >"$WORK/cm-ca.pem" || fail "scep-submit -C (GetCACert) failed"
  grep -q "BEGIN CERTIFICATE" "$WORK/cm-ca.pem" || fail "scep-submit's GetCACert printed no certificate"
  # certmonger's daemon makes the pkiMessage and scep-submit carries it; here nimbus scep makes it.
  challenge=$(challenge_for laptop-5)
  mkdir -p "$WORK/m5"
  expect_ok nimbus scep enroll --url "$SCEP_URL" --challenge "$challenge" --new-key rsa:2048 --key-out "$WORK/l5.key" \
    --save-messages "$WORK/m5" --prepare-only >/dev/null
  base64 -w0 "$WORK/m5/request.der" >"$WORK/m5/request.b64"
  cat "$WORK/ca-2.pem" "$WORK/ca-3.pem" >"$WORK/ca-chain.pem"
  /usr/lib/certmonger/scep-submit -u "$SCEP_URL" -r "$WORK/ca-1.pem" -R "$WORK/root.pem" -I "$WORK/ca-chain.pem" \
    -g "$WORK/m5/request.b64" >"$WORK/m5/out.txt" 2>"$WORK/m5/err.txt" ||
    fail "scep-submit -g failed: $(head -c 300 "$WORK/m5/out.txt")"
  # scep-submit checked the RA's signature; what it hands certmonger is the envelope.
  sed -n '/BEGIN PKCS7/,/END PKCS7/{p;/END PKCS7/q}' "$WORK/m5/out.txt" >"$WORK/m5/envelope.pem"
  openssl pkcs7 -in "$WORK/m5/envelope.pem" -outform DER -out "$WORK/m5/envelope.der" || fail "no PKCS#7 from scep-submit"
  openssl cms -decrypt -inform DER -in "$WORK/m5/envelope.der" -recip "$WORK/m5/signer.pem" -inkey "$WORK/l5.key" \
    -out "$WORK/m5/degenerate.der" || fail "the envelope scep-submit received does not open"
  openssl pkcs7 -inform DER -in "$WORK/m5/degenerate.der" -print_certs -out "$WORK/l5.pem"
  assert_eq "$(openssl x509 -in "$WORK/l5.pem" -noout -subject)" "subject=CN = laptop-5" "certmonger's certificate"
  checks_as_client_certificate "$WORK/l5.pem"
}
run_case "certmonger scep-submit: GetCACaps, GetCACert and an enrollment" case_certmonger

case_paused_ca() {
  local challenge before
  challenge=$(challenge_for laptop-6)
  expect_ok nimbus ca pause "$ISSUING" --data "$D" >/dev/null
  before=$(issued_count)
  expect_fail --status 1 nimbus scep enroll --url "$SCEP_URL" --challenge "$challenge" --new-key ec:p256 --key-out "$WORK/l6.key" \
    --transaction-id while-paused
  assert_contains "$ERR" "badRequest" "a paused CA"
  scep_log_has "transaction while-paused for '$ISSUING' from 127.0.0.1: FAILURE badRequest"
  assert_eq "$(issued_count)" "$before" "certificates from a paused CA"
  expect_ok nimbus ca resume "$ISSUING" --data "$D" >/dev/null
  expect_ok nimbus scep enroll --url "$SCEP_URL" --challenge "$challenge" --key "$WORK/l6.key" --out "$WORK/l6.pem" >/dev/null
}
run_case "a paused CA answers badRequest and issues nothing; resumed, the same challenge works" case_paused_ca

# ---------------------------------------------------------------------------------------------
# What is not a SCEP message

case_not_scep() {
  local before status
  before=$(issued_count)
  post() { curl -s -o "$WORK/answer" -w '%{http_code}' -H 'Content-Type: application/x-pki-message' --data-binary "@$1" "$SCEP_URL?operation=PKIOperation"; }
  printf 'hello' >"$WORK/not-der"
  assert_eq "$(post "$WORK/not-der")" 400 "a body that is not DER"
  openssl req -new -newkey rsa:2048 -nodes -keyout /dev/null -subj /CN=x -outform DER -out "$WORK/not-cms.der" 2>/dev/null
  assert_eq "$(post "$WORK/not-cms.der")" 400 "DER that is not CMS"
  openssl cms -sign -binary -nodetach -signer "$WORK/l3.pem" -inkey "$WORK/l3.key" -in "$WORK/not-der" -outform DER \
    -out "$WORK/plain-signed.der"
  assert_eq "$(post "$WORK/plain-signed.der")" 400 "SignedData without the SCEP attributes"
  head -c 70000 /dev/zero >"$WORK/too-big"
  assert_eq "$(post "$WORK/too-big")" 413 "a body over http_max_body_bytes"
  status=$(curl -s -o /dev/null -w '%{http_code}' "$SCEP_URL?operation=PKIOperation&message=not*base64")
  assert_eq "$status" 400 "a GET message that is not base64"
  assert_eq "$(curl -s -o /dev/null -w '%{http_code}' "$SCEP_URL")" 400 "no operation"
  assert_eq "$(curl -s -o /dev/null -w '%{http_code}' "$SCEP_URL?operation=Bogus")" 400 "an unknown operation"
  assert_eq "$(curl -s -o /dev/null -w '%{http_code}' "$BASE_URL/scep/no-such-ca?operation=GetCACaps")" 404 "an unknown CA"
  assert_eq "$(curl -s -o /dev/null -w '%{http_code}' "$BASE_URL/scep/$ROOT?operation=GetCACaps")" 404 "a root CA"
  assert_eq "$(issued_count)" "$before" "certificates after messages that are not SCEP"
  scep_log_has "SCEP message for '$ISSUING' from 127.0.0.1 refused (HTTP 400)"
  assert_contains "$(curl -s "$BASE_URL/metrics")" 'nimbus_scep_operations_total{operation="PKCSReq",outcome="SUCCESS"}' \
    "the SCEP metrics"
}
run_case "what is not a SCEP message gets an HTTP error and changes nothing" case_not_scep

# ---------------------------------------------------------------------------------------------
# micromdm's scepclient: single DES and SHA-1 only, so it needs both switches.

case_scepclient_refused_by_default() {
  local challenge before fingerprint
  challenge=$(challenge_for laptop-7)
  fingerprint=$(openssl x509 -in "$WORK/ca-1.pem" -outform DER | sha256sum | cut -d' ' -f1)
  before=$(issued_count)
  mkdir -p "$WORK/sc-strict" && cd "$WORK/sc-strict"
  if scepclient -server-url "$SCEP_URL" -challenge "$challenge" -private-key k.pem -certificate c.pem -cn laptop-7 \
    -ca-fingerprint "$fingerprint" >out.txt 2>&1; then
    fail "scepclient enrolled with single DES and SHA-1 while they are not allowed"
  fi
  grep -q "badAlg" out.txt || fail "scepclient did not get badAlg: $(tail -2 out.txt)"
  assert_eq "$(issued_count)" "$before" "certificates for a refused scepclient"
}
run_case "micromdm scepclient (DES-CBC, SHA-1) is refused with badAlg by default" case_scepclient_refused_by_default

stop_serve
printf 'scep_allow_des: true\nscep_allow_sha1: true\n' >>"$D/nimbus.yaml"
start_serve "$WORK/serve.log" --data "$D" --port "$PORT" --log-level info

case_scepclient() {
  local challenge fingerprint first second
  challenge=$(challenge_for laptop-8)
  fingerprint=$(openssl x509 -in "$WORK/ca-1.pem" -outform DER | sha256sum | cut -d' ' -f1)
  mkdir -p "$WORK/sc" && cd "$WORK/sc"
  scepclient -server-url "$SCEP_URL" -challenge "$challenge" -private-key k.pem -certificate c.pem -cn laptop-8 \
    -ca-fingerprint "$fingerprint" >enroll.txt 2>&1 || fail "scepclient enroll: $(tail -3 enroll.txt)"
  assert_eq "$(openssl x509 -in c.pem -noout -subject)" "subject=CN = laptop-8" "scepclient's certificate"
  checks_as_client_certificate "$WORK/sc/c.pem"
  first=$(openssl x509 -in c.pem -noout -serial)
  # With a certificate in place, scepclient renews: a RenewalReq signed with it, the same key.
  scepclient -server-url "$SCEP_URL" -private-key k.pem -certificate c.pem -cn laptop-8 \
    -ca-fingerprint "$fingerprint" >renew.txt 2>&1 || fail "scepclient renew: $(tail -3 renew.txt)"
  second=$(openssl x509 -in c.pem -noout -serial)
  [[ "$first" != "$second" ]] || fail "scepclient's renewal returned the same certificate"
  scep_log_has "SCEP RenewalReq transaction"
  checks_as_client_certificate "$WORK/sc/c.pem"
}
run_case "micromdm scepclient enrolls with a one-time challenge, then renews, once the switches allow it" case_scepclient

finish
