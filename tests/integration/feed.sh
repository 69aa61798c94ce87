#!/bin/bash
# Atom channels: the daemon writes a feed of every alert and one per tag,
# each accepted by a real feed parser (feedparser), with stable entry ids;
# markup, quotes and "]]>" in a citation stay text; the file is replaced
# whole; a channel without a path is refused with FILE:LINE.
. "$(dirname "$0")/lib.sh"
setup
FP=/usr/bin/python3	# Debian's, with python3-feedparser
"$FP" -c 'import feedparser' 2>/dev/null || { echo "FATAL: python3-feedparser missing (make deps)"; exit 1; }
start_web main
B="http://127.0.0.1:$WEB_PORT"
cat >>"$CONF" <<EOF2

[verdict]
confirm_checks = 2
confirm_span = 0s

[archive]
enabled = no

[channel feed]
type = atom
path = feeds/all.atom
per_tag = yes
EOF2
mkdir -p "$T/feeds"
CIT='Ministry of the Interior, "Data <script>alert(1)</script> ]]> & sharing"'
printf '1 %s %s\n' "$CIT" "$B/notfound" >"$T/notes.txt"
rw import --tag foia "$T/notes.txt" >/dev/null 2>&1
rw add "$B/gone" >/dev/null 2>&1
rw check --all >/dev/null 2>&1
rw check --all >/dev/null 2>&1
assert_eq "two confirmed deaths, each with a queued alert" "2 2" \
	"$(q "SELECT (SELECT count(*) FROM sources WHERE state = 'dead') || ' ' ||
	             (SELECT count(*) FROM alerts WHERE channel = 'feed')")"
start_bg "$T/daemon.log" "${RW[@]}" -c "$CONF" daemon
DPID=$BG_PID
written() { [ "$(q "SELECT count(*) FROM alerts WHERE state = 'sent'")" = 2 ]; }
wait_for 10 written
assert_eq "the alerts are marked written" 2 "$(q "SELECT count(*) FROM alerts WHERE state = 'sent'")"
kill -TERM "$DPID"
assert_eq "no temporary file left beside the feeds" "" "$(ls "$T/feeds" | grep -v '\.atom$')"
res=$("$FP" - "$T/feeds/all.atom" "$T/feeds/all-foia.atom" "$B" "$CIT" <<'PY'
import sys, feedparser
allf, foia, b, cit = sys.argv[1:5]
bad = []
d = feedparser.parse(allf)
if d.bozo: bad.append("all: not well-formed: %s" % d.bozo_exception)
if len(d.entries) != 2: bad.append("all: %d entries" % len(d.entries))
ids = [e.id for e in d.entries]
if len(set(ids)) != 2 or not all(i.startswith("urn:rotwatch:alert:") for i in ids):
    bad.append("ids %r" % ids)
links = sorted(e.link for e in d.entries)
if links != sorted([b + "/gone", b + "/notfound"]): bad.append("links %r" % links)
f = feedparser.parse(foia)
if f.bozo or len(f.entries) != 1 or f.entries[0].link != b + "/notfound":
    bad.append("foia feed: %d entries" % len(f.entries))
else:
    text = f.entries[0].content[0].value
    if "Cited in: 1. " + cit not in text: bad.append("citation not verbatim: %r" % text[-200:])
    if [t.term for t in f.entries[0].tags] != ["dead"]: bad.append("category")
print("fine" if not bad else "; ".join(bad))
PY
)
assert_eq "feeds parse; all has both deaths, the foia feed its one, citation verbatim" fine "$res"
assert_eq "no raw <script> in the file" 0 "$(grep -c '<script>' "$T/feeds/all-foia.atom")"

# a channel of type atom without a path
f="$T/bad.conf"
printf '[storage]\ndatabase = db.sqlite\n\n[channel x]\ntype = atom\n' >"$f"
err=$("${RW[@]}" -c "$f" config-check 2>&1 >/dev/null)
assert_rc "atom channel without path: config-check" 78 $?
assert_contains "atom channel without path: FILE:LINE" "$f:4: channel x: no path" "$err"
finish
