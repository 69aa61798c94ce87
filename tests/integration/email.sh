#!/bin/bash
# Email channels: the daemon hands each alert to a real SMTP server
# (aiosmtpd) with libcurl; the mail parses, says what happened in its
# subject, carries the alert id, the citation verbatim in its body; a
# CR/LF in what goes into a header cannot add a header; a server that says
# "try later" gets the mail again later, nothing lost; a server slow to
# answer the end of DATA holds up neither checks nor SIGTERM.
. "$(dirname "$0")/lib.sh"
setup
SY=/usr/bin/python3	# Debian's, with python3-aiosmtpd
"$SY" -c 'import aiosmtpd' 2>/dev/null || { echo "FATAL: python3-aiosmtpd missing (make deps)"; exit 1; }
start_web main
B="http://127.0.0.1:$WEB_PORT"
rm -f "$T/smtp.port"
start_bg "$T/smtp.log" "$SY" "$FAKE/smtp.py" --portfile "$T/smtp.port" \
	--out "$T/mail.jsonl" --down "$T/smtp-down" --lifetime 120
for _ in $(seq 100); do [ -s "$T/smtp.port" ] && break; sleep 0.05; done
SP=$(cat "$T/smtp.port")
cat >>"$CONF" <<EOF2

[verdict]
confirm_checks = 2
confirm_span = 0s

[alerts]
retry = 500ms
retry_max = 1s

[archive]
enabled = no

[channel mail]
type = email
smtp = smtp://127.0.0.1:$SP
starttls = no
from = rotwatch@ngo.example
to = research@ngo.example, editor@ngo.example

[channel daily]
type = email
smtp = smtp://127.0.0.1:$SP
starttls = no
from = rotwatch@ngo.example
to = digest@ngo.example
digest = 2s
EOF2
CIT='Interior ministry, "Biometric <b>data</b>" report'
printf '7 %s %s\n' "$CIT" "$B/notfound" >"$T/notes.txt"
rw import "$T/notes.txt" >/dev/null 2>&1
rw add "$B/gone" >/dev/null 2>&1
rw check --all >/dev/null 2>&1
rw check --all >/dev/null 2>&1
assert_eq "two alerts queued for each mail channel" "2 2" \
	"$(q "SELECT (SELECT count(*) FROM alerts WHERE channel = 'mail') || ' ' ||
	             (SELECT count(*) FROM alerts WHERE channel = 'daily')")"

touch "$T/smtp-down"		# the server says 451 for a while
start_bg "$T/daemon.log" "${RW[@]}" -c "$CONF" daemon
DPID=$BG_PID
tried() { [ "$(q "SELECT count(*) FROM alerts WHERE attempts >= 2 AND channel = 'mail'")" = 2 ]; }
wait_for 10 tried
assert_eq "while the server refuses: nothing marked sent" 0 \
	"$(q "SELECT count(*) FROM alerts WHERE state = 'sent'")"
assert_eq "while the server refuses: nothing received" 0 \
	"$(cat "$T/mail.jsonl" 2>/dev/null | wc -l)"
rm -f "$T/smtp-down"
sent() { [ "$(q "SELECT count(*) FROM alerts WHERE state = 'sent'")" = 4 ]; }
wait_for 15 sent
assert_eq "the server back: all sent (2 mails, and 1 digest of 2)" 4 \
	"$(q "SELECT count(*) FROM alerts WHERE state = 'sent'")"
kill -TERM "$DPID"
res=$("$SY" - "$T/mail.jsonl" "$B" "$CIT" <<'PY'
import json, sys
from email import policy
from email.parser import Parser
allrecs = [json.loads(l) for l in open(sys.argv[1])]
recs = [r for r in allrecs if "digest@ngo.example" not in r["rcpt"]]
dig = [r for r in allrecs if "digest@ngo.example" in r["rcpt"]]
b, cit = sys.argv[2], sys.argv[3]
bad = []
if len(recs) != 2: bad.append("%d mails" % len(recs))
if len(dig) != 1: bad.append("%d digests" % len(dig))
else:
    m = Parser(policy=policy.default).parsestr(dig[0]["data"])
    body = m.get_content()
    if not m["subject"].startswith("[rotwatch] digest") or "2 alerts" not in m["subject"]:
        bad.append("digest subject %r" % m["subject"])
    if body.count("State: suspect -> dead") != 2 or "Cited in: 7. " + cit not in body:
        bad.append("digest body %r" % body[:300])
ids = set()
for r in recs:
    m = Parser(policy=policy.default).parsestr(r["data"])
    if sorted(r["rcpt"]) != ["editor@ngo.example", "research@ngo.example"]: bad.append("rcpt %r" % r["rcpt"])
    if r["from"] != "rotwatch@ngo.example": bad.append("from %r" % r["from"])
    subj = m["subject"]
    if not subj.startswith("[rotwatch] dead: " + b): bad.append("subject %r" % subj)
    ids.add(m["x-rotwatch-alert"])
    body = m.get_content()
    if "State: suspect -> dead" not in body: bad.append("body %r" % body[:200])
    if b + "/notfound" in subj and "Cited in: 7. " + cit not in body: bad.append("citation %r" % body)
if len(ids) != 2 or None in ids: bad.append("alert ids %r" % ids)
print("fine" if not bad else "; ".join(bad))
PY
)
assert_eq "mails parse: subject, recipients, alert id, body with the citation" fine "$res"

# A mail server that takes its time over the end of DATA (libcurl waits
# for that answer blocking): the daemon goes on checking meanwhile, and
# SIGTERM does not wait for the server; the mail stays pending.
rm -f "$T/slow.port"
start_bg "$T/slow.log" "$SY" "$FAKE/smtp.py" --portfile "$T/slow.port" \
	--out "$T/slow.jsonl" --delay 15 --lifetime 120
for _ in $(seq 100); do [ -s "$T/slow.port" ] && break; sleep 0.05; done
S2="$T/slow.conf"
sed -e "s#^database = .*#database = $T/slow.sqlite#" \
	-e "s#smtp://127.0.0.1:$SP#smtp://127.0.0.1:$(cat "$T/slow.port")#" "$CONF" >"$S2"
"${RW[@]}" -c "$S2" add "$B/notfound" >/dev/null 2>&1
"${RW[@]}" -c "$S2" check --all >/dev/null 2>&1
"${RW[@]}" -c "$S2" check --all >/dev/null 2>&1
qs() { sqlite3 -batch -noheader -cmd ".timeout 5000" "$T/slow.sqlite" "$1"; }
start_bg "$T/slow-daemon.log" "${RW[@]}" -c "$S2" daemon
SPID=$BG_PID
wait_for 10 test -s "$T/slow.jsonl"
assert_eq "the slow server has read a mail and holds its answer" yes \
	"$([ "$(wc -l <"$T/slow.jsonl")" -ge 1 ] && echo yes || echo no)"
"${RW[@]}" -c "$S2" add "$B/ok" >/dev/null 2>&1
t0=$(now_ms)
checked() { [ "$(qs "SELECT count(*) FROM checks c JOIN sources s ON s.id = c.source_id
	WHERE s.url = '$B/ok'")" -ge 1 ]; }
wait_for 10 checked
assert_eq "a source added meanwhile is checked while the mail waits (< 10 s of 15)" yes \
	"$(checked && echo yes || echo no)"
t0=$(now_ms)
kill -TERM "$SPID"
wait_for 10 eval '! kill -0 $SPID 2>/dev/null'
wait "$SPID"
rc=$?
took=$(($(now_ms) - t0))
assert_eq "SIGTERM: exit 0 without waiting for the mail server" "0 yes" \
	"$rc $([ "$took" -lt 8000 ] && echo yes || echo "no (${took} ms)")"
assert_eq "the unanswered mail is still pending" "1 pending" \
	"$(qs "SELECT count(*) || ' ' || min(state) FROM alerts WHERE channel = 'mail'")"

# a header cannot be injected: the subject is built from the URL and the
# reason only, and both are cleaned; a from/to with CR/LF is refused
config_refused "email to with '>'" '[storage]\ndatabase = db.sqlite\n\n[channel m]\ntype = email\nsmtp = smtp://127.0.0.1:25\nfrom = a@b\nto = x@y>\n' \
	"@F@:8:"
config_refused "email with an http smtp" '[storage]\ndatabase = db.sqlite\n\n[channel m]\ntype = email\nsmtp = http://127.0.0.1/\n' \
	"@F@:6:"
# a key of the other type: smtp in a webhook channel, url in an email one
config_refused "smtp in a webhook channel" '[storage]\ndatabase = db.sqlite\n\n[channel w]\ntype = webhook\nsecret = k\nsmtp = smtp://127.0.0.1:25\n' \
	"@F@:7: channel w: smtp is for email channels"
config_refused "url in an email channel" '[storage]\ndatabase = db.sqlite\n\n[channel m]\ntype = email\nurl = http://127.0.0.1/\nfrom = a@b\nto = c@d\n' \
	"@F@:6: channel m: url is for webhooks"
finish
