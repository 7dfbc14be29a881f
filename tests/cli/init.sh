#!/usr/bin/env bash
# nimbus init: the files it creates and their protection, the store, the root and issuing CA
# certificates and their first CRLs, and the inputs it refuses without leaving anything behind.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh" "$@"

D=$WORK/ec
ROOT=acme-test-root-ca
ISSUING=acme-test-issuing-ca

note "init with EC keys in $D"
out=$(expect_ok nimbus init --data "$D" --org "Acme Test" --base-url "$BASE_URL" --root-key ec:p384 --issuing-key ec:p256)
assert_contains "$out" "$ROOT" "init output names the root"
assert_contains "$out" "$ISSUING" "init output names the issuing CA"

list=$(expect_ok nimbus ca list --data "$D" --json)
assert_eq "$(json_field "$list" '" ".join(a["id"] + ":" + a["kind"] for a in d)')" \
  "$ROOT:root $ISSUING:issuing" "authorities after init"

# ---------------------------------------------------------------------------------------------
# Files, modes, keys

case_files_and_modes() {
  local dir=$1 passin=$2
  assert_file_mode "$dir" 700
  assert_file_mode "$dir/nimbus.yaml" 600
  assert_file_mode "$dir/nimbus.db" 600
  assert_file_mode "$dir/keys" 700
  local keys=("$dir"/keys/*)
  assert_eq "${#keys[@]}" 2 "number of files in keys/ (one per CA)"
  for key in "${keys[@]}"; do
    [[ -f "$key" ]] || fail "'$key' is not a regular file"
    assert_file_mode "$key" 600
    assert_eq "$(head -n 1 "$key")" "-----BEGIN ENCRYPTED PRIVATE KEY-----" "first line of $key"
    assert_eq "$(grep -c -- '-----BEGIN' "$key")" 1 "PEM blocks in $key"
    openssl pkey -in "$key" -passin "$passin" -noout 2>/dev/null ||
      fail "$key does not decrypt with the deployment passphrase"
    if openssl pkey -in "$key" -passin pass:definitely-not-the-passphrase -noout 2>/dev/null; then
      fail "$key decrypts with a wrong passphrase: it is not encrypted"
    fi
  done
  # Each key is the key of one of the two CA certificates.
  local pubs=""
  for key in "${keys[@]}"; do
    pubs+="$(openssl pkey -in "$key" -passin "$passin" -pubout | sha256sum | cut -d' ' -f1)"$'\n'
  done
  local id
  for id in $(sql "$dir" "select id from authorities order by id"); do
    nimbus ca export "$id" --data "$dir" --out "$WORK/key-check.pem" >/dev/null
    local cert_pub
    cert_pub=$(openssl x509 -in "$WORK/key-check.pem" -noout -pubkey | sha256sum | cut -d' ' -f1)
    grep -qx "$cert_pub" <<<"$pubs" || fail "no key file holds the key of '$id'"
  done
}
run_case "files, modes and encrypted keys (EC)" case_files_and_modes "$D" env:NIMBUS_KEY_PASSPHRASE

case_store() {
  assert_eq "$(sqlite3 "$D/nimbus.db" 'PRAGMA journal_mode')" wal "journal_mode of the store"
  assert_eq "$(sql "$D" 'select count(*) from schema_migrations where version = 1')" 1 \
    "schema_migrations row for version 1"
  assert_eq "$(sql "$D" 'select count(*) from schema_migrations')" \
    "$(sql "$D" 'select max(version) from schema_migrations')" "one row per applied migration, none skipped"
  assert_eq "$(sql "$D" "select count(*) from audit_events where action = 'authority.create'")" 2 \
    "authority.create audit events after init"
  local yaml
  yaml=$(cat "$D/nimbus.yaml")
  assert_contains "$yaml" "base_url: $BASE_URL" "nimbus.yaml"
  assert_contains "$yaml" "organization: Acme Test" "nimbus.yaml"
}
run_case "store: WAL, schema version 1" case_store

case_second_init_refused() {
  local before
  before=$(store_snapshot "$D")
  expect_fail --status 1 nimbus init --data "$D" --org "Other" --base-url "$BASE_URL" \
    --root-key ec:p384 --issuing-key ec:p256
  assert_contains_i "$ERR" "already" "second init message"
  assert_snapshot_unchanged "$before" "$D" "second init"
}
run_case "a second init on the same directory is refused" case_second_init_refused

# ---------------------------------------------------------------------------------------------
# Certificates

# check_hierarchy DIR ROOT_ID ISSUING_ID ROOT_SIGALG ISSUING_CRL_SIGALG: every rule for the
# certificates and first CRLs init makes.
check_root_certificate() {
  local root=$1 root_sigalg=$2 root_id=$3
  assert_eq "$(cert_subject "$root")" "$(cert_issuer "$root")" "root issuer == subject"
  openssl verify -check_ss_sig -CAfile "$root" "$root" >/dev/null || fail "the root's self-signature does not verify"
  assert_eq "$(cert_ext_header "$root" basicConstraints)" "X509v3 Basic Constraints: critical" "root basicConstraints header"
  assert_eq "$(cert_ext "$root" basicConstraints)" "CA:TRUE" "root basicConstraints (CA:TRUE, no pathlen)"
  assert_eq "$(cert_ext_header "$root" keyUsage)" "X509v3 Key Usage: critical" "root keyUsage header"
  assert_eq "$(cert_ext "$root" keyUsage)" "Certificate Sign, CRL Sign" "root keyUsage"
  [[ -n "$(cert_ext "$root" subjectKeyIdentifier)" ]] || fail "the root has no subjectKeyIdentifier"
  assert_eq "$(cert_ext "$root" authorityInfoAccess)" "" "root AIA (must be absent)"
  assert_eq "$(cert_ext "$root" crlDistributionPoints | grep -v '^Full Name:$')" "URI:$BASE_URL/cdp/$root_id.crl" \
    "root CDP (its own CRL, for clients that check the anchor too)"
  assert_eq "$(cert_sigalg "$root")" "$root_sigalg" "root signature algorithm"
  assert_strong_sigalg "$(cert_sigalg "$root")" "root"
}

check_issuing_certificate() {
  local root=$1 issuing=$2 root_id=$3 issuing_sigalg=$4
  assert_eq "$(cert_issuer "$issuing")" "$(cert_subject "$root")" "issuing CA issuer == root subject"
  assert_eq "$(cert_ext_header "$issuing" basicConstraints)" "X509v3 Basic Constraints: critical" "issuing basicConstraints header"
  assert_eq "$(cert_ext "$issuing" basicConstraints)" "CA:TRUE, pathlen:0" "issuing basicConstraints"
  assert_eq "$(cert_ext_header "$issuing" keyUsage)" "X509v3 Key Usage: critical" "issuing keyUsage header"
  assert_eq "$(cert_ext "$issuing" keyUsage)" "Certificate Sign, CRL Sign" "issuing keyUsage"
  [[ -n "$(cert_ext "$issuing" subjectKeyIdentifier)" ]] || fail "the issuing CA has no subjectKeyIdentifier"
  local root_ski aki
  root_ski=$(cert_ext "$root" subjectKeyIdentifier)
  aki=$(cert_ext "$issuing" authorityKeyIdentifier | sed 's/^keyid://' | grep -v '^$')
  assert_eq "$aki" "$root_ski" "issuing CA authorityKeyIdentifier == root subjectKeyIdentifier"
  assert_eq "$(cert_ext "$issuing" authorityInfoAccess)" "CA Issuers - URI:$BASE_URL/aia/$root_id.crt" "issuing CA AIA"
  assert_eq "$(cert_ext "$issuing" crlDistributionPoints | grep -v '^Full Name:$')" "URI:$BASE_URL/cdp/$root_id.crl" \
    "issuing CA CDP"
  assert_eq "$(cert_sigalg "$issuing")" "$issuing_sigalg" "issuing CA signature algorithm"
  assert_strong_sigalg "$(cert_sigalg "$issuing")" "issuing CA"
  openssl verify -CAfile "$root" "$issuing" >/dev/null || fail "openssl verify -CAfile root issuing failed"
}

check_serials_and_validity() {
  local root=$1 issuing=$2
  local s
  for s in "$(cert_serial "$root")" "$(cert_serial "$issuing")"; do
    [[ "$s" =~ ^[0-9A-F]{32}$ ]] || fail "serial '$s' is not exactly 16 bytes (32 hex digits)"
    [[ "${s:0:1}" =~ ^[0-7]$ ]] || fail "serial '$s' has its top bit set (negative INTEGER)"
  done
  [[ "$(cert_serial "$root")" != "$(cert_serial "$issuing")" ]] || fail "root and issuing CA share a serial"
  local root_end issuing_end
  root_end=$(cert_not_after_epoch "$root")
  issuing_end=$(cert_not_after_epoch "$issuing")
  [[ $issuing_end -le $root_end ]] || fail "issuing notAfter $(iso_utc "$issuing_end") is after root notAfter $(iso_utc "$root_end")"
  [[ $(cert_not_before_epoch "$issuing") -ge $(cert_not_before_epoch "$root") ]] ||
    fail "issuing notBefore is before the root's"
}

# check_first_crl DIR ID CA_CERT
check_first_crl() {
  local dir=$1 id=$2 cert=$3
  assert_eq "$(sql "$dir" "select count(*) from crls where authority_id = '$id'")" 1 "CRLs of '$id' after init"
  assert_eq "$(sql "$dir" "select number from crls where authority_id = '$id'")" 1 "number of the first CRL of '$id'"
  crl_pem_of "$dir" "$id" "$WORK/$id.crl.pem"
  local text
  text=$(openssl crl -in "$WORK/$id.crl.pem" -noout -text)
  assert_contains "$text" "No Revoked Certificates" "first CRL of '$id'"
  assert_eq "$(openssl crl -in "$WORK/$id.crl.pem" -noout -crlnumber)" "crlNumber=0x01" "CRL number extension of '$id'"
  local crl_aki
  crl_aki=$(awk '/X509v3 Authority Key Identifier/ {getline; gsub(/^ *(keyid:)?/, ""); print; exit}' <<<"$text")
  assert_eq "$crl_aki" "$(cert_ext "$cert" subjectKeyIdentifier)" "AKI of the CRL of '$id' == its SKI"
  local verify
  verify=$(openssl crl -in "$WORK/$id.crl.pem" -CAfile "$cert" -noout 2>&1) || fail "openssl crl -CAfile failed for '$id': $verify"
  assert_contains "$verify" "verify OK" "CRL signature of '$id'"
  assert_strong_sigalg "$(sed -n 's/^ *Signature Algorithm: //p' <<<"$text" | head -n 1)" "CRL of '$id'"
}

check_hierarchy() {
  local dir=$1 root_id=$2 issuing_id=$3 root_sigalg=$4 issuing_sigalg=$5
  local root=$WORK/$root_id.pem issuing=$WORK/$issuing_id.pem
  expect_ok nimbus ca export "$root_id" --data "$dir" >"$root"
  expect_ok nimbus ca export "$issuing_id" --data "$dir" >"$issuing"
  assert_eq "$(count_pem_certs "$root")" 1 "certificates in 'ca export $root_id'"
  check_root_certificate "$root" "$root_sigalg" "$root_id"
  check_issuing_certificate "$root" "$issuing" "$root_id" "$issuing_sigalg"
  check_serials_and_validity "$root" "$issuing"
  check_first_crl "$dir" "$root_id" "$root"
  check_first_crl "$dir" "$issuing_id" "$issuing"
  local verify
  verify=$(openssl verify -crl_check_all -CAfile "$root" -untrusted "$issuing" \
    -CRLfile "$WORK/$root_id.crl.pem" -CRLfile "$WORK/$issuing_id.crl.pem" "$issuing" 2>&1) ||
    fail "openssl verify -crl_check_all of the issuing CA failed: $verify"
  assert_eq "$verify" "$issuing: OK" "openssl verify -crl_check_all"
}

run_case "root and issuing certificates and CRLs (EC P-384 root, P-256 issuing)" \
  check_hierarchy "$D" "$ROOT" "$ISSUING" ecdsa-with-SHA384 ecdsa-with-SHA384

case_ec_key_sizes() {
  openssl x509 -in "$WORK/$ROOT.pem" -noout -text | grep -q "NIST CURVE: P-384" || fail "the root key is not P-384"
  openssl x509 -in "$WORK/$ISSUING.pem" -noout -text | grep -q "NIST CURVE: P-256" || fail "the issuing key is not P-256"
}
run_case "EC curves as requested" case_ec_key_sizes

# ---------------------------------------------------------------------------------------------
# RSA defaults, with a passphrase file instead of the environment

R=$WORK/rsa
PASSFILE=$WORK/passphrase.txt
( umask 077 && printf '%s\n' "rsa-$PASSPHRASE" >"$PASSFILE" )

case_rsa_defaults() {
  unset NIMBUS_KEY_PASSPHRASE
  expect_ok nimbus init --data "$R" --org "RSA Test" --base-url "$BASE_URL/" --passphrase-file "$PASSFILE" >/dev/null
  grep -qx "key_passphrase_file: $PASSFILE" "$R/nimbus.yaml" ||
    fail "nimbus.yaml does not record key_passphrase_file: $(cat "$R/nimbus.yaml")"
  case_files_and_modes "$R" "file:$PASSFILE"
  # The trailing slash of --base-url must not double up in the URLs.
  check_hierarchy "$R" rsa-test-root-ca rsa-test-issuing-ca sha256WithRSAEncryption sha256WithRSAEncryption
  openssl x509 -in "$WORK/rsa-test-root-ca.pem" -noout -text | grep -q "Public-Key: (4096 bit)" ||
    fail "the default root key is not RSA 4096"
  openssl x509 -in "$WORK/rsa-test-issuing-ca.pem" -noout -text | grep -q "Public-Key: (3072 bit)" ||
    fail "the default issuing key is not RSA 3072"
  # Signing later uses the recorded passphrase file (no environment variable).
  expect_ok nimbus ca create-issuing --data "$R" --parent rsa-test-root-ca --name "RSA Second" --key ec:p256 \
    --validity 30d >/dev/null
}
run_case "RSA defaults (rsa:4096 root, rsa:3072 issuing) with a 0600 passphrase file" case_rsa_defaults

# ---------------------------------------------------------------------------------------------
# Refusals leave nothing behind

# refused_init EXPECTED_TEXT [env VAR=... ...] -- INIT OPTIONS...: refused into a new directory
# (which must not appear) and into an existing one holding a file (which must stay as it was).
refused_init() {
  local expected=$1
  shift
  local prefix=()
  while [[ "$1" != -- ]]; do
    prefix+=("$1")
    shift
  done
  shift
  # Cases run in subshells, so names come from mktemp, not from a counter ($RANDOM repeats).
  local fresh
  fresh=$(mktemp -u "$WORK/refused-XXXXXX")
  expect_fail --status 1 "${prefix[@]}" "$NIMBUS" init --data "$fresh" --org "Refused" "$@"
  [[ -z "$expected" ]] || assert_contains_i "$ERR" "$expected" "refusal message"
  assert_absent "$fresh"

  local existing
  existing=$(mktemp -d "$WORK/existing-XXXXXX")
  chmod 755 "$existing"
  echo "keep me" >"$existing/notes.txt"
  local before
  before=$(store_snapshot "$existing")
  expect_fail --status 1 "${prefix[@]}" "$NIMBUS" init --data "$existing" --org "Refused" "$@"
  assert_snapshot_unchanged "$before" "$existing" "refused init into an existing directory"
  assert_file_mode "$existing" 755
}

EC=(--root-key ec:p384 --issuing-key ec:p256)

run_case "--root-key rsa:1024 refused (mentions 2048)" \
  refused_init 2048 -- --base-url "$BASE_URL" --root-key rsa:1024 --issuing-key ec:p256
run_case "--issuing-key rsa:1024 refused (mentions 2048)" \
  refused_init 2048 -- --base-url "$BASE_URL" --root-key ec:p384 --issuing-key rsa:1024
run_case "--root-key ec:p256 refused (too weak for a root)" \
  refused_init "" -- --base-url "$BASE_URL" --root-key ec:p256 --issuing-key ec:p256
run_case "https base URL refused" \
  refused_init https -- --base-url https://pki.example.test "${EC[@]}"
run_case "base URL that is not a URL refused" \
  refused_init "" -- --base-url "not a url" "${EC[@]}"
run_case "unknown key type dsa:2048 refused" \
  refused_init "not supported" -- --base-url "$BASE_URL" --root-key dsa:2048 --issuing-key ec:p256
run_case "init without a passphrase refused" \
  refused_init passphrase env -u NIMBUS_KEY_PASSPHRASE -- --base-url "$BASE_URL" "${EC[@]}"
run_case "init with a passphrase shorter than 12 characters refused" \
  refused_init 12 env NIMBUS_KEY_PASSPHRASE=short-pass1 -- --base-url "$BASE_URL" "${EC[@]}"

case_world_readable_passphrase_file() {
  local file=$WORK/open-passphrase.txt
  printf '%s\n' "$PASSPHRASE" >"$file"
  chmod 644 "$file"
  refused_init "open-passphrase.txt" env -u NIMBUS_KEY_PASSPHRASE -- --base-url "$BASE_URL" "${EC[@]}" --passphrase-file "$file"
}
run_case "passphrase file with mode 0644 refused" case_world_readable_passphrase_file

# A refusal that comes after files were written (the issuing CA may not outlive the root): the
# rollback must remove all of it.
run_case "issuing validity beyond the root refused and rolled back" \
  refused_init "" -- --base-url "$BASE_URL" "${EC[@]}" --root-validity 2y --issuing-validity 3y

finish
