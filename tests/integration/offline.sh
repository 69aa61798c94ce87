#!/bin/bash
# Monitor health: when the monitor's own network is cut, rotwatch records
# ONE monitor_offline event and judges no source; when it comes back, one
# monitor_online event.  Two cuts: the addresses of 8 sites vanish (network
# unreachable), and the resolver stops answering (DNS failure).  Everything
# runs in a private mount + network namespace (needs root).
. "$(dirname "$0")/lib.sh"
in_netns "$@"
setup

ADDRS=(198.51.100.1 198.51.100.2 198.51.100.3 198.51.100.4
	203.0.113.1 203.0.113.2 203.0.113.3 203.0.113.4)
addrs() {
	local a
	for a in "${ADDRS[@]}"; do
		ip addr "$1" "$a/32" dev lo || return 1
	done
}
addrs add || { echo "FATAL: cannot add addresses to lo"; exit 1; }

# conf_offline FILE: small confirm_span and confirm_checks, so that rot
# WOULD be confirmed by passes 2 and 3 if their failures counted
conf_offline() {
	# the sites' documentation addresses are let through the SSRF guard
	C_ALLOW="127.0.0.0/8 ::1/128 198.51.100.0/24 203.0.113.0/24" \
		write_conf "$1"
	cat >>"$1" <<EOF

[verdict]
confirm_checks = 2
confirm_span = 1s
offline_min_hosts = 5

[archive]
enabled = no
EOF
}

run_pass() {
	timeout -k 2 60 "${RW[@]}" -c "$CONF" check --all --format json \
		>"$T/$1.json" 2>"$T/$1.err"
	local rc=$?
	assert_rc "check --all ($1)" 0 "$rc"
	[ "$rc" -ne 0 ] && sed 's/^/  stderr: /' "$T/$1.err" | head -10
}

ev() {	# ev TYPE: number of events of that type
	q "SELECT count(*) FROM events WHERE type = '$1'"
}

# === the addresses vanish ====================================================
mkdir -p "$T/ip"
CONF="$T/ip/rotwatch.conf" DB="$T/ip/db.sqlite"
conf_offline "$CONF"
list=$(IFS=,; echo "${ADDRS[*]}")
start_fake corpus-ip corpus.py --plain --addrs "$list" --labels "$T/ip/labels.tsv"
IPP=$STARTED_PORT
N=$(wc -l <"$T/ip/labels.tsv")
cut -f1 "$T/ip/labels.tsv" >"$T/ip/urls.txt"
rw import "$T/ip/urls.txt" >/dev/null 2>&1
assert_rc "import $N sources on ${#ADDRS[@]} hosts" 0 $?

run_pass ip-pass1
assert_eq "pass 1: every source alive" "$N alive" \
	"$(q "SELECT count(*) || ' ' || group_concat(DISTINCT state) FROM sources")"
assert_eq "pass 1: one state event per source" "$N" "$(ev state)"
assert_eq "pass 1: no monitor event" "0 0" "$(ev monitor_offline) $(ev monitor_online)"
MAXEV=$(q "SELECT max(id) FROM events")

addrs del || { echo "FATAL: cannot delete the addresses"; exit 1; }
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 "http://${ADDRS[0]}:$IPP/")
assert_eq "test setup: the network is cut (curl gets no answer)" 000 "$code"

run_pass ip-pass2
END2=$(now_ms)
sleep 1.5
run_pass ip-pass3
assert_eq "cut: exactly one monitor_offline event" 1 "$(ev monitor_offline)"
assert_eq "cut: the monitor_offline event has no source (source_id NULL)" 1 \
	"$(q "SELECT count(*) FROM events WHERE type = 'monitor_offline'
	      AND source_id IS NULL")"
assert_eq "cut: it is recorded by pass 2 (not later)" 1 \
	"$(q "SELECT at <= $END2 FROM events WHERE type = 'monitor_offline'")"
assert_eq "cut: no state event after pass 1" 0 \
	"$(q "SELECT count(*) FROM events WHERE type = 'state' AND id > $MAXEV")"
assert_eq "cut: every source still alive" "$N alive" \
	"$(q "SELECT count(*) || ' ' || group_concat(DISTINCT state) FROM sources")"
echo "  (observed by the checks of the cut: $(q "SELECT group_concat(o) FROM (SELECT DISTINCT
	coalesce(observed, 'NULL') || '/' || class AS o FROM checks WHERE id >
	(SELECT min(id) + $N - 1 FROM checks))"))"

addrs add || { echo "FATAL: cannot restore the addresses"; exit 1; }
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 "http://${ADDRS[0]}:$IPP/")
assert_eq "test setup: the network is back" 200 "$code"
run_pass ip-pass4
assert_eq "back: exactly one monitor_online event" 1 "$(ev monitor_online)"
assert_eq "back: the monitor_online event has no source (source_id NULL)" 1 \
	"$(q "SELECT count(*) FROM events WHERE type = 'monitor_online'
	      AND source_id IS NULL")"
assert_eq "back: monitor_online after monitor_offline" 1 \
	"$(q "SELECT (SELECT id FROM events WHERE type = 'monitor_online') >
	      (SELECT id FROM events WHERE type = 'monitor_offline')")"
assert_eq "back: still one monitor_offline event" 1 "$(ev monitor_offline)"
assert_eq "back: no state event after pass 1" 0 \
	"$(q "SELECT count(*) FROM events WHERE type = 'state' AND id > $MAXEV")"
assert_eq "back: every source alive" "$N alive" \
	"$(q "SELECT count(*) || ' ' || group_concat(DISTINCT state) FROM sources")"
assert_eq "back: no 'changed' event anywhere" 0 "$(ev changed)"

# === the threshold: 5 of 8 hosts failing is not an outage, 7 of 8 is ======
mkdir -p "$T/th"
CONF="$T/th/rotwatch.conf" DB="$T/th/db.sqlite"
conf_offline "$CONF"
N=$(wc -l <"$T/ip/urls.txt")
rw import "$T/ip/urls.txt" >/dev/null 2>&1
assert_rc "threshold: import" 0 $?
run_pass th-pass1
assert_eq "threshold pass 1: every source alive" "$N alive" \
	"$(q "SELECT count(*) || ' ' || group_concat(DISTINCT state) FROM sources")"
for a in "${ADDRS[@]:0:5}"; do ip addr del "$a/32" dev lo; done
run_pass th-pass2
assert_eq "threshold: 5 of 8 hosts unreachable (62%): no monitor_offline" 0 \
	"$(ev monitor_offline)"
for a in "${ADDRS[@]:5:2}"; do ip addr del "$a/32" dev lo; done
run_pass th-pass3
assert_eq "threshold: 7 of 8 hosts unreachable (88%): one monitor_offline" 1 \
	"$(ev monitor_offline)"
assert_eq "threshold: the one reachable host's sources stay alive" 3 \
	"$(q "SELECT count(*) FROM sources WHERE url LIKE 'http://${ADDRS[7]}:%'
	      AND state = 'alive'")"
for a in "${ADDRS[@]:0:7}"; do ip addr add "$a/32" dev lo; done
run_pass th-pass4
assert_eq "threshold: back: one monitor_online" 1 "$(ev monitor_online)"
assert_eq "threshold: every source alive at the end" "$N alive" \
	"$(q "SELECT count(*) || ' ' || group_concat(DISTINCT state) FROM sources")"

# === the resolver stops answering ===============================================
printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' >"$T/resolv.conf"
mount --bind "$T/resolv.conf" /etc/resolv.conf || {
	echo "FATAL: cannot bind-mount resolv.conf"
	exit 1
}
start_bg "$T/dns.log" "$PY" "$FAKE/dns.py" --lifetime 200 --readyfile "$T/dns.ready"
wait_for 5 test -s "$T/dns.ready" || { echo "FATAL: dns.py did not start"; cat "$T/dns.log"; exit 1; }
start_fake corpus-dns corpus.py --plain --addrs 127.0.0.1 --labels "$T/dns-labels.tsv"
DP=$STARTED_PORT
getent ahosts s1.ok.test | grep -q '^127\.0\.0\.1' ||
	{ echo "FATAL: test setup: s1.ok.test does not resolve"; exit 1; }

mkdir -p "$T/dns"
CONF="$T/dns/rotwatch.conf" DB="$T/dns/db.sqlite"
conf_offline "$CONF"
: >"$T/dns/urls.txt"
for i in 1 2 3 4 5 6 7 8; do
	for p in / /reports/article-1; do
		echo "http://s$i.ok.test:$DP$p" >>"$T/dns/urls.txt"
	done
done
N=$(wc -l <"$T/dns/urls.txt")
rw import "$T/dns/urls.txt" >/dev/null 2>&1
assert_rc "dns: import $N sources on 8 host names" 0 $?

run_pass dns-pass1
assert_eq "dns pass 1: every source alive" "$N alive" \
	"$(q "SELECT count(*) || ' ' || group_concat(DISTINCT state) FROM sources")"
MAXEV=$(q "SELECT max(id) FROM events")

# the resolver: an address where nothing answers (same inode: the bind
# mount shows the new content)
printf 'nameserver 127.0.0.2\noptions timeout:1 attempts:1\n' >"$T/resolv.conf"
getent ahosts s1.ok.test >/dev/null 2>&1
assert_ne "test setup: names no longer resolve" 0 $?

run_pass dns-pass2
sleep 1.5
run_pass dns-pass3
assert_eq "dns cut: exactly one monitor_offline event" 1 "$(ev monitor_offline)"
assert_eq "dns cut: no state event after pass 1" 0 \
	"$(q "SELECT count(*) FROM events WHERE type = 'state' AND id > $MAXEV")"
assert_eq "dns cut: every source still alive" "$N alive" \
	"$(q "SELECT count(*) || ' ' || group_concat(DISTINCT state) FROM sources")"
echo "  (classes of the dns cut: $(q "SELECT group_concat(DISTINCT class) FROM checks WHERE id >
	(SELECT min(id) + $N - 1 FROM checks)"))"
assert_eq "dns cut: every check of the cut judged offline, none a failure" \
	"$((2 * N)) offline" \
	"$(q "SELECT count(*) || ' ' || group_concat(DISTINCT observed) FROM checks
	      WHERE id > (SELECT min(id) + $N - 1 FROM checks)")"
assert_eq "dns cut: no failure counted against any source" 0 \
	"$(q "SELECT max(fails) FROM sources")"

printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' >"$T/resolv.conf"
getent ahosts s1.ok.test | grep -q '^127\.0\.0\.1'
assert_eq "test setup: names resolve again" 0 $?
run_pass dns-pass4
assert_eq "dns back: exactly one monitor_online event" 1 "$(ev monitor_online)"
assert_eq "dns back: no state event after pass 1" 0 \
	"$(q "SELECT count(*) FROM events WHERE type = 'state' AND id > $MAXEV")"
assert_eq "dns back: every source alive" "$N alive" \
	"$(q "SELECT count(*) || ' ' || group_concat(DISTINCT state) FROM sources")"

finish
