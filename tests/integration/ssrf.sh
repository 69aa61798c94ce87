#!/bin/bash
# The SSRF guard (reliability.md 7, items 4 and 16-21).  Everything runs in
# a private mount + network namespace: only `lo` exists, and the metadata,
# private and link-local addresses below are put on it, so that a
# connection the guard failed to stop would reach a counting listener
# instead of a real machine.  The "public" web is 127.0.0.2 (the only
# network allowed: [network] allow = 127.0.0.2/32); the counting listener
# takes every address on its port ([::], dual-stack), and 127.0.0.1 on the
# public server's port.
#   (16) every spelling of an internal address is refused at connect time,
#        class blocked_policy, state untouched; a closed port on an allowed
#        address is connect_refused (the two are never confused); the
#        monitor's health does not count them as network failures
#   (17) a 302 from the public server to 127.0.0.1, [::1], 169.254.169.254
#        is refused at the hop
#   (18) DNS rebinding: a name alternating 127.0.0.2 / 127.0.0.1 (TTL 0):
#        only 127.0.0.2 is ever connected to
#   (19) http_proxy & co. pointing at a listener: never used
#   (20) a webhook to 127.0.0.1 is refused (the alert stays pending with the
#        guard's message), and delivered once 127.0.0.1/32 is allowed
#   (21) the archive endpoint and a webhook answer 302 to another (allowed)
#        listener: it gets no request, and the sentinel keys appear nowhere;
#        an archive endpoint the guard refuses is an archive request error,
#        retried
#   guard = no lets a 127.0.0.1 check through
. "$(dirname "$0")/lib.sh"
in_netns "$@"
setup

PUB=127.0.0.2
# Addresses a leaked connection would reach on this namespace's lo.
for a in 169.254.169.254/32 100.100.100.200/32 10.0.0.1/32 172.16.0.1/32 \
	192.168.0.1/32; do
	ip addr add "$a" dev lo || { echo "FATAL: cannot add $a to lo"; exit 1; }
done
ip -6 addr add fd00:ec2::254/128 dev lo &&
	ip -6 addr add fe80::1/64 dev lo ||
	{ echo "FATAL: cannot add IPv6 addresses to lo"; exit 1; }

# Every part's daemon and CLI run with a proxy in the environment (19).
PROXY_LOG="$T/count-proxy.log"

start_web pub --addr "$PUB"
WP=$WEB_PORT
PUBURL="http://$PUB:$WP"
# the counting listener: any address, its own port
start_fake count count.py --listen ::
CP=$STARTED_PORT
# ... and 127.0.0.1 on the public server's port (rebinding, 18)
start_fake count-rebind count.py --listen 127.0.0.1 --port "$WP"
# an allowed listener that must get nothing: proxy (19), redirect target (21)
start_fake count-proxy count.py --listen "$PUB"
PXP=$STARTED_PORT
start_fake count-else count.py --listen "$PUB"
ELP=$STARTED_PORT

accepts() {	# accepts NAME: connections the listener $T/NAME.log accepted
	grep -c '^accept ' "$T/$1.log"
}

# Setup check: the listener does see connections to the added addresses.
"$PY" - "$CP" <<'PY' || { echo "FATAL: the counting listener is not reachable"; exit 1; }
import socket, sys
p = int(sys.argv[1])
for a in ("10.0.0.1", "169.254.169.254", "fe80::1%lo"):
    fam = socket.AF_INET6 if ":" in a else socket.AF_INET
    s = socket.socket(fam)
    s.settimeout(2)
    s.connect(socket.getaddrinfo(a, p, fam)[0][4])
    s.recv(100)
    s.close()
PY
wait_for 5 test "$(accepts count)" = 3
assert_eq "setup: the counting listener sees 10.0.0.1, 169.254.169.254, fe80::1" \
	3 "$(accepts count)"
BASE=$(accepts count)
leaks() {	# connections to the counting listener since the setup check
	echo $(($(accepts count) - BASE))
}

export http_proxy="http://$PUB:$PXP" HTTP_PROXY="http://$PUB:$PXP"
export https_proxy="http://$PUB:$PXP" HTTPS_PROXY="http://$PUB:$PXP"
export ALL_PROXY="http://$PUB:$PXP" all_proxy="http://$PUB:$PXP"
unset NO_PROXY no_proxy

COMMON="A_ENABLED=no C_LEVEL=info C_ALLOW=$PUB/32"
# part DIR [VAR=VALUE...]: a fresh config and database for one part; rot
# is confirmed after $CONFIRM (default 1) failing checks
part() {
	local d=$T/$1
	shift
	# shellcheck disable=SC2086
	conf_in "$d" $COMMON "$@"
	CONF="$d/rotwatch.conf"
	DB="$d/db.sqlite"
	cat >>"$CONF" <<EOF

[verdict]
confirm_checks = ${CONFIRM:-1}
confirm_span = 0s
EOF
}

# class_of URL, state_of URL, error_of URL
class_of() { latest class "$1"; }
state_of() { q "SELECT state FROM sources WHERE url = $(sql_str "$1")"; }
error_of() { latest error "$1"; }

# === config ===================================================================
part conf
printf '\n[network]\nallow = 10.0.0.0/8\nallow = 192.168.0.0/33\n' >>"$CONF"
line=$(grep -n '192.168.0.0/33' "$CONF" | cut -d: -f1)
err=$(rw config-check 2>&1 >/dev/null)
assert_rc "a bad network in allow: config-check" 78 $?
assert_contains "... names FILE:LINE, the key and the reason" \
	"$CONF:$line: network: allow: \"192.168.0.0/33\": prefix length must be 0 to 32 for IPv4" "$err"
part conf
out=$(rw config-check 2>&1)
assert_eq "config-check prints [network] with guard and allow" \
	"guard = yes|allow = 127.0.0.2/32" "$(printf '%s\n' "$out" |
		awk '/^\[network\]$/ { n = 2; next } /^;/ { next } n-- > 0 { sub(/\t.*/, ""); print }' |
		paste -sd'|')"

# === (16) address spellings ==================================================
part spell
# None of these is refused by URL validation at `add`: each is a valid
# http URL.  127.1, 2130706433 and 0x7f.1 are stored as 127.0.0.1 (curl's
# parser reads the short, decimal and hex forms), so each spelling gets a
# path of its own to stay a source of its own.  Every one must then be
# refused where it matters, at connect time.
SPELL=(127.1 2130706433 0x7f.1 0 '[::1]' '[::ffff:127.0.0.1]' '[::ffff:7f00:1]'
	'[64:ff9b::7f00:1]' '[2002:7f00:1::]' localhost x.localhost 169.254.169.254
	100.100.100.200 '[fd00:ec2::254]' 10.0.0.1 172.16.0.1 192.168.0.1
	'[fe80::1%25lo]')
REASON=(loopback loopback loopback unspecified loopback loopback loopback
	loopback loopback loopback loopback metadata metadata metadata private
	private private link-local)
URLS=()
i=0
for s in "${SPELL[@]}"; do
	out=$(rw add "http://$s:$CP/s$i" 2>&1)
	assert_rc "add http://$s:$CP/s$i (a valid URL)" 0 $?
	URLS+=("$(printf '%s' "$out" | awk '{ print $3 }')")
	i=$((i + 1))
done
assert_eq "127.1, 2130706433 and 0x7f.1 are stored as 127.0.0.1" \
	"http://127.0.0.1:$CP/s0 http://127.0.0.1:$CP/s1 http://127.0.0.1:$CP/s2" \
	"${URLS[*]:0:3}"
CLOSED=$(free_port)
rw add "http://$PUB:$CLOSED/closed" >/dev/null 2>&1
for pass in 1 2 3; do
	timeout -k 2 60 "${RW[@]}" -c "$CONF" check --all >"$T/spell-check$pass.out" 2>&1
	assert_rc "check --all, pass $pass" 0 $?
done
i=0
for u in "${URLS[@]}"; do
	assert_eq "(16) ${SPELL[$i]}: class blocked_policy, 3 times" \
		"blocked_policy blocked_policy blocked_policy" \
		"$(q "SELECT group_concat(class, ' ') FROM checks WHERE source_id =
		      (SELECT id FROM sources WHERE url = $(sql_str "$u"))")"
	assert_match "(16) ${SPELL[$i]}: the error is the guard's, naming the reason" \
		"^refused by the SSRF guard: .* is ${REASON[$i]}( \(it stands for 127\.0\.0\.1\))?$" \
		"$(error_of "$u")"
	assert_eq "(16) ${SPELL[$i]}: state untouched (new)" new "$(state_of "$u")"
	i=$((i + 1))
done
assert_eq "(16) NAT64 names the address it stands for" \
	"refused by the SSRF guard: 64:ff9b::7f00:1 is loopback (it stands for 127.0.0.1)" \
	"$(error_of "${URLS[7]}")"
assert_eq "(16) no connection reached the counting listener" 0 "$(leaks)"
assert_eq "(4) a closed port on an allowed address: connect_refused" \
	connect_refused "$(class_of "http://$PUB:$CLOSED/closed")"
assert_eq "(4) ... which is evidence: confirmed dead after 3 checks" \
	dead "$(state_of "http://$PUB:$CLOSED/closed")"
assert_eq "(4) blocked_policy is never connect_refused, nor a rot state" 0 \
	"$(q "SELECT count(*) FROM sources WHERE url NOT LIKE '%/closed'
	      AND state != 'new'")"
assert_eq "(16) no state event for a refused source" 0 \
	"$(q "SELECT count(*) FROM events e JOIN sources s ON s.id = e.source_id
	      WHERE s.url NOT LIKE '%/closed'")"
assert_eq "(16) not a network failure: no monitor_offline with ${#URLS[@]} hosts refused" \
	0 "$(q "SELECT count(*) FROM events WHERE type LIKE 'monitor%'")"
U0=${URLS[0]}
assert_contains "(16) check prints the class and the reason" \
	"refused by the SSRF guard: 127.0.0.1 is loopback" "$(cat "$T/spell-check3.out")"
out=$(rw status "$U0" 2>&1)
assert_match "(16) status: class blocked_policy, then the reason" \
	"blocked_policy.*/s0"$'\n'" +refused by the SSRF guard: 127\.0\.0\.1 is loopback" "$out"
out=$(rw status "$U0" --format json 2>&1)
assert_eq "(16) status --format json: last_check class and error" \
	"blocked_policy|refused by the SSRF guard: 127.0.0.1 is loopback" \
	"$(printf '%s' "$out" | "$PY" -c 'import json,sys
c = json.load(sys.stdin)[0]["last_check"]; print(c["class"] + "|" + c["error"])')"
assert_match "(16) list: the reason beside the source" \
	"/s0  \(blocked_policy: refused by the SSRF guard: 127\.0\.0\.1 is loopback\)" \
	"$(rw list 2>&1)"
assert_match "(16) history: every check blocked_policy, observed local, with the reason" \
	"blocked_policy +0  local +refused by the SSRF guard: 127\.0\.0\.1 is loopback" \
	"$(rw history "$U0" 2>&1)"
assert_eq "(19) the proxy of the environment got no connection (checks)" 0 \
	"$(accepts count-proxy)"

# === (17) redirects to internal addresses ====================================
part redir
enc() { "$PY" -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }
R1="$PUBURL/goto?to=$(enc "http://127.0.0.1:$CP/r1")"
R2="$PUBURL/goto?to=$(enc "http://[::1]:$CP/r2")"
R3="$PUBURL/goto?to=$(enc "http://169.254.169.254:$CP/latest/meta-data/")"
R4="$PUBURL/goto?to=$(enc "$PUBURL/ok")"
rw add "$R1" "$R2" "$R3" "$R4" >/dev/null 2>&1
assert_rc "add the four redirecting sources" 0 $?
timeout -k 2 60 "${RW[@]}" -c "$CONF" check --all >"$T/redir.out" 2>&1
assert_rc "check --all" 0 $?
for r in "R1 127.0.0.1 loopback" "R2 ::1 loopback" "R3 169.254.169.254 metadata"; do
	set -- $r
	u=${!1}
	assert_eq "(17) 302 to $2: blocked_policy, after the 302 from $PUB" \
		"blocked_policy 302" "$(q "SELECT class || ' ' || http_status FROM checks
		      WHERE source_id = (SELECT id FROM sources WHERE url = $(sql_str "$u"))")"
	assert_eq "(17) 302 to $2: refused at the hop" \
		"refused by the SSRF guard: $2 is $3" "$(error_of "$u")"
	assert_eq "(17) 302 to $2: state untouched" new "$(state_of "$u")"
done
assert_eq "(17) control: a 302 to $PUB itself is followed (redirect, alive)" \
	"redirect alive" "$(class_of "$R4") $(state_of "$R4")"
assert_eq "(17) the public server answered the four /goto requests" 4 \
	"$(fetch "$PUBURL/stats" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["requests"]["/goto"])')"
assert_eq "(17) no connection reached the counting listener" 0 "$(leaks)"

# === (18) DNS rebinding ======================================================
part rebind
printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' >"$T/resolv.conf"
mount --bind "$T/resolv.conf" /etc/resolv.conf || {
	echo "FATAL: cannot bind-mount resolv.conf"
	exit 1
}
start_bg "$T/dns.log" "$PY" "$FAKE/dns.py" --lifetime 120 --readyfile "$T/dns.ready"
wait_for 5 test -s "$T/dns.ready" || { echo "FATAL: dns.py did not start"; cat "$T/dns.log"; exit 1; }
RB="http://www.rebind.test:$WP/ok"
hits0=$(fetch "$PUBURL/stats" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["requests"].get("/ok", 0))')
for n in 1 2 3 4; do
	timeout -k 2 30 "${RW[@]}" -c "$CONF" check "$RB" >"$T/rebind$n.out" 2>&1
	assert_rc "(18) check $n of the rebinding name" 0 $?
done
hits1=$(fetch "$PUBURL/stats" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["requests"].get("/ok", 0))')
assert_eq "(18) the stub answered 127.0.0.2 and 127.0.0.1 in turn" \
	"127.0.0.2 127.0.0.1 127.0.0.2 127.0.0.1" \
	"$(awk '$1 == "www.rebind.test" && $2 == "A" { printf "%s%s", s, $3; s = " " }' "$T/dns.log")"
assert_eq "(18) checks: ok when 127.0.0.2, blocked_policy when 127.0.0.1" \
	"ok blocked_policy ok blocked_policy" \
	"$(q "SELECT group_concat(class, ' ') FROM (SELECT class FROM checks ORDER BY id)")"
assert_eq "(18) every check that connected went to 127.0.0.2" "127.0.0.2" \
	"$(q "SELECT group_concat(DISTINCT ip) FROM checks WHERE class != 'blocked_policy'")"
assert_eq "(18) the public server got exactly the two allowed fetches" 2 $((hits1 - hits0))
assert_eq "(18) 127.0.0.1 on the server's port got no connection" 0 "$(accepts count-rebind)"
assert_eq "(18) the source stays alive (the refused checks count nothing)" alive \
	"$(state_of "$RB")"
umount /etc/resolv.conf

# === (19) proxy in the environment ===========================================
part proxy
out=$(timeout -k 2 30 "${RW[@]}" -c "$CONF" check "$PUBURL/ok?proxy" 2>&1)
assert_eq "(19) with http_proxy & co. set, the check goes straight to the server" ok \
	"$(class_of "$PUBURL/ok?proxy")"
assert_eq "(19) the proxy listener got no connection" 0 "$(accepts count-proxy)"
assert_eq "(19) nor did the counting listener" 0 "$(leaks)"

# === (20) webhook to 127.0.0.1 ===============================================
HOOK_SECRET=hook-secret-for-ssrf-test
start_fake hook hook.py --secret "$HOOK_SECRET"
HP=$STARTED_PORT
hook_conf() {	# hook_conf ALLOW
	CONFIRM=2 part hook "C_ALLOW=$1"
	cat >>"$CONF" <<EOF

[alerts]
retry = 300ms
retry_max = 600ms

[channel local]
type = webhook
url = http://127.0.0.1:$HP/hook
secret = $HOOK_SECRET
EOF
}
hook_conf "$PUB/32"
GONE="$PUBURL/gone"
rw add "$GONE" >/dev/null 2>&1
rw check "$GONE" >/dev/null 2>&1	# suspect
rw check "$GONE" >/dev/null 2>&1	# dead: an alert
assert_eq "(20) the source is dead, its alert pending" "dead 1 pending" \
	"$(q "SELECT (SELECT state FROM sources) || ' ' || count(*) || ' ' || group_concat(state) FROM alerts")"
start_bg "$T/hook/daemon1.log" "${RW[@]}" -c "$CONF" daemon
D1=$BG_PID
tried() { [ "$(q "SELECT attempts >= 2 FROM alerts")" = 1 ]; }
wait_for 15 tried
kill -TERM "$D1"
wait "$D1" 2>/dev/null
assert_eq "(20) the delivery is refused: still pending, tried more than once" "pending 1" \
	"$(q "SELECT state || ' ' || (attempts >= 2) FROM alerts")"
assert_eq "(20) alerts.error is the guard's message" \
	"refused by the SSRF guard: 127.0.0.1 is loopback" "$(q "SELECT error FROM alerts")"
assert_eq "(20) the receiver got nothing" 0 \
	"$(curl -s --noproxy '*' --max-time 5 "http://127.0.0.1:$HP/__stats" |
		"$PY" -c 'import json,sys; print(len(json.load(sys.stdin)["deliveries"]))')"
# the operator allows exactly that address
hook_conf "$PUB/32 127.0.0.1/32"
start_bg "$T/hook/daemon2.log" "${RW[@]}" -c "$CONF" daemon
D2=$BG_PID
sent() { [ "$(q "SELECT state FROM alerts")" = sent ]; }
wait_for 15 sent
kill -TERM "$D2"
wait "$D2" 2>/dev/null
assert_eq "(20) with allow = 127.0.0.1/32 added, the alert is delivered" sent \
	"$(q "SELECT state FROM alerts")"
assert_eq "(20) ... once, signed" "1 True" \
	"$(curl -s --noproxy '*' --max-time 5 "http://127.0.0.1:$HP/__stats" |
		"$PY" -c 'import json,sys; d = json.load(sys.stdin)["deliveries"]; print(len(d), all(x["verified"] for x in d))')"

# === (21) secrets and redirects ==============================================
ELSE="http://$PUB:$ELP"
start_spn2 redirect --addr "$PUB" --keys "$SENTINEL_PAIR" --redirect-to "$ELSE/save"
SPN=$FAKE_URL
SPN=${SPN/127.0.0.1/$PUB}
HOOK_SENTINEL=SENTINELHOOK789
start_fake hook302 hook.py --addr "$PUB" --secret "$HOOK_SENTINEL" --status 302 \
	--location "$ELSE/hook"
H3P=$STARTED_PORT
write_keys "$T/keys" "$SENTINEL_PAIR" 0600
CONFIRM=2 part secrets A_ENABLED=yes A_ENDPOINT="$SPN" A_KEYS_FILE="$T/keys" A_PER_MINUTE=600 \
	A_POLL=200ms A_BACKOFF_429=300ms A_MAX_ATTEMPTS=3
cat >>"$CONF" <<EOF

[alerts]
retry = 300ms
retry_max = 600ms

[channel redirecting]
type = webhook
url = http://$PUB:$H3P/hook
secret = $HOOK_SENTINEL
EOF
rw add "$PUBURL/gone?k=secrets" >"$T/secrets.out" 2>&1
rw check "$PUBURL/gone?k=secrets" >>"$T/secrets.out" 2>&1
rw check "$PUBURL/gone?k=secrets" >>"$T/secrets.out" 2>&1
for n in 1 2; do rw add "$PUBURL/ok?n=$n&spn=redirect" >>"$T/secrets.out" 2>&1; done
start_bg "$T/secrets/daemon.log" "${RW[@]}" -c "$CONF" daemon
D3=$BG_PID
submits() {
	[ "$(fake_stats "$SPN" | "$PY" -c 'import json,sys
print(sum(1 for x in json.load(sys.stdin)["requests"] if x["status"] == 302))')" -ge 2 ] 2>/dev/null
}
hooked() {
	[ "$(curl -s --noproxy '*' --max-time 5 "http://$PUB:$H3P/__stats" |
		"$PY" -c 'import json,sys; print(len(json.load(sys.stdin)["deliveries"]))')" -ge 2 ] 2>/dev/null
}
wait_for 20 submits
wait_for 10 hooked
rw status >>"$T/secrets.out" 2>&1
rw history "$PUBURL/gone?k=secrets" >>"$T/secrets.out" 2>&1
kill -TERM "$D3"
wait "$D3" 2>/dev/null
assert_ge "(21) the archive answered 302 to submissions" 2 \
	"$(fake_stats "$SPN" | "$PY" -c 'import json,sys
print(sum(1 for x in json.load(sys.stdin)["requests"] if x["status"] == 302))')"
assert_ge "(21) the webhook answered 302 to deliveries" 2 \
	"$(curl -s --noproxy '*' --max-time 5 "http://$PUB:$H3P/__stats" |
		"$PY" -c 'import json,sys; print(len(json.load(sys.stdin)["deliveries"]))')"
assert_eq "(21) the alert is not taken as delivered" "pending HTTP 302" \
	"$(q "SELECT state || ' ' || error FROM alerts")"
assert_eq "(21) the redirect target (allowed) got no request" 0 "$(accepts count-else)"
assert_eq "(21) no snapshot made up" 0 "$(q "SELECT count(*) FROM snapshots")"
assert_eq "(21) the sentinel keys are in no log" 0 \
	"$(cat "$T"/*/daemon*.log | grep -c -e "$SENTINEL_KEY" -e "$SENTINEL_SECRET" -e "$HOOK_SENTINEL")"
assert_eq "(21) ... in no database" 0 \
	"$(for d in "$T"/*/db.sqlite; do sqlite3 "$d" .dump; done |
		grep -c -e "$SENTINEL_KEY" -e "$SENTINEL_SECRET" -e "$HOOK_SENTINEL")"
assert_eq "(21) ... on no command's output" 0 \
	"$(cat "$T"/*.out | grep -c -e "$SENTINEL_KEY" -e "$SENTINEL_SECRET" -e "$HOOK_SENTINEL")"

# An archive endpoint the guard refuses: a request error, retried.
start_spn2 local --keys "$SENTINEL_PAIR"
LOCAL_SPN=$FAKE_URL
part archlocal A_ENABLED=yes A_ENDPOINT="$LOCAL_SPN" A_KEYS_FILE="$T/keys" \
	A_PER_MINUTE=600 A_POLL=200ms A_BACKOFF_429=300ms A_MAX_ATTEMPTS=3
rw add "$PUBURL/ok?n=9&k=archlocal" >/dev/null 2>&1
start_bg "$T/archlocal/daemon.log" "${RW[@]}" -c "$CONF" daemon
D4=$BG_PID
refused_log() { grep -q 'archive: the archive is not answering (refused by the SSRF guard' "$T/archlocal/daemon.log"; }
wait_for 15 refused_log
kill -TERM "$D4"
wait "$D4" 2>/dev/null
assert_contains "(21) an archive endpoint on 127.0.0.1: the guard's refusal is logged as the archive not answering" \
	"archive: the archive is not answering (refused by the SSRF guard: 127.0.0.1 is loopback)" \
	"$(cat "$T/archlocal/daemon.log")"
assert_eq "(21) ... the job waits to be retried, not failed" "1 0" \
	"$(q "SELECT count(*) || ' ' || sum(state = 'failed') FROM archive_jobs")"
assert_eq "(21) ... and the archive got no request" 0 \
	"$(fake_stats "$LOCAL_SPN" | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)["requests"]))')"
assert_eq "(16-21) the counting listener got no connection in any part" 0 "$(leaks)"

# === guard = no ==============================================================
part off C_GUARD=no C_ALLOW=
timeout -k 2 30 "${RW[@]}" -c "$CONF" check "http://127.0.0.1:$CP/off" >/dev/null 2>&1
assert_eq "guard = no: a check of 127.0.0.1 goes through (the listener answers)" \
	"ok 1" "$(class_of "http://127.0.0.1:$CP/off") $(leaks)"

finish
