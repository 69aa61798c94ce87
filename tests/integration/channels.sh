#!/bin/bash
# Every alert kind through every channel at once (issue 5 acceptance): four
# channels, each with "events = all": a signed webhook (tests/fake/hook.py),
# an email channel (tests/fake/smtp.py, a real SMTP server, slow), an email
# digest and an Atom feed with a feed per tag.
#   (1) every kind reaches every channel, each produced by real behaviour:
#       dead, moved, blocked, recovered (tests/fake/web.py, one server down,
#       then up), soft404, parked, changed (tests/fake/corpus.py), minor (a
#       static page edited a little), monitor (six hosts unreachable, then
#       reachable), archive_failed (the fake archive refuses a capture for
#       good).  Per channel: the kinds received are every kind, the ids
#       received are the alert rows' ids, every row ends 'sent'
#   (2) kill -9 the daemon again and again while it hands 100 alerts to a
#       slow SMTP server: in the end every row is sent, the server received
#       every alert id, and every mail a kill cut off was sent again
#   (3) injection: an endnote citation with CR/LF, quotes, <script> and ]]>,
#       and an archive error message (server-controlled) with
#       "\r\nBcc: victim@evil.example", non-ASCII letters and more than 200
#       characters: no mail gets a header the daemon does not write, no
#       header line is over 998 bytes, the subject stays one line, the
#       recipients are the configured ones; the webhook JSON parses and
#       carries the citation byte for byte, its "text" stays one line; the
#       feeds parse and hold the citation and the message as text
. "$(dirname "$0")/lib.sh"
setup

SY=/usr/bin/python3	# Debian's, with python3-aiosmtpd and python3-feedparser
"$SY" -c 'import aiosmtpd, feedparser' 2>/dev/null ||
	{ echo "FATAL: python3-aiosmtpd or python3-feedparser missing (make deps)"; exit 1; }

WEB_LIFETIME=${WEB_LIFETIME:-600}
SECRET=rw-channels-secret-3f9a17
SMTP_DELAY=${SMTP_DELAY:-0.25}	# seconds before each "250" to DATA
DELAY_MS=$("$PY" -c "print(int(float('$SMTP_DELAY') * 1000))")
N2=100			# alerts of part (2)
KILLS=${KILLS:-5}
MAIL_TO="research@ngo.example, editor@ngo.example"
DIGEST_TO="digest@ngo.example"
FROM="rotwatch@ngo.example"
ALL_KINDS="dead moved blocked soft404 parked changed minor recovered monitor
	archive_failed"

# -- servers -------------------------------------------------------------------
start_fake hook hook.py --secret "$SECRET"
HOOK="http://127.0.0.1:$STARTED_PORT"
PY=$SY start_fake smtp smtp.py --out "$T/mail.jsonl" --delay "$SMTP_DELAY"
SP=$STARTED_PORT
start_spn2 archive --keys "$SENTINEL_PAIR" --pending-polls 0
SPN=$FAKE_URL
write_keys "$T/ia-keys"
start_web one
W1="http://127.0.0.1:$WEB_PORT"
W2PORT=$(free_port)		# the second web server: down, then up here
W2="http://127.0.0.1:$W2PORT"
start_fake corpus corpus.py --passes 3
CP=$STARTED_PORT
# a static site whose page is edited a little (a minor change)
mkdir -p "$T/site" "$T/feeds"
SITE_PORT=$(free_port)
start_bg "$T/static.log" "$PY" -m http.server --bind 127.0.0.1 \
	--directory "$T/site" "$SITE_PORT"
MONP=$(free_port)		# the monitor's hosts: nothing listens, then corpus

# page VERSION: an article of about 500 words; version 2 differs by one word
page() {
	"$PY" - "$1" <<'PYEOF'
import random, sys
v = sys.argv[1]
r = random.Random(11)
words = ("the report of the commission on detention found that families of "
         "the disappeared were denied access to records and to the courts "
         "while officials said the inquiry would continue in the district "
         "and witnesses described raids at night by police and army units").split()
out = ["<!doctype html><html><head><title>Field report: detention "
       "inquiry</title></head><body><article><h1>Detention inquiry</h1>"]
for i in range(30):
    s = " ".join(r.choice(words) for _ in range(16))
    if i == 14:
        s += " The hearing was held on " + ("Tuesday" if v == "1" else "Thursday")
    out.append("<p>" + s.capitalize() + ".</p>")
out.append("</article></body></html>")
print("\n".join(out))
PYEOF
}
page 1 >"$T/site/report.html"
touch -d '2020-01-01 00:00:00 UTC' "$T/site/report.html"
site_up() { fetch "http://127.0.0.1:$SITE_PORT/report.html" >/dev/null; }
if ! wait_for 10 site_up; then
	echo "FATAL: the static site did not start"
	cat "$T/static.log"
	exit 1
fi

# -- configuration ---------------------------------------------------------------
A_ENABLED=yes A_ENDPOINT=$SPN A_KEYS_FILE="$T/ia-keys" A_CONCURRENCY=2 \
	A_PER_MINUTE=600 A_POLL=200ms A_PENDING_TIMEOUT=5s A_BACKOFF_429=1s \
	A_MAX_ATTEMPTS=2 C_CHECK_EXTRA="per_host = 16" write_archive_conf
cat >>"$CONF" <<EOF

[verdict]
confirm_checks = 2
confirm_span = 0s

[alerts]
retry = 500ms
retry_max = 2s

[channel hook]
type = webhook
url = $HOOK/hook
secret = $SECRET
events = all

[channel mail]
type = email
smtp = smtp://127.0.0.1:$SP
starttls = no
from = $FROM
to = $MAIL_TO
events = all

[channel daily]
type = email
smtp = smtp://127.0.0.1:$SP
starttls = no
from = $FROM
to = $DIGEST_TO
digest = 2s
events = all

[channel feed]
type = atom
path = feeds/all.atom
per_tag = yes
events = all
EOF

out=$(rw config-check 2>&1)
rc=$?
assert_rc "config-check accepts the four channels" 0 $rc
if [ "$rc" -ne 0 ]; then
	printf '%s\n' "$out" | sed 's/^/  config-check: /' | head -5
	echo "FATAL: the config is refused; nothing to test"
	finish
fi


hook_stats() { curl -s --max-time 10 --noproxy '*' "$HOOK/__stats${1:+?$1}"; }
mails() { [ -f "$T/mail.jsonl" ] && wc -l <"$T/mail.jsonl" || echo 0; }

# --- (1) every kind, every channel ----------------------------------------------
#   D   W1 404                           new>suspect>dead              dead
#   I   W1 410, the injected citation    new>suspect>dead              dead
#   R   W2 /ok (down, down, up)          new>suspect>dead>alive        dead, recovered
#   M   W2 301 (added after pass 1)      new>suspect>moved             moved
#   B   W2 403 (added after pass 1)      new>suspect>blocked           blocked
#   S   corpus "Page not found" (200)    new>suspect>soft404           soft404
#   P   corpus for-sale page             new>suspect>parked            parked
#   C   corpus, rewritten after pass 1   new>alive, changed            changed
#   N   static page, one word edited     new>alive, changed (minor)    minor
#   AF  W1 200; its capture is refused   archive_failed (daemon)       archive_failed
#   six hosts unreachable, then up       monitor_offline, _online      monitor x 2
D_URL="$W1/notfound"
I_URL="$W1/gone?inj=1"
R_URL="$W2/ok"
M_URL="$W2/redirect"
B_URL="$W2/forbidden"
S_URL="http://127.0.5.1:$CP/reports/2015/missing-en"
P_URL="http://127.0.5.10:$CP/reports/2019/a"
C_URL="http://127.0.5.1:$CP/reports/rewritten"
N_URL="http://127.0.0.1:$SITE_PORT/report.html"
AF_URL="$W1/ok?spn=submit-error-blocked-url"

rw add "$D_URL" "$R_URL" --tag watched >"$T/add.log" 2>&1
assert_rc "add the watched sources" 0 $?
rw add "$S_URL" "$P_URL" "$C_URL" "$N_URL" "$AF_URL" >>"$T/add.log" 2>&1
assert_rc "add the other sources" 0 $?
# (3) the citation: one endnote over two CRLF lines, with quotes, markup,
# ]]> and non-ASCII letters
{
	printf -- '- 7 O'"'"'Brien & Søn, "Quoted <b>report</b>" '
	printf -- '<script>alert(1)</script> ]]> '"'"'single'"'"'\r\n'
	printf -- '  continued: caf\303\251 \316\261\316\262\316\263 '
	printf -- '"},"kind":"fake"} %s\r\n' "$I_URL"
} >"$T/inj.txt"
rw import --tag foia "$T/inj.txt" >"$T/import.log" 2>&1
assert_rc "(3) import the endnote with the injection" 0 $?
INJ_CIT=$(q "SELECT citation FROM source_notes n JOIN sources s ON s.id = n.source_id
	WHERE s.url = $(sql_str "$I_URL")")
assert_contains "(3) the stored citation keeps the quotes, <script> and ]]>" \
	'"Quoted <b>report</b>" <script>alert(1)</script> ]]>' "$INJ_CIT"

check_pass pass1		# W2 down
rw add "$M_URL" "$B_URL" --tag watched >>"$T/add.log" 2>&1
assert_rc "add the sources that will move and block" 0 $?
page 2 >"$T/site/report.html"	# mtime now: served whole again
check_pass pass2		# W2 still down
start_web two --port "$W2PORT"
check_pass pass3

ev() {
	q "SELECT group_concat(coalesce(e.from_state, '') || '>' ||
	          coalesce(e.to_state, e.type || ':' || coalesce(e.change, '')), ' ')
	   FROM (SELECT * FROM events WHERE source_id =
	         (SELECT id FROM sources WHERE url = $(sql_str "$1")) ORDER BY id) e"
}
assert_eq "setup: D's events" "new>suspect suspect>dead" "$(ev "$D_URL")"
assert_eq "setup: I's events" "new>suspect suspect>dead" "$(ev "$I_URL")"
assert_eq "setup: R's events" "new>suspect suspect>dead dead>alive" "$(ev "$R_URL")"
assert_eq "setup: M's events" "new>suspect suspect>moved" "$(ev "$M_URL")"
assert_eq "setup: B's events" "new>suspect suspect>blocked" "$(ev "$B_URL")"
assert_eq "setup: S's events" "new>suspect suspect>soft404" "$(ev "$S_URL")"
assert_eq "setup: P's events" "new>suspect suspect>parked" "$(ev "$P_URL")"
assert_eq "setup: C's events" "new>alive >changed:substantial" "$(ev "$C_URL")"
assert_eq "setup: N's events" "new>alive >changed:minor" "$(ev "$N_URL")"

# the monitor: six hosts where nothing listens, checked alone, take it
# offline; the same six, answering, bring it back
for k in 1 2 3 4 5 6; do echo "http://127.0.6.$k:$MONP/"; done >"$T/mon.txt"
rw import "$T/mon.txt" >>"$T/import.log" 2>&1
assert_rc "import the monitor's six hosts" 0 $?
check_pass mon-off $(cat "$T/mon.txt")
start_fake mon corpus.py --plain --port "$MONP" \
	--addrs 127.0.6.1,127.0.6.2,127.0.6.3,127.0.6.4,127.0.6.5,127.0.6.6
check_pass mon-on $(cat "$T/mon.txt")
assert_eq "setup: the monitor went offline, then online" "monitor_offline monitor_online" \
	"$(q "SELECT group_concat(type, ' ') FROM (SELECT type FROM events
	       WHERE type LIKE 'monitor%' ORDER BY id)")"

assert_eq "(1) only the daemon delivers: nothing received during check" "0 0" \
	"$("$PY" -c 'import json,sys; print(len(json.load(sys.stdin)["deliveries"]))' \
	   < <(hook_stats)) $(mails)"

# archive_failed: the fake archive refuses the capture for good (error:
# blocked-url) with a message of its own: CR/LF and a Bcc header early
# enough to reach the subject, then letters beyond ASCII, 240 characters
# (400 bytes) in all.  Its 200th byte is the first half of a two-byte
# letter: where a message is cut, a letter must not be split.
"$PY" - "$T/msg.json" <<'PYEOF'
import json, sys
m = ("Refusé\r\nBcc: victim@evil.example\r\n"
     "Zugriff verweigert, accès refusé: ")
while len(m.encode()) % 2 == 0:     # two-byte letters from an odd offset
    m += "x"
b = (m + "ÄÖÜéèçñøåæœ" * 30).encode()[:400]
m = b.decode("utf-8", "ignore")
assert len(m) > 200 and (b[199] & 0xc0) == 0xc0, (len(m), b[199])
json.dump({"error_message": m}, open(sys.argv[1], "w"))
PYEOF
AF_MSG_JSON=$(cat "$T/msg.json")
fake_control "$SPN" "$AF_MSG_JSON"
out=$(rw archive "$AF_URL" 2>&1)
assert_rc "rotwatch archive (the capture the archive will refuse)" 0 $?

start_daemon a
af_done() {
	[ "$(q "SELECT count(*) FROM events WHERE type = 'archive_failed'")" -ge 1 ] 2>/dev/null
}
wait_for 20 af_done
assert_eq "setup: the daemon recorded one archive_failed event" 1 \
	"$(q "SELECT count(*) FROM events WHERE type = 'archive_failed'")"
assert_eq "setup: the archive job failed" "failed error:blocked-url" \
	"$(q "SELECT state || ' ' || coalesce(status_ext, '') FROM archive_jobs
	      WHERE url = $(sql_str "$AF_URL")")"
pending() { q "SELECT count(*) FROM alerts WHERE state != 'sent'"; }
no_pending() { [ "$(pending 2>/dev/null)" = 0 ]; }
wait_for 25 no_pending
assert_eq "(1) every alert row sent" 0 "$(pending)"
sleep 1				# room for a repeat, if any
stop_daemon "(1)"

hook_stats bodies=1 >"$T/hook-1.json"
cp "$T/mail.jsonl" "$T/mail-1.jsonl" 2>/dev/null || : >"$T/mail-1.jsonl"
mkdir -p "$T/feeds-1"
cp "$T"/feeds/*.atom "$T/feeds-1/" 2>/dev/null
assert_eq "(1) no temporary file beside the feeds" "" "$(ls "$T/feeds" | grep -v '\.atom$')"

cat >"$T/check1.py" <<'PYEOF'
import json, os, re, sqlite3, sys, xml.etree.ElementTree as ET
from email import policy
from email.parser import BytesParser
import feedparser

(db, hook_f, mail_f, feeds, mail_to, digest_to, frm, all_kinds, i_url,
 msg_f) = sys.argv[1:11]
ALL = set(all_kinds.split())
URN = "urn:rotwatch:alert:"
ATOM = {"a": "http://www.w3.org/2005/Atom"}
HEADERS = {"from", "to", "subject", "date", "message-id", "x-rotwatch-alert",
           "mime-version", "content-type", "content-transfer-encoding"}

def check(desc, good, detail=""):
    print(f"ok\t{desc}" if good else f"FAIL\t{desc}\t{str(detail)[:1500]}")

def text(v):
    return v.decode("utf-8", "surrogateescape") if isinstance(v, bytes) else v

def utf8_ok(b):
    try:
        b.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False

def raw_subject(data):
    """The raw lines of the Subject header of a raw message."""
    out, inside = [], False
    for line in data.split("\r\n\r\n", 1)[0].split("\r\n"):
        if line.lower().startswith("subject:"):
            inside = True
        elif line[:1] not in (" ", "\t"):
            inside = False
        if inside:
            out.append(line)
    return out

con = sqlite3.connect(db)
con.row_factory = sqlite3.Row
con.text_factory = bytes        # event details as stored, byte for byte
rows = [{k: text(r[k]) for k in r.keys()} for r in con.execute(
    "SELECT a.*, e.source_id FROM alerts a JOIN events e ON e.id = "
    "a.event_id ORDER BY a.id")]
raw_detail = {r[0]: r[1] for r in con.execute("SELECT id, detail FROM events")}
urls = {r[0]: text(r[1]) for r in con.execute("SELECT id, url FROM sources")}
tags = {}
for sid, t in con.execute("SELECT source_id, tag FROM source_tags"):
    tags.setdefault(sid, set()).add(text(t))
cit = [text(c[0]) for c in con.execute(
    "SELECT n.citation FROM source_notes n JOIN sources x ON x.id = "
    "n.source_id WHERE x.url = ?", (i_url,))]
chan = {}
for r in rows:
    chan.setdefault(r["channel"], {})[r["uid"]] = r

check("(1) four channels, with alert rows each",
      sorted(chan) == ["daily", "feed", "hook", "mail"], sorted(chan))
for ch, rs in sorted(chan.items()):
    kinds = {r["kind"] for r in rs.values()}
    check(f"(1) {ch}: alert rows of every kind ({len(rs)} rows)", kinds == ALL,
          f"missing {sorted(ALL - kinds)}, extra {sorted(kinds - ALL)}")
    check(f"(1) {ch}: every row sent, with sent_at and attempts >= 1",
          all(r["state"] == "sent" and r["sent_at"] and r["attempts"] >= 1
              for r in rs.values()),
          [(r["uid"], r["kind"], r["state"], r["attempts"], r["error"])
           for r in rs.values() if r["state"] != "sent"][:5])
check("(1) every channel has a row for the same events",
      len({tuple(sorted(r["event_id"] for r in rs.values()))
           for rs in chan.values()}) == 1,
      {ch: len(rs) for ch, rs in chan.items()})
af_rows = [r for r in rows if r["kind"] == "archive_failed"]
af_detail = raw_detail[af_rows[0]["event_id"]] if af_rows else b""
af_msg = json.load(open(msg_f))["error_message"]

# -- webhook ------------------------------------------------------------------
hook = chan.get("hook", {})
st = json.load(open(hook_f))
dl = st["deliveries"]
uids = [d["uid"] for d in dl]
check(f"(1) hook: the uids received are the alert rows' ({len(hook)} rows, "
      f"{len(dl)} deliveries)", set(uids) == set(hook),
      f"never {sorted(set(hook) - set(uids))}, unknown "
      f"{sorted(set(uids) - set(hook))[:5]}")
check("(1) hook: each delivered once", len(uids) == len(set(uids)),
      sorted({u for u in uids if uids.count(u) > 1}))
check("(1) hook: every signature verifies (HMAC-SHA256, the channel's secret)",
      dl and all(d["verified"] for d in dl),
      [(d["uid"], d["signature"]) for d in dl if not d["verified"]][:3])
check("(1) hook: every body is strict JSON",
      dl and all(d["json_ok"] for d in dl),
      [(d["uid"], d["error"]) for d in dl if not d["json_ok"]][:3])
bodies = {d["uid"]: json.loads(d["body"]) for d in dl if d["json_ok"]}
got = {b.get("kind") for b in bodies.values()}
check("(1) hook: the kinds received are every kind", got == ALL,
      f"missing {sorted(ALL - got)}, extra {sorted(got - ALL)}")
bad = [(u, b.get("id"), b.get("kind"), hook[u]["kind"])
       for u, b in bodies.items() if u in hook and
       (b.get("kind") != hook[u]["kind"] or b.get("id") != u)]
check("(1) hook: each body's id and kind are its row's", not bad, bad[:5])
check("(1) hook: no other request", not st["anomalies"] and st["refused"] == 0,
      st["anomalies"][:3])

# -- every mail (one per alert, and the digests) ------------------------------------
recs = [json.loads(l) for l in open(mail_f)] if os.path.getsize(mail_f) else []
parsed, hdr_bad, long_lines, not_ascii = [], [], [], []
for r in recs:
    data = r["data"]
    if any(ord(c) > 127 for c in data):
        not_ascii.append(data[:120])
    raw = data.encode("utf-8", "surrogateescape")
    long_lines += [len(l) for l in raw.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
                   if len(l) > 998]
    m = BytesParser(policy=policy.default).parsebytes(raw)
    names = [k.lower() for k in m.keys()]
    extra = [k for k in names if k not in HEADERS]
    dup = sorted({k for k in names if names.count(k) > 1})
    if extra or dup or m.defects:
        hdr_bad.append((m["x-rotwatch-alert"], extra, dup,
                        [type(x).__name__ for x in m.defects]))
    parsed.append((r, m))
check(f"(3) no mail has a header the daemon does not write, or one twice "
      f"({len(recs)} mails)", recs and not hdr_bad, hdr_bad[:5])
check("(3) no mail has a Bcc or Cc header",
      not [1 for _, m in parsed if m["bcc"] is not None or m["cc"] is not None])
check("(3) no raw header line longer than 998 bytes", not long_lines,
      long_lines[:5])
check("(3) every mail is 7-bit ASCII as sent", not not_ascii, not_ascii[:2])
MAIL_TO = sorted(a.strip() for a in mail_to.split(","))
DIGEST_TO = sorted(a.strip() for a in digest_to.split(","))
digests = [(r, m) for r, m in parsed if sorted(r["rcpt"]) == DIGEST_TO]
singles = [(r, m) for r, m in parsed if sorted(r["rcpt"]) != DIGEST_TO]
check("(3) the recipients are exactly the configured ones (envelope)",
      all(sorted(r["rcpt"]) == MAIL_TO for r, _ in singles),
      sorted({tuple(r["rcpt"]) for r, _ in parsed}))
check("(3) the To: header is the configured list, the sender the configured one",
      all(str(m["to"]) == mail_to for _, m in singles) and
      all(str(m["to"]) == digest_to for _, m in digests) and
      all(r["from"] == frm for r, _ in parsed),
      sorted({(str(m["to"]), r["from"]) for r, m in parsed}))
bad = [(str(m["x-rotwatch-alert"]), str(m["subject"])) for _, m in parsed
       if "\r" in str(m["subject"]) or "\n" in str(m["subject"])]
check("(3) every decoded Subject is one line", not bad, bad[:3])

# -- mail: one per alert ----------------------------------------------------------
mail = chan.get("mail", {})
ids = [str(m["x-rotwatch-alert"]) for _, m in singles]
check(f"(1) mail: the X-Rotwatch-Alert ids received are the alert rows' "
      f"({len(mail)} rows, {len(singles)} mails)", set(ids) == set(mail),
      f"never {sorted(set(mail) - set(ids))}, unknown "
      f"{sorted(set(ids) - set(mail))[:5]}")
check("(1) mail: each sent once", len(ids) == len(set(ids)),
      sorted({u for u in ids if ids.count(u) > 1}))
got, bad = set(), []
for _, m in singles:
    u, subj = str(m["x-rotwatch-alert"]), str(m["subject"])
    k = mail.get(u, {}).get("kind")
    mt = re.match(r"\[rotwatch\] ([a-z_0-9]+)[: ]", subj)
    if mt:
        got.add(mt.group(1))
    if k is None or not mt or mt.group(1) != k:
        bad.append((u, k, subj[:100]))
    if str(m["message-id"]) != f"<{u}@rotwatch>":
        bad.append((u, "message-id", str(m["message-id"])))
check("(1) mail: each Subject starts \"[rotwatch] KIND\" of its alert",
      not bad, bad[:5])
check("(1) mail: the kinds received are every kind", got == ALL,
      f"missing {sorted(ALL - got)}, extra {sorted(got - ALL)}")

# -- digest: the digests together hold every alert of the channel -------------------
daily = chan.get("daily", {})
dg, bad = [], []
for r, m in digests:
    u = str(m["x-rotwatch-alert"])
    mt = re.fullmatch(r"digest-(\d+)-daily", u)
    ms = re.fullmatch(r"\[rotwatch\] digest at \S+: (\d+) alerts",
                      str(m["subject"]))
    if not mt or not ms:
        bad.append((u, str(m["subject"])))
        continue
    dg.append((int(mt.group(1)), int(ms.group(1)),
               m.get_body().get_content()))
dg.sort()
check(f"(1) daily: {len(dg)} digest mail(s), each with the id of its newest "
      f"alert and its count in the subject", dg and not bad, bad[:3])
prev, counts, alltext = 0, [], ""
for upto, n, body in dg:
    counts.append((upto, n, sum(1 for r in daily.values()
                                if prev < r["id"] <= upto)))
    prev = upto
    alltext += body
check("(1) daily: each digest counts the alerts up to its id, after the last",
      all(n == k for _, n, k in counts), counts)
total = sum(n for _, n, _ in counts)
check(f"(1) daily: the digests count every alert ({total} of {len(daily)})",
      total == len(daily) and dg and
      dg[-1][0] == max(r["id"] for r in daily.values()), counts)
# each alert's part of a digest starts with "KIND: URL (" ("monitor at"
# for the monitor's own)
want = {}
for r in daily.values():
    key = ("monitor at " if r["kind"] == "monitor" else
           f"{r['kind']}: {urls[r['source_id']]} (")
    want[key] = (r["kind"], want.get(key, (0, 0))[1] + 1)
miss = [(key, n, alltext.count(key)) for key, (_, n) in want.items()
        if alltext.count(key) != n]
got = {k for key, (k, _) in want.items() if alltext.count(key) > 0}
check("(1) daily: the digests mention every alert (kind and URL, counted)",
      not miss, miss[:5])
check("(1) daily: the kinds mentioned are every kind", got == ALL,
      f"missing {sorted(ALL - got)}")

# -- atom ----------------------------------------------------------------------
feed = chan.get("feed", {})
d = feedparser.parse(os.path.join(feeds, "all.atom"))
check("(1) feed: all.atom parses (feedparser, not bozo)", not d.bozo,
      getattr(d, "bozo_exception", ""))
eids = [e.get("id", "") for e in d.entries]
got = {i[len(URN):] for i in eids if i.startswith(URN)}
check(f"(1) feed: the entry ids are the alert rows' ({len(feed)} rows, "
      f"{len(eids)} entries)", got == set(feed) and len(eids) == len(feed),
      f"never {sorted(set(feed) - got)}, unknown {sorted(got - set(feed))[:5]}")
cats = {t.term for e in d.entries for t in e.get("tags", [])}
check("(1) feed: the entries' categories are every kind", cats == ALL,
      f"missing {sorted(ALL - cats)}, extra {sorted(cats - ALL)}")
bad = [(e.get("id"), [t.term for t in e.get("tags", [])]) for e in d.entries
       if [t.term for t in e.get("tags", [])] !=
       [feed.get(e.get("id", "")[len(URN):], {}).get("kind")]]
check("(1) feed: each entry's category is its alert's kind", not bad, bad[:3])
for tag in ("watched", "foia"):
    p = os.path.join(feeds, f"all-{tag}.atom")
    exp = {u for u, r in feed.items() if tag in tags.get(r["source_id"], ())}
    f = feedparser.parse(p) if os.path.exists(p) else None
    got = {e.get("id", "")[len(URN):] for e in f.entries} if f else set()
    check(f"(1) feed: all-{tag}.atom parses and holds the alerts of the "
          f"sources tagged {tag} ({len(exp)})",
          f is not None and not f.bozo and got == exp and exp,
          f"exists {f is not None}, bozo {f and f.bozo}, got {sorted(got)}, "
          f"want {sorted(exp)}")

# -- (3) the citation, per channel ----------------------------------------------
check("(3) the injected source has its one citation", len(cit) == 1, cit)
hb = [b for b in bodies.values() if isinstance(b.get("source"), dict)
      and b["source"].get("url") == i_url]
check("(3) hook: the injected source's alert arrived as JSON", len(hb) == 1,
      len(hb))
hc = [n.get("citation") for b in hb for n in b["source"].get("notes") or []]
check("(3) hook: the citation round-trips byte for byte", hc == cit,
      f"body {hc!r} db {cit!r}")
mb = [m.get_body().get_content() for _, m in singles
      if str(m["subject"]).startswith(f"[rotwatch] dead: {i_url} ")]
check("(3) mail: the injected source's mail carries the citation verbatim",
      len(mb) == 1 and cit and f"Cited in: 7. {cit[0]}\n" in mb[0],
      [x[-300:] for x in mb])
raws = {n: open(os.path.join(feeds, n), "rb").read()
        for n in ("all.atom", "all-foia.atom")}
check("(3) feed: no <script> element in the raw files",
      all(b"<script" not in v for v in raws.values()),
      [n for n, v in raws.items() if b"<script" in v])
check("(3) feed: no CDATA section in the raw files (\"]]>\" stays text)",
      all(b"<![CDATA[" not in v for v in raws.values()))
for name, raw in raws.items():
    try:
        root = ET.fromstring(raw)
    except ET.ParseError as exc:
        check(f"(3) feed: {name} is well-formed XML", False, exc)
        continue
    ents = [e for e in root.findall("a:entry", ATOM)
            if any(l.get("href") == i_url for l in e.findall("a:link", ATOM))]
    cont = [e.find("a:content", ATOM) for e in ents]
    check(f"(3) feed: {name}: the injected source's entry holds the "
          f"citation as text, verbatim",
          len(ents) == 1 and cont[0] is not None and
          cont[0].get("type") == "text" and len(cont[0]) == 0 and cit and
          f"Cited in: 7. {cit[0]}\n" in (cont[0].text or ""),
          [(c.get("type"), (c.text or "")[-300:]) for c in cont if c is not None])
    if name == "all.atom":
        ents = [e for e in root.findall("a:entry", ATOM) if
                e.find("a:category", ATOM) is not None and
                e.find("a:category", ATOM).get("term") == "archive_failed"]
        c = [e.find("a:content", ATOM) for e in ents]
        check("(3) feed: the archive_failed entry holds the archive's reason "
              "as text, verbatim",
              len(c) == 1 and c[0] is not None and len(c[0]) == 0 and
              "Why: " + text(af_detail) + "\n" in (c[0].text or ""),
              [(x.text or "")[-300:] for x in c if x is not None])

# -- (3) the archive's message, per channel --------------------------------------
check("(3) the stored reason carries the archive's message (its first 150 "
      "bytes at least)", af_rows and af_msg.encode()[:150] in af_detail,
      af_detail[:300])
check("(3) the stored reason is valid UTF-8 (a cut does not split a letter)",
      af_rows and utf8_ok(af_detail), af_detail[-12:])
af = [(r, m) for r, m in singles if mail.get(
    str(m["x-rotwatch-alert"]), {}).get("kind") == "archive_failed"]
check("(3) mail: one archive_failed mail", len(af) == 1, len(af))
for r, m in af[:1]:
    subj = str(m["subject"])
    check("(3) mail: its decoded Subject is one line, starting "
          "\"[rotwatch] archive_failed\"",
          subj.startswith("[rotwatch] archive_failed") and "\r" not in subj
          and "\n" not in subj, repr(subj))
    check("(3) mail: ... and holds the archive's \"Bcc: victim@evil.example\" "
          "as text", "Bcc: victim@evil.example" in subj, repr(subj))
    lines = raw_subject(r["data"])
    words = re.findall(r"=\?[^?]+\?[BbQq]\?[^?]*\?=", "".join(lines))
    check("(3) mail: ... as RFC 2047 encoded words of at most 75 characters, "
          "folded over several lines",
          len(lines) > 1 and words and all(len(w) <= 75 for w in words), lines)
    body = m.get_body().get_payload(decode=True)
    check("(3) mail: its body carries the archive's reason as stored",
          b"Why: " + af_detail + b"\n" in body,
          f"{body[:400]!r} / {af_detail[:200]!r}")
ha = [b for b in bodies.values() if b.get("kind") == "archive_failed"]
check("(3) hook: the archive_failed alert arrived as JSON", len(ha) == 1,
      [(r["uid"], r["state"], r["attempts"], r["error"]) for r in af_rows
       if r["channel"] == "hook"])
for b in ha[:1]:
    t = b.get("text")
    check("(3) hook: its \"text\" is one line (no CR/LF from the archive)",
          isinstance(t, str) and "\r" not in t and "\n" not in t, repr(t)[:300])
    check("(3) hook: its event.detail is the stored reason",
          (b.get("event") or {}).get("detail") == text(af_detail),
          repr((b.get("event") or {}).get("detail"))[:300])
PYEOF
py_asserts "$SY" "$T/check1.py" "$DB" "$T/hook-1.json" "$T/mail-1.jsonl" \
	"$T/feeds-1" "$MAIL_TO" "$DIGEST_TO" "$FROM" "$ALL_KINDS" "$I_URL" \
	"$T/msg.json"

# --- (2) kill -9 while mails are delivered ---------------------------------------------
for i in $(seq 1 $N2); do echo "$W1/notfound?k=$i"; done >"$T/k-urls.txt"
rw import "$T/k-urls.txt" >"$T/k-import.log" 2>&1
assert_rc "(2) import $N2 URLs" 0 $?
check_pass k1 $(cat "$T/k-urls.txt")
check_pass k2 $(cat "$T/k-urls.txt")
K_SRC="SELECT e.id FROM events e JOIN sources s ON s.id = e.source_id
	WHERE s.url LIKE '%/notfound?k=%'"
k_pending() { q "SELECT count(*) FROM alerts WHERE state != 'sent' AND event_id IN ($K_SRC)"; }
k_done() { [ "$(k_pending 2>/dev/null)" = 0 ]; }
assert_eq "(2) $N2 dead alerts waiting for the mail channel" "$N2" \
	"$(q "SELECT count(*) FROM alerts WHERE channel = 'mail' AND state = 'pending'
	      AND event_id IN ($K_SRC)")"

# Mails go out one at a time (libcurl waits for the answer to the end of
# DATA), each held SMTP_DELAY by the server: a kill made just after the
# server has read a mail cuts that mail off before its "250".
: >"$T/kills.txt"
for k in $(seq 1 "$KILLS"); do
	k_done && break
	before=$(mails)
	want=$((before + 1 + RANDOM % 5))	# the kill follows the want-th mail
	start_daemon "k$k"
	end=$(($(now_ms) + 20000))
	while [ "$(mails)" -lt "$want" ] && [ "$(now_ms)" -lt "$end" ] &&
		kill -0 "$DPID" 2>/dev/null; do
		sleep 0.02
	done
	sleep "0.0$((RANDOM % 6))"
	if ! kill -0 "$DPID" 2>/dev/null; then
		wait "$DPID"
		fail "(2) kill $k: the daemon had already exited (status $?)"
		sed 's/^/  daemon: /' "$T/daemon-k$k.log" | head -10
		continue
	fi
	kb=$(now_ms)
	kill -9 "$DPID"
	ka=$(now_ms)
	wait "$DPID" 2>/dev/null
	echo "$k $kb $ka" >>"$T/kills.txt"
	ic=$(q 'PRAGMA integrity_check')
	[ "$ic" = ok ] || fail "(2) kill $k: integrity_check: expected [ok], got [$ic]"
	echo "kill $k: $(($(mails) - before)) mails read in this run, $(k_pending) alerts pending"
done
assert_eq "(2) the daemon was killed $KILLS times while delivering" "$KILLS" \
	"$(wc -l <"$T/kills.txt")"
start_daemon k-final
wait_for 90 k_done
assert_eq "(2) every alert row of the $N2 sources sent after the kills" 0 "$(k_pending)"
sleep 1
stop_daemon "(2)"
assert_eq "(2) integrity at the end" ok "$(q 'PRAGMA integrity_check')"
q "SELECT uid, state FROM alerts WHERE channel = 'mail' AND event_id IN ($K_SRC)" >"$T/k-rows.txt"
py_asserts "$SY" - "$T/mail.jsonl" "$T/k-rows.txt" "$T/kills.txt" "$DELAY_MS" "$N2" <<'PYEOF'
import json, sys
from email import policy
from email.parser import Parser
mail_f, rows_f, kills_f = sys.argv[1:4]
delay, n2 = int(sys.argv[4]), int(sys.argv[5])
def check(desc, good, detail=""):
    print(f"ok\t{desc}" if good else f"FAIL\t{desc}\t{str(detail)[:1500]}")
rows = dict(l.rstrip("\n").split("|") for l in open(rows_f))
dl = []
for l in open(mail_f):
    r = json.loads(l)
    m = Parser(policy=policy.default).parsestr(r["data"])
    dl.append((str(m["x-rotwatch-alert"]), r["t"]))
mine = [(u, t) for u, t in dl if u in rows]
seen = {u for u, _ in mine}
check(f"(2) the server received every alert id at least once ({len(rows)} "
      f"alerts, {len(mine)} mails)", seen == set(rows),
      f"missing {sorted(set(rows) - seen)[:5]}")
check(f"(2) all {n2} rows of the mail channel sent", len(rows) == n2 and
      all(v == "sent" for v in rows.values()), sorted(set(rows.values())))
# a mail the server read less than the delay before a kill (50 ms of
# leeway) was never answered "250" to that daemon: it is cut off, and must
# have been sent again after the kill
kills = [tuple(map(int, l.split()))[1:] for l in open(kills_f) if l.strip()]
hits, cut, lost = 0, [], []
for kb, ka in kills:
    c = [u for u, t in dl if ka + 50 - delay < t < kb]
    hits += bool(c)
    for u in c:
        if u in rows:
            cut.append(u)
            if not [1 for x, tx in mine if x == u and tx > ka]:
                lost.append(u)
print(f"info\t(2) {hits} of {len(kills)} kills cut a mail off; {len(cut)} "
      f"alert mails cut off; {len(mine) - len(seen)} sent more than once")
check(f"(2) most kills cut off a mail in flight ({hits} of {len(kills)})",
      hits * 2 > len(kills), hits)
check("(2) every mail a kill cut off was sent again after the kill",
      cut and not lost, f"cut {len(cut)}, never again {sorted(set(lost))[:5]}")
PYEOF

[ "${KEEP:-0}" = 1 ] && echo "kept: $T"
finish
