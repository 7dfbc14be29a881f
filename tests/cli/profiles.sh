#!/usr/bin/env bash
# nimbus profile apply/list/show/delete and nimbus enrollment new/show: versions, the canonical
# YAML, refusals that name the field, and enrollment records whose names are rendered (and escaped)
# when they are created.
EXAMPLES=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../examples/profiles" && pwd)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh" "$@"
# Without site-packages (only the standard library is used): under pyenv that saves ~0.3 s a call.
python3() { "$PYTHON" -S "$@"; }

D=$WORK/data
ROOT=acme-test-root-ca
ISSUING=acme-test-issuing-ca
SID=S-1-5-21-1004336348-1177238915-682003330-1001
init_ec "$D"

# example NAME OUT: examples/profiles/NAME.yaml with issuing_ca pointed at this deployment.
example() {
  sed "s/^issuing_ca: .*/issuing_ca: $ISSUING/" "$EXAMPLES/$1.yaml" >"$2"
  grep -qx "issuing_ca: $ISSUING" "$2" || fail "test setup: no issuing_ca line in $EXAMPLES/$1.yaml"
}
example user-vpn "$WORK/user-vpn.yaml"
example device-vpn "$WORK/device-vpn.yaml"

# One RSA key for every certificate this script issues: the example profiles grant
# key_encipherment, which only RSA keys can carry.
openssl req -new -newkey rsa:2048 -nodes -keyout "$WORK/leaf.key" -out "$WORK/leaf.csr" \
  -subj "/CN=requested by the device" 2>/dev/null

profile_version() { sql "$D" "select version from profiles where id = '$1' and deleted_at is null"; }
json_of() { python3 -c 'import json,sys; print(json.dumps(json.loads(sys.argv[1])[sys.argv[2]]))' "$1" "$2"; }

# refused_unchanged EXPECTED-TEXT... -- CMD...: refused with exit 1, one line containing every
# EXPECTED-TEXT (case-sensitive), and the store exactly as before.
refused_unchanged() {
  local expected=()
  while [[ "$1" != -- ]]; do
    expected+=("$1")
    shift
  done
  shift
  local before text
  before=$(store_snapshot "$D")
  expect_fail --status 1 "$@"
  for text in "${expected[@]}"; do
    assert_contains "$ERR" "$text" "refusal message"
  done
  assert_snapshot_unchanged "$before" "$D" "refused: $*"
}

# ---------------------------------------------------------------------------------------------
# Applying, versions, list and show

case_apply_examples() {
  local name out
  for name in user-vpn device-vpn; do
    out=$(expect_ok nimbus profile apply --data "$D" -f "$WORK/$name.yaml")
    assert_eq "$out" "Profile '$name' created (version 1), issuing from '$ISSUING'." "apply -f $name.yaml"
    assert_eq "$(profile_version "$name")" 1 "stored version of $name"
    assert_eq "$(sql "$D" "select count(*) from audit_events where action = 'profile.apply' and target = '$name'")" 1 \
      "profile.apply audit events for $name"
  done
}
run_case "profile apply -f of both examples creates version 1" case_apply_examples

case_reapply_unchanged() {
  local before name out
  # The same document, and the same document with a comment and blank lines: neither is a change.
  { echo "# a comment that is not part of the profile"; echo; cat "$WORK/user-vpn.yaml"; echo; } >"$WORK/user-vpn-commented.yaml"
  for name in user-vpn device-vpn user-vpn-commented; do
    before=$(store_snapshot "$D")
    out=$(expect_ok nimbus profile apply --data "$D" -f "$WORK/$name.yaml")
    assert_eq "$out" "Profile '${name%-commented}' is unchanged (version 1)." "re-apply $name.yaml"
    assert_snapshot_unchanged "$before" "$D" "re-applying $name.yaml"
  done
}
run_case "re-applying the same document says unchanged and keeps version 1" case_reapply_unchanged

case_changed_bumps_version() {
  local created
  created=$(json_field "$(expect_ok nimbus profile show user-vpn --data "$D" --json)" 'd["created_at"]')
  sed 's/^validity: 365d$/validity: 180d/' "$WORK/user-vpn.yaml" >"$WORK/user-vpn-v2.yaml"
  ! cmp -s "$WORK/user-vpn.yaml" "$WORK/user-vpn-v2.yaml" || fail "test setup: the validity line was not changed"
  local out
  out=$(expect_ok nimbus profile apply --data "$D" -f "$WORK/user-vpn-v2.yaml")
  assert_eq "$out" "Profile 'user-vpn' updated (version 2), issuing from '$ISSUING'." "apply of the changed file"
  assert_eq "$(profile_version user-vpn)" 2 "stored version after the change"
  local json
  json=$(expect_ok nimbus profile show user-vpn --data "$D" --json)
  assert_eq "$(json_field "$json" 'd["version"]')" 2 "show --json version"
  assert_eq "$(json_field "$json" 'd["validity"]')" 180d "show --json validity"
  assert_eq "$(json_field "$json" 'd["created_at"]')" "$created" "created_at is kept across versions"
  [[ "$(json_field "$json" 'd["updated_at"]')" > "$created" || "$(json_field "$json" 'd["updated_at"]')" == "$created" ]] ||
    fail "updated_at is before created_at: $json"
  out=$(expect_ok nimbus profile apply --data "$D" -f "$WORK/user-vpn-v2.yaml")
  assert_eq "$out" "Profile 'user-vpn' is unchanged (version 2)." "re-apply of the changed file"
  assert_eq "$(profile_version device-vpn)" 1 "the other profile's version"
}
run_case "a changed document bumps the version to 2" case_changed_bumps_version

# profile list --json / profile show --json: one object per profile with exactly these fields:
#   id, description, issuing_ca, type, subject, subject_alt_names [{type, value}], validity ("365d"),
#   key_usage [names], extended_key_usage [names, or dotted OIDs], key {algorithms, rsa_min_bits,
#   rsa_max_bits, ec_curves}, hash [names], renewal_threshold (an integer percentage),
#   key_storage, strong_mapping, custom_variables [], version (integer), created_at and
#   updated_at (ISO 8601 UTC, "YYYY-MM-DDTHH:MM:SSZ").
# The list is ordered by id. The values must be those of the example files (user-vpn at version 2,
# validity 180d, after the case above); show --json and apply --json must equal the list entry.
case_list_and_show_json() {
  local list
  list=$(expect_ok nimbus profile list --data "$D" --json)
  local show_user show_device
  show_user=$(expect_ok nimbus profile show user-vpn --data "$D" --json)
  show_device=$(expect_ok nimbus profile show device-vpn --data "$D" --json)
  assert_eq "$(expect_ok nimbus profile apply --data "$D" -f "$WORK/user-vpn-v2.yaml" --json)" "$show_user" \
    "profile apply --json (unchanged) against profile show --json"
  python3 - "$list" "$show_user" "$show_device" "$ISSUING" <<'EOF' || fail "profile list/show --json (see above)"
import json, re, sys
listed, show_user, show_device = (json.loads(a) for a in sys.argv[1:4])
issuing = sys.argv[4]
problems = []
common = {
    "issuing_ca": issuing, "extended_key_usage": ["client_auth"],
    "key_usage": ["digital_signature", "key_encipherment"],
    "key": {"algorithms": ["rsa", "ec"], "rsa_min_bits": 2048, "rsa_max_bits": 4096, "ec_curves": ["p256", "p384"]},
    "hash": ["sha256", "sha384", "sha512"], "renewal_threshold": 20, "custom_variables": [],
    "revoke_on_renewal": False, "challenge": {"mode": "store", "lifetime_seconds": 3600},
}
want = {
    "user-vpn": dict(common, id="user-vpn", description="VPN and Wi-Fi client authentication for users",
                     type="user", subject="CN={{UserName}}",
                     subject_alt_names=[{"type": "upn", "value": "{{UserPrincipalName}}"}],
                     validity="180d", key_storage="tpm-preferred", strong_mapping="both", version=2),
    "device-vpn": dict(common, id="device-vpn",
                       description="VPN and Wi-Fi machine authentication for managed devices",
                       type="device", subject="CN={{FullyQualifiedDomainName}}",
                       subject_alt_names=[{"type": "dns", "value": "{{FullyQualifiedDomainName}}"}],
                       validity="365d", key_storage="tpm-required", strong_mapping="sid_extension", version=1),
}
if not isinstance(listed, list) or len(listed) != 2:
    problems.append("profile list --json is not an array of 2 objects: %r" % (listed,))
else:
    by_id = {p.get("id"): p for p in listed}
    if [p.get("id") for p in listed] != sorted(want):
        problems.append("profile list --json is not ordered by id: %r" % [p.get("id") for p in listed])
    if set(by_id) != set(want):
        problems.append("ids %r, expected %r" % (sorted(by_id), sorted(want)))
    for pid, expected in want.items():
        got = by_id.get(pid, {})
        fields = set(expected) | {"created_at", "updated_at"}
        if set(got) != fields:
            problems.append("%s: fields %r, expected %r" % (pid, sorted(got), sorted(fields)))
        for field, value in expected.items():
            if got.get(field) != value:
                problems.append("%s.%s: got %r, expected %r" % (pid, field, got.get(field), value))
        for field in ("created_at", "updated_at"):
            if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", str(got.get(field))):
                problems.append("%s.%s: %r is not an ISO 8601 UTC time" % (pid, field, got.get(field)))
    if by_id.get("user-vpn") != show_user:
        problems.append("profile show user-vpn --json differs from its list entry")
    if by_id.get("device-vpn") != show_device:
        problems.append("profile show device-vpn --json differs from its list entry")
if problems:
    print("\n".join(problems), file=sys.stderr)
    sys.exit(1)
EOF
  local text
  text=$(expect_ok nimbus profile list --data "$D")
  grep -Eq "^user-vpn +2 +user +$ISSUING " <<<"$text" || fail "profile list: no 'user-vpn 2 user $ISSUING' row:"$'\n'"$text"
  grep -Eq "^device-vpn +1 +device +$ISSUING " <<<"$text" || fail "profile list: no 'device-vpn 1 device $ISSUING' row:"$'\n'"$text"
}
run_case "profile list --json and profile show --json" case_list_and_show_json

case_show_yaml_round_trip() {
  local name version before out
  for name in user-vpn device-vpn; do
    version=$(profile_version "$name")
    expect_ok nimbus profile show "$name" --data "$D" >"$WORK/shown-$name.yaml"
    grep -q "^# profile '$name', version $version, updated " "$WORK/shown-$name.yaml" ||
      fail "profile show $name: no header line:"$'\n'"$(cat "$WORK/shown-$name.yaml")"
    grep -qx "id: $name" "$WORK/shown-$name.yaml" || fail "profile show $name: no 'id: $name' line"
    before=$(store_snapshot "$D")
    out=$(expect_ok nimbus profile apply --data "$D" -f "$WORK/shown-$name.yaml")
    assert_eq "$out" "Profile '$name' is unchanged (version $version)." "apply -f of the shown YAML"
    assert_snapshot_unchanged "$before" "$D" "applying the shown YAML of $name"
  done
  # The shown YAML is complete: in a new deployment it makes the same profile.
  local D2=$WORK/data2 a b
  init_ec "$D2"
  for name in user-vpn device-vpn; do
    expect_ok nimbus profile apply --data "$D2" -f "$WORK/shown-$name.yaml" >/dev/null
    a=$(expect_ok nimbus profile show "$name" --data "$D" --json)
    b=$(expect_ok nimbus profile show "$name" --data "$D2" --json)
    python3 -c '
import json, sys
a, b = json.loads(sys.argv[1]), json.loads(sys.argv[2])
for d in (a, b):
    for k in ("version", "created_at", "updated_at"): d.pop(k, None)
sys.exit(0 if a == b else "the shown YAML of %s makes a different profile:\n%r\n%r" % (sys.argv[3], a, b))' "$a" "$b" "$name"
  done
}
run_case "profile show prints YAML that profile apply -f accepts again" case_show_yaml_round_trip

# ---------------------------------------------------------------------------------------------
# Refused documents: each is the user-vpn example with one thing wrong, so a refusal also proves
# the stored user-vpn (version 2) stays as it is.

bad_profile() { # NAME SED-EXPRESSION: $WORK/bad-NAME.yaml
  sed "$2" "$WORK/user-vpn.yaml" >"$WORK/bad-$1.yaml"
  ! cmp -s "$WORK/user-vpn.yaml" "$WORK/bad-$1.yaml" || fail "test setup: '$2' changed nothing"
}
# shellcheck disable=SC2016 # a sed script, not a shell expression
bad_profile unknown-field '$a colour: blue'
bad_profile unknown-variable 's/^subject: .*/subject: "CN={{UserNmae}}"/'
bad_profile eku 's/^extended_key_usage: .*/extended_key_usage: [client_auth, vpn-users]/'
bad_profile rsa-1024 's/^  rsa_min_bits: 2048/  rsa_min_bits: 1024/'
bad_profile sha1 's/^hash: .*/hash: [sha1]/'
bad_profile ke-ec-only 's/^  algorithms: .*/  algorithms: [ec]/'
bad_profile too-long 's/^validity: .*/validity: 3650d/'
bad_profile unknown-ca 's/^issuing_ca: .*/issuing_ca: no-such-ca/'
bad_profile root-ca "s/^issuing_ca: .*/issuing_ca: $ROOT/"
bad_profile indentation 's/^  rsa_min_bits: 2048/   rsa_min_bits: 2048/'
INDENT_LINE=$(grep -n '^   rsa_min_bits' "$WORK/bad-indentation.yaml" | cut -d: -f1)
: >"$WORK/bad-empty.yaml"

refused_profile() { # FILE EXPECTED-TEXT...
  local file=$1
  shift
  refused_unchanged "'$file'" "$@" -- nimbus profile apply --data "$D" -f "$file"
  assert_eq "$(profile_version user-vpn)" 2 "version of user-vpn after a refused apply"
}

run_case "unknown top-level field refused" refused_profile "$WORK/bad-unknown-field.yaml" \
  "colour: unknown field" "(line $(($(wc -l <"$WORK/user-vpn.yaml") + 1)))"
run_case "unknown variable in the subject refused" refused_profile "$WORK/bad-unknown-variable.yaml" \
  "subject: unknown variable 'UserNmae'"
run_case "EKU that is neither a name nor an OID refused" refused_profile "$WORK/bad-eku.yaml" \
  "extended_key_usage[1]: 'vpn-users' is neither a known purpose"
run_case "rsa_min_bits 1024 refused" refused_profile "$WORK/bad-rsa-1024.yaml" \
  "key.rsa_min_bits: 1024 bits is too short"
run_case "hash sha1 refused" refused_profile "$WORK/bad-sha1.yaml" "hash[0]: SHA-1 is broken"
run_case "key_encipherment with algorithms [ec] only refused" refused_profile "$WORK/bad-ke-ec-only.yaml" \
  "key_usage[1]: key_encipherment needs an RSA key"
run_case "validity longer than the issuing CA's remaining life refused" refused_profile "$WORK/bad-too-long.yaml" \
  "validity: 3650 days is longer than the" "the issuing CA '$ISSUING' has left"
run_case "unknown issuing_ca refused" refused_profile "$WORK/bad-unknown-ca.yaml" \
  "issuing_ca: no authority 'no-such-ca'"
run_case "issuing_ca that is a root refused" refused_profile "$WORK/bad-root-ca.yaml" \
  "issuing_ca: '$ROOT' is a root CA"
run_case "malformed YAML (bad indentation) refused with its line" refused_profile "$WORK/bad-indentation.yaml" \
  "line $INDENT_LINE:"
run_case "empty file refused" refused_profile "$WORK/bad-empty.yaml" "the profile is empty"
run_case "missing file refused" refused_profile "$WORK/no-such-profile.yaml" "cannot open" "No such file"

# 500 levels of nesting in a field's value: the limit, the file and the line, not yaml-cpp's "bad file".
{
  sed '/^key_usage:/d' "$WORK/user-vpn.yaml"
  printf 'key_usage:\n  %sdigital_signature\n' "$(printf -- '- %.0s' $(seq 500))"
} >"$WORK/bad-deep-block.yaml"
DEEP_BLOCK_LINE=$(grep -c '' "$WORK/bad-deep-block.yaml")
{
  sed '/^key:/,/^  ec_curves:/d' "$WORK/user-vpn.yaml"
  printf 'key: %s[rsa]%s\n' "$(printf '{algorithms: %.0s' $(seq 500))" "$(printf '}%.0s' $(seq 500))"
} >"$WORK/bad-deep-flow.yaml"
DEEP_FLOW_LINE=$(grep -c '' "$WORK/bad-deep-flow.yaml")
run_case "a list nested 500 levels deep refused at the limit" refused_profile "$WORK/bad-deep-block.yaml" \
  "nimbus: '$WORK/bad-deep-block.yaml': line $DEEP_BLOCK_LINE: nesting deeper than 64 levels of lists and mappings"
run_case "a flow mapping nested 500 levels deep refused at the limit" refused_profile "$WORK/bad-deep-flow.yaml" \
  "nimbus: '$WORK/bad-deep-flow.yaml': line $DEEP_FLOW_LINE: nesting deeper than 64 levels of lists and mappings"


# ---------------------------------------------------------------------------------------------
# Enrollment records

USER_VALUES=(UserName=alice UserPrincipalName=alice@corp.example "OnPremisesSecurityIdentifier=$SID")
USER_VARS=()
for v in "${USER_VALUES[@]}"; do USER_VARS+=(--var "$v"); done

case_enrollment_renders_now() {
  local json id
  json=$(expect_ok nimbus enrollment new --data "$D" --profile user-vpn "${USER_VARS[@]}" --json)
  id=$(json_field "$json" 'd["id"]')
  [[ "$id" =~ ^[0-9a-f]{16}$ ]] || fail "enrollment id '$id' is not 16 hex digits"
  local shown
  shown=$(expect_ok nimbus enrollment show "$id" --data "$D" --json)
  python3 - "$json" "$shown" "$SID" <<'EOF' || fail "enrollment new/show --json (see above)"
import json, re, sys
created, shown, sid = json.loads(sys.argv[1]), json.loads(sys.argv[2]), sys.argv[3]
want = {
    "profile": "user-vpn", "profile_version": 2, "status": "pending", "subject": "CN=alice",
    "subject_alt_names": [{"type": "upn", "value": "alice@corp.example"},
                          {"type": "uri", "value": "tag:microsoft.com,2022-09-14:sid:" + sid}],
    "variables": {"UserName": "alice", "UserPrincipalName": "alice@corp.example",
                  "OnPremisesSecurityIdentifier": sid},
    "used_at": None, "certificate_serial": None,
}
problems = ["%s: got %r, expected %r" % (k, created.get(k), v) for k, v in want.items() if created.get(k) != v]
if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", str(created.get("created_at"))):
    problems.append("created_at %r" % created.get("created_at"))
# The one-time challenge is shown by enrollment new alone.
challenge = {k: created.pop(k, None) for k in ("challenge", "challenge_expires_at", "scep_url")}
if not re.fullmatch(r"[0-9a-f]{32}", str(challenge["challenge"])):
    problems.append("challenge %r is not 32 hex digits" % challenge["challenge"])
if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", str(challenge["challenge_expires_at"])):
    problems.append("challenge_expires_at %r" % challenge["challenge_expires_at"])
if not re.fullmatch(r"http://\S+/scep/[a-z0-9-]+", str(challenge["scep_url"])):
    problems.append("scep_url %r" % challenge["scep_url"])
if created != shown:
    problems.append("enrollment show --json differs from enrollment new --json:\n%r\n%r" % (created, shown))
if problems:
    print("\n".join(problems), file=sys.stderr)
    sys.exit(1)
EOF
  # sid_extension: the SID goes into the extension at issuance, not into a SAN.
  json=$(expect_ok nimbus enrollment new --data "$D" --profile device-vpn \
    --var FullyQualifiedDomainName=laptop-42.corp.example --var "OnPremisesSecurityIdentifier=$SID" --json)
  assert_eq "$(json_field "$json" 'd["subject"]')" "CN=laptop-42.corp.example" "device enrollment subject"
  assert_eq "$(json_of "$json" subject_alt_names)" '[{"type": "dns", "value": "laptop-42.corp.example"}]' \
    "device enrollment SANs"
  local text
  text=$(expect_ok nimbus enrollment new --data "$D" --profile user-vpn "${USER_VARS[@]}")
  assert_contains "$text" "Subject      CN=alice" "enrollment new (text)"
  assert_contains "$text" "SAN          upn: alice@corp.example" "enrollment new (text)"
  assert_contains "$text" "nimbus issue --enrollment " "enrollment new (text)"
  assert_eq "$(sql "$D" "select count(*) from audit_events where action = 'enrollment.create'")" 3 \
    "enrollment.create audit events"
}
run_case "enrollment new renders the subject and SANs now" case_enrollment_renders_now

refused_enrollment() { # PROFILE EXPECTED-TEXT... -- VAR...
  local profile=$1 expected=()
  shift
  while [[ "$1" != -- ]]; do
    expected+=("$1")
    shift
  done
  shift
  local vars=() v
  for v in "$@"; do vars+=(--var "$v"); done
  refused_unchanged "${expected[@]}" -- nimbus enrollment new --data "$D" --profile "$profile" "${vars[@]}"
}

run_case "missing required variable refused, naming it" refused_enrollment user-vpn \
  "subject_alt_names[0] (upn)" "variable 'UserPrincipalName' is not set" -- UserName=alice "OnPremisesSecurityIdentifier=$SID"
run_case "missing SID for strong mapping refused, naming it" refused_enrollment user-vpn \
  "strong_mapping (both)" "'OnPremisesSecurityIdentifier' is not set" -- UserName=alice UserPrincipalName=alice@corp.example
run_case "empty variable refused like a missing one" refused_enrollment user-vpn \
  "subject" "variable 'UserName' is not set" -- UserName= UserPrincipalName=alice@corp.example "OnPremisesSecurityIdentifier=$SID"
run_case "unknown variable refused" refused_enrollment user-vpn \
  "variable 'Department' is not used by profile 'user-vpn'" -- "${USER_VALUES[@]}" Department=Sales
run_case "bad DNS name refused" refused_enrollment device-vpn \
  "subject_alt_names[0] (dns)" "'laptop 42!.corp.example' is not a valid DNS name" -- \
  "FullyQualifiedDomainName=laptop 42!.corp.example" "OnPremisesSecurityIdentifier=$SID"
run_case "UPN without '@' refused" refused_enrollment user-vpn \
  "subject_alt_names[0] (upn)" "'alice.corp.example' is not a valid user principal name" -- \
  UserName=alice UserPrincipalName=alice.corp.example "OnPremisesSecurityIdentifier=$SID"
run_case "malformed SID refused" refused_enrollment user-vpn \
  "strong_mapping (both)" "'S-1-5-21-abc-1001' is not a Windows SID" -- \
  UserName=alice UserPrincipalName=alice@corp.example OnPremisesSecurityIdentifier=S-1-5-21-abc-1001
run_case "SID with a leading zero refused (it must match the account's exactly)" refused_enrollment device-vpn \
  "is not a Windows SID" -- FullyQualifiedDomainName=pc.corp.example OnPremisesSecurityIdentifier=S-1-5-21-0100-1001
run_case "newline in a value refused" refused_enrollment user-vpn \
  "variable 'UserName'" -- $'UserName=alice\nO=Evil' UserPrincipalName=alice@corp.example "OnPremisesSecurityIdentifier=$SID"
run_case "--var that is not NAME=VALUE refused" refused_enrollment user-vpn \
  "--var 'alice' is not NAME=VALUE" -- alice
run_case "--var given twice refused" refused_enrollment user-vpn \
  "--var UserName is given twice" -- UserName=alice UserName=bob
run_case "unknown profile refused" refused_enrollment no-such-profile \
  "no profile 'no-such-profile'" -- UserName=alice

# issue_leaf ENROLLMENT OUT: issues from the shared RSA CSR.
issue_leaf() {
  expect_ok nimbus issue --data "$D" --enrollment "$1" --csr "$WORK/leaf.csr" --out "$2" >/dev/null
}

# RFC 4514 injection: the value is one attribute value, however many commas, '+', '=' or quotes it
# holds. The issued certificate must have exactly one RDN, a CN with the exact value, and no O.
case_subject_injection() {
  local value n=0
  for value in 'alice, O=Evil' 'alice+O=Evil' 'alice\, O=Evil' '"alice", OU=Evil' '#616c696365' ' alice '; do
    n=$((n + 1))
    local json id
    json=$(expect_ok nimbus enrollment new --data "$D" --profile user-vpn --var "UserName=$value" \
      --var UserPrincipalName=alice@corp.example --var "OnPremisesSecurityIdentifier=$SID" --json)
    id=$(json_field "$json" 'd["id"]')
    issue_leaf "$id" "$WORK/injection-$n.pem"
    # multiline: one line per attribute, values unescaped.
    local attrs
    attrs=$(openssl x509 -in "$WORK/injection-$n.pem" -noout -subject -nameopt multiline,-esc_msb,utf8 | tail -n +2)
    assert_eq "$(grep -c . <<<"$attrs")" 1 "attributes in the subject for UserName='$value' (subject: $attrs)"
    assert_not_contains "$attrs" "organizationName" "subject for UserName='$value'"
    assert_not_contains "$attrs" "organizationalUnitName" "subject for UserName='$value'"
    # The DER value is the variable, byte for byte.
    local cn
    cn=$(openssl asn1parse -in "$WORK/injection-$n.pem" | grep -A1 ':commonName$' | tail -n 1 | sed 's/^.*prim: [A-Z0-9]*STRING *://')
    assert_eq "$cn" "$value" "the CN of the certificate for UserName='$value'"
    assert_eq "$(openssl asn1parse -in "$WORK/injection-$n.pem" | grep -c ':commonName$')" 2 \
      "commonName attributes in issuer + subject for UserName='$value'"
  done
}
run_case "RFC 4514 injection in a variable renders as one escaped CN" case_subject_injection

case_injection_enrollment_json() {
  local json
  json=$(expect_ok nimbus enrollment new --data "$D" --profile user-vpn --var 'UserName=alice, O=Evil' \
    --var UserPrincipalName=alice@corp.example --var "OnPremisesSecurityIdentifier=$SID" --json)
  assert_eq "$(json_field "$json" 'd["subject"]')" 'CN=alice\, O\=Evil' "rendered subject in the enrollment"
  assert_eq "$(json_field "$json" 'd["variables"]["UserName"]')" 'alice, O=Evil' "the variable as given"
}
run_case "the enrollment shows the escaped subject" case_injection_enrollment_json

# ---------------------------------------------------------------------------------------------
# Deleting profiles

case_delete_while_pending() {
  sed 's/^id: device-vpn$/id: delete-me/' "$WORK/device-vpn.yaml" >"$WORK/delete-me.yaml"
  expect_ok nimbus profile apply --data "$D" -f "$WORK/delete-me.yaml" >/dev/null
  local json id
  json=$(expect_ok nimbus enrollment new --data "$D" --profile delete-me \
    --var FullyQualifiedDomainName=pc-7.corp.example --var "OnPremisesSecurityIdentifier=$SID" --json)
  id=$(json_field "$json" 'd["id"]')
  refused_unchanged "profile 'delete-me' has 1 pending enrollment" -- nimbus profile delete delete-me --data "$D"
  expect_ok nimbus profile show delete-me --data "$D" >/dev/null

  issue_leaf "$id" "$WORK/delete-me.pem"
  assert_eq "$(json_field "$(expect_ok nimbus enrollment show "$id" --data "$D" --json)" 'd["status"]')" used \
    "enrollment status after issuance"
  local out
  out=$(expect_ok nimbus profile delete delete-me --data "$D")
  assert_contains "$out" "Profile 'delete-me' deleted" "profile delete"
  expect_fail --status 1 nimbus profile show delete-me --data "$D"
  assert_contains "$ERR" "no profile 'delete-me'" "profile show after delete"
  assert_not_contains "$(expect_ok nimbus profile list --data "$D")" "delete-me" "profile list after delete"
  expect_fail --status 1 nimbus enrollment new --data "$D" --profile delete-me \
    --var FullyQualifiedDomainName=pc-8.corp.example --var "OnPremisesSecurityIdentifier=$SID"
  assert_contains "$ERR" "no profile 'delete-me'" "enrollment new under a deleted profile"
  # Certificates keep their reference.
  local serial
  serial=$(norm_hex "$(cert_serial "$WORK/delete-me.pem")")
  assert_contains "$(expect_ok nimbus cert list --data "$D" --profile delete-me)" "$serial" "cert list --profile of a deleted profile"
  assert_eq "$(sql "$D" "select count(*) from audit_events where action = 'profile.delete' and target = 'delete-me'")" 1 \
    "profile.delete audit events"
  refused_unchanged "no profile 'no-such-profile'" -- nimbus profile delete no-such-profile --data "$D"
}
run_case "profile delete refused while an enrollment is pending, allowed once it is used" case_delete_while_pending

# ---------------------------------------------------------------------------------------------
# --issuing-ca: the examples as shipped name the demo's CA (nimbus-demo-issuing-ca), which a
# deployment made with 'nimbus init --org X' does not have. Applied to a deployment of their own, so
# that the versions above stay as they are.

D3=$WORK/data3
init_ec "$D3"
expect_ok nimbus ca create-issuing --data "$D3" --external-parent --id pending-ca --name "Pending CA" --key ec:p256 \
  --out "$WORK/pending.csr" >/dev/null
expect_ok nimbus ca create-issuing --data "$D3" --parent "$ROOT" --id revoked-ca --name "Revoked CA" --key ec:p256 >/dev/null
expect_ok nimbus ca revoke revoked-ca --data "$D3" --reason cessationOfOperation >/dev/null

case_examples_need_their_ca() {
  local before
  before=$(store_snapshot "$D3")
  expect_fail --status 1 nimbus profile apply --data "$D3" -f "$EXAMPLES/user-vpn.yaml"
  assert_eq "$ERR" "nimbus: '$EXAMPLES/user-vpn.yaml': issuing_ca: no authority 'nimbus-demo-issuing-ca' in this deployment (see 'nimbus ca list')" \
    "applying the example as shipped"
  assert_snapshot_unchanged "$before" "$D3" "refused: the example as shipped"
}
run_case "an example as shipped names a CA this deployment lacks" case_examples_need_their_ca

case_issuing_ca_binds_the_examples() {
  local name out shown
  for name in user-vpn device-vpn; do
    out=$(expect_ok nimbus profile apply --data "$D3" -f "$EXAMPLES/$name.yaml" --issuing-ca "$ISSUING")
    assert_eq "$out" "Profile '$name' created (version 1), issuing from '$ISSUING'." "apply -f $name.yaml --issuing-ca"
    shown=$(expect_ok nimbus profile show "$name" --data "$D3")
    assert_contains "$shown" $'\n'"issuing_ca: $ISSUING"$'\n' "profile show after --issuing-ca"
    assert_not_contains "$shown" "nimbus-demo-issuing-ca" "profile show after --issuing-ca"
    out=$(expect_ok nimbus profile apply --data "$D3" -f "$EXAMPLES/$name.yaml" --issuing-ca "$ISSUING")
    assert_eq "$out" "Profile '$name' is unchanged (version 1)." "re-applying with the same --issuing-ca"
  done
  # The profile issues from the CA it was bound to.
  local id
  out=$(expect_ok nimbus enrollment new --data "$D3" --profile user-vpn "${USER_VARS[@]}")
  [[ "$out" =~ ^Enrollment\ +([0-9a-f]+) ]] || fail "enrollment new printed no id:"$'\n'"$out"
  id=${BASH_REMATCH[1]}
  expect_ok nimbus issue --data "$D3" --enrollment "$id" --csr "$WORK/leaf.csr" --out "$WORK/bound.pem" >/dev/null
  assert_eq "$(norm_dn "$(cert_issuer "$WORK/bound.pem")")" "CN=Acme Test Issuing CA,O=Acme Test" "issuer of the certificate"

  # A file without issuing_ca at all, bound on the command line.
  sed '/^issuing_ca:/d; s/^id: user-vpn$/id: no-ca-named/' "$EXAMPLES/user-vpn.yaml" >"$WORK/no-ca-named.yaml"
  expect_fail --status 1 nimbus profile apply --data "$D3" -f "$WORK/no-ca-named.yaml"
  assert_contains "$ERR" "issuing_ca: this field is required" "applying a file without issuing_ca"
  expect_ok nimbus profile apply --data "$D3" -f "$WORK/no-ca-named.yaml" --issuing-ca "$ISSUING" >/dev/null
}
run_case "profile apply --issuing-ca binds the shipped examples to this deployment's CA" case_issuing_ca_binds_the_examples

refused_issuing_ca() { # CA-ID EXPECTED-TEXT
  local before
  before=$(store_snapshot "$D3")
  expect_fail --status 1 nimbus profile apply --data "$D3" -f "$EXAMPLES/user-vpn.yaml" --issuing-ca "$1"
  assert_eq "$ERR" "nimbus: '$EXAMPLES/user-vpn.yaml': --issuing-ca: $2" "refusal of --issuing-ca $1"
  assert_snapshot_unchanged "$before" "$D3" "refused: --issuing-ca $1"
}
run_case "--issuing-ca naming no authority refused" refused_issuing_ca no-such-ca \
  "no authority 'no-such-ca' in this deployment (see 'nimbus ca list')"
run_case "--issuing-ca naming a root refused" refused_issuing_ca "$ROOT" \
  "'$ROOT' is a root CA that is active; a profile needs an issuing CA with a certificate that is not revoked"
run_case "--issuing-ca naming a CA without its certificate yet refused" refused_issuing_ca pending-ca \
  "'pending-ca' is an issuing CA that is pending; a profile needs an issuing CA with a certificate that is not revoked"
run_case "--issuing-ca naming a revoked CA refused" refused_issuing_ca revoked-ca \
  "'revoked-ca' is an issuing CA that is revoked; a profile needs an issuing CA with a certificate that is not revoked"
run_case "--issuing-ca that is not an authority id refused" refused_issuing_ca "Acme CA" \
  "authority id 'Acme CA' is not valid: use 1 to 63 characters of a-z, 0-9 and '-', not starting with '-'"

case_issuing_ca_in_help() {
  local help
  help=$(expect_ok nimbus profile apply --help)
  assert_contains "$help" "--issuing-ca" "profile apply --help"
}
run_case "profile apply --help documents --issuing-ca" case_issuing_ca_in_help

finish
