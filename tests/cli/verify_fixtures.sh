# shellcheck shell=bash
# A PKI built with the openssl command line, for tests that need certificates nimbus would never
# issue: a CA without revocation URLs, leaves pointing at broken or hostile CDPs, expired leaves,
# cross-signed loops. Source it after lib.sh; everything lives under $FX (default $WORK/pki).
#
#   fx_root NAME SUBJECT               a self-signed root CA
#   fx_ca PARENT NAME SUBJECT [EXT]    an intermediate CA signed by PARENT (a CA made here)
#   fx_leaf CA NAME SUBJECT [EXT] [START END]
#                                      an end-entity certificate (client auth unless EXT says
#                                      otherwise), signed by CA
#   fx_crl CA FILE [openssl ca -gencrl options]   the CA's CRL, DER, in FILE
#   fx_revoke CA NAME REASON           put a certificate made here on its CA's next CRLs
#   fx_sign CA NAME SUBJECT CSR EXT START END
#                                      the general case: any request, any extensions, any dates
#
# Certificates end up as $FX/NAME.pem and $FX/NAME.der, each CA's key as $FX/NAME/ca.key.
# EXT is extension lines in openssl's configuration syntax, one per line; they are added to the
# basic ones (constraints, key usage, key identifiers). Keys are EC P-256, for speed. CAs are
# valid from 90 days ago for ten years, leaves from a day ago for a year, so that a test may move
# the validation time a little without leaving anyone's validity.

FX=${FX:-$WORK/pki}
mkdir -p "$FX"

# openssl ca reads the CA's directory from the environment, so one configuration serves all CAs.
cat >"$FX/ca.cnf" <<'EOF'
[ ca ]
default_ca = fixture_ca

[ fixture_ca ]
dir = $ENV::FX_CA_DIR
database = $dir/index.txt
new_certs_dir = $dir/issued
serial = $dir/serial
crlnumber = $dir/crlnumber
certificate = $dir/ca.pem
private_key = $dir/ca.key
default_md = sha256
default_crl_days = 30
policy = fixture_policy
unique_subject = no
copy_extensions = none
preserve = yes

[ fixture_policy ]
organizationName = optional
commonName = supplied
EOF

FX_CA_BASE="basicConstraints=critical,CA:TRUE
keyUsage=critical,keyCertSign,cRLSign
subjectKeyIdentifier=hash"
FX_LEAF_BASE="basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid:always"

# fx_when SECONDS: now + SECONDS as openssl ca wants it (GeneralizedTime).
fx_when() { date -u -d "@$(($(date +%s) + $1))" +%Y%m%d%H%M%SZ; }

fx_openssl() { # LOG-NAME ARGS...: openssl, its chatter kept for the failure message
  openssl "$@" >"$FX/.log" 2>&1 || fail "fixture: openssl $1 failed:"$'\n'"$(cat "$FX/.log")"
}

fx_new_ca_dir() { # NAME: an empty CA directory with a fresh key
  local dir=$FX/$1
  mkdir -p "$dir/issued"
  : >"$dir/index.txt"
  # Random serials per CA, so that no two certificates of the fixture share issuer and serial
  # by accident of two CAs counting from the same number.
  echo "7$(openssl rand -hex 8 | cut -c2-)" >"$dir/serial"
  echo 1000 >"$dir/crlnumber"
  fx_openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$dir/ca.key"
  fx_openssl req -new -key "$dir/ca.key" -subj "/CN=request" -out "$dir/ca.csr"
}

fx_sign() { # CA NAME SUBJECT CSR EXT START END [openssl ca options]: $FX/NAME.pem and .der
  local ca=$1 name=$2 subject=$3 csr=$4 ext=$5 start=$6 end=$7
  shift 7
  printf '[ext]\n%s\n' "$ext" >"$FX/$name.ext"
  FX_CA_DIR=$FX/$ca fx_openssl ca -config "$FX/ca.cnf" -batch -notext -in "$csr" -subj "$subject" \
    -startdate "$start" -enddate "$end" -extfile "$FX/$name.ext" -extensions ext -out "$FX/$name.pem" "$@"
  fx_openssl x509 -in "$FX/$name.pem" -outform DER -out "$FX/$name.der"
}

fx_root() { # NAME SUBJECT
  fx_new_ca_dir "$1"
  fx_sign "$1" "$1" "$2" "$FX/$1/ca.csr" "$FX_CA_BASE" "$(fx_when -7776000)" "$(fx_when 315360000)" \
    -selfsign -keyfile "$FX/$1/ca.key"
  cp "$FX/$1.pem" "$FX/$1/ca.pem"
}

fx_ca() { # PARENT NAME SUBJECT [EXT]
  fx_new_ca_dir "$2"
  fx_sign "$1" "$2" "$3" "$FX/$2/ca.csr" "$FX_CA_BASE"$'\n'"authorityKeyIdentifier=keyid:always"$'\n'"${4:-}" \
    "$(fx_when -7776000)" "$(fx_when 315360000)"
  cp "$FX/$2.pem" "$FX/$2/ca.pem"
}

# Leaves share one key: what differs between them is what the tests are about.
fx_openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$FX/leaf.key"
fx_openssl req -new -key "$FX/leaf.key" -subj "/CN=request" -out "$FX/leaf.csr"

fx_leaf() { # CA NAME SUBJECT [EXT] [START END]
  local ext=$FX_LEAF_BASE
  [[ "${4:-}" == *extendedKeyUsage* ]] || ext+=$'\n'"extendedKeyUsage=clientAuth"
  fx_sign "$1" "$2" "$3" "$FX/leaf.csr" "$ext"$'\n'"${4:-}" "${5:-$(fx_when -86400)}" "${6:-$(fx_when 31536000)}"
}

fx_crl() { # CA FILE [openssl ca -gencrl options]
  local ca=$1 out=$2 pem
  shift 2
  pem=$FX/$(basename "$out").pem
  FX_CA_DIR=$FX/$ca fx_openssl ca -config "$FX/ca.cnf" -gencrl -out "$pem" "$@"
  fx_openssl crl -in "$pem" -outform DER -out "$out"
}

fx_revoke() { # CA NAME REASON
  FX_CA_DIR=$FX/$1 fx_openssl ca -config "$FX/ca.cnf" -revoke "$FX/$2.pem" -crl_reason "$3"
}
