#!/bin/bash
# A name that does not exist is dns_nxdomain (evidence of rot); a resolver
# that does not answer is dns_failure (not evidence).  Runs in its own mount
# + network namespace with tests/fake/dns.py as the only name server, so no
# real resolver is touched.  Fails if `unshare` is not permitted.
. "$(dirname "$0")/lib.sh"
in_netns "$@"
setup

printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' >"$T/resolv.conf"
mount --bind "$T/resolv.conf" /etc/resolv.conf || {
	echo "FATAL: cannot bind-mount resolv.conf"
	exit 1
}
start_bg "$T/dns.log" "$PY" "$FAKE/dns.py" --lifetime 120 --readyfile "$T/dns.ready"
DNS_PID=$BG_PID
wait_for 5 test -s "$T/dns.ready" || { echo "FATAL: dns.py did not start"; cat "$T/dns.log"; exit 1; }

start_web main
P=$WEB_PORT

# The stub answers as intended for any client (setup check).
getent ahosts probe.ok.test | grep -q '^127\.0\.0\.1' ||
	{ echo "FATAL: test setup: probe.ok.test does not resolve"; exit 1; }

OK="http://page.ok.test:$P/ok"
OK404="http://page.ok.test:$P/notfound"
NX="http://gone.nx.test:$P/ok"
SILENT="http://slow.silent.test:$P/ok"

rw add "$OK" "$OK404" "$NX" "$SILENT" >"$T/add.log" 2>&1
assert_rc "add" 0 $?

start=$(now_ms)
timeout -k 2 30 "${RW[@]}" -c "$CONF" daemon --once >"$T/once.log" 2>&1
assert_rc "daemon --once" 0 $?
assert_le "daemon --once took at most 10 s (ms)" 10000 $(($(now_ms) - start))

assert_eq "name resolving to 127.0.0.1: class" ok "$(latest class "$OK")"
assert_eq "name resolving to 127.0.0.1: ip" 127.0.0.1 "$(latest ip "$OK")"
assert_eq "name resolving, 404: class" not_found "$(latest class "$OK404")"
assert_eq "NXDOMAIN: class" dns_nxdomain "$(latest class "$NX")"
assert_eq "resolver silent: class" dns_failure "$(latest class "$SILENT")"
assert_eq "NXDOMAIN: no HTTP status" 1 "$(latest_is_null http_status "$NX")"
assert_eq "resolver silent: no HTTP status" 1 "$(latest_is_null http_status "$SILENT")"
assert_eq "NXDOMAIN: no address" 1 "$(latest_is_null ip "$NX")"

# The names were looked up through the system resolver, i.e. our stub.
log=$(cat "$T/dns.log")
assert_match "the stub was asked for gone.nx.test" '^gone\.nx\.test A NXDOMAIN' "$log"
assert_match "the stub was asked for slow.silent.test" '^slow\.silent\.test A' "$log"
assert_match "the stub was asked for page.ok.test" '^page\.ok\.test A 127\.0\.0\.1' "$log"

finish
