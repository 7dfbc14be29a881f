#!/usr/bin/env bash
# `nimbus radius test` against FreeRADIUS 3.2 doing EAP-TLS with CRL checking: the RADIUS codec,
# the Message-Authenticator, the EAP-TLS peer with its fragmentation, and the MS-MPPE keys, each
# judged by a server Nimbus did not write. Runs in a network namespace of its own (loopback only),
# so its port clashes with nothing; the server is stopped by its process id.
#
# Usage: freeradius_client.sh NIMBUS
set -euo pipefail
nimbus=$(realpath "$1")
source "$(cd "$(dirname "$0")" && pwd)/lib.sh" "$0" "$@"

# ---- A PKI made with the openssl command: a CA, the server, a good and a revoked client, a CRL.
pki=$work/pki
mkdir -p "$pki/capath"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$pki/ca.key" -out "$pki/ca.pem" \
  -days 30 -subj "/CN=Interop RADIUS CA" -addext basicConstraints=critical,CA:TRUE \
  -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
issue() {  # name serial eku
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$pki/$1.key" -out "$pki/$1.csr" \
    -subj "/CN=$1" 2>/dev/null
  printf 'extendedKeyUsage=%s\nkeyUsage=critical,digitalSignature\nbasicConstraints=CA:FALSE\n' "$3" > "$pki/$1.ext"
  openssl x509 -req -in "$pki/$1.csr" -CA "$pki/ca.pem" -CAkey "$pki/ca.key" -set_serial "0x$2" -days 30 \
    -extfile "$pki/$1.ext" -out "$pki/$1.pem" 2>/dev/null
}
issue radius-server 1001 serverAuth
issue client-good 2001 clientAuth
issue client-revoked 2002 clientAuth
expires=$(date -u -d '+30 days' +%y%m%d%H%M%SZ)
revoked=$(date -u -d '-1 hour' +%y%m%d%H%M%SZ)
printf 'R\t%s\t%s,keyCompromise\t2002\tunknown\t/CN=client-revoked\n' "$expires" "$revoked" > "$pki/index.txt"
echo 01 > "$pki/crlnumber"
cat > "$pki/ca.cnf" <<CNF
[ ca ]
default_ca = local
[ local ]
database = $pki/index.txt
certificate = $pki/ca.pem
private_key = $pki/ca.key
crlnumber = $pki/crlnumber
default_md = sha256
default_crl_days = 7
CNF
openssl ca -config "$pki/ca.cnf" -gencrl -out "$pki/crl.pem" 2>/dev/null
cp "$pki/ca.pem" "$pki/crl.pem" "$pki/capath/"
openssl rehash "$pki/capath"
# An encrypted copy of the good client's key, for --key-passphrase-file.
printf 'client key passphrase\n' > "$work/key.pass"
chmod 600 "$work/key.pass"
openssl pkey -in "$pki/client-good.key" -aes-256-cbc -passout pass:"client key passphrase" -out "$pki/client-good.enc.key"

# ---- FreeRADIUS: Debian's configuration with one client, one virtual server, EAP-TLS only.
secret=interop-radius-secret
port=18120
raddb=$work/raddb
cp -a /etc/freeradius/3.0 "$raddb"
mkdir -p "$work/log" "$work/run"
sed -i -e "s|^raddbdir = .*|raddbdir = $raddb|" -e "s|^logdir = .*|logdir = $work/log|" \
  -e "s|^run_dir = .*|run_dir = $work/run|" -e 's|^proxy_requests *= *yes|proxy_requests = no|' "$raddb/radiusd.conf"
rm -f "$raddb/sites-enabled/"* "$raddb/mods-enabled/eap"
cat > "$raddb/clients.conf" <<CONF
client loopback {
	ipaddr = 127.0.0.1
	secret = $secret
	require_message_authenticator = yes
}
CONF
cat > "$raddb/mods-enabled/eap" <<CONF
eap {
	default_eap_type = tls
	timer_expire = 60
	max_sessions = \${max_requests}
	tls-config tls-common {
		private_key_file = $pki/radius-server.key
		certificate_file = $pki/radius-server.pem
		ca_file = $pki/ca.pem
		ca_path = $pki/capath
		check_crl = yes
		cipher_list = "DEFAULT"
		tls_min_version = "1.2"
		tls_max_version = "1.3"
		fragment_size = 1024
		cache {
			enable = no
		}
	}
	tls {
		tls = tls-common
	}
}
CONF
cat > "$raddb/sites-enabled/interop" <<CONF
server interop {
	listen {
		type = auth
		ipaddr = 127.0.0.1
		port = $port
	}
	authorize {
		eap {
			ok = return
		}
	}
	authenticate {
		eap
	}
	post-auth {
		update reply {
			Reply-Message := "welcome %{User-Name}"
		}
		Post-Auth-Type REJECT {
			attr_filter.access_reject
		}
	}
}
CONF
chown -R freerad:freerad "$raddb" "$pki" "$work/log" "$work/run"
freeradius -C -d "$raddb" > "$work/log/check.log" 2>&1 || { tail -20 "$work/log/check.log"; exit 1; }
freeradius -f -d "$raddb" -l "$work/log/radius.log" &
server_pid=$!
pids+=("$server_pid")
printf '%s\n' "$secret" > "$work/secret"
chmod 600 "$work/secret"
printf 'not-the-secret\n' > "$work/wrong.secret"
chmod 600 "$work/wrong.secret"

radius_test() { "$nimbus" radius test --server 127.0.0.1:$port --secret-file "$work/secret" "$@"; }
ready=0
for _ in $(seq 1 50); do
  if radius_test --cert "$pki/client-good.pem" --key "$pki/client-good.key" --timeout 0.5 --tries 1 > /dev/null 2>&1; then
    ready=1
    break
  fi
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.2
done
[ $ready -eq 1 ] || { echo "FreeRADIUS did not come up:"; tail -20 "$work/log/radius.log"; exit 1; }

# ---- The cases.
expect() {  # name, wanted exit status, pattern the output must hold, command...
  local name=$1 wanted=$2 pattern=$3
  shift 3
  set +e
  output=$("$@" 2>&1)
  status=$?
  set -e
  if [ "$status" -eq "$wanted" ] && grep -qE -- "$pattern" <<<"$output"; then
    pass "$name"
  else
    fail "$name (exit $status, wanted $wanted; looked for '$pattern')"
    sed 's/^/     /' <<<"$output"
  fi
}

for tls in 1.2 1.3; do
  expect "a good client is accepted over TLS $tls and the MS-MPPE keys match its MSK" 0 \
    "^Access-Accept from 127.0.0.1:$port.*" \
    radius_test --cert "$pki/client-good.pem" --key "$pki/client-good.key" --tls $tls
  output_keys=$(radius_test --cert "$pki/client-good.pem" --key "$pki/client-good.key" --tls $tls 2>&1 || true)
  if grep -q "MS-MPPE keys: match the MSK" <<<"$output_keys" && grep -q "TLS: TLS $tls" <<<"$output_keys"; then
    pass "TLS $tls: the keys FreeRADIUS sent are the MSK this side derived"
  else
    fail "TLS $tls: keys or version"
    sed 's/^/     /' <<<"$output_keys"
  fi
done
expect "the server's Reply-Message and certificate are shown" 0 "Reply-Message: welcome client-good" \
  radius_test --cert "$pki/client-good.pem" --key "$pki/client-good.key"
expect "small fragments (200 octets) are reassembled by FreeRADIUS" 0 "MS-MPPE keys: match" \
  radius_test --cert "$pki/client-good.pem" --key "$pki/client-good.key" --fragment-size 200
expect "an encrypted key opens with --key-passphrase-file" 0 "^Access-Accept" \
  radius_test --cert "$pki/client-good.pem" --key "$pki/client-good.enc.key" --key-passphrase-file "$work/key.pass"
expect "an encrypted key without its passphrase is an error, before anything is sent" 2 \
  "the key is encrypted and no passphrase was given" \
  radius_test --cert "$pki/client-good.pem" --key "$pki/client-good.enc.key"
expect "a client revoked on the CA's CRL is refused" 1 "^Access-Reject from 127.0.0.1:$port" \
  radius_test --cert "$pki/client-revoked.pem" --key "$pki/client-revoked.key"
expect "a wrong shared secret gets no authentic answer" 2 "no authentic answer from 127.0.0.1:$port after 2 tries" \
  "$nimbus" radius test --server 127.0.0.1:$port --secret-file "$work/wrong.secret" --cert "$pki/client-good.pem" \
  --key "$pki/client-good.key" --timeout 0.5 --tries 2
expect "nothing listening is said at once" 2 "nothing answers RADIUS at 127.0.0.1:18199" \
  "$nimbus" radius test --server 127.0.0.1:18199 --secret-file "$work/secret" --cert "$pki/client-good.pem" \
  --key "$pki/client-good.key"
chmod 644 "$work/secret"
expect "a shared secret file others may read is refused" 2 "shared secret file '.*' is readable by other users" \
  radius_test --cert "$pki/client-good.pem" --key "$pki/client-good.key"
chmod 600 "$work/secret"
expect "a bad server address is refused" 2 "is not HOST:PORT" \
  "$nimbus" radius test --server localhost --secret-file "$work/secret" --cert "$pki/client-good.pem" \
  --key "$pki/client-good.key"
json=$(radius_test --cert "$pki/client-good.pem" --key "$pki/client-good.key" --json)
if python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["decision"]=="Access-Accept" and d["keys_match"] is True and d["tls_version"].startswith("TLS 1.") and d["server_certificate"]=="CN=radius-server", d' <<<"$json"; then
  pass "--json reports the decision, the TLS version, the server and the keys"
else
  fail "--json"
  echo "$json"
fi

if [ $failures -ne 0 ]; then
  echo "$failures case(s) failed; FreeRADIUS log:"
  tail -30 "$work/log/radius.log"
  exit 1
fi
echo "all cases passed"
