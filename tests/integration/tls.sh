#!/bin/bash
# TLS failures end in class tls_error with the reason in checks.error, and
# verification cannot be side-stepped: a self-signed leaf, an expired leaf, a
# leaf for another host name, and a plain-TCP server on an https:// URL.
#
# Runs in its own mount + network namespace.  There a test CA is added to
# the system trust store (bind-mounted over /etc/ssl/certs), so that a valid
# leaf from that CA must give class ok: this proves that the failures are for
# the stated reasons and not because TLS does not work at all.
. "$(dirname "$0")/lib.sh"
in_netns "$@"
setup

K="$T/pki"
mkdir -p "$K/newcerts"
ssl() { openssl "$@" 2>>"$K/openssl.log" || { echo "FATAL: openssl $1 failed"; cat "$K/openssl.log"; exit 1; }; }
EC=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)

# CA
ssl req -x509 "${EC[@]}" -keyout "$K/ca.key" -out "$K/ca.crt" -days 2 \
	-subj "/CN=rotwatch test CA" \
	-addext "basicConstraints=critical,CA:TRUE" \
	-addext "keyUsage=critical,keyCertSign,cRLSign"
printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >"$K/leaf.ext"
printf 'subjectAltName=DNS:wrong.example\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' >"$K/wrong.ext"

# valid leaf for 127.0.0.1, signed by the CA
ssl req "${EC[@]}" -keyout "$K/good.key" -out "$K/good.csr" -subj "/CN=127.0.0.1"
ssl x509 -req -in "$K/good.csr" -CA "$K/ca.crt" -CAkey "$K/ca.key" \
	-CAcreateserial -days 2 -extfile "$K/leaf.ext" -out "$K/good.crt"

# leaf for another name, signed by the CA
ssl req "${EC[@]}" -keyout "$K/wrong.key" -out "$K/wrong.csr" -subj "/CN=wrong.example"
ssl x509 -req -in "$K/wrong.csr" -CA "$K/ca.crt" -CAkey "$K/ca.key" \
	-CAcreateserial -days 2 -extfile "$K/wrong.ext" -out "$K/wrong.crt"

# expired leaf for 127.0.0.1 (January 2020), signed by the CA: `openssl ca`
# takes explicit start and end dates
: >"$K/index.txt"
echo 1000 >"$K/serial"
cat >"$K/ca.cnf" <<EOF
[ca]
default_ca = tca
[tca]
dir = $K
database = \$dir/index.txt
new_certs_dir = \$dir/newcerts
certificate = \$dir/ca.crt
private_key = \$dir/ca.key
serial = \$dir/serial
default_md = sha256
policy = pol
unique_subject = no
x509_extensions = leaf
[pol]
commonName = supplied
[leaf]
subjectAltName = IP:127.0.0.1
basicConstraints = CA:FALSE
extendedKeyUsage = serverAuth
EOF
ssl req "${EC[@]}" -keyout "$K/expired.key" -out "$K/expired.csr" -subj "/CN=127.0.0.1"
ssl ca -batch -config "$K/ca.cnf" -in "$K/expired.csr" -out "$K/expired.crt" \
	-startdate 20200101000000Z -enddate 20200201000000Z -notext

# self-signed leaf for 127.0.0.1
ssl req -x509 "${EC[@]}" -keyout "$K/self.key" -out "$K/self.crt" -days 2 \
	-subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1"

# The system trust store plus the test CA, in this namespace only.
mkdir -p "$K/store"
cat /etc/ssl/certs/ca-certificates.crt "$K/ca.crt" >"$K/store/ca-certificates.crt"
cp "$K/ca.crt" "$K/store/rotwatch-test-ca.pem"
ssl rehash "$K/store"
mount --bind "$K/store" /etc/ssl/certs || { echo "FATAL: bind mount failed"; exit 1; }

for v in good wrong expired self; do
	start_web "$v" --tls "$K/$v.crt" "$K/$v.key"
	printf -v "PORT_$v" '%s' "$WEB_PORT"
done
start_web plain
PORT_plain=$WEB_PORT

GOOD="https://127.0.0.1:$PORT_good/ok"
GOODR="https://127.0.0.1:$PORT_good/redirect"
WRONG="https://127.0.0.1:$PORT_wrong/ok"
EXPIRED="https://127.0.0.1:$PORT_expired/ok"
SELF="https://127.0.0.1:$PORT_self/ok"
PLAIN="https://127.0.0.1:$PORT_plain/ok"

# The setup itself: the trust store works for a client using it.
if ! curl -s -o /dev/null --max-time 5 "$GOOD"; then
	echo "FATAL: test setup: curl does not trust the test CA"
	exit 1
fi
openssl x509 -in "$K/expired.crt" -noout -checkend 0 >/dev/null &&
	{ echo "FATAL: test setup: the expired certificate is not expired"; exit 1; }

rw add "$GOOD" "$GOODR" "$WRONG" "$EXPIRED" "$SELF" "$PLAIN" >"$T/add.log" 2>&1
assert_rc "add the https URLs" 0 $?

start=$(now_ms)
timeout -k 2 30 "${RW[@]}" -c "$CONF" daemon --once >"$T/once.log" 2>&1
assert_rc "daemon --once" 0 $?
assert_le "daemon --once took at most 10 s (ms)" 10000 $(($(now_ms) - start))

assert_eq "valid certificate from a trusted CA: class" ok "$(latest class "$GOOD")"
assert_eq "valid certificate, redirect over https: class" redirect "$(latest class "$GOODR")"
assert_eq "valid certificate: final_url" "$GOOD" "$(latest final_url "$GOODR")"
assert_eq "valid certificate: sha256 of the body" \
	"$(curl -s --max-time 5 "$GOOD" | sha256sum | cut -d' ' -f1)" "$(latest sha256 "$GOOD")"

# TLS evidence: the chain the server presented is stored with the check,
# each certificate once, with what openssl itself reads from the file
der_sha() { openssl x509 -in "$1" -outform DER | sha256sum | cut -d' ' -f1; }
leaf() { q "SELECT c.$1 FROM checks k JOIN tls_chains t ON t.id = k.tls_chain
	JOIN certs c ON c.id = CAST(t.certs AS INTEGER) WHERE k.id =
	(SELECT max(id) FROM checks WHERE source_id = (SELECT id FROM sources WHERE url = $(sql_str "$2")))"; }
assert_eq "TLS evidence: the leaf's SHA-256 fingerprint" "$(der_sha "$K/good.crt")" "$(leaf sha256 "$GOOD")"
assert_eq "TLS evidence: subject" "CN=127.0.0.1" "$(leaf subject "$GOOD")"
assert_eq "TLS evidence: issuer" "CN=rotwatch test CA" "$(leaf issuer "$GOOD")"
assert_eq "TLS evidence: not after" "$(date -u -d "$(openssl x509 -in "$K/good.crt" -noout -enddate | cut -d= -f2)" +%s)000" \
	"$(leaf not_after "$GOOD")"
assert_eq "TLS evidence: the DER itself" "$(der_sha "$K/good.crt")" \
	"$(q "SELECT hex(der) FROM certs WHERE sha256 = '$(der_sha "$K/good.crt")'" | xxd -r -p | sha256sum | cut -d' ' -f1)"
assert_eq "TLS evidence: the redirect's check has the same chain" "$(leaf sha256 "$GOOD")" "$(leaf sha256 "$GOODR")"
assert_eq "TLS evidence: each certificate stored once" 1 \
	"$(q "SELECT count(*) FROM certs WHERE sha256 = '$(der_sha "$K/good.crt")'")"
# a connection curl reuses gives no chain of its own: the check keeps the
# chain its host presented last (six checks of one host, one at a time)
printf '\n[check]\nper_host = 1\n' >>"$CONF"
for i in 1 2 3 4 5 6; do rw add "$GOOD?n=$i" >/dev/null 2>&1; done
timeout -k 2 30 "${RW[@]}" -c "$CONF" daemon --once >"$T/once2.log" 2>&1
assert_eq "TLS evidence: every check of a reused connection has the chain" "6|6" \
	"$(q "SELECT count(*), sum(t.certs = (SELECT certs FROM tls_chains t2 JOIN checks k2 ON k2.tls_chain = t2.id
	      WHERE k2.source_id = (SELECT id FROM sources WHERE url = $(sql_str "$GOOD")) LIMIT 1))
	      FROM checks k JOIN sources s ON s.id = k.source_id LEFT JOIN tls_chains t ON t.id = k.tls_chain
	      WHERE s.url LIKE '%?n=%'")"
# ... and in an evidence bundle: the manifest names the chain of each check
# and holds each certificate's DER
rw export "$GOOD" -o "$T/good.warc.gz" >"$T/export.log" 2>&1
rc=$?
assert_rc "export of an https source" 0 $rc
[ $rc -ne 0 ] && sed "s/^/  export: /" "$T/export.log"
got=$("$PY" - "$T/good.warc.gz" <<'PY'
import hashlib, json, sys, zlib
data, m = open(sys.argv[1], "rb").read(), None
while data:
    d = zlib.decompressobj(31)
    rec = d.decompress(data)
    data = d.unused_data
    head, _, block = rec.partition(b"\r\n\r\n")
    if b"Content-Type: application/json" in head:
        m = json.loads(block[:-4])
leaf = m["checks"][0]["tls_chain"][0]
cert = [c for c in m["certificates"] if c["sha256"] == leaf][0]
print(leaf, hashlib.sha256(bytes.fromhex(cert["der_hex"])).hexdigest(), cert["subject"], cert["issuer"])
PY
)
assert_eq "TLS evidence in the bundle: the leaf, its DER, subject and issuer" \
	"$(der_sha "$K/good.crt") $(der_sha "$K/good.crt") CN=127.0.0.1 CN=rotwatch test CA" "$got"
assert_eq "TLS evidence: no chain for a plain-TCP server" 1 "$(latest_is_null tls_chain "$PLAIN")"

for v in WRONG EXPIRED SELF PLAIN; do
	url=${!v}
	assert_eq "$v: class" tls_error "$(latest class "$url")"
	assert_eq "$v: no HTTP status" 1 "$(latest_is_null http_status "$url")"
	assert_match "$v: error column has a reason" '[A-Za-z]{4}' "$(latest error "$url")"
done
# ... and the reason is the right one
assert_match "EXPIRED: the error says the certificate expired" '[Ee]xpir' "$(latest error "$EXPIRED")"
assert_match "WRONG: the error is about the host name" \
	'[Nn]ame|[Hh]ost|[Ss]ubject|match' "$(latest error "$WRONG")"
assert_match "SELF: the error is about trust in the certificate" \
	'[Ss]elf.signed|issuer|[Vv]erif|[Cc]ertificate' "$(latest error "$SELF")"
assert_eq "tls_error sources are suspect (one failure)" "suspect suspect suspect suspect" \
	"$(for v in WRONG EXPIRED SELF PLAIN; do q "SELECT state FROM sources WHERE url = $(sql_str "${!v}")"; done | xargs)"

# the plain server was contacted (it got a ClientHello, not HTTP)
assert_match "PLAIN: the plain server got a non-HTTP request" '"\(not http\)": [1-9]' \
	"$(fetch "http://127.0.0.1:$PORT_plain/stats")"

finish
